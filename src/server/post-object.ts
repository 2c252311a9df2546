/**
 * Browser-form POST upload (multipart/form-data): fields first, the file last. The policy is
 * verified (signature, expiry, conditions) before any byte of the file is stored; the file
 * streams straight into PutObject's path. SSE fields arrive as form fields and are parsed as the
 * equivalent headers.
 */
import Busboy from 'busboy';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { contentLengthRange, evaluatePostPolicyConditions, verifyPostPolicySignature } from '../dialects/auth/index.js';
import { obsDialect, s3Dialect, type Dialect } from '../dialects/dialect.js';
import { parseChecksumInput, parseObjectMeta, parseSseRequest } from '../dialects/parse-headers.js';
import { renderBody, renderResultHeaders, requestIdHeaders, type KeyIdRenderer } from '../dialects/render.js';
import type { WireRequest } from '../dialects/wire.js';
import { fail, isObscuraError } from '../errors/index.js';
import { el } from '../http/xml.js';
import type { BucketRecord } from '../metadata/records.js';
import { operationContext, type Services } from '../operations/context.js';
import { handlePutObject } from '../operations/object-put.js';

export interface PostObjectEnv {
  services: Services;
  requestId: string;
  bucket: BucketRecord;
  lookupSecret: (accessKeyId: string) => string | undefined;
  renderKeyId: KeyIdRenderer;
  hostId: string;
  setDialect: (d: Dialect) => void;
  allowInsecureSse: boolean;
}

const MAX_FIELDS = 64;
const MAX_FIELD_BYTES = 20 * 1024;

export function handlePostObject(req: IncomingMessage, res: ServerResponse, wire: WireRequest, env: PostObjectEnv): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const done = (e: unknown, status?: number): void => {
      if (settled) return;
      settled = true;
      if (e) {
        req.unpipe();
        req.resume();
        reject(e);
      } else resolve(status ?? 200);
    };
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: req.headers,
        limits: { fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, files: 1, fileSize: env.services.limits.maxObjectBytes + 1, parts: MAX_FIELDS + 1 },
        preservePath: true,
      });
    } catch (cause) {
      done(fail('MalformedPOSTRequest', undefined, undefined, cause));
      return;
    }
    const fields = new Map<string, string>();
    let sawFile = false;
    parser.on('field', (name, value, info) => {
      // A part without a name (Content-Disposition: form-data) reaches us as undefined; throwing
      // here would escape busboy's write as an uncaught exception.
      if (typeof name !== 'string') return done(fail('MalformedPOSTRequest', 'A form field has no name.'));
      if (info.valueTruncated || info.nameTruncated) return done(fail('MalformedPOSTRequest', 'A form field is too large.'));
      const lower = name.toLowerCase();
      if (!fields.has(lower)) fields.set(lower, value);
    });
    parser.on('fieldsLimit', () => done(fail('MalformedPOSTRequest', 'Too many form fields.')));
    parser.on('filesLimit', () => done(fail('MalformedPOSTRequest', 'Only one file may be uploaded.')));
    parser.on('file', (fieldName, stream, info) => {
      // A form that ends early also destroys the file stream with the error the parser reports
      // below; a stream nobody pipes must not turn it into an uncaught exception.
      stream.on('error', () => undefined);
      if (typeof fieldName !== 'string') {
        stream.resume();
        return done(fail('MalformedPOSTRequest', 'A form field has no name.'));
      }
      if (sawFile || fieldName.toLowerCase() !== 'file') {
        stream.resume();
        if (fieldName.toLowerCase() !== 'file') return;
        return done(fail('MalformedPOSTRequest', 'Only one file may be uploaded.'));
      }
      sawFile = true;
      uploadFile(stream, info.filename, info.mimeType)
        .then((status) => done(undefined, status))
        .catch((e) => {
          stream.resume();
          done(e);
        });
    });
    parser.on('error', (e) => done(isObscuraError(e) ? e : fail('MalformedPOSTRequest', undefined, undefined, e)));
    parser.on('close', () => {
      if (!sawFile) done(fail('InvalidArgument', 'POST requires exactly one file upload per request.', { argumentName: 'file', argumentValue: '0' }));
    });
    req.on('error', (e) => done(e));
    req.pipe(parser);

    async function uploadFile(file: Readable, filename: string | undefined, mimeType: string): Promise<number> {
      const auth = verifyPostPolicySignature(fields, env.lookupSecret, env.services.now());
      const dialect = auth.dialect === 'obs' ? obsDialect : s3Dialect;
      env.setDialect(dialect);
      if (env.bucket.owner !== auth.accessKeyId) throw fail('AccessDenied');
      const rawKey = fields.get('key');
      if (rawKey === undefined || rawKey === '') throw fail('InvalidArgument', 'Bucket POST must contain a field named \'key\'.', { argumentName: 'key' });
      const key = rawKey.replace(/\$\{filename\}/g, (filename ?? '').split(/[\\/]/).pop() ?? '');
      const formFields = new Map(fields);
      formFields.set('key', key);
      // Every condition is checked before a byte is stored; the content-length-range while streaming.
      evaluatePostPolicyConditions(auth.policy, formFields, env.bucket.name, undefined);
      const body = pipeline(file, createPolicyLengthCheck(contentLengthRange(auth.policy)), () => undefined) as unknown as Readable;
      const headers: IncomingHttpHeaders = {};
      for (const [name, value] of formFields) {
        if (/^(content-type|cache-control|content-disposition|content-encoding|expires|content-language)$/.test(name) || name.startsWith('x-amz-') || name.startsWith('x-obs-')) {
          headers[name] = value;
        }
      }
      if (headers['content-type'] === undefined && mimeType && mimeType !== 'application/octet-stream') headers['content-type'] = mimeType;
      const formWire: WireRequest = { ...wire, headers, key };
      const sseCarried = Object.keys(headers).some((h) => /server-side-encryption-customer|server-side-encryption$/.test(h) && (h.includes('customer') || headers[h] === 'aws:kms' || headers[h] === 'kms'));
      if (sseCarried && !wire.isSecure && !env.allowInsecureSse) {
        throw fail('InvalidRequest', 'Requests specifying Server Side Encryption with Customer provided keys or KMS keys must be made over a secure connection.');
      }
      const ctx = operationContext(env.services, { requestId: env.requestId, principal: auth.accessKeyId, bucketRecord: env.bucket, body, trailers: () => ({}) });
      const result = await handlePutObject(ctx, {
        bucket: env.bucket.name,
        key,
        meta: parseObjectMeta(formWire, dialect),
        sse: parseSseRequest(formWire, dialect),
        checksum: parseChecksumInput(formWire),
      });
      const etag = result.headers?.etag ?? '';
      const location = `/${env.bucket.name}/${encodeURIComponent(key)}`;
      const headersOut = {
        ...requestIdHeaders(dialect, env.requestId, env.hostId),
        ...renderResultHeaders(dialect, { ...(result.headers ?? {}), location }, env.renderKeyId),
      };
      const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
      // S3: a redirect URL it cannot interpret is treated as if the field were absent.
      if (redirect && URL.canParse(redirect)) {
        const target = new URL(redirect);
        target.searchParams.set('bucket', env.bucket.name);
        target.searchParams.set('key', key);
        target.searchParams.set('etag', `"${etag}"`);
        res.writeHead(303, { ...headersOut, location: target.toString(), 'content-length': '0' });
        res.end();
        return 303;
      }
      const wanted = fields.get('success_action_status');
      const status = wanted === '200' || wanted === '201' ? Number(wanted) : 204;
      if (status === 201) {
        const body = renderBody(dialect, el('PostResponse', el('Location', location), el('Bucket', env.bucket.name), el('Key', key), el('ETag', `"${etag}"`)));
        res.writeHead(201, { ...headersOut, 'content-type': 'application/xml', 'content-length': String(body.length) });
        res.end(body);
      } else {
        res.writeHead(status, { ...headersOut, 'content-length': '0' });
        res.end();
      }
      return status;
    }
  });
}

/** Enforces a policy's content-length-range on the streamed file: nothing is committed outside it. */
function createPolicyLengthCheck(range: { min: number; max: number } | undefined): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      seen += chunk.length;
      if (range && seen > range.max) return callback(fail('EntityTooLarge', 'Your proposed upload exceeds the content-length-range of the policy.'));
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (range && seen < range.min) return callback(fail('EntityTooSmall', 'Your proposed upload is smaller than the content-length-range of the policy.'));
      callback();
    },
  });
}
