/**
 * Slow clients cannot hold the server: a header block sent byte by byte is cut off after the
 * headers timeout, a body that stops arriving after the idle timeout (nothing is stored), and an
 * idle connection is closed. The server is started with 1-second timeouts to keep this quick.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { signedRequest } from '../helpers/raw.js';

let server: TestServer;
const bucket = uniqueBucket('slow');

before(async () => {
  server = await startTestServer({ args: ['--headers-timeout', '1', '--idle-timeout', '1'] });
  assert.equal((await signedRequest(server, { method: 'PUT', path: `/${bucket}` })).status, 200);
});

after(async () => {
  await server.stop();
  await server.cleanup();
});

/** Opens a socket, runs `feed`, and resolves with what the server sent and how long until it closed. */
function session(feed: (socket: net.Socket) => void): Promise<{ received: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(server.httpPort, '127.0.0.1', () => feed(socket));
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ received, closedAfterMs: Date.now() - started }));
    setTimeout(() => reject(new Error('the server never closed the connection')), 15_000).unref();
  });
}

test('headers sent one byte at a time are cut off after the headers timeout', async () => {
  const request = `GET /${bucket}/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
  let timer: NodeJS.Timeout | undefined;
  const result = await session((socket) => {
    let i = 0;
    timer = setInterval(() => {
      if (socket.destroyed || i >= request.length) return clearInterval(timer);
      socket.write(request[i++]!);
    }, 100);
  });
  clearInterval(timer);
  assert.ok(result.closedAfterMs < 5000, `closed after ${result.closedAfterMs} ms`);
  assert.match(result.received, /^$|^HTTP\/1\.1 408/);
});

test('a body that stops arriving is cut off after the idle timeout, and nothing is stored', async () => {
  const result = await session((socket) => {
    socket.write(`PUT /${bucket}/stalled HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\r\n`);
    socket.write(Buffer.alloc(1000, 1));
  });
  assert.ok(result.closedAfterMs < 5000, `closed after ${result.closedAfterMs} ms`);
  assert.equal((await signedRequest(server, { path: `/${bucket}/stalled` })).status, 404);
});

test('an idle connection is closed; the server keeps serving others', async () => {
  const result = await session(() => undefined);
  assert.ok(result.closedAfterMs < 5000, `closed after ${result.closedAfterMs} ms`);
  // The client's pooled keep-alive sockets were closed by the same timeout: retry until a fresh one.
  let res;
  for (let attempt = 0; attempt < 10 && !res; attempt++) {
    res = await signedRequest(server, { method: 'PUT', path: `/${bucket}/ok`, body: 'fine' }).catch(() => undefined);
  }
  assert.equal(res?.status, 200);
});
