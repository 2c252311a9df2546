#!/usr/bin/env node
// The `obscura` command: the compiled CLI (npm ci builds it through the prepare script).
import { main } from '../dist/src/cli/main.js';

main(process.argv).catch((err) => {
  process.stderr.write(`obscura: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
