/**
 * chain(): stream.pipeline's contract without its per-call AbortController. Completion once, after
 * the last stream finished; an error or premature close anywhere destroys every stream with that
 * error, reports it once and leaves no unhandled 'error' event; a server request in the chain is
 * ended without closing the connection that still has to carry the answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { chain, chainAsync } from '../../../src/http/stream-chain.js';

function sink(): Writable & { received: Buffer[] } {
  const received: Buffer[] = [];
  return Object.assign(
    new Writable({
      write(chunk: Buffer, _e, cb) {
        received.push(chunk);
        cb();
      },
    }),
    { received },
  );
}

function upper(): Transform {
  return new Transform({ transform: (chunk: Buffer, _e, cb) => cb(null, Buffer.from(chunk.toString().toUpperCase())) });
}

test('chain: bytes flow through every stage; done() once, after the last stream finished', async () => {
  const out = sink();
  let calls = 0;
  await new Promise<void>((resolve, reject) => {
    chain([Readable.from(['ab', 'cd'], { objectMode: false }), upper(), new PassThrough(), out], (e) => {
      calls++;
      if (e) reject(e);
      assert.equal(out.writableFinished, true);
      resolve();
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(calls, 1);
  assert.equal(Buffer.concat(out.received).toString(), 'ABCD');
});

test('chain: an error in any stage destroys all of them with it and is reported once, never unhandled', async () => {
  for (const failing of [0, 1, 2]) {
    const failure = new Error(`stage ${failing}`);
    const source = new Readable({ read() {} });
    const middle = upper();
    const last = sink();
    const stages = [source, middle, last] as const;
    const reports: Array<Error | undefined> = [];
    const reported = new Promise<void>((resolve) => chain([...stages], (e) => (reports.push(e), resolve())));
    source.push('x');
    stages[failing].destroy(failure);
    await reported;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(reports, [failure], `stage ${failing}`);
    for (const s of stages) assert.equal(s.destroyed, true);
  }
});

test('chain: the last stream closed early by its consumer (a client hang-up) destroys the sources', async () => {
  const source = new Readable({ read() {} });
  const last = new PassThrough();
  const result = chainAsync([source, last]);
  source.push('partial');
  last.destroy();
  await assert.rejects(result, { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  assert.equal(source.destroyed, true);
});

test('chain: a failing stage after a server request ends the request but its connection still answers', async () => {
  const server = createServer((req, res) => {
    const refuse = new Transform({ transform: (_c, _e, cb) => cb(new Error('refused')) });
    chain([req, refuse, sink()], (e) => {
      res.writeHead(400, { connection: 'close' });
      res.end(String(e?.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method: 'PUT', path: '/' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end(Buffer.alloc(1000, 1));
    });
    assert.equal(status, 400);
    assert.equal(body, 'refused');
  } finally {
    server.close();
  }
});
