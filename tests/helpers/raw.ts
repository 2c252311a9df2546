/** Hand-made HTTP requests for malformed input and headers clients will not send. */
import http from 'node:http';
import https from 'node:https';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One request to 127.0.0.1, the path sent exactly as given (no URL normalisation). With `ca`, over
 * TLS, verifying the server's certificate against it.
 */
export function rawRequest(options: { port: number; method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | string; ca?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = { host: '127.0.0.1', port: options.port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers ?? {} };
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    };
    const req = options.ca !== undefined ? https.request({ ...target, ca: options.ca }, onResponse) : http.request(target, onResponse);
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * A request signed with SigV4 by our own signer (src/signing), for inputs clients will not send:
 * the path is sent as given (already encoded), headers as given.
 */
export async function signedRequest(
  server: { httpPort: number; accessKey: string; secretKey: string },
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string; payloadHash?: string; nowMs?: number; secretKey?: string },
): Promise<RawResponse> {
  const { signV4, sha256Hex, splitQuery } = await import('../../src/signing/index.js');
  const method = options.method ?? 'GET';
  const q = options.path.indexOf('?');
  const path = q < 0 ? options.path : options.path.slice(0, q);
  const query = q < 0 ? [] : splitQuery(options.path.slice(q + 1)) ?? [];
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const host = `127.0.0.1:${server.httpPort}`;
  const headers: Record<string, string> = { host, ...(options.headers ?? {}) };
  const auth = signV4({
    method,
    canonicalUri: path,
    query,
    headers,
    payloadHash: options.payloadHash ?? sha256Hex(body),
    accessKeyId: server.accessKey,
    secretAccessKey: options.secretKey ?? server.secretKey,
    region: 'us-east-1',
    service: 's3',
    nowMs: options.nowMs ?? Date.now(),
  });
  return rawRequest({ port: server.httpPort, method, path: options.path, headers: { ...headers, ...auth, 'content-length': String(body.length) }, body });
}
