/**
 * ObsClient: the OBS SDK's client shape (method names and results as its documentation shows) in
 * idiomatic async TypeScript, speaking the OBS dialect (after the `HEAD /?apiversion` probe), AWS
 * V2 or SigV4, virtual-hosted or path style. No server code is imported here.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { presignV4, signV2, canonicalResourceV2, stringToSignV2, postPolicySignatureV2, postPolicySignatureV4, amzDate, credentialScope } from '../signing/index.js';
import { SseCHeader, SseKmsHeader, SseObsHeader, type CopyObjectHeader, type GetObjectHeader, type Prefix, type PutObjectHeader, type SseHeader } from './headers.js';
import { makeResult, parseXmlBody, type ObsResult, type XmlDoc } from './result.js';
import { encodeKey, pathOf, queryString, readAll, send, type SignatureKind, type TransportOptions, type WireRequest, type WireResponse } from './transport.js';

export interface ObsClientOptions {
  accessKeyId: string;
  secretAccessKey: string;
  securityToken?: string;
  /** e.g. `http://127.0.0.1:9000` or `https://obs.example.com`. */
  server: string;
  /** 'obs' (default; negotiated with the apiversion probe), 'v2' or 'v4'. */
  signature?: SignatureKind;
  /** Path-style addressing; forced for IP endpoints (as the OBS SDK does). */
  pathStyle?: boolean;
  region?: string;
  /** Per-request timeout, ms (default 60 s). */
  timeoutMs?: number;
  /** Retries on 5xx and network errors (default 3; never on 4xx). */
  maxRetries?: number;
  /** Custom agents (keep-alive by default). */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /** Trust this CA (e.g. the server's self-signed certificate) for HTTPS. */
  ca?: string | Buffer;
  /** Skip TLS verification (development only). */
  insecureTls?: boolean;
}

export interface ObjectSummary {
  key: string;
  lastModified: Date;
  etag: string;
  size: number;
  storageClass?: string;
}

export interface ListObjectsOutput {
  name: string;
  prefix: string;
  delimiter?: string;
  isTruncated: boolean;
  nextMarker?: string;
  contents: ObjectSummary[];
  commonPrefixes: string[];
}

export interface ObjectMetadataOutput {
  contentLength: number;
  contentType?: string;
  etag?: string;
  lastModified?: Date;
  metadata: Record<string, string>;
  sseKms?: string;
  sseKmsKey?: string;
  sseC?: string;
  sseCKeyMd5?: string;
  storageClass?: string;
}

export interface PartInfo {
  partNumber: number;
  etag: string;
}

export interface BucketEncryption {
  algorithm: 'kms' | 'AES256';
  kmsKeyId?: string;
  /** Block SSE-C writes (S3 BlockedEncryptionTypes). */
  blockSseC?: boolean;
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : typeof v === 'object' ? '' : String(v);
}

function list<T>(v: unknown): T[] {
  return v === undefined ? [] : Array.isArray(v) ? (v as T[]) : [v as T];
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"(.*)"$/, '$1');
}

export class ObsClient {
  private readonly endpoint: URL;
  private readonly signature: SignatureKind;
  private readonly pathStyle: boolean;
  private readonly transport: TransportOptions;
  private readonly negotiated = new Map<string, { kind: SignatureKind; until: number }>();

  constructor(private readonly options: ObsClientOptions) {
    if (!options.accessKeyId || !options.secretAccessKey) throw new TypeError('accessKeyId and secretAccessKey are required');
    this.endpoint = new URL(options.server);
    if (this.endpoint.protocol !== 'http:' && this.endpoint.protocol !== 'https:') throw new TypeError('server must be an http:// or https:// URL');
    this.pathStyle = options.pathStyle ?? (isIP(this.endpoint.hostname.replace(/^\[|\]$/g, '')) !== 0);
    // Like the OBS SDK: the OBS dialect is virtual-hosted only; path style speaks V2.
    this.signature = options.signature === 'obs' || options.signature === undefined ? (this.pathStyle ? 'v2' : 'obs') : options.signature;
    const agent =
      this.endpoint.protocol === 'https:'
        ? (options.httpsAgent ?? new https.Agent({ keepAlive: true, ...(options.ca !== undefined ? { ca: options.ca } : {}), ...(options.insecureTls ? { rejectUnauthorized: false } : {}) }))
        : (options.httpAgent ?? new http.Agent({ keepAlive: true }));
    this.transport = {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      ...(options.securityToken !== undefined ? { securityToken: options.securityToken } : {}),
      endpoint: this.endpoint,
      region: options.region ?? 'us-east-1',
      timeoutMs: options.timeoutMs ?? 60_000,
      maxRetries: options.maxRetries ?? 3,
      agent,
    };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.transport.agent.destroy();
  }

  /**
   * The dialect used for a bucket: the OBS dialect only when the server's apiversion probe says
   * so. CreateBucket probes the service (the bucket does not exist yet) and caches nothing; a
   * probe of a missing bucket is not cached either.
   */
  private async dialectFor(bucket: string | undefined, creating = false): Promise<SignatureKind> {
    if (this.signature !== 'obs') return this.signature;
    const target = creating ? undefined : bucket;
    const cacheKey = target ?? '';
    const cached = this.negotiated.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.kind;
    let kind: SignatureKind = 'v2';
    const res = await send({ ...this.transport, maxRetries: 0 }, { method: 'HEAD', ...(target !== undefined ? { bucket: target } : {}), query: [['apiversion', '']], signature: 'obs', virtualHosted: !this.pathStyle && target !== undefined, headers: {} }).catch(() => undefined);
    res?.stream.resume();
    if (res && res.status < 300 && String(res.headers['x-obs-api'] ?? '') >= '3.0') kind = 'obs';
    if (res && res.status !== 404) this.negotiated.set(cacheKey, { kind, until: Date.now() + 60_000 + Math.random() * 240_000 });
    return kind;
  }

  private prefixOf(kind: SignatureKind): Prefix {
    return kind === 'obs' ? 'x-obs-' : 'x-amz-';
  }

  /** Sends a request in the bucket's dialect; `build` makes headers once the prefix is known. */
  private async exchange(req: Omit<WireRequest, 'signature' | 'virtualHosted' | 'headers'> & { headers?: (p: Prefix) => Record<string, string>; creating?: boolean }): Promise<{ res: WireResponse; prefix: Prefix }> {
    const kind = await this.dialectFor(req.bucket, req.creating);
    const prefix = this.prefixOf(kind);
    const res = await send(this.transport, { ...req, headers: req.headers?.(prefix) ?? {}, signature: kind, virtualHosted: !this.pathStyle && req.bucket !== undefined });
    return { res, prefix };
  }

  /** Sends and parses an XML (or empty) answer. */
  private async call<T>(req: Parameters<ObsClient['exchange']>[0], parse?: (doc: XmlDoc, headers: Record<string, string>, prefix: Prefix) => T): Promise<ObsResult<T>> {
    const { res, prefix } = await this.exchange(req);
    const text = (await readAll(res.stream)).toString('utf8');
    if (res.status >= 300) return makeResult<T>(res.status, res.reason, res.headers, text);
    const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
    return makeResult<T>(res.status, res.reason, res.headers, undefined, parse ? parse(parseXmlBody(text), headers, prefix) : (undefined as T));
  }

  // ---- buckets ----

  async listBuckets(): Promise<ObsResult<{ buckets: Array<{ name: string; creationDate: Date }> }>> {
    return this.call({ method: 'GET' }, (doc) => {
      const root = doc['ListAllMyBucketsResult'] as XmlDoc | undefined;
      const buckets = list<XmlDoc>((root?.['Buckets'] as XmlDoc | undefined)?.['Bucket']);
      return { buckets: buckets.map((b) => ({ name: String(b['Name']), creationDate: new Date(String(b['CreationDate'])) })) };
    });
  }

  async createBucket(bucket: string, options: { location?: string } = {}): Promise<ObsResult> {
    return this.call({
      method: 'PUT',
      bucket,
      creating: true,
      ...(options.location !== undefined ? { body: `<CreateBucketConfiguration><LocationConstraint>${options.location}</LocationConstraint></CreateBucketConfiguration>` } : {}),
    });
  }

  async deleteBucket(bucket: string): Promise<ObsResult> {
    return this.call({ method: 'DELETE', bucket });
  }

  async headBucket(bucket: string): Promise<ObsResult> {
    return this.call({ method: 'HEAD', bucket });
  }

  async getBucketLocation(bucket: string): Promise<ObsResult<{ location: string }>> {
    return this.call({ method: 'GET', bucket, query: [['location', '']] }, (doc) => ({ location: str(doc['Location'] ?? doc['LocationConstraint']) ?? '' }));
  }

  async setBucketEncryption(bucket: string, encryption: BucketEncryption): Promise<ObsResult> {
    const kind = await this.dialectFor(bucket);
    const alg = encryption.algorithm === 'kms' ? (kind === 'obs' ? 'kms' : 'aws:kms') : 'AES256';
    const key = encryption.kmsKeyId !== undefined ? `<KMSMasterKeyID>${escapeXml(encryption.kmsKeyId)}</KMSMasterKeyID>` : '';
    const blocked = encryption.blockSseC ? '<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>' : '';
    const body = `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${alg}</SSEAlgorithm>${key}</ApplyServerSideEncryptionByDefault>${blocked}</Rule></ServerSideEncryptionConfiguration>`;
    return this.call({ method: 'PUT', bucket, query: [['encryption', '']], body, headers: () => ({ 'content-md5': createHash('md5').update(body).digest('base64') }) });
  }

  async getBucketEncryption(bucket: string): Promise<ObsResult<BucketEncryption>> {
    return this.call({ method: 'GET', bucket, query: [['encryption', '']] }, (doc) => {
      const rule = list<XmlDoc>((doc['ServerSideEncryptionConfiguration'] as XmlDoc | undefined)?.['Rule'])[0] ?? {};
      const apply = (rule['ApplyServerSideEncryptionByDefault'] ?? {}) as XmlDoc;
      const alg = String(apply['SSEAlgorithm'] ?? '');
      const keyId = str(apply['KMSMasterKeyID']);
      const blocked = JSON.stringify(rule['BlockedEncryptionTypes'] ?? '').includes('SSE-C');
      return { algorithm: alg === 'AES256' ? 'AES256' : 'kms', ...(keyId ? { kmsKeyId: keyId } : {}), ...(blocked ? { blockSseC: true } : {}) };
    });
  }

  async deleteBucketEncryption(bucket: string): Promise<ObsResult> {
    return this.call({ method: 'DELETE', bucket, query: [['encryption', '']] });
  }

  // ---- objects ----

  private putHeaders(h: PutObjectHeader | undefined, prefix: Prefix): Record<string, string> {
    const out: Record<string, string> = {};
    if (!h) return out;
    if (h.contentType !== undefined) out['content-type'] = h.contentType;
    if (h.contentMd5 !== undefined) out['content-md5'] = h.contentMd5;
    if (h.cacheControl !== undefined) out['cache-control'] = h.cacheControl;
    if (h.contentDisposition !== undefined) out['content-disposition'] = h.contentDisposition;
    if (h.contentEncoding !== undefined) out['content-encoding'] = h.contentEncoding;
    if (h.contentLanguage !== undefined) out['content-language'] = h.contentLanguage;
    if (h.expires !== undefined) out['expires'] = h.expires;
    if (h.storageClass !== undefined) out[prefix + 'storage-class'] = h.storageClass;
    for (const [k, v] of Object.entries(h.metadata ?? {})) out[prefix + 'meta-' + k.toLowerCase()] = v;
    if (h.sseHeader) Object.assign(out, h.sseHeader.toHeaders(prefix));
    return out;
  }

  private static sseOf(headers: Record<string, string>, prefix: Prefix): Pick<ObjectMetadataOutput, 'sseKms' | 'sseKmsKey' | 'sseC' | 'sseCKeyMd5'> {
    const out: Pick<ObjectMetadataOutput, 'sseKms' | 'sseKmsKey' | 'sseC' | 'sseCKeyMd5'> = {};
    const mode = headers[prefix + 'server-side-encryption'];
    const key = headers['x-obs-server-side-encryption-kms-key-id'] ?? headers['x-amz-server-side-encryption-aws-kms-key-id'];
    const c = headers[prefix + 'server-side-encryption-customer-algorithm'];
    const md5 = headers[prefix + 'server-side-encryption-customer-key-md5'];
    if (mode !== undefined) out.sseKms = mode;
    if (key !== undefined) out.sseKmsKey = key;
    if (c !== undefined) out.sseC = c;
    if (md5 !== undefined) out.sseCKeyMd5 = md5;
    return out;
  }

  /** Uploads a string, Buffer or stream (a stream without `contentLength` goes chunked). */
  async putContent(bucket: string, key: string, content: string | Buffer | Readable, header?: PutObjectHeader & { contentLength?: number }): Promise<ObsResult<{ etag: string; versionId?: string } & ReturnType<typeof ObsClient.sseOf>>> {
    if (typeof content !== 'string' && !Buffer.isBuffer(content) && !(content instanceof Readable)) throw new TypeError('content must be a string, Buffer or Readable');
    return this.call(
      { method: 'PUT', bucket, key, body: content, ...(header?.contentLength !== undefined ? { contentLength: header.contentLength } : {}), headers: (p) => this.putHeaders(header, p) },
      (_doc, headers, prefix) => ({ etag: unquote(headers['etag']), ...ObsClient.sseOf(headers, prefix) }),
    );
  }

  /**
   * Uploads a file, or a whole folder (every file below it, keys `<key>/<relative path>`, as the
   * documentation's `aa/` example describes). Returns the last result (or the first failure).
   */
  async putFile(bucket: string, key: string, path: string, header?: PutObjectHeader): Promise<ObsResult<{ etag: string; uploaded: number }>> {
    const info = await stat(path);
    if (!info.isDirectory()) {
      const r = await this.call(
        { method: 'PUT', bucket, key, body: () => createReadStream(path), contentLength: info.size, headers: (p) => this.putHeaders(header, p) },
        (_doc, headers) => ({ etag: unquote(headers['etag']), uploaded: 1 }),
      );
      return r;
    }
    const files = await walk(path);
    let last: ObsResult<{ etag: string; uploaded: number }> | undefined;
    let uploaded = 0;
    const base = key.endsWith('/') ? key : key === '' ? '' : key + '/';
    for (const file of files) {
      const rel = relative(path, file).split(sep).join('/');
      const size = (await stat(file)).size;
      const r = await this.call(
        { method: 'PUT', bucket, key: base + rel, body: () => createReadStream(file), contentLength: size, headers: (p) => this.putHeaders(header, p) },
        (_doc, headers) => ({ etag: unquote(headers['etag']), uploaded: ++uploaded }),
      );
      if (r.status >= 300) return r;
      last = r;
    }
    return last ?? makeResult(200, 'OK', {}, undefined, { etag: '', uploaded: 0 });
  }

  private getHeaders(h: GetObjectHeader | undefined, prefix: Prefix): Record<string, string> {
    const out: Record<string, string> = {};
    if (!h) return out;
    if (h.range !== undefined) out['range'] = h.range.startsWith('bytes=') ? h.range : `bytes=${h.range}`;
    if (h.ifMatch !== undefined) out['if-match'] = h.ifMatch;
    if (h.ifNoneMatch !== undefined) out['if-none-match'] = h.ifNoneMatch;
    if (h.ifModifiedSince !== undefined) out['if-modified-since'] = h.ifModifiedSince.toUTCString();
    if (h.ifUnmodifiedSince !== undefined) out['if-unmodified-since'] = h.ifUnmodifiedSince.toUTCString();
    if (h.sseHeader) Object.assign(out, h.sseHeader.toHeaders(prefix));
    return out;
  }

  private getQuery(h: GetObjectHeader | undefined): Array<[string, string]> {
    const q: Array<[string, string]> = [];
    if (h?.responseContentType !== undefined) q.push(['response-content-type', h.responseContentType]);
    if (h?.responseContentDisposition !== undefined) q.push(['response-content-disposition', h.responseContentDisposition]);
    return q;
  }

  private static metadataOf(headers: Record<string, string>, prefix: Prefix): ObjectMetadataOutput {
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (k.startsWith(prefix + 'meta-')) metadata[k.slice(prefix.length + 5)] = v;
    const out: ObjectMetadataOutput = { contentLength: Number(headers['content-length'] ?? 0), metadata, ...ObsClient.sseOf(headers, prefix) };
    if (headers['content-type'] !== undefined) out.contentType = headers['content-type'];
    if (headers['etag'] !== undefined) out.etag = unquote(headers['etag']);
    if (headers['last-modified'] !== undefined) out.lastModified = new Date(headers['last-modified']);
    if (headers[prefix + 'storage-class'] !== undefined) out.storageClass = headers[prefix + 'storage-class'];
    return out;
  }

  /**
   * Downloads an object: into memory (default), into a file (`saveAsFile`), or as a stream
   * (`saveAsStream`: the caller reads `body.content`).
   */
  async getObject(bucket: string, key: string, header?: GetObjectHeader & { saveAsFile?: string; saveAsStream?: boolean }): Promise<ObsResult<ObjectMetadataOutput & { content?: Buffer | Readable }>> {
    const { res, prefix } = await this.exchange({ method: 'GET', bucket, key, query: this.getQuery(header), headers: (p) => this.getHeaders(header, p) });
    if (res.status >= 300) return makeResult(res.status, res.reason, res.headers, (await readAll(res.stream)).toString('utf8'));
    const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
    const meta = ObsClient.metadataOf(headers, prefix);
    if (header?.saveAsStream) return makeResult(res.status, res.reason, res.headers, undefined, { ...meta, content: res.stream });
    if (header?.saveAsFile !== undefined) {
      await pipeline(res.stream, createWriteStream(header.saveAsFile));
      return makeResult(res.status, res.reason, res.headers, undefined, meta);
    }
    return makeResult(res.status, res.reason, res.headers, undefined, { ...meta, content: await readAll(res.stream, 1024 * 1024 * 1024) });
  }

  async getObjectMetadata(bucket: string, key: string, header?: Pick<GetObjectHeader, 'sseHeader'>): Promise<ObsResult<ObjectMetadataOutput>> {
    return this.call({ method: 'HEAD', bucket, key, headers: (p) => this.getHeaders(header, p) }, (_doc, headers, prefix) => ObsClient.metadataOf(headers, prefix));
  }

  async copyObject(bucket: string, key: string, source: { bucket: string; key: string }, header?: CopyObjectHeader): Promise<ObsResult<{ etag: string; lastModified?: Date } & ReturnType<typeof ObsClient.sseOf>>> {
    return this.call(
      {
        method: 'PUT',
        bucket,
        key,
        headers: (p) => {
          const h: Record<string, string> = { [p + 'copy-source']: `/${source.bucket}/${encodeKey(source.key)}` };
          if (header?.metadataDirective !== undefined) h[p + 'metadata-directive'] = header.metadataDirective;
          if (header?.contentType !== undefined) h['content-type'] = header.contentType;
          if (header?.storageClass !== undefined) h[p + 'storage-class'] = header.storageClass;
          for (const [k, v] of Object.entries(header?.metadata ?? {})) h[p + 'meta-' + k.toLowerCase()] = v;
          if (header?.sseHeader) Object.assign(h, header.sseHeader.toHeaders(p));
          if (header?.sourceSseHeader) Object.assign(h, header.sourceSseHeader.toHeaders(p, true));
          if (header?.ifMatch !== undefined) h[p + 'copy-source-if-match'] = header.ifMatch;
          if (header?.ifNoneMatch !== undefined) h[p + 'copy-source-if-none-match'] = header.ifNoneMatch;
          return h;
        },
      },
      (doc, headers, prefix) => {
        const r = (doc['CopyObjectResult'] ?? {}) as XmlDoc;
        return { etag: unquote(str(r['ETag'])), ...(r['LastModified'] ? { lastModified: new Date(String(r['LastModified'])) } : {}), ...ObsClient.sseOf(headers, prefix) };
      },
    );
  }

  async deleteObject(bucket: string, key: string): Promise<ObsResult> {
    return this.call({ method: 'DELETE', bucket, key });
  }

  async deleteObjects(bucket: string, keys: string[], options: { quiet?: boolean } = {}): Promise<ObsResult<{ deleted: string[]; errors: Array<{ key: string; code: string; message: string }> }>> {
    if (keys.length === 0 || keys.length > 1000) throw new RangeError('deleteObjects takes 1 to 1000 keys');
    const body = `<Delete>${options.quiet ? '<Quiet>true</Quiet>' : ''}${keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('')}</Delete>`;
    return this.call({ method: 'POST', bucket, query: [['delete', '']], body, headers: () => ({ 'content-md5': createHash('md5').update(body).digest('base64'), 'content-type': 'application/xml' }) }, (doc) => {
      const r = (doc['DeleteResult'] ?? {}) as XmlDoc;
      return {
        deleted: list<XmlDoc>(r['Deleted']).map((d) => String(d['Key'])),
        errors: list<XmlDoc>(r['Error']).map((e) => ({ key: String(e['Key']), code: String(e['Code']), message: String(e['Message']) })),
      };
    });
  }

  async listObjects(bucket: string, options: { prefix?: string; delimiter?: string; marker?: string; maxKeys?: number } = {}): Promise<ObsResult<ListObjectsOutput>> {
    const query: Array<[string, string]> = [];
    if (options.prefix !== undefined) query.push(['prefix', options.prefix]);
    if (options.delimiter !== undefined) query.push(['delimiter', options.delimiter]);
    if (options.marker !== undefined) query.push(['marker', options.marker]);
    if (options.maxKeys !== undefined) query.push(['max-keys', String(options.maxKeys)]);
    return this.call({ method: 'GET', bucket, query }, (doc) => {
      const r = (doc['ListBucketResult'] ?? {}) as XmlDoc;
      const contents = list<XmlDoc>(r['Contents']).map((c) => ({
        key: String(c['Key']),
        lastModified: new Date(String(c['LastModified'])),
        etag: unquote(str(c['ETag'])),
        size: Number(c['Size']),
        ...(c['StorageClass'] ? { storageClass: String(c['StorageClass']) } : {}),
      }));
      const prefixes = list<XmlDoc>(r['CommonPrefixes']).map((p) => String(p['Prefix']));
      const truncated = String(r['IsTruncated']) === 'true';
      const last = [...contents.map((c) => c.key), ...prefixes].sort().pop();
      return {
        name: String(r['Name'] ?? bucket),
        prefix: str(r['Prefix']) ?? '',
        ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
        isTruncated: truncated,
        ...(truncated ? { nextMarker: str(r['NextMarker']) || last || '' } : {}),
        contents,
        commonPrefixes: prefixes,
      };
    });
  }

  /** Every object (and common prefix) under a prefix, page after page. Throws on an error answer. */
  async *listAllObjects(bucket: string, options: { prefix?: string; delimiter?: string; pageSize?: number } = {}): AsyncGenerator<ObjectSummary | { prefix: string }> {
    let marker: string | undefined;
    for (;;) {
      const page = await this.listObjects(bucket, { ...options, ...(marker !== undefined ? { marker } : {}), ...(options.pageSize !== undefined ? { maxKeys: options.pageSize } : {}) });
      if (page.status >= 300 || !page.body) throw new ObsResultError(page);
      for (const c of page.body.contents) yield c;
      for (const p of page.body.commonPrefixes) yield { prefix: p };
      if (!page.body.isTruncated || !page.body.nextMarker) return;
      marker = page.body.nextMarker;
    }
  }

  // ---- multipart ----

  async initiateMultipartUpload(bucket: string, key: string, header?: PutObjectHeader): Promise<ObsResult<{ uploadId: string } & ReturnType<typeof ObsClient.sseOf>>> {
    return this.call({ method: 'POST', bucket, key, query: [['uploads', '']], headers: (p) => this.putHeaders(header, p) }, (doc, headers, prefix) => ({
      uploadId: String(((doc['InitiateMultipartUploadResult'] ?? {}) as XmlDoc)['UploadId']),
      ...ObsClient.sseOf(headers, prefix),
    }));
  }

  /** Uploads one part: a Buffer, a stream (with `contentLength`), or a slice of a file. */
  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, content: Buffer | Readable | { file: string; offset: number; size: number }, header?: { sseHeader?: SseCHeader; contentMd5?: string; contentLength?: number }): Promise<ObsResult<{ etag: string }>> {
    let body: Buffer | Readable | (() => Readable);
    let contentLength: number | undefined = header?.contentLength;
    if (Buffer.isBuffer(content) || content instanceof Readable) body = content;
    else {
      const { file, offset, size } = content;
      body = () => (size === 0 ? Readable.from([]) : createReadStream(file, { start: offset, end: offset + size - 1 }));
      contentLength = size;
    }
    return this.call(
      {
        method: 'PUT',
        bucket,
        key,
        query: [['partNumber', String(partNumber)], ['uploadId', uploadId]],
        body,
        ...(contentLength !== undefined ? { contentLength } : {}),
        headers: (p) => ({ ...(header?.sseHeader ? header.sseHeader.toHeaders(p) : {}), ...(header?.contentMd5 !== undefined ? { 'content-md5': header.contentMd5 } : {}) }),
      },
      (_doc, headers) => ({ etag: unquote(headers['etag']) }),
    );
  }

  async copyPart(bucket: string, key: string, uploadId: string, partNumber: number, source: { bucket: string; key: string; range?: string }, header?: { sseHeader?: SseCHeader; sourceSseHeader?: SseCHeader }): Promise<ObsResult<{ etag: string }>> {
    return this.call(
      {
        method: 'PUT',
        bucket,
        key,
        query: [['partNumber', String(partNumber)], ['uploadId', uploadId]],
        headers: (p) => ({
          [p + 'copy-source']: `/${source.bucket}/${encodeKey(source.key)}`,
          ...(source.range !== undefined ? { [p + 'copy-source-range']: source.range.startsWith('bytes=') ? source.range : `bytes=${source.range}` } : {}),
          ...(header?.sseHeader ? header.sseHeader.toHeaders(p) : {}),
          ...(header?.sourceSseHeader ? header.sourceSseHeader.toHeaders(p, true) : {}),
        }),
      },
      (doc) => ({ etag: unquote(str(((doc['CopyPartResult'] ?? {}) as XmlDoc)['ETag'])) }),
    );
  }

  async completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: PartInfo[]): Promise<ObsResult<{ etag: string; location?: string } & ReturnType<typeof ObsClient.sseOf>>> {
    const body = `<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${escapeXml(unquote(p.etag))}"</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    return this.call({ method: 'POST', bucket, key, query: [['uploadId', uploadId]], body }, (doc, headers, prefix) => {
      const r = (doc['CompleteMultipartUploadResult'] ?? {}) as XmlDoc;
      return { etag: unquote(str(r['ETag'])), ...(r['Location'] ? { location: String(r['Location']) } : {}), ...ObsClient.sseOf(headers, prefix) };
    });
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<ObsResult> {
    return this.call({ method: 'DELETE', bucket, key, query: [['uploadId', uploadId]] });
  }

  async listParts(bucket: string, key: string, uploadId: string, options: { maxParts?: number; partNumberMarker?: number } = {}): Promise<ObsResult<{ parts: Array<PartInfo & { size: number }>; isTruncated: boolean; nextPartNumberMarker?: number }>> {
    const query: Array<[string, string]> = [['uploadId', uploadId]];
    if (options.maxParts !== undefined) query.push(['max-parts', String(options.maxParts)]);
    if (options.partNumberMarker !== undefined) query.push(['part-number-marker', String(options.partNumberMarker)]);
    return this.call({ method: 'GET', bucket, key, query }, (doc) => {
      const r = (doc['ListPartsResult'] ?? {}) as XmlDoc;
      const truncated = String(r['IsTruncated']) === 'true';
      return {
        parts: list<XmlDoc>(r['Part']).map((p) => ({ partNumber: Number(p['PartNumber']), etag: unquote(str(p['ETag'])), size: Number(p['Size']) })),
        isTruncated: truncated,
        ...(truncated && r['NextPartNumberMarker'] ? { nextPartNumberMarker: Number(r['NextPartNumberMarker']) } : {}),
      };
    });
  }

  /** One page of the bucket's multipart uploads; pass `nextKeyMarker`/`nextUploadIdMarker` back for the next page. */
  async listMultipartUploads(
    bucket: string,
    options: { prefix?: string; maxUploads?: number; keyMarker?: string; uploadIdMarker?: string } = {},
  ): Promise<ObsResult<{ uploads: Array<{ key: string; uploadId: string; initiated: Date }>; isTruncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string }>> {
    const query: Array<[string, string]> = [['uploads', '']];
    if (options.prefix !== undefined) query.push(['prefix', options.prefix]);
    if (options.maxUploads !== undefined) query.push(['max-uploads', String(options.maxUploads)]);
    if (options.keyMarker !== undefined) query.push(['key-marker', options.keyMarker]);
    if (options.uploadIdMarker !== undefined) query.push(['upload-id-marker', options.uploadIdMarker]);
    return this.call({ method: 'GET', bucket, query }, (doc) => {
      const r = (doc['ListMultipartUploadsResult'] ?? {}) as XmlDoc;
      const truncated = String(r['IsTruncated']) === 'true';
      const nextKeyMarker = str(r['NextKeyMarker']);
      const nextUploadIdMarker = str(r['NextUploadIdMarker']);
      return {
        uploads: list<XmlDoc>(r['Upload']).map((u) => ({ key: String(u['Key']), uploadId: String(u['UploadId']), initiated: new Date(String(u['Initiated'])) })),
        isTruncated: truncated,
        ...(truncated && nextKeyMarker ? { nextKeyMarker } : {}),
        ...(truncated && nextUploadIdMarker ? { nextUploadIdMarker } : {}),
      };
    });
  }

  // ---- signed URLs and POST policies ----

  /**
   * A signed URL (OBS `AccessKeyId/Expires/Signature` or V2 in the client's configured dialect,
   * SigV4 `X-Amz-*` with signature 'v4'). `headers` (e.g. SSE-C) are signed and must be sent.
   */
  createSignedUrl(options: { method: string; bucket: string; key?: string; expires?: number; headers?: Record<string, string>; query?: Record<string, string> }): { signedUrl: string; actualSignedRequestHeaders: Record<string, string> } {
    const expires = options.expires ?? 300;
    const req = { bucket: options.bucket, ...(options.key !== undefined ? { key: options.key } : {}), virtualHosted: !this.pathStyle };
    const path = pathOf(req);
    const host = req.virtualHosted ? `${options.bucket}.${this.endpoint.host}` : this.endpoint.host;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    const extra = Object.entries(options.query ?? {});
    if (this.signature === 'v4') {
      const query = presignV4({ method: options.method, canonicalUri: path, query: extra, headers: { host, ...headers }, accessKeyId: this.options.accessKeyId, secretAccessKey: this.options.secretAccessKey, region: this.transport.region, service: 's3', nowMs: Date.now(), expiresSeconds: expires });
      return { signedUrl: `${this.endpoint.protocol}//${host}${path}?${queryString(query)}`, actualSignedRequestHeaders: { host, ...headers } };
    }
    const prefix: Prefix = this.signature === 'obs' ? 'x-obs-' : 'x-amz-';
    const expiresAt = String(Math.floor(Date.now() / 1000) + expires);
    const resource = canonicalResourceV2((req.virtualHosted ? `/${options.bucket}` : '') + path, extra, prefix, true);
    const sts = stringToSignV2({ method: options.method, contentMd5: headers['content-md5'] ?? '', contentType: headers['content-type'] ?? '', dateOrExpires: expiresAt, headers, prefix, resource });
    const signature = signV2(this.options.secretAccessKey, sts);
    const keyParam = this.signature === 'obs' ? 'AccessKeyId' : 'AWSAccessKeyId';
    const query: Array<[string, string]> = [...extra, [keyParam, this.options.accessKeyId], ['Expires', expiresAt], ['Signature', signature]];
    return { signedUrl: `${this.endpoint.protocol}//${host}${path}?${queryString(query)}`, actualSignedRequestHeaders: { host, ...headers } };
  }

  /** Form fields for a browser POST upload: policy and signature in the client's dialect. */
  createPostSignature(options: { bucket: string; key: string; expires?: number; formParams?: Record<string, string> }): Record<string, string> {
    const expiration = new Date(Date.now() + (options.expires ?? 300) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const conditions: unknown[] = [{ bucket: options.bucket }, { key: options.key }];
    for (const [k, v] of Object.entries(options.formParams ?? {})) conditions.push({ [k.toLowerCase()]: v });
    const fields: Record<string, string> = { key: options.key, ...(options.formParams ?? {}) };
    if (this.signature === 'v4') {
      const datetime = amzDate(Date.now());
      const date = datetime.slice(0, 8);
      const credential = `${this.options.accessKeyId}/${credentialScope(date, this.transport.region, 's3')}`;
      conditions.push({ 'x-amz-algorithm': 'AWS4-HMAC-SHA256' }, { 'x-amz-credential': credential }, { 'x-amz-date': datetime });
      const policy = Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');
      return { ...fields, policy, 'x-amz-algorithm': 'AWS4-HMAC-SHA256', 'x-amz-credential': credential, 'x-amz-date': datetime, 'x-amz-signature': postPolicySignatureV4(this.options.secretAccessKey, date, this.transport.region, policy) };
    }
    const policy = Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');
    return { ...fields, policy, [this.signature === 'obs' ? 'AccessKeyId' : 'AWSAccessKeyId']: this.options.accessKeyId, signature: postPolicySignatureV2(this.options.secretAccessKey, policy) };
  }
}

/** Thrown only by iterators that cannot return a result: carries the failing result. */
export class ObsResultError extends Error {
  constructor(readonly result: ObsResult<unknown>) {
    super(`${result.status} ${result.errorCode ?? result.reason}: ${result.errorMessage ?? ''}`);
    this.name = 'ObsResultError';
  }
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}

export { SseCHeader, SseKmsHeader, SseObsHeader };
export type { SseHeader };
