/**
 * The SDK's retry rule, against a local HTTP endpoint that misbehaves on purpose: 5xx and dropped
 * connections are retried with backoff, 4xx never, and a stream body (not replayable) never.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ObsClient } from '../../../src/sdk/index.js';

async function endpoint(answers: Array<number | 'drop'>): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    const answer = answers[Math.min(hits, answers.length - 1)]!;
    hits++;
    req.resume();
    if (answer === 'drop') {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer, { 'x-amz-request-id': `R${hits}`, 'content-type': 'application/xml' });
    res.end(answer >= 300 ? `<Error><Code>Code${answer}</Code><Message>m</Message><RequestId>R${hits}</RequestId></Error>` : '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

function client(url: string, maxRetries = 3): ObsClient {
  return new ObsClient({ accessKeyId: 'AK', secretAccessKey: 'SK', server: url, signature: 'v4', maxRetries, timeoutMs: 5000 });
}

test('5xx answers are retried until one succeeds', async () => {
  const e = await endpoint([503, 500, 200]);
  const obs = client(e.url);
  const r = await obs.putContent('b', 'k', 'body');
  assert.equal(r.status, 200);
  assert.equal(e.hits(), 3);
  obs.close();
  await e.close();
});

test('a dropped connection is retried', async () => {
  const e = await endpoint(['drop', 200]);
  const obs = client(e.url);
  assert.equal((await obs.headBucket('b')).status, 200);
  assert.equal(e.hits(), 2);
  obs.close();
  await e.close();
});

test('4xx answers are never retried and come back as results', async () => {
  const e = await endpoint([403, 200]);
  const obs = client(e.url);
  const r = await obs.getObject('b', 'k');
  assert.equal(r.status, 403);
  assert.equal(r.errorCode, 'Code403');
  assert.equal(r.requestId, 'R1');
  assert.equal(e.hits(), 1);
  obs.close();
  await e.close();
});

test('retries stop after maxRetries; a stream body is sent once', async () => {
  const e = await endpoint([503]);
  const obs = client(e.url, 2);
  assert.equal((await obs.deleteObject('b', 'k')).status, 503);
  assert.equal(e.hits(), 3);
  const s = await endpoint([503]);
  const obs2 = client(s.url, 2);
  assert.equal((await obs2.putContent('b', 'k', Readable.from([Buffer.from('x')]), { contentLength: 1 })).status, 503);
  assert.equal(s.hits(), 1);
  obs.close();
  obs2.close();
  await e.close();
  await s.close();
});

test('misuse throws; HTTP errors do not', () => {
  assert.throws(() => new ObsClient({ accessKeyId: '', secretAccessKey: 'x', server: 'http://127.0.0.1:1' }), /required/);
  assert.throws(() => new ObsClient({ accessKeyId: 'a', secretAccessKey: 'x', server: 'ftp://x' }), /http/);
});
