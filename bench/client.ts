/**
 * The benchmark's load client: raw S3 requests over keep-alive HTTP, signed with SigV4
 * (UNSIGNED-PAYLOAD), bodies generated from a repeating random buffer and responses discarded, so
 * the client stays cheap; its own CPU share is reported beside the results.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { signV4 } from '../src/signing/index.js';

const BLOCK = randomBytes(1024 * 1024);

/** A stream of `size` bytes cut from a repeating random block (no allocation per chunk). */
export function generated(size: number): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(BLOCK.length, size - sent);
      sent += n;
      this.push(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n));
    },
  });
}

export interface Target {
  name: string;
  port: number;
  accessKey: string;
  secretKey: string;
}

export interface Answer {
  status: number;
  bytes: number;
  ms: number;
  body?: string;
  etag?: string;
}

export class LoadClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

  constructor(readonly target: Target) {}

  close(): void {
    this.agent.destroy();
  }

  /**
   * One request. A request sent on a kept-alive socket that the server closed at the same moment
   * (its idle timeout; the peers keep Node's 5 s) fails with ECONNRESET before any answer: it is
   * sent once more on a new socket, as Node's documentation advises (`request.reusedSocket`).
   */
  async request(method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer | number; keepBody?: boolean } = {}): Promise<Answer> {
    const started = process.hrtime.bigint();
    try {
      return await this.send(method, path, options, started);
    } catch (e) {
      if (!(e as { reusedSocket?: boolean }).reusedSocket || (e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
      return this.send(method, path, options, started);
    }
  }

  private send(method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer | number; keepBody?: boolean }, started: bigint): Promise<Answer> {
    const q = path.indexOf('?');
    const query = q < 0 ? [] : path.slice(q + 1).split('&').filter(Boolean).map((p) => {
      const i = p.indexOf('=');
      return [decodeURIComponent(i < 0 ? p : p.slice(0, i)), i < 0 ? '' : decodeURIComponent(p.slice(i + 1))] as [string, string];
    });
    const host = `127.0.0.1:${this.target.port}`;
    const headers: Record<string, string> = { host, ...(options.headers ?? {}) };
    const size = typeof options.body === 'number' ? options.body : options.body?.length ?? 0;
    const signed = signV4({ method, canonicalUri: q < 0 ? path : path.slice(0, q), query, headers, payloadHash: 'UNSIGNED-PAYLOAD', accessKeyId: this.target.accessKey, secretAccessKey: this.target.secretKey, region: 'us-east-1', service: 's3', nowMs: Date.now() });
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = http.request({ host: '127.0.0.1', port: this.target.port, method, path, agent: this.agent, headers: { ...headers, ...signed, 'content-length': String(size) } }, (res) => {
        answered = true;
        let bytes = 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (options.keepBody || (res.statusCode ?? 0) >= 300) chunks.push(c);
        });
        const etag = res.headers['etag'];
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: Number(process.hrtime.bigint() - started) / 1e6, ...(chunks.length ? { body: Buffer.concat(chunks).toString('utf8') } : {}), ...(etag ? { etag } : {}) }));
        res.on('error', reject);
      });
      req.on('error', (e) => reject(answered ? e : Object.assign(e, { reusedSocket: req.reusedSocket })));
      if (typeof options.body === 'number') generated(options.body).pipe(req);
      else req.end(options.body);
    });
  }
}

export function ssecHeaders(key: Buffer, prefix = 'x-amz-'): Record<string, string> {
  return {
    [`${prefix}server-side-encryption-customer-algorithm`]: 'AES256',
    [`${prefix}server-side-encryption-customer-key`]: key.toString('base64'),
    [`${prefix}server-side-encryption-customer-key-md5`]: createHash('md5').update(key).digest('base64'),
  };
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The answer, or an error naming `what` for a status of 300 or more. */
export async function expectOk(p: Promise<Answer>, what: string): Promise<Answer> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.body ?? ''}`);
  return r;
}

/** Runs fn(0..count-1) with at most `concurrency` in flight; the results in order. */
export async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}
