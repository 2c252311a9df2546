/**
 * One HTTP exchange for the SDK: addressing (virtual-hosted or path style), signing in the
 * client's dialect (OBS, AWS V2 or SigV4, using the same pure signing code the server verifies
 * with), keep-alive agents, timeouts, and retries with backoff on 5xx and network errors (never on
 * 4xx, and only when the body can be sent again).
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { canonicalResourceV2, signV2, signV4, stringToSignV2, uriEncode, UNSIGNED_PAYLOAD } from '../signing/index.js';

export type SignatureKind = 'obs' | 'v2' | 'v4';

export interface TransportOptions {
  accessKeyId: string;
  secretAccessKey: string;
  securityToken?: string;
  endpoint: URL;
  region: string;
  timeoutMs: number;
  maxRetries: number;
  agent: http.Agent;
}

export interface WireRequest {
  method: string;
  bucket?: string;
  key?: string;
  query?: Array<[string, string]>;
  headers?: Record<string, string>;
  /** A Buffer or string is replayable; a stream factory is called again for a retry; a stream is sent once. */
  body?: Buffer | string | Readable | (() => Readable);
  contentLength?: number;
  signature: SignatureKind;
  virtualHosted: boolean;
}

export interface WireResponse {
  status: number;
  reason: string;
  headers: IncomingMessage['headers'];
  stream: IncomingMessage;
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

export class RequestTimeoutError extends Error {
  constructor() {
    super('request timed out');
    this.name = 'RequestTimeoutError';
  }
}

/** Encodes an object name for the path: strict RFC 3986, '/' kept. */
export function encodeKey(key: string): string {
  return uriEncode(key, false);
}

export function pathOf(req: Pick<WireRequest, 'bucket' | 'key' | 'virtualHosted'>): string {
  if (req.bucket === undefined) return '/';
  const keyPart = req.key === undefined ? '' : encodeKey(req.key);
  return req.virtualHosted ? `/${keyPart}` : `/${req.bucket}${req.key === undefined ? '' : '/' + keyPart}`;
}

export function hostOf(endpoint: URL, bucket: string | undefined, virtualHosted: boolean): string {
  return virtualHosted && bucket !== undefined ? `${bucket}.${endpoint.host}` : endpoint.host;
}

export function queryString(query: Array<[string, string]> = []): string {
  return query.map(([k, v]) => (v === '' ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(v)}`)).join('&');
}

/** Signs headers for a request (mutates and returns `headers`). */
export function signRequest(options: Pick<TransportOptions, 'accessKeyId' | 'secretAccessKey' | 'securityToken' | 'region'>, req: WireRequest, host: string, headers: Record<string, string>, payloadHash: string, nowMs: number): Record<string, string> {
  const path = pathOf(req);
  if (req.signature === 'v4') {
    headers['host'] = host;
    if (options.securityToken) headers['x-amz-security-token'] = options.securityToken;
    const signed = signV4({
      method: req.method,
      canonicalUri: path,
      query: req.query ?? [],
      headers: Object.fromEntries(Object.entries(headers).filter(([k]) => k === 'host' || k.startsWith('x-amz-') || k === 'content-md5' || k === 'content-type')),
      payloadHash,
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      region: options.region,
      service: 's3',
      nowMs,
    });
    return Object.assign(headers, signed);
  }
  const prefix = req.signature === 'obs' ? 'x-obs-' : 'x-amz-';
  if (options.securityToken) headers[prefix + 'security-token'] = options.securityToken;
  headers['date'] = new Date(nowMs).toUTCString();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const resource = canonicalResourceV2((req.virtualHosted && req.bucket !== undefined ? `/${req.bucket}` : '') + path, req.query ?? [], prefix, false);
  // With x-obs-date / x-amz-date the Date line is empty and that header is signed among the others.
  const dateLine = lower[prefix + 'date'] !== undefined ? '' : headers['date'];
  const sts = stringToSignV2({ method: req.method, contentMd5: lower['content-md5'] ?? '', contentType: lower['content-type'] ?? '', dateOrExpires: dateLine, headers: lower, prefix, resource });
  headers['authorization'] = `${req.signature === 'obs' ? 'OBS' : 'AWS'} ${options.accessKeyId}:${signV2(options.secretAccessKey, sts)}`;
  return headers;
}

function attempt(options: TransportOptions, req: WireRequest, body: Buffer | Readable | undefined): Promise<WireResponse> {
  const endpoint = options.endpoint;
  const host = hostOf(endpoint, req.bucket, req.virtualHosted);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  let payloadHash = UNSIGNED_PAYLOAD;
  if (Buffer.isBuffer(body)) {
    headers['content-length'] = String(body.length);
    if (req.signature === 'v4') payloadHash = createHash('sha256').update(body).digest('hex');
  } else if (body !== undefined && req.contentLength !== undefined) {
    headers['content-length'] = String(req.contentLength);
  } else if (body === undefined && (req.method === 'PUT' || req.method === 'POST')) {
    headers['content-length'] = '0';
    if (req.signature === 'v4') payloadHash = createHash('sha256').update('').digest('hex');
  }
  signRequest(options, req, host, headers, payloadHash, Date.now());
  const qs = queryString(req.query);
  const path = pathOf(req) + (qs ? `?${qs}` : '');
  const lib = endpoint.protocol === 'https:' ? https : http;
  return new Promise<WireResponse>((resolve, reject) => {
    const r = lib.request(
      { protocol: endpoint.protocol, hostname: req.virtualHosted && req.bucket !== undefined ? `${req.bucket}.${endpoint.hostname}` : endpoint.hostname, port: endpoint.port || undefined, method: req.method, path, headers: { ...headers, host }, agent: options.agent },
      (res) => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: res.headers, stream: res }),
    );
    r.setTimeout(options.timeoutMs, () => r.destroy(new RequestTimeoutError()));
    r.on('error', reject);
    if (body === undefined) r.end();
    else if (Buffer.isBuffer(body)) r.end(body);
    else {
      body.on('error', (e) => r.destroy(e));
      body.pipe(r);
    }
  });
}

function isRetryable(e: unknown): boolean {
  return e instanceof RequestTimeoutError || RETRYABLE_CODES.has((e as NodeJS.ErrnoException)?.code ?? '');
}

/** Sends with retries: 5xx answers and network errors are retried with exponential backoff and jitter. */
export async function send(options: TransportOptions, req: WireRequest): Promise<WireResponse> {
  const replayable = req.body === undefined || Buffer.isBuffer(req.body) || typeof req.body === 'string' || typeof req.body === 'function';
  const retries = replayable ? options.maxRetries : 0;
  for (let i = 0; ; i++) {
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : typeof req.body === 'function' ? req.body() : req.body;
    try {
      const res = await attempt(options, req, body);
      if (res.status >= 500 && i < retries) {
        res.stream.resume();
        await backoff(i);
        continue;
      }
      return res;
    } catch (e) {
      if (i < retries && isRetryable(e)) {
        await backoff(i);
        continue;
      }
      throw e;
    }
  }
}

function backoff(attemptIndex: number): Promise<void> {
  const ms = Math.min(2000, 100 * 2 ** attemptIndex) * (0.5 + Math.random() / 2);
  return new Promise((r) => setTimeout(r, ms));
}

export async function readAll(stream: Readable, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw new Error('response body too large');
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
