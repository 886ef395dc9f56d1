#!/usr/bin/env node
// Entry point of the `noether` CLI: the bundled build in dist/.
'use strict';
const { mainAsync } = require('../dist/cli.js');
mainAsync(process.argv.slice(2), (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n')).then((code) => {
  process.exitCode = code;
});
