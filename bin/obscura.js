#!/usr/bin/env -S node --initial-old-space-size=48 --max-semi-space-size=4
// The `obscura` command: the compiled CLI (npm ci builds it through the prepare script).
// The node options on the first line are SERVER_NODE_FLAGS (src/server/node-flags.ts).
import { main } from '../dist/src/cli/main.js';

main(process.argv).catch((err) => {
  process.stderr.write(`obscura: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
