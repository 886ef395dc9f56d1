// Preloaded into each fuzzed `noether` process (node --require): when the process exits it writes
// its CPU time (user + system, all threads, in ms) to file descriptor 3, which the fuzzer reads. CPU
// time, unlike wall time, does not grow when other work shares the machine.
import * as fs from 'fs';

process.on('exit', () => {
  const u = process.cpuUsage();
  try {
    fs.writeSync(3, `${(u.user + u.system) / 1000}\n`);
  } catch {
    // No descriptor 3: not started by the fuzzer.
  }
});
