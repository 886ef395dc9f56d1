#!/usr/bin/env node
// Entry point of the `noether` CLI: the bundled build in dist/.
'use strict';
const { main } = require('../dist/cli.js');
process.exitCode = main(process.argv.slice(2), (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n'));
