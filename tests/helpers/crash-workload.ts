/**
 * Crash-safety harness: runs writes of every kind against the real server, kills it with SIGKILL at
 * a random moment, restarts it on the same dirs and checks that every acknowledged write reads
 * back byte-exact with its SSE mode, that an unacknowledged one is either wholly there or wholly
 * absent, that the SQLite file passes integrity_check, that no orphan blob or temp file survives
 * the restart, and that the KMS keystore still holds every key it acknowledged.
 *
 * Each worker owns its keys, so operations on one key are sequential and at most the last one is
 * in doubt after a kill: the model keeps, per key, the set of states it may be in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, RotateKeyOnDemandCommand } from '@aws-sdk/client-kms';
import { startTestServer, type TestServer } from './server.js';
import { signedRequest, type RawResponse } from './raw.js';
import { SqliteMetadataStore } from '../../src/metadata/sqlite/sqlite-metadata-store.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';

type Mode = { kind: 'none' } | { kind: 'sse-s3' } | { kind: 'sse-c'; key: number } | { kind: 'sse-kms'; keyId?: string };
/** A stored object as the client knows it, or null for "absent". */
type State = { sha: string; size: number; mode: Mode } | null;

const CUSTOMER_KEYS = [randomBytes(32), randomBytes(32)];
const BUCKET = 'crash-objects';
const ENC_BUCKET = 'crash-default-enc';
const MIB = 1024 * 1024;

export interface CrashReport {
  iterations: number;
  acknowledged: number;
  inDoubt: number;
  resolvedAsNew: number;
  keysCreated: number;
  rotations: number;
}

class Halted extends Error {}

function sseHeaders(mode: Mode, prefix = 'x-amz-server-side-encryption'): Record<string, string> {
  switch (mode.kind) {
    case 'none':
      return {};
    case 'sse-s3':
      return { [prefix]: 'AES256' };
    case 'sse-kms':
      return { [prefix]: 'aws:kms', ...(mode.keyId ? { [`${prefix}-aws-kms-key-id`]: mode.keyId } : {}) };
    case 'sse-c': {
      const key = CUSTOMER_KEYS[mode.key]!;
      return {
        [`${prefix}-customer-algorithm`]: 'AES256',
        [`${prefix}-customer-key`]: key.toString('base64'),
        [`${prefix}-customer-key-md5`]: createHash('md5').update(key).digest('base64'),
      };
    }
  }
}

/** The SSE-C headers a read needs (only SSE-C objects need any). */
function readHeaders(mode: Mode): Record<string, string> {
  return mode.kind === 'sse-c' ? sseHeaders(mode) : {};
}

function copySourceHeaders(mode: Mode): Record<string, string> {
  if (mode.kind !== 'sse-c') return {};
  return Object.fromEntries(Object.entries(sseHeaders(mode)).map(([k, v]) => [k.replace('x-amz-', 'x-amz-copy-source-'), v]));
}

function modeMatches(mode: Mode, res: RawResponse): boolean {
  const sse = res.headers['x-amz-server-side-encryption'];
  const customer = res.headers['x-amz-server-side-encryption-customer-algorithm'];
  switch (mode.kind) {
    case 'none':
      return sse === undefined && customer === undefined;
    case 'sse-s3':
      return sse === 'AES256';
    case 'sse-c':
      return customer === 'AES256';
    case 'sse-kms': {
      const keyId = res.headers['x-amz-server-side-encryption-aws-kms-key-id'];
      return sse === 'aws:kms' && (mode.keyId === undefined || (typeof keyId === 'string' && keyId.endsWith(mode.keyId)));
    }
  }
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function randomMode(kmsKeys: string[]): Mode {
  const r = randomInt(5);
  if (r === 0) return { kind: 'none' };
  if (r === 1) return { kind: 'sse-s3' };
  if (r === 2) return { kind: 'sse-c', key: randomInt(2) };
  if (r === 3 || kmsKeys.length === 0) return { kind: 'sse-kms' };
  return { kind: 'sse-kms', keyId: kmsKeys[randomInt(kmsKeys.length)]! };
}

export class CrashHarness {
  private server!: TestServer;
  private halted = false;
  /** bucket/key → the states it may be in. */
  private readonly objects = new Map<string, State[]>();
  /** Possible default encryption of ENC_BUCKET: undefined = none. */
  private encryption: Array<Mode | undefined> = [undefined];
  /** KMS keys that were acknowledged (must exist after every restart), and ones in doubt. */
  private readonly kmsKeys: string[] = [];
  readonly report: CrashReport = { iterations: 0, acknowledged: 0, inDoubt: 0, resolvedAsNew: 0, keysCreated: 0, rotations: 0 };

  private constructor(
    private readonly base: string,
    private readonly accessKey: string,
    private readonly secretKey: string,
  ) {}

  static async create(): Promise<CrashHarness> {
    const base = await mkdtemp(join(tmpdir(), 'obscura-crash-'));
    return new CrashHarness(base, 'AK' + randomBytes(9).toString('hex').toUpperCase(), randomBytes(24).toString('base64url'));
  }

  async cleanup(): Promise<void> {
    await this.server?.stop('SIGKILL');
    await rm(this.base, { recursive: true, force: true });
  }

  /** One cycle: start, check everything, write under load, kill at a random moment, check the file. */
  async iteration(): Promise<void> {
    await this.start();
    await this.verify();
    if (this.report.iterations === 0) await this.setUp();
    this.halted = false;
    const workers = [0, 1, 2, 3].map((i) => this.objectWorker(i)).concat(this.encryptionWorker(), this.kmsWorker());
    const settled = Promise.allSettled(workers);
    await new Promise((r) => setTimeout(r, randomInt(150, 900)));
    this.halted = true;
    await this.server.stop('SIGKILL');
    for (const result of await settled) if (result.status === 'rejected' && !(result.reason instanceof Halted)) throw result.reason;
    this.checkSqliteFile();
    this.report.iterations++;
  }

  /** A clean start and stop after the last kill, checking once more. */
  async finish(): Promise<void> {
    await this.start();
    await this.verify();
    assert.equal(await this.server.stop('SIGTERM'), 0);
  }

  private async start(): Promise<void> {
    this.server = await startTestServer({ dataDir: join(this.base, 'data'), configDir: join(this.base, 'config'), accessKey: this.accessKey, secretKey: this.secretKey, args: ['--log-level', 'warn'] });
  }

  private request(options: Parameters<typeof signedRequest>[1]): Promise<RawResponse> {
    return signedRequest(this.server, options);
  }

  private kms(): KMSClient {
    return new KMSClient({ endpoint: this.server.httpUrl, region: 'us-east-1', credentials: { accessKeyId: this.accessKey, secretAccessKey: this.secretKey }, maxAttempts: 1 });
  }

  private async setUp(): Promise<void> {
    for (const bucket of [BUCKET, ENC_BUCKET]) assert.equal((await this.request({ method: 'PUT', path: `/${bucket}` })).status, 200);
  }

  /**
   * Runs one write whose effect on `key` is `next`. Acknowledged: the key is now exactly `next`.
   * Cut off by the kill: it may or may not have happened. Refused by a live server: a test failure.
   */
  private async write(key: string, next: State | State[], send: () => Promise<RawResponse>): Promise<void> {
    if (this.halted) throw new Halted();
    const outcomes = Array.isArray(next) ? next : [next];
    let res: RawResponse;
    try {
      res = await send();
    } catch (e) {
      if (!this.halted) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED') {
        this.objects.set(key, [...(this.objects.get(key) ?? [null]), ...outcomes]);
        this.report.inDoubt++;
      }
      throw new Halted();
    }
    assert.ok(res.status >= 200 && res.status < 300, `${key}: ${res.status} ${res.body.toString()}`);
    this.objects.set(key, outcomes);
    this.report.acknowledged++;
  }

  /** The one state a key is known to be in, if it is known. */
  private known(key: string): State | undefined {
    const states = this.objects.get(key) ?? [null];
    return states.length === 1 ? states[0] : undefined;
  }

  private async objectWorker(worker: number): Promise<void> {
    const keys = Array.from({ length: 6 }, (_, i) => `w${worker}/k${i}`);
    for (;;) {
      const key = keys[randomInt(keys.length)]!;
      const path = `/${BUCKET}/${key}`;
      const op = randomInt(10);
      const mode = randomMode(this.kmsKeys);
      if (op <= 3 || op === 4) {
        // PUT: small, or now and then large enough to span many packages and write batches.
        const data = randomBytes(op === 4 ? randomInt(MIB, 6 * MIB) : randomInt(0, 64 * 1024));
        await this.write(key, { sha: sha(data), size: data.length, mode }, () => this.request({ method: 'PUT', path, headers: sseHeaders(mode), body: data }));
      } else if (op === 5) {
        await this.write(key, null, () => this.request({ method: 'DELETE', path }));
      } else if (op <= 7) {
        // Copy from another key this worker knows exactly, re-encrypting under a random mode.
        const from = keys[randomInt(keys.length)]!;
        const source = this.known(from);
        if (!source || from === key) continue;
        const headers = { 'x-amz-copy-source': `/${BUCKET}/${from}`, ...copySourceHeaders(source.mode), ...sseHeaders(mode) };
        await this.write(key, { ...source, mode }, () => this.request({ method: 'PUT', path, headers }));
      } else {
        await this.multipart(key, mode);
      }
    }
  }

  private async multipart(key: string, mode: Mode): Promise<void> {
    const path = `/${BUCKET}/${key}`;
    const headers = sseHeaders(mode);
    const parts = [randomBytes(5 * MIB), randomBytes(randomInt(1, 300 * 1024))];
    // Only Complete changes the object; a kill before it leaves the key as it was.
    const step = async (options: Parameters<typeof signedRequest>[1]): Promise<RawResponse> => {
      if (this.halted) throw new Halted();
      try {
        const res = await this.request(options);
        assert.equal(res.status, 200, res.body.toString());
        return res;
      } catch (e) {
        if (this.halted) throw new Halted();
        throw e;
      }
    };
    const initiated = await step({ method: 'POST', path: `${path}?uploads`, headers });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated.body.toString())![1]!;
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      const res = await step({ method: 'PUT', path: `${path}?partNumber=${i + 1}&uploadId=${uploadId}`, headers: readHeaders(mode), body: part });
      etags.push(res.headers['etag'] as string);
    }
    const body = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const whole = Buffer.concat(parts);
    await this.write(key, { sha: sha(whole), size: whole.length, mode }, () => this.request({ method: 'POST', path: `${path}?uploadId=${uploadId}`, headers: readHeaders(mode), body }));
  }

  /** Changes the bucket's default encryption and writes without SSE headers, which must follow it. */
  private async encryptionWorker(): Promise<void> {
    for (let n = 0; ; n++) {
      if (randomInt(3) === 0) {
        const next: Mode | undefined = [undefined, { kind: 'sse-s3' } as Mode, { kind: 'sse-kms' } as Mode][randomInt(3)];
        if (this.halted) throw new Halted();
        try {
          const res = next
            ? await this.request({
                method: 'PUT',
                path: `/${ENC_BUCKET}?encryption`,
                body: `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${next.kind === 'sse-s3' ? 'AES256' : 'aws:kms'}</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
              })
            : await this.request({ method: 'DELETE', path: `/${ENC_BUCKET}?encryption` });
          assert.ok(res.status === 200 || res.status === 204, res.body.toString());
          this.encryption = [next];
        } catch (e) {
          if (!this.halted) throw e;
          this.encryption = [...this.encryption, next];
          throw new Halted();
        }
        continue;
      }
      const key = `e${n % 5}`;
      const data = randomBytes(randomInt(0, 32 * 1024));
      const outcomes = this.encryption.map((m) => ({ sha: sha(data), size: data.length, mode: m ?? { kind: 'none' as const } }));
      await this.write(`enc:${key}`, outcomes, () => this.request({ method: 'PUT', path: `/${ENC_BUCKET}/${key}`, body: data }));
    }
  }

  /** Creates and rotates KMS keys and writes objects under them. */
  private async kmsWorker(): Promise<void> {
    const kms = this.kms();
    for (;;) {
      if (this.halted) throw new Halted();
      const op = randomInt(4);
      try {
        if (op === 0 || this.kmsKeys.length === 0) {
          const created = await kms.send(new CreateKeyCommand({ Description: 'crash test' }));
          this.kmsKeys.push(created.KeyMetadata!.KeyId!);
          this.report.keysCreated++;
        } else if (op === 1) {
          await kms.send(new RotateKeyOnDemandCommand({ KeyId: this.kmsKeys[randomInt(this.kmsKeys.length)]! }));
          this.report.rotations++;
        } else {
          const keyId = this.kmsKeys[randomInt(this.kmsKeys.length)]!;
          const data = randomBytes(randomInt(0, 16 * 1024));
          const mode: Mode = { kind: 'sse-kms', keyId };
          await this.write(`kms:k${randomInt(4)}`, { sha: sha(data), size: data.length, mode }, () =>
            this.request({ method: 'PUT', path: `/${BUCKET}/kms-${randomInt(1e9)}`, headers: sseHeaders(mode), body: data }),
          );
        }
      } catch (e) {
        if (e instanceof Halted) throw e;
        if (!this.halted) throw e;
        throw new Halted();
      }
    }
  }

  /** Reads every key back; each must be in one of its possible states, which then becomes the only one. */
  private async verify(): Promise<void> {
    for (const [name, states] of this.objects) {
      if (name.startsWith('kms:')) continue;
      const [bucket, key] = name.startsWith('enc:') ? [ENC_BUCKET, name.slice(4)] : [BUCKET, name];
      let found: State | undefined;
      for (const state of states) {
        const res = await this.request({ path: `/${bucket}/${key}`, headers: state ? readHeaders(state.mode) : {} });
        if (state === null ? res.status === 404 : res.status === 200 && sha(res.body) === state.sha && modeMatches(state.mode, res)) {
          found = state;
          break;
        }
      }
      assert.ok(found !== undefined, `${name} is in none of its possible states ${JSON.stringify(states)}`);
      if (states.length > 1 && found !== states[0]) this.report.resolvedAsNew++;
      this.objects.set(name, [found]);
    }
    // Every object written under a KMS key still reads (KMS writes use fresh names, so list them).
    const listing = (await this.request({ path: `/${BUCKET}?list-type=2&prefix=kms-&max-keys=1000` })).body.toString();
    for (const key of Array.from(listing.matchAll(/<Key>([^<]+)<\/Key>/g), (m) => m[1]!)) {
      const res = await this.request({ path: `/${BUCKET}/${key}` });
      assert.equal(res.status, 200, `${key}: ${res.body.toString()}`);
    }
    const encryption = await this.request({ path: `/${ENC_BUCKET}?encryption` });
    if (this.report.iterations > 0 || encryption.status !== 404) {
      const current = encryption.status === 404 ? undefined : /AES256/.test(encryption.body.toString()) ? 'sse-s3' : 'sse-kms';
      const match = this.encryption.find((m) => m?.kind === current);
      assert.ok(match !== undefined || (current === undefined && this.encryption.includes(undefined)), `bucket encryption ${current} not in ${JSON.stringify(this.encryption)}`);
      this.encryption = [current === undefined ? undefined : ({ kind: current } as Mode)];
    }
    const kms = this.kms();
    for (const keyId of this.kmsKeys) {
      const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      assert.equal(described.KeyMetadata?.KeyState, 'Enabled');
    }
    await this.checkNoOrphans();
  }

  /** After a start: every blob (file or small-blob row) is referenced by a record, and no temp file is left. */
  private async checkNoOrphans(): Promise<void> {
    const dataDir = join(this.base, 'data');
    const metadata = new SqliteMetadataStore(join(dataDir, 'metadata.sqlite'));
    const referenced = new Set<string>();
    const stored: string[] = [];
    try {
      for await (const locator of metadata.referencedLocators()) referenced.add(locator);
      for (const id of metadata.database.prepare('SELECT id FROM small_blobs').pluck().all() as string[]) stored.push(`db/${id}`);
    } finally {
      await metadata.close();
    }
    for await (const locator of new FsBlobStore(join(dataDir, 'blobs')).list()) stored.push(locator);
    for (const locator of stored) assert.ok(referenced.has(locator), `orphan blob ${locator} survived the restart`);
    assert.deepEqual(await readdir(join(dataDir, 'blobs', 'tmp')).catch(() => []), [], 'temp files survived the restart');
  }

  private checkSqliteFile(): void {
    const db = new Database(join(this.base, 'data', 'metadata.sqlite'));
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  }
}

/** Registers the crash test: `defaultIterations` cycles unless CRASH_ITERATIONS says otherwise. */
export function crashTest(defaultIterations: number): void {
  const iterations = Number(process.env['CRASH_ITERATIONS'] ?? defaultIterations);
  test(`${iterations} SIGKILLs under mixed writes lose nothing acknowledged`, { timeout: iterations * 30_000 }, async () => {
    const harness = await CrashHarness.create();
    try {
      for (let i = 0; i < iterations; i++) await harness.iteration();
      await harness.finish();
      console.log(`crash cycles: ${JSON.stringify(harness.report)}`);
    } finally {
      await harness.cleanup();
    }
  });
}
