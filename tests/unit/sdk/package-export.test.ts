/** The SDK is the package's `obscura/sdk` export, and nothing of the server is in its import graph. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../../helpers/server.js';

test('obscura/sdk resolves to the SDK and exports the ObsClient shape', async () => {
  const sdk = (await import('obscura/sdk' as string)) as Record<string, unknown>;
  for (const name of ['ObsClient', 'SseCHeader', 'SseKmsHeader', 'SseObsHeader', 'uploadFile', 'downloadFile', 'KmsClient']) assert.equal(typeof sdk[name], 'function', name);
});

test('the SDK imports only the SDK and the pure signing code', () => {
  const seen = new Set<string>();
  const entry = join(repoRoot, 'dist', 'src', 'sdk', 'index.js');
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(['"](\.[^'"]+)['"]\)/g)) {
      todo.push(resolve(dirname(file), (m[1] ?? m[2])!));
    }
  }
  const outside = [...seen].map((f) => relative(join(repoRoot, 'dist', 'src'), f)).filter((f) => !f.startsWith('sdk/') && !f.startsWith('signing/'));
  assert.deepEqual(outside, []);
  assert.ok(seen.size > 5);
});
