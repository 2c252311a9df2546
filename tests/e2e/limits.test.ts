/**
 * Limits that keep memory bounded whatever a client sends: a declared single PUT over 5 GiB is
 * refused before its body is read, XML bodies over 1 MiB and part numbers over 10,000 are refused,
 * and a 256 MiB upload without a declared length (chunked) and its download leave the server's
 * peak RSS far below the object's size.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Readable } from 'node:stream';
import { signV4, UNSIGNED_PAYLOAD } from '../../src/signing/index.js';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { signedRequest } from '../helpers/raw.js';

let server: TestServer;
const bucket = uniqueBucket('limits');
const MiB = 1024 * 1024;

before(async () => {
  server = await startTestServer();
  assert.equal((await signedRequest(server, { method: 'PUT', path: `/${bucket}` })).status, 200);
});

after(async () => {
  await server.stop();
  await server.cleanup();
});

function sign(method: string, path: string, headers: Record<string, string>): Record<string, string> {
  return { ...headers, ...signV4({ method, canonicalUri: path, query: [], headers, payloadHash: UNSIGNED_PAYLOAD, accessKeyId: server.accessKey, secretAccessKey: server.secretKey, region: 'us-east-1', service: 's3', nowMs: Date.now() }) };
}

test('a declared 6 GiB single PUT is refused with EntityTooLarge before any body byte is sent', async () => {
  const path = `/${bucket}/huge`;
  const headers = sign('PUT', path, { host: `127.0.0.1:${server.httpPort}`, 'content-length': String(6 * 1024 ** 3) });
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(server.httpPort, '127.0.0.1', () => {
      socket.write(`PUT ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.includes('</Error>')) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`no answer: ${data}`)), 5000).unref();
  });
  assert.match(answer, /^HTTP\/1\.1 400/);
  assert.match(answer, /<Code>EntityTooLarge<\/Code>/);
  assert.equal((await signedRequest(server, { path })).status, 404);
});

test('an XML body over 1 MiB is refused with MaxMessageLengthExceeded; part number 10001 with InvalidArgument', async () => {
  const xml = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(40_000)}</Delete>`;
  const res = await signedRequest(server, { method: 'POST', path: `/${bucket}?delete`, headers: { 'content-md5': createHash('md5').update(xml).digest('base64') }, body: xml });
  assert.equal(res.status, 400);
  assert.match(res.body.toString(), /<Code>MaxMessageLengthExceeded<\/Code>/);
  const initiated = await signedRequest(server, { method: 'POST', path: `/${bucket}/mp?uploads` });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated.body.toString())![1]!;
  const part = await signedRequest(server, { method: 'PUT', path: `/${bucket}/mp?partNumber=10001&uploadId=${uploadId}`, body: 'x' });
  assert.equal(part.status, 400);
  assert.match(part.body.toString(), /<Code>InvalidArgument<\/Code>/);
});

function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

test('a 256 MiB upload without a declared length and its download keep the server under 250 MB peak RSS', async () => {
  const size = 256 * MiB;
  const path = `/${bucket}/streamed`;
  const chunk = randomBytes(MiB);
  const digest = createHash('sha256');
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= size) return this.push(null);
      sent += chunk.length;
      digest.update(chunk);
      this.push(chunk);
    },
  });
  const headers = sign('PUT', path, { host: `127.0.0.1:${server.httpPort}`, 'transfer-encoding': 'chunked', 'x-amz-content-sha256': UNSIGNED_PAYLOAD });
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.httpPort, method: 'PUT', path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    body.pipe(req);
  });
  assert.equal(status, 200);
  const expected = digest.digest('hex');
  const got = await new Promise<string>((resolve, reject) => {
    const headersGet = sign('GET', path, { host: `127.0.0.1:${server.httpPort}`, 'x-amz-content-sha256': UNSIGNED_PAYLOAD });
    http.get({ host: '127.0.0.1', port: server.httpPort, path, headers: headersGet }, (res) => {
      const h = createHash('sha256');
      res.on('data', (d: Buffer) => h.update(d));
      res.on('end', () => resolve(h.digest('hex')));
      res.on('error', reject);
    }).on('error', reject);
  });
  assert.equal(got, expected);
  const peak = peakRssBytes(server.process.pid!);
  assert.ok(peak < 250 * 1e6, `peak RSS ${Math.round(peak / 1e6)} MB`);
});
