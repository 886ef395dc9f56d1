#!/usr/bin/env node
// Entry point of the `noether` CLI: the bundled build in dist/.
'use strict';
require('../dist/cli.js').runCli(process.argv.slice(2));
