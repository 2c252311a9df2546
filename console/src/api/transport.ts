/**
 * One signed HTTP exchange for the browser client: path-style URL, SigV4 headers, fetch (or
 * XMLHttpRequest for uploads, for upload progress), and the answer as status, lower-case headers
 * and text. Same origin only (the page's own server), so no CORS. A failure to connect becomes a
 * NetworkError; a cancel stays an AbortError. The secret is read from the session per request and
 * never leaves this module except inside a signature.
 */
import { NetworkError } from './errors.js';
import { encodePath, encodeQuery, EMPTY_SHA256, presignUrl, sha256Hex, signRequest, UNSIGNED_PAYLOAD, type SigningCredentials } from './signer.js';

/** Calls a handler with an event; declared as a method so DOM handlers (this + ProgressEvent) fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface ProgressLike {
  loaded: number;
  total: number;
  lengthComputable: boolean;
}

/** The part of XMLHttpRequest the client uses (a browser's XMLHttpRequest is one). */
export interface XhrLike {
  readonly upload: { onprogress: Handler<ProgressLike> | null };
  onload: Handler<unknown> | null;
  onerror: Handler<unknown> | null;
  onabort: Handler<unknown> | null;
  readonly status: number;
  readonly statusText: string;
  readonly responseText: string;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getAllResponseHeaders(): string;
  send(body: Blob): void;
  abort(): void;
}

export interface TransportOptions {
  /** Scheme, host and port of the server: the page's `location.origin`. */
  endpoint: string;
  fetchImpl?: typeof fetch;
  /** Uploads use it for progress; without one (and without a global XMLHttpRequest) uploads use fetch. */
  xhrFactory?: () => XhrLike;
  now?: () => number;
}

export interface ApiRequest {
  method: string;
  bucket?: string;
  key?: string;
  query?: Array<[string, string]>;
  /** Lower-case names; x-amz-* are signed. */
  headers?: Record<string, string>;
  /** A string body is hashed into the signature; a Blob goes as UNSIGNED-PAYLOAD. */
  body?: string | Blob;
  service?: 's3' | 'kms';
  signal?: AbortSignal;
}

/** An HTTP answer: status, lower-case headers, and the body as text (downloads use `open`). */
export interface Answer {
  status: number;
  reason: string;
  header: Record<string, string>;
  text: string;
}

export interface Transport {
  endpoint: URL;
  exchange(request: ApiRequest): Promise<Answer>;
  /** The raw response, body unread (downloads stream it). */
  open(request: ApiRequest): Promise<Response>;
  /** A PUT of a Blob with upload progress. */
  upload(request: ApiRequest & { body: Blob }, onProgress: (loadedBytes: number) => void): Promise<Answer>;
  presignGet(bucket: string, key: string, expiresSeconds: number): string;
}

/** A response's headers with lower-case names. */
export function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}

/** getAllResponseHeaders() text ("name: value" lines) as lower-case names. */
export function parseHeaderLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

function isAbort(e: unknown): boolean {
  return (e as { name?: string } | undefined)?.name === 'AbortError';
}

/** A cancel passes as it is; any other failure while talking to the server is a NetworkError. */
export function asTransportError(e: unknown): unknown {
  return isAbort(e) ? e : new NetworkError({ cause: e });
}

function abortError(): Error {
  return new DOMException('The operation was aborted.', 'AbortError');
}

function globalXhrFactory(): (() => XhrLike) | undefined {
  const Xhr = (globalThis as { XMLHttpRequest?: new () => XhrLike }).XMLHttpRequest;
  return Xhr ? () => new Xhr() : undefined;
}

export function createTransport(options: TransportOptions, credentials: () => SigningCredentials): Transport {
  const endpoint = new URL(options.endpoint);
  const fetchImpl = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const xhrFactory = options.xhrFactory ?? globalXhrFactory();
  const now = options.now ?? Date.now;

  function prepare(request: ApiRequest): { url: string; headers: Record<string, string> } {
    const path = encodePath(request.bucket, request.key);
    const query = request.query ?? [];
    const payloadHash = request.body === undefined ? EMPTY_SHA256 : typeof request.body === 'string' ? sha256Hex(request.body) : UNSIGNED_PAYLOAD;
    const headers = signRequest({ method: request.method, endpoint, path, query, headers: request.headers ?? {}, payloadHash, service: request.service ?? 's3' }, credentials(), now());
    return { url: `${endpoint.origin}${path}${query.length ? `?${encodeQuery(query)}` : ''}`, headers };
  }

  async function open(request: ApiRequest): Promise<Response> {
    const { url, headers } = prepare(request);
    try {
      return await fetchImpl(url, {
        method: request.method,
        headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error',
      });
    } catch (e) {
      throw asTransportError(e);
    }
  }

  async function exchange(request: ApiRequest): Promise<Answer> {
    const response = await open(request);
    let text: string;
    try {
      text = await response.text();
    } catch (e) {
      throw asTransportError(e);
    }
    return { status: response.status, reason: response.statusText, header: headersOf(response), text };
  }

  function uploadWithXhr(request: ApiRequest & { body: Blob }, onProgress: (loadedBytes: number) => void, factory: () => XhrLike): Promise<Answer> {
    const { url, headers } = prepare(request);
    return new Promise((resolve, reject) => {
      const xhr = factory();
      const onAbortSignal = (): void => xhr.abort();
      const settle = (): void => request.signal?.removeEventListener('abort', onAbortSignal);
      xhr.open(request.method, url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => onProgress(event.loaded);
      xhr.onload = () => {
        settle();
        resolve({ status: xhr.status, reason: xhr.statusText, header: parseHeaderLines(xhr.getAllResponseHeaders()), text: xhr.responseText });
      };
      xhr.onerror = () => {
        settle();
        reject(new NetworkError());
      };
      xhr.onabort = () => {
        settle();
        reject(abortError());
      };
      if (request.signal?.aborted) return reject(abortError());
      request.signal?.addEventListener('abort', onAbortSignal);
      xhr.send(request.body);
    });
  }

  async function upload(request: ApiRequest & { body: Blob }, onProgress: (loadedBytes: number) => void): Promise<Answer> {
    if (xhrFactory) return uploadWithXhr(request, onProgress, xhrFactory);
    // No XMLHttpRequest (Node, workers): fetch cannot report upload progress, so it is reported at the end.
    const answer = await exchange(request);
    if (answer.status < 300) onProgress(request.body.size);
    return answer;
  }

  function presignGet(bucket: string, key: string, expiresSeconds: number): string {
    return presignUrl({ method: 'GET', endpoint, path: encodePath(bucket, key), query: [] }, credentials(), now(), expiresSeconds);
  }

  return { endpoint, exchange, open, upload, presignGet };
}
