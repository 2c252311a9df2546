/**
 * systemRandom's pool: every draw is fresh CSPRNG output in a buffer of its own (never a view of
 * the pool or of another draw), across refills, for pooled and unpooled sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemRandom } from '../../../src/crypto/random.js';

test('systemRandom: draws across many refills are distinct, own their memory and look uniform', () => {
  const seen = new Set<string>();
  const counts = new Array<number>(256).fill(0);
  let total = 0;
  for (let i = 0; i < 20_000; i++) {
    const bytes = [7, 8, 12, 16, 32, 64][i % 6]!;
    const r = systemRandom(bytes);
    assert.equal(r.length, bytes);
    assert.equal(r.byteOffset, 0, 'not a view into a shared buffer');
    assert.equal(r.buffer.byteLength, bytes, 'a buffer of its own');
    const hex = r.toString('hex');
    assert.ok(!seen.has(hex), `draw ${i} repeated`);
    seen.add(hex);
    for (const b of r) counts[b]!++;
    total += bytes;
  }
  // 20,000 draws ≈ 460 KB: each byte value near 1/256 of them (a stuck or zeroed pool fails this).
  for (const [value, n] of counts.entries()) assert.ok(Math.abs(n / total - 1 / 256) < 0.0015, `byte ${value}: ${n} of ${total}`);
});

test('systemRandom: a draw changed by its caller (a key wiped after use) leaves later draws alone', () => {
  const a = systemRandom(32);
  const copy = Buffer.from(a);
  a.fill(0);
  const b = systemRandom(32);
  assert.notDeepEqual(b, Buffer.alloc(32));
  assert.notDeepEqual(b, copy);
  const big = systemRandom(1000);
  assert.equal(big.length, 1000);
  assert.notDeepEqual(big, Buffer.alloc(1000));
});
