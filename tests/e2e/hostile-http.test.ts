/**
 * Hostile HTTP on raw sockets (node:net, loopback only) against the built server: broken request
 * lines and headers, conflicting or absurd framing, bodies that lie about their length, bad
 * aws-chunked framing under a valid SigV4 seed signature, oversized and slow header blocks, idle
 * keep-alive, refused `Expect: 100-continue`, pipelining, and a declared 6 GiB PUT. Every case
 * checks the exact answer, that the server still serves a signed request, and that no stored
 * object changed. Cases that complement tests/e2e/protocol-edges.test.ts and slow-clients.test.ts
 * rather than repeat them: here the bytes on the wire are written by hand, every write is signed
 * (so only the framing is wrong), and the answer is parsed from the socket.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { startTestServer, uniqueBucket, type TestServer } from '../helpers/server.js';
import { amzDate, chunkStringToSign, credentialScope, sha256Hex, signatureV4, signingKeyV4, signV4 } from '../../src/signing/index.js';

/** The server's headers timeout for this suite (--headers-timeout), seconds. */
const HEADERS_TIMEOUT_SECONDS = 2;
/** Shorter than the 65 s default, so the idle-connection case waits seconds, not a minute. */
const KEEP_ALIVE_TIMEOUT_SECONDS = 5;
/** How often Node checks the headers timeout (connectionsCheckingInterval in src/server/start.ts). */
const TIMEOUT_CHECK_MS = 1000;

let server: TestServer;
const bucket = uniqueBucket('hostile');
const keepData = randomBytes(100 * 1024);

interface ParsedResponse {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: Buffer;
}

interface Exchange {
  raw: Buffer;
  responses: ParsedResponse[];
  /** Whether the server closed the connection (false: still open when we gave up waiting). */
  closed: boolean;
  elapsedMs: number;
}

/**
 * Writes `parts` on a fresh connection (a delay between parts when `gapMs` is set), optionally
 * half-closes, and collects everything until the server closes, `answers` final responses have
 * arrived whole, or `waitMs` passes.
 */
function exchange(parts: Array<string | Buffer>, options: { halfClose?: boolean; waitMs?: number; gapMs?: number; methods?: string[]; answers?: number } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = net.connect(server.httpPort, '127.0.0.1');
    let timer: NodeJS.Timeout | undefined;
    let gap: NodeJS.Timeout | undefined;
    let settled = false;
    const done = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(gap);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      resolve({ raw, responses: parseResponses(raw, options.methods, closed).responses, closed, elapsedMs: Date.now() - started });
    };
    socket.on('connect', () => {
      const queue = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p));
      const next = (): void => {
        const part = queue.shift();
        if (part === undefined) {
          if (options.halfClose) socket.end();
          return;
        }
        if (socket.destroyed) return;
        socket.write(part);
        if (options.gapMs) gap = setTimeout(next, options.gapMs);
        else next();
      };
      next();
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (options.answers === undefined) return;
      const parsed = parseResponses(Buffer.concat(chunks), options.methods, false);
      if (!parsed.incomplete && parsed.responses.filter((r) => r.status >= 200).length >= options.answers) done(false);
    });
    // A reset after the answer (the server closed with our bytes unread) still ends the exchange.
    socket.on('error', () => undefined);
    socket.on('close', () => done(true));
    timer = setTimeout(() => done(false), options.waitMs ?? 5000);
  });
}

/**
 * Splits a byte stream into HTTP/1.1 responses: Content-Length, chunked or until-close bodies;
 * no body for 1xx, 204, 304 and answers to HEAD (`methods` gives the request methods in order).
 * `incomplete`: the last response is not whole yet (an until-close body is whole only at close).
 */
function parseResponses(raw: Buffer, methods: string[] = [], atClose = true): { responses: ParsedResponse[]; incomplete: boolean } {
  const responses: ParsedResponse[] = [];
  let at = 0;
  let request = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) {
      if (atClose) throw new Error(`an incomplete response head: ${JSON.stringify(raw.subarray(at).toString('latin1').slice(0, 200))}`);
      return { responses, incomplete: true };
    }
    const [statusLine, ...lines] = raw.subarray(at, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine!);
    if (!m) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    let next = end + 4;
    let body: Buffer = Buffer.alloc(0);
    const informational = status >= 100 && status < 200;
    if (!informational && status !== 204 && status !== 304 && methods[request] !== 'HEAD') {
      if (headers['transfer-encoding'] === 'chunked') {
        const pieces: Buffer[] = [];
        for (;;) {
          const nl = raw.indexOf('\r\n', next, 'latin1');
          if (nl < 0) return { responses, incomplete: true };
          const size = parseInt(raw.subarray(next, nl).toString('latin1'), 16);
          if (raw.length < nl + 2 + size + 2) return { responses, incomplete: true };
          next = nl + 2 + size + 2;
          if (size === 0) break;
          pieces.push(raw.subarray(nl + 2, nl + 2 + size));
        }
        body = Buffer.concat(pieces);
      } else if (headers['content-length'] !== undefined) {
        const length = Number(headers['content-length']);
        if (raw.length < next + length) return { responses, incomplete: true };
        body = raw.subarray(next, next + length);
        next += length;
      } else {
        if (!atClose) return { responses, incomplete: true };
        body = raw.subarray(next);
        next = raw.length;
      }
    }
    at = next;
    if (!informational) request++;
    responses.push({ status, reason: m[2]!, headers, body });
  }
  return { responses, incomplete: false };
}

function errorCode(body: Buffer): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body.toString('utf8'))?.[1];
}

/** Header lines (each ending in CRLF) of a SigV4-signed request: host, `extra`, the x-amz-* and authorization. */
function signedLines(method: string, path: string, options: { headers?: Record<string, string>; payloadHash?: string; secretKey?: string } = {}): string {
  const q = path.indexOf('?');
  const headers: Record<string, string> = { host: `127.0.0.1:${server.httpPort}`, ...(options.headers ?? {}) };
  const auth = signV4({
    method,
    canonicalUri: q < 0 ? path : path.slice(0, q),
    query: q < 0 ? [] : path.slice(q + 1).split('&').map((p) => [p.split('=')[0]!, p.split('=')[1] ?? ''] as [string, string]),
    headers,
    payloadHash: options.payloadHash ?? 'UNSIGNED-PAYLOAD',
    accessKeyId: server.accessKey,
    secretAccessKey: options.secretKey ?? server.secretKey,
    region: 'us-east-1',
    service: 's3',
    nowMs: Date.now(),
  });
  return Object.entries({ ...headers, ...auth }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
}

/** A complete signed request with a body sent in full. */
function signedRequestBytes(method: string, path: string, body: Buffer | string = '', extraHeaders: Record<string, string> = {}): Buffer {
  const data = Buffer.from(body);
  const framing = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? '' : `content-length: ${data.length}\r\n`;
  return Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${signedLines(method, path, { headers: extraHeaders, payloadHash: sha256Hex(data) })}${framing}\r\n`, 'latin1'), data]);
}

/** One signed request on its own connection (Connection: close), answer parsed. */
async function signed(method: string, path: string, body: Buffer | string = ''): Promise<ParsedResponse> {
  // Generous: the first PUT after a start creates the blob store's shard directories.
  const result = await exchange([signedRequestBytes(method, path, body, { connection: 'close' })], { methods: [method], waitMs: 30_000 });
  assert.equal(result.responses.length, 1, `expected one answer to ${method} ${path}, got ${JSON.stringify(result.raw.toString('latin1').slice(0, 300))}`);
  return result.responses[0]!;
}

/**
 * The server still answers a signed request, `keep` reads back byte-exact, and every target holds
 * what it should: its bytes, or (null) nothing at all.
 */
async function assertIntact(targets: Record<string, Buffer | string | null> = {}): Promise<void> {
  assert.equal(server.process.exitCode, null, 'the server exited');
  const keep = await signed('GET', `/${bucket}/keep`);
  assert.equal(keep.status, 200, keep.body.toString());
  assert.ok(keep.body.equals(keepData), 'the pre-existing object changed');
  for (const [key, expected] of Object.entries(targets)) {
    const res = await signed('GET', `/${bucket}/${key}`);
    if (expected === null) {
      assert.equal(res.status, 404, `${key} exists: ${res.body.toString().slice(0, 100)}`);
      assert.equal(errorCode(res.body), 'NoSuchKey');
    } else {
      assert.equal(res.status, 200, res.body.toString());
      assert.ok(res.body.equals(Buffer.from(expected)), `${key} holds ${JSON.stringify(res.body.toString().slice(0, 60))}`);
    }
  }
}

/** Node's own answer to a request it cannot parse: the status line, `Connection: close`, no body, closed. */
function assertParserRefusal(result: Exchange, status: number, reason: string): void {
  assert.ok(result.closed, 'the server left the connection open');
  assert.equal(result.responses.length, 1, result.raw.toString('latin1'));
  const [res] = result.responses;
  assert.equal(res!.status, status);
  assert.equal(res!.reason, reason);
  assert.equal(res!.headers['connection'], 'close');
  assert.equal(res!.body.length, 0);
}

before(async () => {
  server = await startTestServer({ args: ['--headers-timeout', String(HEADERS_TIMEOUT_SECONDS), '--keep-alive-timeout', String(KEEP_ALIVE_TIMEOUT_SECONDS)] });
  assert.equal((await signed('PUT', `/${bucket}`)).status, 200);
  assert.equal((await signed('PUT', `/${bucket}/keep`, keepData)).status, 200);
});

after(async () => {
  await server?.stop();
  await server?.cleanup();
});

describe('malformed request lines, headers and framing are refused with 400; nothing is written', () => {
  const target = (): string => `/${bucket}/keep`;
  const put = (extraLines: string, body: string): string => `PUT ${target()} HTTP/1.1\r\n${signedLines('PUT', target())}${extraLines}\r\n${body}`;
  const cases: Array<{ name: string; bytes: () => string; halfClose?: boolean }> = [
    { name: 'a request line that is not HTTP', bytes: () => 'GARBAGE\r\n\r\n' },
    { name: 'HTTP/1.2', bytes: () => `PUT ${target()} HTTP/1.2\r\n${signedLines('PUT', target())}content-length: 8\r\n\r\nreplaced` },
    { name: 'HTTP/9.9', bytes: () => `GET ${target()} HTTP/9.9\r\n${signedLines('GET', target())}\r\n` },
    { name: 'a header line without a colon', bytes: () => put('content-length: 8\r\nthis-header-has-no-colon\r\n', 'replaced') },
    { name: 'an obs-fold continuation line', bytes: () => put('x-amz-meta-folded: first\r\n  continued\r\ncontent-length: 8\r\n', 'replaced') },
    { name: 'a tab-led continuation line', bytes: () => put('content-length: 8\r\nx-amz-meta-folded: first\r\n\tcontinued\r\n', 'replaced') },
    { name: 'Content-Length together with Transfer-Encoding: chunked', bytes: () => put('content-length: 8\r\ntransfer-encoding: chunked\r\n', '8\r\nreplaced\r\n0\r\n\r\n') },
    { name: 'two different Content-Length headers', bytes: () => put('content-length: 3\r\ncontent-length: 8\r\n', 'replaced') },
    { name: 'a negative Content-Length', bytes: () => put('content-length: -8\r\n', 'replaced') },
    { name: 'a non-numeric Content-Length', bytes: () => put('content-length: eight\r\n', 'replaced') },
    { name: 'a Content-Length past 2^64', bytes: () => put('content-length: 18446744073709551616\r\n', 'replaced') },
    { name: 'a chunk size that is not hex', bytes: () => put('transfer-encoding: chunked\r\n', 'zz\r\nreplaced\r\n0\r\n\r\n') },
    { name: 'a chunk without the CRLF after its data', bytes: () => put('transfer-encoding: chunked\r\n', '8\r\nreplacedXX0\r\n\r\n') },
    { name: 'a chunk size beyond the data, then end of input', bytes: () => put('transfer-encoding: chunked\r\n', 'ff\r\nreplaced\r\n0\r\n\r\n'), halfClose: true },
    { name: 'a body shorter than its Content-Length, then end of input', bytes: () => put('content-length: 1000\r\n', 'replaced'), halfClose: true },
  ];
  for (const c of cases) {
    test(`${c.name}: 400 Bad Request`, async () => {
      const result = await exchange([c.bytes()], { halfClose: c.halfClose ?? false });
      assertParserRefusal(result, 400, 'Bad Request');
      await assertIntact();
    });
  }

  const versions: Array<{ name: string; requestLine: (path: string) => string }> = [
    { name: 'HTTP/2.0 in an HTTP/1 request line', requestLine: (path) => `PUT ${path} HTTP/2.0` },
    { name: 'a request line without a version (HTTP/0.9)', requestLine: (path) => `PUT ${path}` },
  ];
  for (const v of versions) {
    test(`${v.name}: the parser takes it, the server answers 400 InvalidRequest, even when signed`, async () => {
      const path = `/${bucket}/keep`;
      const result = await exchange([`${v.requestLine(path)}\r\n${signedLines('PUT', path, { payloadHash: sha256Hex('replaced') })}content-length: 8\r\n\r\nreplaced`]);
      assert.ok(result.closed);
      assert.deepEqual(result.responses.map((r) => r.status), [400]);
      assert.equal(errorCode(result.responses[0]!.body), 'InvalidRequest');
      await assertIntact();
    });
  }

  test('HTTP/1.0 is still served (the control case)', async () => {
    const path = `/${bucket}/keep`;
    const result = await exchange([`GET ${path} HTTP/1.0\r\n${signedLines('GET', path)}\r\n`]);
    assert.equal(result.responses[0]?.status, 200);
    assert.ok(result.responses[0]!.body.equals(keepData));
  });

  test('a body shorter than its Content-Length, then end of input: nothing is stored under a new name', async () => {
    const path = `/${bucket}/short-new`;
    const result = await exchange([`PUT ${path} HTTP/1.1\r\n${signedLines('PUT', path)}content-length: 100000\r\n\r\n`, randomBytes(5000)], { halfClose: true });
    assertParserRefusal(result, 400, 'Bad Request');
    await assertIntact({ 'short-new': null });
  });
});

describe('lengths the parser accepts but the server must not', () => {
  test('a Content-Length of 2^63 is answered 400 InvalidArgument before any body is read', async () => {
    const path = `/${bucket}/keep`;
    const result = await exchange([`PUT ${path} HTTP/1.1\r\n${signedLines('PUT', path)}content-length: 9223372036854775808\r\n\r\nreplaced`]);
    assert.equal(result.responses.length, 1, result.raw.toString('latin1'));
    assert.equal(result.responses[0]!.status, 400);
    assert.equal(errorCode(result.responses[0]!.body), 'InvalidArgument');
    assert.ok(result.closed, 'the server kept reading a body it had refused');
    await assertIntact();
  });

  test('a body longer than its Content-Length: the surplus is parsed as the next request (400), only the declared bytes can be stored', async () => {
    const path = `/${bucket}/longer`;
    const declared = Buffer.from('declared');
    // The surplus would be a second, unsigned PUT of the same name if it were taken as a request.
    const surplus = `-surplus\r\nPUT ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 7\r\n\r\nsurplus`;
    const head = `PUT ${path} HTTP/1.1\r\n${signedLines('PUT', path, { payloadHash: sha256Hex(declared) })}content-length: ${declared.length}\r\n\r\n`;
    const result = await exchange([Buffer.concat([Buffer.from(head, 'latin1'), declared, Buffer.from(surplus, 'latin1')])]);
    assert.ok(result.closed);
    const statuses = result.responses.map((r) => r.status);
    // Node answers the parse error at once; the answer to the complete first request may be lost.
    assert.ok(statuses.length === 1 ? statuses[0] === 400 : statuses.join() === '200,400', `answers: ${statuses.join()}`);
    const stored = await signed('GET', path);
    assert.ok(stored.status === 404 || (stored.status === 200 && stored.body.equals(declared)), `stored: ${stored.status} ${stored.body.toString().slice(0, 60)}`);
    await assertIntact();
  });
});

describe('header blocks', () => {
  test('a header block over the limit is refused with 431 before the body is read', async () => {
    const path = `/${bucket}/keep`;
    const metadata = Array.from({ length: 200 }, (_, i) => `x-amz-meta-h${i}: ${'v'.repeat(100)}\r\n`).join('');
    const result = await exchange([`PUT ${path} HTTP/1.1\r\n${signedLines('PUT', path)}content-length: 1048576\r\n${metadata}\r\n`]);
    assertParserRefusal(result, 431, 'Request Header Fields Too Large');
    assert.ok(result.elapsedMs < 2000, `answered after ${result.elapsedMs} ms`);
    await assertIntact();
  });

  test('thousands of small headers past the limit are refused with 431', async () => {
    const path = `/${bucket}/keep`;
    const many = Array.from({ length: 4000 }, (_, i) => `a${i}:1\r\n`).join('');
    const result = await exchange([`PUT ${path} HTTP/1.1\r\n${signedLines('PUT', path)}${many}content-length: 8\r\n\r\nreplaced`]);
    assertParserRefusal(result, 431, 'Request Header Fields Too Large');
    await assertIntact();
  });

  test('thousands of small headers within the limit are harmless: a signed GET still answers exactly', async () => {
    const path = `/${bucket}/keep`;
    const many = Array.from({ length: 2500 }, () => 'a:1\r\n').join('');
    const result = await exchange([`GET ${path} HTTP/1.1\r\n${signedLines('GET', path)}${many}connection: close\r\n\r\n`]);
    assert.equal(result.responses.length, 1);
    assert.equal(result.responses[0]!.status, 200);
    assert.ok(result.responses[0]!.body.equals(keepData));
    await assertIntact();
  });
});

describe('slow and idle connections', { concurrency: true }, () => {
  test('headers sent one byte per second are cut off by the headers timeout with 408', async () => {
    const path = `/${bucket}/keep`;
    const request = `GET ${path} HTTP/1.1\r\n${signedLines('GET', path)}\r\n`;
    const bytes = request.split('');
    const result = await exchange(bytes, { gapMs: 1000, waitMs: 15_000 });
    const limitMs = (HEADERS_TIMEOUT_SECONDS + 1) * 1000 + TIMEOUT_CHECK_MS + 1000;
    assert.ok(result.closed && result.elapsedMs < limitMs, `closed=${result.closed} after ${result.elapsedMs} ms`);
    assert.ok(result.elapsedMs >= HEADERS_TIMEOUT_SECONDS * 1000, `cut off early, after ${result.elapsedMs} ms`);
    assertParserRefusal(result, 408, 'Request Timeout');
    await assertIntact();
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout it announced', async () => {
    const path = `/${bucket}/keep`;
    const result = await exchange([signedRequestBytes('GET', path)], { waitMs: 15_000 });
    assert.ok(result.closed, 'the idle connection was never closed');
    assert.equal(result.responses.length, 1);
    const [res] = result.responses;
    assert.equal(res!.status, 200);
    assert.ok(res!.body.equals(keepData));
    assert.equal(res!.headers['connection'], 'keep-alive');
    const announced = Number(/timeout=(\d+)/.exec(res!.headers['keep-alive'] ?? '')?.[1]);
    assert.ok(announced > 0, `Keep-Alive: ${res!.headers['keep-alive']}`);
    assert.ok(result.elapsedMs >= announced * 1000 - 200 && result.elapsedMs < announced * 1000 + 2500, `closed after ${result.elapsedMs} ms, announced ${announced} s`);
    await assertIntact();
  });
});

describe('aws-chunked bodies with a valid seed signature but broken framing', () => {
  /**
   * A signed STREAMING-AWS4-HMAC-SHA256-PAYLOAD request: the frames (size line, data, CRLF) may be
   * edited before they are joined; Content-Length always matches what is sent.
   */
  function streamingPut(path: string, data: Buffer, options: { chunkBytes?: number; decodedLength?: number; edit?: (frames: string[][]) => void; cut?: number } = {}): Buffer {
    const now = Date.now();
    const datetime = amzDate(now);
    const date = datetime.slice(0, 8);
    const scope = credentialScope(date, 'us-east-1', 's3');
    const signingKey = signingKeyV4(server.secretKey, date, 'us-east-1', 's3');
    const headers: Record<string, string> = {
      host: `127.0.0.1:${server.httpPort}`,
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(options.decodedLength ?? data.length),
    };
    const auth = signV4({ method: 'PUT', canonicalUri: path, query: [], headers, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', accessKeyId: server.accessKey, secretAccessKey: server.secretKey, region: 'us-east-1', service: 's3', nowMs: now });
    let previous = /Signature=([0-9a-f]{64})/.exec(auth['authorization']!)![1]!;
    const chunkBytes = options.chunkBytes ?? 16 * 1024;
    const pieces: Buffer[] = [];
    for (let i = 0; i < data.length; i += chunkBytes) pieces.push(data.subarray(i, i + chunkBytes));
    pieces.push(Buffer.alloc(0));
    const frames = pieces.map((piece) => {
      previous = signatureV4(signingKey, chunkStringToSign(datetime, scope, previous, sha256Hex(piece)));
      return [`${piece.length.toString(16)};chunk-signature=${previous}\r\n`, piece.toString('latin1'), '\r\n'];
    });
    options.edit?.(frames);
    let body = Buffer.from(frames.flat().join(''), 'latin1');
    if (options.cut !== undefined) body = body.subarray(0, body.length - options.cut);
    const head = `PUT ${path} HTTP/1.1\r\n${Object.entries({ ...headers, ...auth }).map(([k, v]) => `${k}: ${v}\r\n`).join('')}content-length: ${body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  }

  // 40 KiB is read whole before it is sealed; 100 KiB streams through the same checks (content.ts).
  for (const size of [40 * 1024, 100 * 1024]) {
    const data = randomBytes(size);
    const cases: Array<{ name: string; key: string; build: (path: string) => Buffer; status: number; code: string }> = [
      { name: 'a chunk size that is not hex', key: 'keep', build: (p) => streamingPut(p, data, { edit: (f) => (f[1]![0] = f[1]![0]!.replace(/^[0-9a-f]+/, 'zz')) }), status: 400, code: 'IncompleteBody' },
      { name: 'a chunk size larger than its data', key: 'chunked-new', build: (p) => streamingPut(p, data, { edit: (f) => (f[1]![0] = f[1]![0]!.replace(/^[0-9a-f]+/, '5000')) }), status: 403, code: 'SignatureDoesNotMatch' },
      { name: 'a chunk size over the 16 MiB chunk limit', key: 'keep', build: (p) => streamingPut(p, data, { edit: (f) => (f[0]![0] = f[0]![0]!.replace(/^[0-9a-f]+/, 'ffffffff')) }), status: 400, code: 'InvalidRequest' },
      { name: 'a chunk without its signature', key: 'keep', build: (p) => streamingPut(p, data, { edit: (f) => (f[1]![0] = f[1]![0]!.replace(/;chunk-signature=[0-9a-f]+/, '')) }), status: 403, code: 'SignatureDoesNotMatch' },
      { name: 'a final chunk without its signature', key: 'chunked-new', build: (p) => streamingPut(p, data, { edit: (f) => (f[f.length - 1]![0] = '0\r\n') }), status: 403, code: 'SignatureDoesNotMatch' },
      { name: 'x-amz-decoded-content-length larger than the data', key: 'keep', build: (p) => streamingPut(p, data, { decodedLength: data.length + 1 }), status: 400, code: 'IncompleteBody' },
      { name: 'x-amz-decoded-content-length smaller than the data', key: 'chunked-new', build: (p) => streamingPut(p, data, { decodedLength: data.length - 1 }), status: 400, code: 'IncompleteBody' },
      { name: 'a body cut inside the final chunk', key: 'keep', build: (p) => streamingPut(p, data, { cut: 40 }), status: 400, code: 'IncompleteBody' },
      { name: 'a body without its final chunk', key: 'chunked-new', build: (p) => streamingPut(p, data, { edit: (f) => f.pop() }), status: 400, code: 'IncompleteBody' },
      { name: 'bytes after the final chunk', key: 'keep', build: (p) => streamingPut(p, data, { edit: (f) => f.push(['extra']) }), status: 400, code: 'IncompleteBody' },
    ];
    for (const c of cases) {
      test(`${size / 1024} KiB, ${c.name}: ${c.status} ${c.code}, nothing stored`, async () => {
        const result = await exchange([c.build(`/${bucket}/${c.key}`)], { answers: 1 });
        assert.equal(result.responses.length, 1, result.raw.toString('latin1').slice(0, 400));
        assert.equal(result.responses[0]!.status, c.status, result.responses[0]!.body.toString());
        assert.equal(errorCode(result.responses[0]!.body), c.code);
        await assertIntact(c.key === 'keep' ? {} : { [c.key]: null });
      });
    }
  }

  test('the same framing, intact, is stored byte-exact (the builder is right)', async () => {
    for (const size of [40 * 1024, 100 * 1024]) {
      const data = randomBytes(size);
      const result = await exchange([streamingPut(`/${bucket}/chunked-ok`, data)], { answers: 1 });
      assert.equal(result.responses[0]?.status, 200, result.raw.toString('latin1').slice(0, 400));
      await assertIntact({ 'chunked-ok': data });
    }
  });
});

describe('answers before the body', () => {
  test('Expect: 100-continue with a bad signature gets 403 SignatureDoesNotMatch and no 100 Continue', async () => {
    const path = `/${bucket}/keep`;
    const lines = signedLines('PUT', path, { headers: { expect: '100-continue' }, secretKey: 'not-the-secret' });
    const result = await exchange([`PUT ${path} HTTP/1.1\r\n${lines}content-length: 1048576\r\n\r\n`]);
    assert.ok(result.closed, 'the server waited for a body it had refused');
    assert.deepEqual(result.responses.map((r) => r.status), [403]);
    assert.equal(errorCode(result.responses[0]!.body), 'SignatureDoesNotMatch');
    await assertIntact();
  });

  test('Expect: 100-continue with a good signature is answered 100 Continue and then stored (the control case)', async () => {
    const path = `/${bucket}/continued`;
    const body = randomBytes(3000);
    const lines = signedLines('PUT', path, { headers: { expect: '100-continue' }, payloadHash: sha256Hex(body) });
    const result = await exchange([`PUT ${path} HTTP/1.1\r\n${lines}content-length: ${body.length}\r\nconnection: close\r\n\r\n`, body], { gapMs: 300 });
    assert.deepEqual(result.responses.map((r) => r.status), [100, 200]);
    await assertIntact({ continued: body });
  });

  for (const expect of [false, true]) {
    test(`a PUT declaring 6 GiB${expect ? ' with Expect: 100-continue' : ''} is refused up front with EntityTooLarge`, async () => {
      const path = `/${bucket}/six-gib`;
      const lines = signedLines('PUT', path, expect ? { headers: { expect: '100-continue' } } : {});
      const head = `PUT ${path} HTTP/1.1\r\n${lines}content-length: ${6 * 1024 ** 3}\r\n\r\n`;
      const result = await exchange(expect ? [head] : [head, randomBytes(64 * 1024)]);
      assert.ok(result.closed, 'the server kept reading a body it had refused');
      assert.ok(result.elapsedMs < 2000, `answered after ${result.elapsedMs} ms`);
      assert.deepEqual(result.responses.map((r) => r.status), [400]);
      assert.equal(errorCode(result.responses[0]!.body), 'EntityTooLarge');
      assert.match(result.responses[0]!.body.toString(), /<MaxSizeAllowed>5368709120<\/MaxSizeAllowed>/);
      await assertIntact({ 'six-gib': null });
    });
  }
});

describe('pipelining', () => {
  test('requests pipelined on one socket are run and answered in order, errors included', async () => {
    const one = randomBytes(2000);
    const two = randomBytes(3000);
    const key = `/${bucket}/piped`;
    const requests: Array<[string, Buffer]> = [
      ['PUT', signedRequestBytes('PUT', key, one)],
      ['GET', signedRequestBytes('GET', key)],
      ['HEAD', signedRequestBytes('HEAD', `/${bucket}/keep`)],
      ['GET', signedRequestBytes('GET', `/${bucket}/missing`)],
      ['PUT', signedRequestBytes('PUT', key, two)],
      ['GET', signedRequestBytes('GET', key)],
      ['DELETE', signedRequestBytes('DELETE', key)],
      ['GET', signedRequestBytes('GET', key, '', { connection: 'close' })],
    ];
    const result = await exchange([Buffer.concat(requests.map(([, bytes]) => bytes))], { methods: requests.map(([m]) => m) });
    assert.ok(result.closed);
    assert.deepEqual(result.responses.map((r) => r.status), [200, 200, 200, 404, 200, 200, 204, 404]);
    const [, firstGet, head, missing, , secondGet, , lastGet] = result.responses;
    assert.ok(firstGet!.body.equals(one), 'the GET behind the first PUT did not see it');
    assert.equal(head!.headers['content-length'], String(keepData.length));
    assert.equal(errorCode(missing!.body), 'NoSuchKey');
    assert.equal(missing!.headers['connection'], 'keep-alive', 'an error answer to a complete request closed the connection');
    assert.ok(secondGet!.body.equals(two), 'the GET behind the second PUT did not see it');
    assert.equal(errorCode(lastGet!.body), 'NoSuchKey');
    await assertIntact({ piped: null });
  });
});

test('after all of it the server is up and answered nothing with a 5xx', async () => {
  await assertIntact();
  const failures = server.logs().split('\n').filter((line) => /"status":5\d\d/.test(line) || /"level":(50|60)/.test(line));
  assert.deepEqual(failures, []);
});
