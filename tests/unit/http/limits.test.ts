/**
 * Body bounds (src/http/limits.ts): the streaming length limit and the whole-body reader of small
 * declared bodies answer the same errors for the same bodies (exact, short, long, past the object
 * limit), a source that fails is never taken for a complete body, and the XML reader's bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isObscuraError } from '../../../src/errors/index.js';
import { createLengthLimit, readBodyExactly, readBodyLimited } from '../../../src/http/limits.js';

const pieces = (sizes: number[]): Buffer[] => sizes.map((n, i) => Buffer.alloc(n, i + 1));

async function viaStream(sizes: number[], opts: { maxBytes: number; expectedBytes: number }): Promise<string> {
  const out: Buffer[] = [];
  const limit = createLengthLimit(opts);
  limit.on('data', (c: Buffer) => out.push(c));
  try {
    await pipeline(Readable.from(pieces(sizes)), limit);
    return `ok ${Buffer.concat(out).toString('hex')}`;
  } catch (e) {
    return isObscuraError(e) ? `${e.code}: ${e.message}` : `other: ${String(e)}`;
  }
}

async function whole(sizes: number[], opts: { maxBytes: number; expectedBytes: number }): Promise<string> {
  try {
    return `ok ${(await readBodyExactly(Readable.from(pieces(sizes)), opts)).toString('hex')}`;
  } catch (e) {
    return isObscuraError(e) ? `${e.code}: ${e.message}` : `other: ${String(e)}`;
  }
}

test('readBodyExactly answers what the streaming limit answers: exact, short, long, too large', async () => {
  const cases: Array<[number[], { maxBytes: number; expectedBytes: number }, RegExp]> = [
    [[4096], { maxBytes: 1 << 20, expectedBytes: 4096 }, /^ok /],
    [[1, 2, 3], { maxBytes: 1 << 20, expectedBytes: 6 }, /^ok 010202030303$/],
    [[], { maxBytes: 1 << 20, expectedBytes: 0 }, /^ok $/],
    [[100, 50], { maxBytes: 1 << 20, expectedBytes: 200 }, /^IncompleteBody: /],
    [[], { maxBytes: 1 << 20, expectedBytes: 1 }, /^IncompleteBody: /],
    [[100, 101], { maxBytes: 1 << 20, expectedBytes: 200 }, /^IncompleteBody: The request body is longer than its declared length\.$/],
    [[60, 60], { maxBytes: 100, expectedBytes: 120 }, /^EntityTooLarge: /],
  ];
  for (const [sizes, opts, expected] of cases) {
    const streamed = await viaStream(sizes, opts);
    assert.match(streamed, expected, `stream ${JSON.stringify(sizes)}`);
    assert.equal(await whole(sizes, opts), streamed, `whole ${JSON.stringify(sizes)}`);
  }
});

test('must fail: a source that errors or is destroyed mid-body is not a body', async () => {
  const failing = new Readable({ read() {} });
  failing.push(Buffer.alloc(10));
  setImmediate(() => failing.destroy(new Error('client went away')));
  await assert.rejects(readBodyExactly(failing, { maxBytes: 100, expectedBytes: 10 }), /client went away/);
  const cut = new Readable({ read() {} });
  cut.push(Buffer.alloc(5));
  setImmediate(() => cut.destroy());
  await assert.rejects(readBodyExactly(cut, { maxBytes: 100, expectedBytes: 10 }), (e: Error) => !isObscuraError(e));
  const closed = new Readable({ read() {} });
  closed.destroy();
  await assert.rejects(readBodyExactly(closed, { maxBytes: 100, expectedBytes: 0 }), (e: Error) => !isObscuraError(e), 'a source already destroyed is not an empty body');
});

test('readBodyExactly: a refused body destroys its source (the rest is not read), and a source already ended is judged by its length', async () => {
  const long = new Readable({ read() {} });
  long.push(Buffer.alloc(60));
  long.push(Buffer.alloc(60));
  await assert.rejects(readBodyExactly(long, { maxBytes: 100, expectedBytes: 120 }), (e: unknown) => isObscuraError(e) && e.code === 'EntityTooLarge');
  assert.equal(long.destroyed, true);
  const ended = Readable.from([]);
  ended.resume();
  await new Promise((resolve) => ended.once('end', resolve));
  assert.deepEqual(await readBodyExactly(ended, { maxBytes: 100, expectedBytes: 0 }), Buffer.alloc(0));
  await assert.rejects(readBodyExactly(ended, { maxBytes: 100, expectedBytes: 1 }), (e: unknown) => isObscuraError(e) && e.code === 'IncompleteBody');
});

test('readBodyLimited reads a small XML body and refuses one past its bound', async () => {
  assert.equal((await readBodyLimited(Readable.from([Buffer.from('<a>'), Buffer.from('</a>')]), 7)).toString(), '<a></a>');
  await assert.rejects(readBodyLimited(Readable.from([Buffer.alloc(8)]), 7), (e: unknown) => isObscuraError(e) && e.code === 'MaxMessageLengthExceeded');
});
