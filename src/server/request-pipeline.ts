/**
 * One request, end to end: request id → addressing → dialect detection and authentication →
 * routing → access check → body de-framing → operation → rendering. Errors become the dialect's
 * error answer; anything untranslated becomes InternalError, logged with its cause.
 */
import { systemRandom } from '../crypto/random.js';
import type { IncomingMessage, ServerResponse, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { chain, chainAsync } from '../http/stream-chain.js';
import type { Logger } from 'pino';
import { MetadataUnavailableError } from '../metadata/metadata-store.js';
import { BlobStoreUnavailableError } from '../storage/blob-store.js';
import { authenticate, signedHeaderView, type AuthResult } from '../dialects/auth/index.js';
import { obsDialect, s3Dialect, type Dialect } from '../dialects/dialect.js';
import { parseQuery, resolveAddressing } from '../dialects/addressing.js';
import { invoke } from '../dialects/invoke.js';
import { renderBody, renderErrorBody, renderErrorHeaders, renderResultHeaders, requestIdHeaders, type KeyIdRenderer } from '../dialects/render.js';
import { headerValue, type WireRequest } from '../dialects/wire.js';
import { fail, isObscuraError, ObscuraError } from '../errors/index.js';
import { createAwsChunkedDecoder } from '../http/aws-chunked.js';
import { createPayloadHashCheck } from '../http/payload-hash.js';
import { operationContext, type Services } from '../operations/context.js';
import type { OperationResult } from '../operations/types.js';
import { operationAccess, type OperationName } from '../routing/operations.js';
import { route } from '../routing/route.js';
import { redactHeaders } from './redact.js';
import { IntegrityFailure } from '../sse/sse-service.js';
import { handlePostObject } from './post-object.js';
import type { ConsoleSite } from './console-site.js';

export interface PipelineOptions {
  services: Services;
  /** Virtual-host domain: `<bucket>.<domain>`. */
  domain: string;
  lookupSecret: (accessKeyId: string) => string | undefined;
  allowInsecureSse: boolean;
  trustedProxies: Set<string>;
  renderKeyId: KeyIdRenderer;
  hostId: string;
  /** Handler for the KMS JSON protocol (X-Amz-Target): authenticates itself (it needs the body's hash). */
  kmsHandler?: (req: IncomingMessage, res: ServerResponse, requestId: string, rawPath: string, rawQuery: string) => Promise<number>;
  /** The web console, offered unauthenticated GET/HEAD requests before any dialect handling. */
  console?: ConsoleSite;
  /** Counts every answered request by status (the console's metrics). */
  onAnswered?: (status: number) => void;
}

/** Bodies up to this size are read to the end before an early error answer is sent. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/** A request with `Expect: 100-continue` whose 100 has not been sent yet. */
type ContinueAware = IncomingMessage & { continueHeld?: boolean };

/**
 * The request body, with `100 Continue` sent only when the operation starts reading it: a request
 * refused before its body is needed (wrong key, no such upload) never makes the client send it.
 */
export function bodyWithLazyContinue(req: IncomingMessage, res: ServerResponse): Readable {
  const aware = req as ContinueAware;
  if (!aware.continueHeld) return req;
  let started = false;
  const body = new Readable({
    read() {
      if (started) {
        req.resume();
        return;
      }
      started = true;
      aware.continueHeld = false;
      res.writeContinue();
      req.on('data', (chunk: Buffer) => {
        if (!body.push(chunk)) req.pause();
      });
      req.on('end', () => body.push(null));
      req.on('error', (e) => body.destroy(e));
      req.on('aborted', () => body.destroy(new Error('request aborted')));
    },
    destroy(err, callback) {
      if (!req.readableEnded) req.destroy();
      callback(err);
    },
  });
  return body;
}

/** A readable that builds its source only when first read (so nothing pulls the body early). */
function lazyReadable(build: () => Readable): Readable {
  let inner: Readable | undefined;
  const out: Readable = new Readable({
    read() {
      if (inner) {
        inner.resume();
        return;
      }
      inner = build();
      inner.on('data', (chunk: Buffer) => {
        if (!out.push(chunk)) inner!.pause();
      });
      inner.on('end', () => out.push(null));
      inner.on('error', (e) => out.destroy(e));
    },
    destroy(err, callback) {
      inner?.destroy();
      callback(err);
    },
  });
  return out;
}

/** Marks a request that arrived with `Expect: 100-continue` (server 'checkContinue' event). */
export function holdContinue(req: IncomingMessage): void {
  (req as ContinueAware).continueHeld = true;
}

function newRequestId(): string {
  return systemRandom(8).toString('hex').toUpperCase();
}

function guessDialect(req: IncomingMessage): Dialect {
  const auth = headerValue(req.headers, 'authorization') ?? '';
  if (auth.startsWith('OBS ')) return obsDialect;
  if (auth.startsWith('AWS')) return s3Dialect;
  if ((req.url ?? '').includes('AccessKeyId=') && !(req.url ?? '').includes('AWSAccessKeyId=')) return obsDialect;
  for (const name of Object.keys(req.headers)) if (name.startsWith('x-obs-')) return obsDialect;
  return s3Dialect;
}

/** Whether the request carries SSE-C or SSE-KMS parameters (which need a secure transport). */
function carriesKeyMaterial(req: IncomingMessage): boolean {
  for (const name of Object.keys(req.headers)) {
    if (/^x-(amz|obs)-(copy-source-)?server-side-encryption-customer-/.test(name)) return true;
  }
  const mode = headerValue(req.headers, 'x-amz-server-side-encryption') ?? headerValue(req.headers, 'x-obs-server-side-encryption');
  return mode === 'aws:kms' || mode === 'kms';
}

export type RequestHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /** Resolves once no operation is running (shutdown waits for it before closing the stores). */
  idle: () => Promise<void>;
};

export function createRequestHandler(options: PipelineOptions): RequestHandler {
  const { services } = options;
  const log: Logger = services.log;
  // Requests pipelined on one connection run one after another: RFC 9112 §9.3.2 allows parallel
  // processing only of safe methods, and a GET or DELETE behind a PUT must see that PUT.
  const lastOnConnection = new WeakMap<Socket, Promise<void>>();
  // Operations still running (a client may hang up while its operation goes on): shutdown waits.
  let running = 0;
  const idleWaiters: Array<() => void> = [];
  const handler = ((req: IncomingMessage, res: ServerResponse): void => {
    const requestId = newRequestId();
    const started = process.hrtime.bigint();
    let dialect = guessDialect(req);
    let operation: OperationName | undefined;
    let resource = '/';
    const finish = (status: number, error?: unknown): void => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      options.onAnswered?.(status);
      const entry = { requestId, method: req.method, operation, status, ms: Math.round(ms * 10) / 10, dialect: dialect.name };
      if (status >= 500) log.error({ ...entry, err: error }, error instanceof IntegrityFailure || (error as { cause?: unknown })?.cause instanceof IntegrityFailure ? 'integrity failure' : 'request failed');
      else log.info(entry, 'request');
      if (log.isLevelEnabled('debug')) log.debug({ requestId, headers: redactHeaders(req.headers), url: redactUrl(req.url ?? '') }, 'request headers');
    };
    const sendError = (e: unknown): void => {
      let error: ObscuraError;
      if (isObscuraError(e)) error = e;
      // A store that cannot be reached now: the client should retry (503), nothing was changed.
      else if (e instanceof MetadataUnavailableError || e instanceof BlobStoreUnavailableError) error = fail('ServiceUnavailable', 'The storage service is unreachable. Please retry.', { headers: { 'retry-after': '1' } }, e);
      // The client closed the connection mid-body, or its connection was torn down (a reset, or
      // Node refusing what it sent next) before the operation read the body it had buffered
      // (Node then destroys the request with an error): its fault, not an internal error.
      else if (req.socket.destroyed && (!req.complete || req.errored)) error = new ObscuraError('IncompleteBody', undefined, {}, { cause: e });
      else error = new ObscuraError('InternalError', undefined, {}, { cause: e });
      const cause = error.code === 'InternalError' ? (error.cause ?? e) : undefined;
      finish(error.status, cause ?? (error.status >= 500 ? error : undefined));
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const headers: OutgoingHttpHeaders = Object.assign(requestIdHeaders(dialect, requestId, options.hostId), error.detail.headers);
      const respond = (): void => {
        if (res.headersSent || res.destroyed) return;
        if (req.method === 'HEAD' || error.status === 304) {
          Object.assign(headers, renderErrorHeaders(dialect, error));
          res.writeHead(error.status, headers);
          res.end();
        } else {
          const body = renderErrorBody(dialect, error, requestId, options.hostId, resource);
          headers['content-type'] = 'application/xml';
          headers['content-length'] = String(body.length);
          res.writeHead(error.status, headers);
          res.end(body);
        }
      };
      if (req.complete || req.destroyed || (req as ContinueAware).continueHeld) {
        // Nothing more will come (or the client still waits for 100-continue and never sends it).
        // A complete request's unread body is already buffered: the connection stays usable.
        if (!req.complete) res.shouldKeepAlive = false;
        respond();
        return;
      }
      // The client is still sending a body we will not use. A small one is read to the end first,
      // so clients that do not read early answers still see the error; a large one is cut off.
      res.shouldKeepAlive = false;
      const declared = Number(headerValue(req.headers, 'content-length') ?? NaN);
      if (Number.isFinite(declared) && declared <= DRAIN_LIMIT_BYTES) {
        req.on('end', respond);
        req.on('error', () => res.destroy());
        req.on('close', respond);
        req.resume();
      } else {
        respond();
        req.resume();
      }
    };
    const run = (): void => {
      running++;
      handle(req, res, requestId, (d) => (dialect = d), (op) => (operation = op), (r) => (resource = r))
        .then((status) => finish(status))
        .catch(sendError)
        .finally(() => {
          if (--running === 0) for (const wake of idleWaiters.splice(0)) wake();
        });
    };
    const previous = lastOnConnection.get(req.socket);
    lastOnConnection.set(req.socket, new Promise((resolve) => res.once('close', resolve)));
    if (previous === undefined) return run();
    void previous.then(() => {
      if (!req.socket.destroyed) return run();
      log.debug({ requestId, method: req.method }, 'the connection closed before its pipelined request was reached');
    });
  }) as RequestHandler;
  handler.idle = () => (running === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)));
  return handler;

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    setDialect: (d: Dialect) => void,
    setOperation: (o: OperationName) => void,
    setResource: (r: string) => void,
  ): Promise<number> {
    // Node's parser also takes `HTTP/2.0` and a line with no version (HTTP/0.9); neither is served.
    if (req.httpVersionMajor !== 1) throw fail('InvalidRequest', 'Only HTTP/1.0 and HTTP/1.1 are served.');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const consoleAnswer = options.console?.handle(req, res, rawPath, rawQuery);
    if (consoleAnswer) return consoleAnswer;
    setResource(safeResource(rawPath));
    const addressing = resolveAddressing(rawPath, headerValue(req.headers, 'host'), options.domain);
    const query = parseQuery(rawQuery);
    const remoteAddress = req.socket.remoteAddress ?? '';
    const forwardedProto = headerValue(req.headers, 'x-forwarded-proto');
    const isSecure = 'encrypted' in req.socket || (options.trustedProxies.has(remoteAddress) && forwardedProto?.toLowerCase() === 'https');
    const wire: WireRequest = {
      method: req.method ?? 'GET',
      rawPath,
      rawQuery,
      query,
      headers: req.headers,
      ...addressing,
      isSecure,
      remoteAddress,
    };
    const name = route({
      method: wire.method,
      ...(wire.bucket !== undefined ? { bucket: wire.bucket } : {}),
      ...(wire.key !== undefined ? { key: wire.key } : {}),
      queryNames: [...query.keys()],
      has: (h) => req.headers[h] !== undefined,
      ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}),
    });
    setOperation(name);
    if (name === 'ApiVersion') return answerApiVersion(res, wire, requestId);
    if (name === 'PostObject') {
      const bucket = wire.bucket !== undefined ? await services.metadata.getBucket(wire.bucket) : undefined;
      if (!bucket) throw fail('NoSuchBucket', undefined, { bucketName: wire.bucket ?? '' });
      return handlePostObject(req, res, wire, { services, requestId, bucket, lookupSecret: options.lookupSecret, renderKeyId: options.renderKeyId, hostId: options.hostId, setDialect, allowInsecureSse: options.allowInsecureSse });
    }
    if (name === 'Kms') {
      if (!options.kmsHandler) throw fail('NotImplemented');
      return options.kmsHandler(req, res, requestId, rawPath, rawQuery);
    }
    const auth = authenticate(
      { method: wire.method, rawPath, rawQuery, headers: signedHeaderView(req), ...(wire.virtualBucket !== undefined ? { virtualBucket: wire.virtualBucket } : {}) },
      options.lookupSecret,
      services.now(),
    );
    const dialect = auth.dialect === 'obs' ? obsDialect : auth.dialect === 's3' ? s3Dialect : guessDialect(req);
    setDialect(dialect);
    if (carriesKeyMaterial(req) && !wire.isSecure && !options.allowInsecureSse) {
      throw fail('InvalidRequest', 'Requests specifying Server Side Encryption with Customer provided keys or KMS keys must be made over a secure connection.');
    }
    const access = operationAccess[name];
    let bucketRecord;
    if (access !== 'none' && access !== 'service') {
      bucketRecord = await services.metadata.getBucket(wire.bucket ?? '');
      if (!bucketRecord) {
        if (auth.accessKeyId === undefined) throw fail('AccessDenied');
        throw fail('NoSuchBucket', undefined, { bucketName: wire.bucket ?? '' });
      }
      if (auth.accessKeyId === undefined || bucketRecord.owner !== auth.accessKeyId) throw fail('AccessDenied');
    } else if (access === 'service' && auth.accessKeyId === undefined) {
      throw fail('AccessDenied');
    }
    const { body, trailers, contentLength } = prepareBody(req, res, auth);
    const ctx = operationContext(services, { requestId, principal: auth.accessKeyId, body, trailers, ...(bucketRecord ? { bucketRecord } : {}) });
    const result = await invoke(name, wire, dialect, ctx, contentLength !== undefined ? { renderKeyId: options.renderKeyId, contentLength } : { renderKeyId: options.renderKeyId });
    return sendResult(req, res, dialect, requestId, result);
  }

  function answerApiVersion(res: ServerResponse, wire: WireRequest, requestId: string): Promise<number> {
    return (async () => {
      if (wire.bucket !== undefined) {
        const bucket = await services.metadata.getBucket(wire.bucket);
        if (!bucket) {
          res.writeHead(404, { ...requestIdHeaders(obsDialect, requestId, options.hostId), 'x-obs-error-code': 'NoSuchBucket' });
          res.end();
          return 404;
        }
      }
      res.writeHead(200, { ...requestIdHeaders(obsDialect, requestId, options.hostId), 'x-obs-api': '3.0' });
      res.end();
      return 200;
    })();
  }

  function prepareBody(req: IncomingMessage, res: ServerResponse, auth: AuthResult): { body: Readable; trailers: () => Record<string, string>; contentLength?: number } {
    const source = bodyWithLazyContinue(req, res);
    const declared = headerValue(req.headers, 'content-length');
    let contentLength = declared !== undefined && /^\d{1,16}$/.test(declared) ? Number(declared) : undefined;
    if (declared !== undefined && contentLength === undefined) throw fail('InvalidArgument', 'Content-Length is not a number.', { argumentName: 'Content-Length' });
    const payload = auth.payload;
    if (payload.kind === 'streaming-signed' || payload.kind === 'streaming-unsigned') {
      const decodedHeader = headerValue(req.headers, 'x-amz-decoded-content-length');
      const decodedLength = decodedHeader !== undefined && /^\d{1,16}$/.test(decodedHeader) ? Number(decodedHeader) : undefined;
      if (decodedHeader !== undefined && decodedLength === undefined) throw fail('InvalidArgument', 'x-amz-decoded-content-length is not a number.');
      const trailerHeader = headerValue(req.headers, 'x-amz-trailer');
      const decoder = createAwsChunkedDecoder({
        mode: payload.kind === 'streaming-signed' ? 'signed' : 'unsigned',
        ...(payload.kind === 'streaming-signed'
          ? { signingKey: payload.signingKey, seedSignature: payload.seedSignature, datetime: payload.datetime, scope: payload.scope }
          : {}),
        trailerNames: trailerHeader ? trailerHeader.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean) : [],
        ...(decodedLength !== undefined ? { decodedLength } : {}),
      });
      const body = lazyReadable(() => chain([source, decoder], () => undefined));
      return { body, trailers: () => decoder.trailers, ...(decodedLength !== undefined ? { contentLength: decodedLength } : {}) };
    }
    if (payload.kind === 'sha256') {
      const check = createPayloadHashCheck(payload.hex);
      const body = lazyReadable(() => chain([source, check], () => undefined));
      return { body, trailers: () => ({}), ...(contentLength !== undefined ? { contentLength } : {}) };
    }
    if (contentLength === undefined && headerValue(req.headers, 'transfer-encoding') === undefined) contentLength = 0;
    return { body: source, trailers: () => ({}), ...(contentLength !== undefined ? { contentLength } : {}) };
  }

  async function sendResult(req: IncomingMessage, res: ServerResponse, dialect: Dialect, requestId: string, result: OperationResult): Promise<number> {
    const status = result.status ?? 200;
    // Built in place, not by spreads (see operationContext): this runs for every answer.
    const headers: OutgoingHttpHeaders = requestIdHeaders(dialect, requestId, options.hostId);
    if (result.headers) Object.assign(headers, renderResultHeaders(dialect, result.headers, options.renderKeyId));
    const body = result.body;
    if (body === undefined || req.method === 'HEAD' || status === 304 || status === 204) {
      if (body instanceof Readable) body.destroy();
      if (headers['content-length'] === undefined && status !== 304 && status !== 204) headers['content-length'] = '0';
      res.writeHead(status, headers);
      res.end();
      return status;
    }
    if (Buffer.isBuffer(body)) {
      headers['content-length'] = String(body.length);
      res.writeHead(status, headers);
      res.end(body);
      return status;
    }
    if (!(body instanceof Readable)) {
      const xml = renderBody(dialect, body);
      headers['content-type'] = 'application/xml';
      headers['content-length'] = String(xml.length);
      res.writeHead(status, headers);
      res.end(xml);
      return status;
    }
    // A stream: hold the headers until the first authenticated bytes (or the end) arrive, so an
    // integrity failure in the first package still becomes a proper 500.
    const first = await new Promise<Buffer | null>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        body.pause();
        cleanup();
        resolve(chunk);
      };
      const onEnd = (): void => {
        cleanup();
        resolve(null);
      };
      const onError = (e: Error): void => {
        cleanup();
        reject(e);
      };
      const cleanup = (): void => {
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', onError);
      };
      body.on('data', onData);
      body.once('end', onEnd);
      body.once('error', onError);
    }).catch((e: unknown) => {
      body.destroy();
      throw e;
    });
    res.writeHead(status, headers);
    if (first === null) {
      res.end();
      return status;
    }
    res.write(first);
    try {
      await chainAsync([body, res]);
    } catch (e) {
      // Every byte was handed to the kernel and the client hung up before Node confirmed the last
      // write: the request was answered, not failed.
      const answered = res.writableEnded && res.writableLength === 0 && (e as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
      res.destroy();
      if (answered) return status;
      throw e;
    }
    return status;
  }
}

function safeResource(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

/** Removes signatures and credentials from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:Signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|x-obs-security-token)=)[^&]*/gi, '$1[redacted]');
}
