/**
 * The node options the server needs reach it however it is started: the first line of
 * bin/obscura.js (an installed `obscura` command) and `npm start` carry exactly SERVER_NODE_FLAGS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { missingNodeFlags, SERVER_NODE_FLAGS } from '../../../src/server/node-flags.js';
import { repoRoot } from '../../helpers/server.js';

test('bin/obscura.js starts node with SERVER_NODE_FLAGS, and so does npm start', async () => {
  assert.ok(SERVER_NODE_FLAGS.length > 0);
  const bin = await readFile(join(repoRoot, 'bin', 'obscura.js'), 'utf8');
  assert.equal(bin.split('\n')[0], `#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}`);
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts['start'], `node ${SERVER_NODE_FLAGS.join(' ')} bin/obscura.js server`);
});

test('missingNodeFlags names the flags a process lacks, and only those', () => {
  assert.deepEqual(missingNodeFlags([]), [...SERVER_NODE_FLAGS]);
  assert.deepEqual(missingNodeFlags(['--inspect', ...SERVER_NODE_FLAGS]), []);
  assert.deepEqual(missingNodeFlags(['--initial-old-space-size=32']), [...SERVER_NODE_FLAGS], 'another value is not the flag');
});
