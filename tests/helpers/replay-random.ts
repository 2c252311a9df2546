/** A RandomSource that replays the draws a golden vector recorded, for the crypto vector tests. */
import assert from 'node:assert/strict';
import type { RandomSource } from '../../src/crypto/random.js';

/** Hands out the stored draws in order, and checks the code asks for exactly those lengths. */
export function replay(draws: string[]): RandomSource {
  let next = 0;
  return (bytes) => {
    const draw = draws[next++];
    assert.ok(draw !== undefined, 'more random draws than the vector lists');
    assert.equal(bytes, draw.length / 2, 'random draw of another length than the vector lists');
    return Buffer.from(draw, 'hex');
  };
}
