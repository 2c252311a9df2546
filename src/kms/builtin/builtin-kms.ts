/**
 * The built-in KMS: master keys with ids, aliases, states (Enabled, Disabled, PendingDeletion) and
 * versions (rotation keeps old versions for decryption); data keys wrapped with AES-256-GCM under
 * the key's newest version, the encryption context canonicalised as associated data. The keystore
 * is one document sealed by the root key (kept outside the data dir) and saved in the metadata
 * store's state space with compare-and-set, so every node sharing the store sees the same keys.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { deriveWrappingKey, unwrapSecret, unwrapWithKey, wrapSecret, wrapWithKey } from '../../crypto/wrap.js';
import { UnsealError } from '../../crypto/keys.js';
import { systemRandom, type RandomSource } from '../../crypto/random.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { GeneratedDataKey, Kms } from '../kms.js';
import { KmsError } from '../errors.js';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

interface KeyVersion {
  version: number;
  /** Key material, base64; only ever stored inside the sealed keystore. */
  material: string;
  createdAt: number;
  /** How a version after the first came about (absent in keystores written before it was kept). */
  rotationType?: RotationType;
}

export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';

interface MasterKeyRecord {
  id: string;
  description: string;
  createdAt: number;
  state: KeyState;
  deletionDate?: number;
  rotation: { enabled: boolean; periodDays: number; lastRotatedAt: number };
  versions: KeyVersion[];
}

interface KeystoreDoc {
  schema: 1;
  /** 12-digit account id used in ARNs and the OBS key-id form. */
  accountId: string;
  keys: Record<string, MasterKeyRecord>;
  aliases: Record<string, string>;
}

export interface KeyMetadata {
  keyId: string;
  arn: string;
  description: string;
  creationDate: number;
  enabled: boolean;
  keyState: KeyState;
  deletionDate?: number;
  keyUsage: 'ENCRYPT_DECRYPT';
  keySpec: 'SYMMETRIC_DEFAULT';
  keyManager: 'CUSTOMER';
  origin: 'AWS_KMS';
  currentVersion: number;
}

/** State name of the sealed keystore in the metadata store. */
export const KEYSTORE_STATE = 'kms.keystore';
const KEYSTORE_LABEL = 'obscura kms keystore v1';
const DATA_KEY_LABEL = 'obscura kms data key v1';
/** Persisted format constant: ciphertext blob version. */
const BLOB_VERSION = 1;
const BLOB_HEAD_BYTES = 1 + 16 + 4;
export const DEFAULT_KEY_ALIAS = 'alias/obscura/default';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Canonical encryption context: keys sorted, JSON. */
export function canonicalContext(context: Record<string, string>): Buffer {
  const sorted = Object.keys(context).sort().map((k) => [k, context[k]]);
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}

/**
 * When a key is next due for deletion (pending) or automatic rotation (enabled, rotation on);
 * Infinity when never, or when the dates do not make a number (nothing is done to such a key).
 */
function maintenanceDueAt(k: MasterKeyRecord): number {
  let due = Infinity;
  if (k.state === 'PendingDeletion') due = k.deletionDate ?? Infinity;
  else if (k.state === 'Enabled' && k.rotation.enabled) due = k.rotation.lastRotatedAt + k.rotation.periodDays * 86_400_000;
  return Number.isNaN(due) ? Infinity : due;
}

export class KeystoreUnsealError extends Error {
  constructor() {
    super('the KMS keystore does not open with this root key (wrong or replaced root key)');
    this.name = 'KeystoreUnsealError';
  }
}

export class BuiltinKms implements Kms {
  private doc!: KeystoreDoc;
  /** Derived data-key wrapping keys, by the base64 material of their master key version. */
  private readonly wrappingKeys = new Map<string, Buffer>();
  private stored: string | undefined;
  private loadedAt = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** When the keystore in use next needs maintenance (the earliest maintenanceDueAt of its keys), set by adopt. */
  private maintenanceDue = Infinity;

  private constructor(
    private readonly metadata: MetadataStore,
    private readonly rootKey: Buffer,
    readonly region: string,
    private readonly now: () => number,
    /** How long a loaded keystore is trusted before re-reading (other nodes may have changed it). */
    private readonly refreshMs: number,
    /**
     * Data keys and the nonces that wrap them. systemRandom by default: its pool serves a 32-byte
     * data key for ~0.3 µs, where randomBytes cost ~2.5 µs, ~2 % of a 4 KiB SSE-KMS PUT.
     */
    private readonly random: RandomSource,
  ) {}

  /** Opens (or creates) the keystore. Throws KeystoreUnsealError with a wrong root key. */
  static async open(metadata: MetadataStore, rootKey: Buffer, options: { region: string; now?: () => number; refreshMs?: number; random?: RandomSource }): Promise<BuiltinKms> {
    const kms = new BuiltinKms(metadata, rootKey, options.region, options.now ?? Date.now, options.refreshMs ?? 1000, options.random ?? systemRandom);
    await kms.load();
    if (kms.stored === undefined) {
      await kms.mutate(() => undefined);
    }
    return kms;
  }

  /** Whether a keystore already exists in this metadata store (so a missing root key is an error, not a first start). */
  static async exists(metadata: MetadataStore): Promise<boolean> {
    return (await metadata.getState(KEYSTORE_STATE)) !== undefined;
  }

  get accountId(): string {
    return this.doc.accountId;
  }

  arnOf(keyId: string): string {
    return `arn:aws:kms:${this.region}:${this.doc.accountId}:key/${keyId}`;
  }

  /** The OBS form of a key id: `region:domainId:key/uuid`. */
  obsIdOf(keyId: string): string {
    return `${this.region}:${this.doc.accountId}:key/${keyId}`;
  }

  private async load(): Promise<void> {
    const value = await this.metadata.getState(KEYSTORE_STATE);
    this.stored = value;
    this.loadedAt = this.now();
    if (value === undefined) {
      this.adopt({ schema: 1, accountId: String(100000000000 + (randomBytes(5).readUIntBE(0, 5) % 899999999999)), keys: {}, aliases: {} });
      return;
    }
    const sealed = Buffer.from(value, 'base64');
    let json: Buffer;
    try {
      if (sealed[0] !== 1) throw new UnsealError();
      json = unwrapSecret(this.rootKey, KEYSTORE_LABEL, sealed.subarray(1), sealed.subarray(0, 1));
    } catch (e) {
      if (e instanceof UnsealError) throw new KeystoreUnsealError();
      throw e;
    }
    const doc = JSON.parse(json.toString('utf8')) as KeystoreDoc;
    if (doc.schema !== 1) throw new Error(`unknown KMS keystore schema ${String(doc.schema)}`);
    this.adopt(doc);
  }

  private async fresh(): Promise<KeystoreDoc> {
    if (this.now() - this.loadedAt >= this.refreshMs) await this.load();
    return this.doc;
  }

  private seal(doc: KeystoreDoc): string {
    const head = Buffer.from([1]);
    return Buffer.concat([head, wrapSecret(this.rootKey, KEYSTORE_LABEL, Buffer.from(JSON.stringify(doc), 'utf8'), head)]).toString('base64');
  }

  /** Applies a change to the keystore and saves it with compare-and-set, retrying on a concurrent change. */
  private mutate<T>(change: (doc: KeystoreDoc) => T): Promise<T> {
    const run = async (): Promise<T> => {
      for (let attempt = 0; attempt < 20; attempt++) {
        await this.load();
        const doc = structuredClone(this.doc);
        const result = change(doc);
        const value = this.seal(doc);
        if (await this.metadata.putState(KEYSTORE_STATE, value, this.stored ?? null)) {
          this.adopt(doc);
          this.stored = value;
          this.loadedAt = this.now();
          return result;
        }
      }
      throw new KmsError('KMSInternalException', 'The keystore is changing too fast; try again.');
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves a key id, ARN, alias, alias ARN or OBS `region:domain:key/uuid` to a key id. */
  private resolve(doc: KeystoreDoc, ref: string): string | undefined {
    if (Object.hasOwn(doc.keys, ref)) return ref; // a key id, as records store it: no parsing
    let r = ref.trim();
    const arn = /^arn:[^:]+:kms:[^:]*:[^:]*:(key\/.+|alias\/.+)$/.exec(r);
    if (arn) r = arn[1]!;
    const obs = /^[^:]+:[^:]+:key\/(.+)$/.exec(r);
    if (obs) r = 'key/' + obs[1]!;
    if (r.startsWith('key/')) r = r.slice(4);
    if (r.startsWith('alias/')) return doc.aliases[r];
    return doc.keys[r] ? r : undefined;
  }

  private keyOf(doc: KeystoreDoc, ref: string): MasterKeyRecord {
    const id = this.resolve(doc, ref);
    const key = id ? doc.keys[id] : undefined;
    if (!key) throw new KmsError('NotFoundException', `Key '${ref.slice(0, 300)}' does not exist`);
    return key;
  }

  /** The keystore in use, after deleting keys whose deletion date has passed and rotating keys whose period has elapsed. */
  private async maintained(): Promise<KeystoreDoc> {
    const doc = await this.fresh();
    if (this.now() < this.maintenanceDue) return doc;
    await this.mutate((d) => {
      const now = this.now();
      for (const k of Object.values(d.keys)) {
        if (maintenanceDueAt(k) > now) continue;
        if (k.state === 'PendingDeletion') {
          delete d.keys[k.id];
          for (const [alias, id] of Object.entries(d.aliases)) if (id === k.id) delete d.aliases[alias];
        } else {
          this.addVersion(k, 'AUTOMATIC');
        }
      }
    });
    return this.doc;
  }

  private addVersion(k: MasterKeyRecord, rotationType: RotationType): void {
    const now = this.now();
    k.versions.push({ version: k.versions.length + 1, material: randomBytes(32).toString('base64'), createdAt: now, rotationType });
    k.rotation.lastRotatedAt = now;
  }

  private metadataOf(k: MasterKeyRecord): KeyMetadata {
    return {
      keyId: k.id,
      arn: this.arnOf(k.id),
      description: k.description,
      creationDate: k.createdAt,
      enabled: k.state === 'Enabled',
      keyState: k.state,
      ...(k.deletionDate !== undefined ? { deletionDate: k.deletionDate } : {}),
      keyUsage: 'ENCRYPT_DECRYPT',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyManager: 'CUSTOMER',
      origin: 'AWS_KMS',
      currentVersion: k.versions.length,
    };
  }

  private usable(k: MasterKeyRecord): void {
    if (k.state === 'Disabled') throw new KmsError('DisabledException', `${this.arnOf(k.id)} is disabled.`);
    if (k.state === 'PendingDeletion') throw new KmsError('KMSInvalidStateException', `${this.arnOf(k.id)} is pending deletion.`);
  }

  // ---- key life cycle ----

  createKey(options: { description?: string } = {}): Promise<KeyMetadata> {
    return this.mutate((doc) => {
      const now = this.now();
      const key: MasterKeyRecord = {
        id: randomUUID(),
        description: options.description ?? '',
        createdAt: now,
        state: 'Enabled',
        rotation: { enabled: false, periodDays: 365, lastRotatedAt: now },
        versions: [{ version: 1, material: randomBytes(32).toString('base64'), createdAt: now }],
      };
      doc.keys[key.id] = key;
      return this.metadataOf(key);
    });
  }

  /** The key a reference names; re-reads the keystore once on a miss (another node may have just made it). */
  private async find(ref: string): Promise<MasterKeyRecord> {
    const doc = await this.maintained();
    if (this.resolve(doc, ref) === undefined) await this.load();
    return this.keyOf(this.doc, ref);
  }

  async describeKey(ref: string): Promise<KeyMetadata> {
    return this.metadataOf(await this.find(ref));
  }

  async listKeys(): Promise<KeyMetadata[]> {
    return Object.values((await this.maintained()).keys).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)).map((k) => this.metadataOf(k));
  }

  createAlias(alias: string, ref: string): Promise<void> {
    if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(alias) || alias.startsWith('alias/aws/')) {
      return Promise.reject(new KmsError('ValidationException', 'Alias must start with alias/ and use letters, digits, /, _ and -, and may not start with alias/aws/.'));
    }
    return this.mutate((doc) => {
      if (doc.aliases[alias]) throw new KmsError('AlreadyExistsException', `An alias with the name ${alias} already exists`);
      doc.aliases[alias] = this.keyOf(doc, ref).id;
    });
  }

  deleteAlias(alias: string): Promise<void> {
    return this.mutate((doc) => {
      if (!doc.aliases[alias]) throw new KmsError('NotFoundException', `Alias ${alias} does not exist`);
      delete doc.aliases[alias];
    });
  }

  async listAliases(ref?: string): Promise<Array<{ aliasName: string; aliasArn: string; targetKeyId: string }>> {
    const doc = await this.maintained();
    const only = ref !== undefined ? this.keyOf(doc, ref).id : undefined;
    return Object.entries(doc.aliases)
      .filter(([, id]) => only === undefined || id === only)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([aliasName, targetKeyId]) => ({ aliasName, aliasArn: `arn:aws:kms:${this.region}:${doc.accountId}:${aliasName}`, targetKeyId }));
  }

  private setState(ref: string, apply: (k: MasterKeyRecord) => void): Promise<KeyMetadata> {
    return this.mutate((doc) => {
      const k = this.keyOf(doc, ref);
      apply(k);
      return this.metadataOf(k);
    });
  }

  enableKey(ref: string): Promise<KeyMetadata> {
    return this.setState(ref, (k) => {
      if (k.state === 'PendingDeletion') throw new KmsError('KMSInvalidStateException', `${this.arnOf(k.id)} is pending deletion.`);
      k.state = 'Enabled';
    });
  }

  disableKey(ref: string): Promise<KeyMetadata> {
    return this.setState(ref, (k) => {
      if (k.state === 'PendingDeletion') throw new KmsError('KMSInvalidStateException', `${this.arnOf(k.id)} is pending deletion.`);
      k.state = 'Disabled';
    });
  }

  scheduleKeyDeletion(ref: string, pendingWindowInDays = 30): Promise<KeyMetadata> {
    if (!Number.isInteger(pendingWindowInDays) || pendingWindowInDays < 7 || pendingWindowInDays > 30) {
      return Promise.reject(new KmsError('ValidationException', 'PendingWindowInDays must be between 7 and 30.'));
    }
    return this.setState(ref, (k) => {
      if (k.state === 'PendingDeletion') throw new KmsError('KMSInvalidStateException', `${this.arnOf(k.id)} is already pending deletion.`);
      k.state = 'PendingDeletion';
      k.deletionDate = this.now() + pendingWindowInDays * 86_400_000;
    });
  }

  cancelKeyDeletion(ref: string): Promise<KeyMetadata> {
    return this.setState(ref, (k) => {
      if (k.state !== 'PendingDeletion') throw new KmsError('KMSInvalidStateException', `${this.arnOf(k.id)} is not pending deletion.`);
      // As in AWS KMS, a key whose deletion is cancelled comes back disabled.
      k.state = 'Disabled';
      delete k.deletionDate;
    });
  }

  enableKeyRotation(ref: string, periodDays = 365): Promise<KeyMetadata> {
    if (!Number.isInteger(periodDays) || periodDays < 90 || periodDays > 2560) {
      return Promise.reject(new KmsError('ValidationException', 'RotationPeriodInDays must be between 90 and 2560.'));
    }
    return this.setState(ref, (k) => {
      this.usable(k);
      k.rotation = { enabled: true, periodDays, lastRotatedAt: k.rotation.lastRotatedAt };
    });
  }

  disableKeyRotation(ref: string): Promise<KeyMetadata> {
    return this.setState(ref, (k) => {
      this.usable(k);
      k.rotation.enabled = false;
    });
  }

  async getKeyRotationStatus(ref: string): Promise<{ keyId: string; enabled: boolean; periodDays: number; nextRotationDate?: number; versions: number }> {
    const k = await this.find(ref);
    return {
      keyId: k.id,
      enabled: k.rotation.enabled,
      periodDays: k.rotation.periodDays,
      ...(k.rotation.enabled ? { nextRotationDate: k.rotation.lastRotatedAt + k.rotation.periodDays * 86_400_000 } : {}),
      versions: k.versions.length,
    };
  }

  rotateKeyOnDemand(ref: string): Promise<KeyMetadata> {
    return this.setState(ref, (k) => {
      this.usable(k);
      this.addVersion(k, 'ON_DEMAND');
    });
  }

  /** Every rotation of a key (each version after the first), oldest first, as ListKeyRotations answers. */
  async listKeyRotations(ref: string): Promise<Array<{ keyId: string; rotationDate: number; rotationType?: RotationType }>> {
    const k = await this.find(ref);
    return k.versions.slice(1).map((v) => ({ keyId: k.id, rotationDate: v.createdAt, ...(v.rotationType !== undefined ? { rotationType: v.rotationType } : {}) }));
  }

  // ---- cryptographic operations ----

  /** The default key's id; the keystore is written only the first time, when it is created. */
  private async defaultKey(): Promise<string> {
    const known = await this.fresh();
    const id = known.aliases[DEFAULT_KEY_ALIAS];
    if (id && known.keys[id]) return id;
    return this.mutate((doc) => {
      const existing = doc.aliases[DEFAULT_KEY_ALIAS];
      if (existing && doc.keys[existing]) return existing;
      const now = this.now();
      const id = randomUUID();
      doc.keys[id] = {
        id,
        description: 'Default key for SSE-KMS (created on first use)',
        createdAt: now,
        state: 'Enabled',
        rotation: { enabled: true, periodDays: 365, lastRotatedAt: now },
        versions: [{ version: 1, material: randomBytes(32).toString('base64'), createdAt: now }],
      };
      doc.aliases[DEFAULT_KEY_ALIAS] = id;
      return id;
    });
  }

  private wrap(k: MasterKeyRecord, plaintext: Buffer, context: Record<string, string>): Buffer {
    const v = k.versions[k.versions.length - 1]!;
    const head = Buffer.alloc(BLOB_HEAD_BYTES);
    head[0] = BLOB_VERSION;
    Buffer.from(k.id.replace(/-/g, ''), 'hex').copy(head, 1);
    head.writeUInt32BE(v.version, 17);
    return Buffer.concat([head, wrapWithKey(this.dataKeyWrappingKey(v.material), plaintext, Buffer.concat([head, canonicalContext(context)]), this.random)]);
  }

  /**
   * The key that wraps data keys under one master key version (HKDF of its material), derived once:
   * it lives in memory beside the material it comes from, and goes when that version leaves the
   * keystore. One HKDF less per SSE-KMS request.
   */
  private dataKeyWrappingKey(materialBase64: string): Buffer {
    let key = this.wrappingKeys.get(materialBase64);
    if (key === undefined) {
      const material = Buffer.from(materialBase64, 'base64');
      try {
        key = deriveWrappingKey(material, DATA_KEY_LABEL);
      } finally {
        material.fill(0);
      }
      this.wrappingKeys.set(materialBase64, key);
    }
    return key;
  }

  /** Makes `doc` the keystore in use, forgetting (and wiping) the derived keys of versions it no longer has. */
  private adopt(doc: KeystoreDoc): void {
    this.doc = doc;
    this.maintenanceDue = Object.values(doc.keys).reduce((due, k) => Math.min(due, maintenanceDueAt(k)), Infinity);
    if (this.wrappingKeys.size === 0) return;
    const present = new Set<string>();
    for (const k of Object.values(doc.keys)) for (const v of k.versions) present.add(v.material);
    for (const [material, key] of this.wrappingKeys) {
      if (present.has(material)) continue;
      key.fill(0);
      this.wrappingKeys.delete(material);
    }
  }

  /** Key id and version a ciphertext blob names (without opening it). */
  static blobKey(blob: Buffer): { keyId: string; version: number } {
    if (blob.length < BLOB_HEAD_BYTES + 28 || blob[0] !== BLOB_VERSION) throw new KmsError('InvalidCiphertextException', 'The ciphertext is invalid.');
    const hex = blob.subarray(1, 17).toString('hex');
    return { keyId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, version: blob.readUInt32BE(17) };
  }

  /** Opens a ciphertext blob whose head (`named`, from blobKey) the caller has read. */
  private unwrap(doc: KeystoreDoc, blob: Buffer, named: { keyId: string; version: number }, context: Record<string, string>, expectedKey?: string): Buffer {
    const { keyId, version } = named;
    const key = doc.keys[keyId];
    if (!key) throw new KmsError('NotFoundException', `Key '${this.arnOf(keyId)}' does not exist`);
    if (expectedKey !== undefined && this.resolve(doc, expectedKey) !== keyId) throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext.');
    this.usable(key);
    const v = key.versions.find((x) => x.version === version);
    if (!v) throw new KmsError('InvalidCiphertextException', 'The ciphertext is invalid.');
    try {
      const head = blob.subarray(0, BLOB_HEAD_BYTES);
      return unwrapWithKey(this.dataKeyWrappingKey(v.material), blob.subarray(BLOB_HEAD_BYTES), Buffer.concat([head, canonicalContext(context)]));
    } catch (e) {
      if (e instanceof UnsealError) throw new KmsError('InvalidCiphertextException', 'The ciphertext or its encryption context is invalid.');
      throw e;
    }
  }

  async generateDataKey(ref: string | undefined, context: Record<string, string>, bytes = 32): Promise<GeneratedDataKey> {
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024) throw new KmsError('ValidationException', 'NumberOfBytes must be between 1 and 1024.');
    let key = await this.find(ref ?? (await this.defaultKey()));
    key = await this.current(key);
    this.usable(key);
    const plaintext = this.random(bytes);
    return { plaintext, wrapped: this.wrap(key, plaintext, context), keyId: key.id, keyVersion: key.versions.length };
  }

  /** Re-reads the keystore when a state is about to refuse (another node may have changed it). */
  private async current(key: MasterKeyRecord): Promise<MasterKeyRecord> {
    if (key.state === 'Enabled') return key;
    await this.load();
    return this.doc.keys[key.id] ?? key;
  }

  async decryptDataKey(keyId: string, wrapped: Buffer, context: Record<string, string>): Promise<Buffer> {
    return (await this.decrypt(wrapped, context, keyId)).plaintext;
  }

  async encrypt(ref: string, plaintext: Buffer, context: Record<string, string>): Promise<{ blob: Buffer; keyId: string }> {
    if (plaintext.length === 0 || plaintext.length > 4096) throw new KmsError('ValidationException', 'Plaintext must be 1 to 4096 bytes.');
    const key = await this.current(await this.find(ref));
    this.usable(key);
    return { blob: this.wrap(key, plaintext, context), keyId: key.id };
  }

  async decrypt(blob: Buffer, context: Record<string, string>, expectedKey?: string): Promise<{ plaintext: Buffer; keyId: string; version: number }> {
    let doc = await this.maintained();
    const named = BuiltinKms.blobKey(blob);
    if (!doc.keys[named.keyId] || doc.keys[named.keyId].state !== 'Enabled') {
      await this.load();
      doc = this.doc;
    }
    return { plaintext: this.unwrap(doc, blob, named, context, expectedKey), ...named };
  }

  async reEncrypt(blob: Buffer, sourceContext: Record<string, string>, destinationRef: string, destinationContext: Record<string, string>, sourceRef?: string): Promise<{ blob: Buffer; sourceKeyId: string; keyId: string }> {
    const opened = await this.decrypt(blob, sourceContext, sourceRef);
    try {
      const { blob: out, keyId } = await this.encrypt(destinationRef, opened.plaintext, destinationContext);
      return { blob: out, sourceKeyId: opened.keyId, keyId };
    } finally {
      opened.plaintext.fill(0);
    }
  }
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
