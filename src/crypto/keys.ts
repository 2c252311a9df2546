/**
 * Key hierarchy (docs/KEYS.md): a random object key per object version, stored only sealed and
 * bound to the SSE mode, bucket, object name and version. Version 1 seals under a key-encryption
 * key (KEK) derived by HKDF-SHA256 from the service master key (and, in objects written before
 * versions 2 and 3, from the customer key or a 32-byte KMS data key); a version 2 seal takes a
 * fresh 64-byte KMS data key whose halves are the KEK and the metadata key; a version 3 seal
 * (SSE-C) puts the object key and a fresh metadata key under XAES-256-GCM with the customer key
 * itself. Each seal also gives the key the version's metadata is sealed under; part keys are
 * derived from the object key. Pure; node:crypto only.
 */
import { createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { GCM_TAG_BYTES as TAG_BYTES, gcmDecrypt, gcmEncrypt } from './gcm.js';
import { systemRandom, type RandomSource } from './random.js';
import { XAES_NONCE_BYTES, xaesDecrypt, xaesEncrypt } from './xaes.js';

export type { RandomSource } from './random.js';

/** Persisted format constant: sealed-key version 1 (a salt in the head). */
export const SEALED_KEY_VERSION = 1;
/** Persisted format constant: algorithm id 1 = HKDF-SHA256 + AES-256-GCM. */
export const SEALED_KEY_ALGORITHM = 1;
/** Persisted format constant: sealed-key version 2 (no salt in the head). */
export const SEALED_KEY_VERSION_2 = 2;
/** Persisted format constant: algorithm id 2 = the KEK and metadata key are a 64-byte KMS data key's two halves + AES-256-GCM. */
export const SEALED_KEY_ALGORITHM_SPLIT = 2;
/** Persisted format constant: sealed-key version 3 (a 24-byte nonce in the head; the object key and the metadata key sealed together). */
export const SEALED_KEY_VERSION_3 = 3;
/** Persisted format constant: algorithm id 3 = XAES-256-GCM (c2sp.org/XAES-256-GCM) under the customer key. */
export const SEALED_KEY_ALGORITHM_XAES = 3;
export const OBJECT_KEY_BYTES = 32;
/** The length of the KMS data key a version 2 seal takes: the KEK, then the metadata key. */
export const SPLIT_DATA_KEY_BYTES = 64;
const SALT_BYTES = 32;
const NONCE_BYTES = 12;
/** Version 1: version(1) algorithm(1) salt(32) nonce(12) ciphertext(32) tag(16) = 94 bytes. */
export const SEALED_KEY_BYTES = 2 + SALT_BYTES + NONCE_BYTES + OBJECT_KEY_BYTES + TAG_BYTES;
/** Version 2: version(1) algorithm(1) nonce(12) ciphertext(32) tag(16) = 62 bytes. */
export const SEALED_KEY_V2_BYTES = 2 + NONCE_BYTES + OBJECT_KEY_BYTES + TAG_BYTES;
/** Version 3: version(1) algorithm(1) nonce(24) ciphertext(64: object key, metadata key) tag(16) = 106 bytes. */
export const SEALED_KEY_V3_BYTES = 2 + XAES_NONCE_BYTES + 2 * OBJECT_KEY_BYTES + TAG_BYTES;
/** A customer key's length (SSE-C, AES256). */
const CUSTOMER_KEY_BYTES = 32;

export interface KeyBinding {
  mode: 'none' | 'sse-c' | 'sse-kms' | 'sse-s3';
  bucket: string;
  /** The object name. */
  key: string;
  versionId: string;
}

/** A sealed value did not open: wrong secret, moved, relabelled or damaged. Reveals nothing else. */
export class UnsealError extends Error {
  constructor() {
    super('sealed value does not open');
    this.name = 'UnsealError';
  }
}

/** Length-prefixed concatenation (u32 big-endian length, then UTF-8 bytes): unambiguous. */
function encodeFields(fields: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    const bytes = Buffer.from(f, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    parts.push(len, bytes);
  }
  return Buffer.concat(parts);
}

/**
 * A secret that keys HKDF: its bytes, or a KeyObject of them made once (secretKeyObject) by a
 * caller that derives from it for many objects, such as the service master key.
 */
export type KeyingSecret = Buffer | KeyObject;

/** A secret as a KeyObject, for one that keys many derivations (node:crypto skips re-importing it each time). */
export function secretKeyObject(secret: Buffer): KeyObject {
  return createSecretKey(secret);
}

/**
 * `length` bytes of HKDF-SHA256, on the calling thread. Not node:crypto's async hkdf on libuv's
 * pool: that saved the event loop ~10 µs a call, but on this 2-core VM handing each call to a pool
 * thread (and waiting behind the WAL's fdatasync there) cost more than the derivation. Two servers
 * alive together, 4 KiB PUT slices taking turns: 1.07-1.21 × the ops/s with hkdfSync, GET level.
 */
function hkdfBytes(secret: KeyingSecret, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, info, length));
}

/** Keys derived from the object key take no salt (the object key is random already). */
const NO_SALT = Buffer.alloc(0);

export function generateObjectKey(random: RandomSource = systemRandom): Buffer {
  return random(OBJECT_KEY_BYTES);
}

/** The object identity a sealed key is bound to: length-prefixed bucket, object name, version id. */
function identity(binding: KeyBinding): Buffer {
  return encodeFields([binding.bucket, binding.key, binding.versionId]);
}

/**
 * The HKDF `info` of a key-encryption key: label, mode, and the SHA-256 of the identity (object
 * names reach 1,024 bytes, past HKDF's info limit; the full identity is also associated data).
 */
export function kekInfo(binding: KeyBinding): Buffer {
  return encodeFields(['obscura sealed object key v1', binding.mode, createHash('sha256').update(identity(binding)).digest('hex')]);
}

function sealAad(head: Buffer, binding: KeyBinding): Buffer {
  return Buffer.concat([head, encodeFields([binding.mode]), identity(binding)]);
}

/** The keys one seal uses: the KEK that seals the object key, and the metadata key it hands on. */
interface SealKeys {
  kek: Buffer;
  metadataKey: Buffer;
}

/**
 * The keys one seal derives: 64 bytes of HKDF-SHA256, the KEK then the metadata key. HKDF's first
 * block does not depend on the length asked for, so the KEK is the same 32 bytes as format 1 sealed
 * keys were made with; the second block is the format 2 metadata key, which costs no HKDF of its own.
 */
function deriveSealKeys(wrappingSecret: KeyingSecret, salt: Buffer, binding: KeyBinding): SealKeys {
  const both = hkdfBytes(wrappingSecret, salt, kekInfo(binding), 64);
  return { kek: both.subarray(0, 32), metadataKey: both.subarray(32) };
}

/**
 * An object version's keys, as a seal gives them: the object key (content, part keys) and the key
 * its metadata is sealed under (bound to the seal: version 1 by its HKDF, version 2 by being one
 * object's fresh data key, version 3 by being drawn for that seal and sealed in it).
 */
export interface ObjectKeys {
  objectKey: Buffer;
  metadataKey: Buffer;
  /** Set when a version 2 or 3 seal gave these keys: its metadata is format 2, never format 1. */
  hasFormat2MetadataOnly?: true;
}

/** Zeroes both keys (after each request). */
export function wipeKeys(keys: ObjectKeys | undefined): void {
  keys?.objectKey.fill(0);
  keys?.metadataKey.fill(0);
}

/**
 * Seals an object key under a KEK derived from `wrappingSecret` and bound to `binding` (version 1);
 * also gives the metadata key of this seal, for sealMetadata.
 */
export function sealObjectKey(wrappingSecret: KeyingSecret, objectKey: Buffer, binding: KeyBinding, random: RandomSource = systemRandom): { sealed: Buffer; metadataKey: Buffer } {
  if (objectKey.length !== OBJECT_KEY_BYTES) throw new RangeError('object key must be 32 bytes');
  const salt = random(SALT_BYTES);
  const nonce = random(NONCE_BYTES);
  const head = Buffer.concat([Buffer.from([SEALED_KEY_VERSION, SEALED_KEY_ALGORITHM]), salt, nonce]);
  return sealUnder(deriveSealKeys(wrappingSecret, salt, binding), head, nonce, objectKey, binding);
}

/**
 * Seals an object key under a fresh 64-byte KMS data key (version 2, SSE-KMS only): its first half
 * is the KEK, its second half the metadata key. No HKDF: the data key is random and used for this
 * one seal, and the binding is in GCM's associated data (and in the KMS's encryption context).
 */
export function sealObjectKeyUnderDataKey(dataKey: Buffer, objectKey: Buffer, binding: KeyBinding, random: RandomSource = systemRandom): { sealed: Buffer; metadataKey: Buffer } {
  if (objectKey.length !== OBJECT_KEY_BYTES) throw new RangeError('object key must be 32 bytes');
  if (dataKey.length !== SPLIT_DATA_KEY_BYTES) throw new RangeError('a version 2 seal takes a 64-byte data key');
  if (binding.mode !== 'sse-kms') throw new RangeError('a version 2 seal is for SSE-KMS only');
  const nonce = random(NONCE_BYTES);
  const head = Buffer.concat([Buffer.from([SEALED_KEY_VERSION_2, SEALED_KEY_ALGORITHM_SPLIT]), nonce]);
  return sealUnder(splitDataKey(dataKey), head, nonce, objectKey, binding);
}

/**
 * Seals an object key, with a fresh random metadata key, under the customer key (version 3, SSE-C
 * only): XAES-256-GCM, whose 24-byte random nonce derives a GCM key of its own for every seal, so
 * one customer key may seal 2⁸⁰ objects. No HKDF: the binding is in the associated data.
 */
export function sealObjectKeyUnderCustomerKey(customerKey: Buffer, objectKey: Buffer, binding: KeyBinding, random: RandomSource = systemRandom): { sealed: Buffer; metadataKey: Buffer } {
  if (objectKey.length !== OBJECT_KEY_BYTES) throw new RangeError('object key must be 32 bytes');
  if (customerKey.length !== CUSTOMER_KEY_BYTES) throw new RangeError('a customer key is 32 bytes');
  if (binding.mode !== 'sse-c') throw new RangeError('a version 3 seal is for SSE-C only');
  const nonce = random(XAES_NONCE_BYTES);
  const metadataKey = random(OBJECT_KEY_BYTES);
  const head = Buffer.concat([Buffer.from([SEALED_KEY_VERSION_3, SEALED_KEY_ALGORITHM_XAES]), nonce]);
  // Its own memory, not Node's shared Buffer pool (as random.ts draws keys): it is wiped below.
  const both = Buffer.allocUnsafeSlow(2 * OBJECT_KEY_BYTES);
  objectKey.copy(both, 0);
  metadataKey.copy(both, OBJECT_KEY_BYTES);
  try {
    const { ciphertext, tag } = xaesEncrypt(customerKey, nonce, both, sealAad(head, binding));
    return { sealed: Buffer.concat([head, ciphertext, tag]), metadataKey };
  } catch (e) {
    metadataKey.fill(0);
    throw e;
  } finally {
    both.fill(0);
  }
}

/** Copies of a 64-byte data key's halves (the caller still owns, and wipes, the data key). */
function splitDataKey(dataKey: Buffer): SealKeys {
  return { kek: Buffer.from(dataKey.subarray(0, 32)), metadataKey: Buffer.from(dataKey.subarray(32)) };
}

/** GCM under the seal's KEK, the head and binding as associated data; wipes `keys`, returns a copy of the metadata key. */
function sealUnder(keys: SealKeys, head: Buffer, nonce: Buffer, objectKey: Buffer, binding: KeyBinding): { sealed: Buffer; metadataKey: Buffer } {
  try {
    const { ciphertext, tag } = gcmEncrypt(keys.kek, nonce, objectKey, sealAad(head, binding));
    return { sealed: Buffer.concat([head, ciphertext, tag]), metadataKey: Buffer.from(keys.metadataKey) };
  } finally {
    keys.kek.fill(0);
    keys.metadataKey.fill(0);
  }
}

/** A 64-byte data key: it only ever opens version 2 seals, as the KEK and the metadata key (never as HKDF input). */
function isSplitDataKey(wrappingSecret: KeyingSecret): boolean {
  return Buffer.isBuffer(wrappingSecret) && wrappingSecret.length === SPLIT_DATA_KEY_BYTES;
}

/**
 * Opens a sealed object key of any version, with its seal's metadata key. The secret and the mode
 * choose the version it opens: a 64-byte data key version 2; for `sse-c`, version 1 when the first
 * byte says so and version 3 otherwise; any other secret version 1. Within a version every failure
 * is the same UnsealError through the same path: a malformed value still goes through the
 * derivation (versions 1 and 3) and GCM, on zeros, so timing does not tell why it failed.
 */
export function unsealObjectKey(wrappingSecret: KeyingSecret, sealed: Buffer, binding: KeyBinding): ObjectKeys {
  if (binding.mode === 'sse-c' && sealed[0] !== SEALED_KEY_VERSION) return openCustomerSeal(wrappingSecret, sealed, binding);
  if (isSplitDataKey(wrappingSecret)) {
    const { material, wellFormed } = shapedAs(sealed, SEALED_KEY_V2_BYTES, SEALED_KEY_VERSION_2, SEALED_KEY_ALGORITHM_SPLIT, binding.mode === 'sse-kms');
    const head = material.subarray(0, 2 + NONCE_BYTES);
    return openUnder(splitDataKey(wrappingSecret as Buffer), head, head.subarray(2), material.subarray(head.length), binding, wellFormed, true);
  }
  const { material, wellFormed } = shapedAs(sealed, SEALED_KEY_BYTES, SEALED_KEY_VERSION, SEALED_KEY_ALGORITHM);
  const head = material.subarray(0, 2 + SALT_BYTES + NONCE_BYTES);
  const salt = material.subarray(2, 2 + SALT_BYTES);
  return openUnder(deriveSealKeys(wrappingSecret, salt, binding), head, head.subarray(2 + SALT_BYTES), material.subarray(head.length), binding, wellFormed, false);
}

/**
 * `sealed` when it has a version's shape (its length, version and algorithm bytes, and `fits`),
 * else zeros of that length: a malformed value then takes the same path as a wrong key.
 */
function shapedAs(sealed: Buffer, bytes: number, version: number, algorithm: number, fits = true): { material: Buffer; wellFormed: boolean } {
  const wellFormed = fits && sealed.length === bytes && sealed[0] === version && sealed[1] === algorithm;
  return { material: wellFormed ? sealed : Buffer.alloc(bytes), wellFormed };
}

/** Opens `rest` (the sealed object key, then its tag) under the seal's KEK; wipes `keys`; any failure is UnsealError. */
function openUnder(keys: SealKeys, head: Buffer, nonce: Buffer, rest: Buffer, binding: KeyBinding, wellFormed: boolean, isSplit: boolean): ObjectKeys {
  let objectKey: Buffer | undefined;
  try {
    objectKey = gcmDecrypt(keys.kek, nonce, { ciphertext: rest.subarray(0, OBJECT_KEY_BYTES), tag: rest.subarray(OBJECT_KEY_BYTES) }, sealAad(head, binding));
    if (!wellFormed) throw new UnsealError();
    const metadataKey = Buffer.from(keys.metadataKey);
    return isSplit ? { objectKey, metadataKey, hasFormat2MetadataOnly: true } : { objectKey, metadataKey };
  } catch {
    objectKey?.fill(0);
    throw new UnsealError();
  } finally {
    keys.kek.fill(0);
    keys.metadataKey.fill(0);
  }
}

/**
 * Opens a version 3 seal (or, on zeros, anything else that reached it); any failure is UnsealError.
 * The two keys are views of GCM's own 64-byte output (not copies into Node's shared Buffer pool);
 * wipeKeys zeroes both.
 */
function openCustomerSeal(customerKey: KeyingSecret, sealed: Buffer, binding: KeyBinding): ObjectKeys {
  const { material, wellFormed } = shapedAs(sealed, SEALED_KEY_V3_BYTES, SEALED_KEY_VERSION_3, SEALED_KEY_ALGORITHM_XAES);
  const head = material.subarray(0, 2 + XAES_NONCE_BYTES);
  const tagAt = material.length - TAG_BYTES;
  let both: Buffer | undefined;
  try {
    both = xaesDecrypt(customerKey, head.subarray(2), { ciphertext: material.subarray(head.length, tagAt), tag: material.subarray(tagAt) }, sealAad(head, binding));
    if (!wellFormed) throw new UnsealError();
    return { objectKey: both.subarray(0, OBJECT_KEY_BYTES), metadataKey: both.subarray(OBJECT_KEY_BYTES), hasFormat2MetadataOnly: true };
  } catch {
    both?.fill(0);
    throw new UnsealError();
  }
}

/** The content key of multipart part `partNumber` (1..10000). */
export function derivePartKey(objectKey: Buffer, partNumber: number): Buffer {
  if (!Number.isInteger(partNumber) || partNumber < 1) throw new RangeError('part number must be a positive integer');
  return hkdfBytes(objectKey, NO_SALT, encodeFields(['obscura part key v1', String(partNumber)]), 32);
}

/**
 * Sealed metadata formats. 1: under HKDF(object key, "obscura metadata key v1"), written before
 * format 2 and still read, except under a version 2 or 3 seal (which never had it: a copy's
 * format 1 metadata must not be put back beside it). 2: under the metadata key of the object's seal
 * (sealObjectKey, sealObjectKeyUnderDataKey, sealObjectKeyUnderCustomerKey), which saves every
 * request that seals or opens metadata one HKDF.
 */
const METADATA_V1 = 1;
const METADATA_V2 = 2;
const METADATA_KEY_INFO = encodeFields(['obscura metadata key v1']);
const METADATA_HEAD_BYTES = 1 + NONCE_BYTES;

/** Encrypts object metadata (content type, user metadata, checksums) under the metadata key of the object's seal (format 2). */
export function sealMetadata(metadataKey: Buffer, plaintext: Buffer, random: RandomSource = systemRandom): Buffer {
  const nonce = random(NONCE_BYTES);
  const head = Buffer.concat([Buffer.from([METADATA_V2]), nonce]);
  const { ciphertext, tag } = gcmEncrypt(metadataKey, nonce, plaintext, head);
  return Buffer.concat([head, ciphertext, tag]);
}

/** Opens sealed metadata of either format with the keys its object's seal opened to. Any failure is UnsealError. */
export function unsealMetadata(keys: ObjectKeys, sealed: Buffer): Buffer {
  const version = sealed[0];
  if (sealed.length < METADATA_HEAD_BYTES + TAG_BYTES || (version !== METADATA_V1 && version !== METADATA_V2)) throw new UnsealError();
  if (version === METADATA_V1 && keys.hasFormat2MetadataOnly) throw new UnsealError();
  const key = version === METADATA_V1 ? hkdfBytes(keys.objectKey, NO_SALT, METADATA_KEY_INFO, 32) : keys.metadataKey;
  const tagAt = sealed.length - TAG_BYTES;
  try {
    const head = sealed.subarray(0, METADATA_HEAD_BYTES);
    return gcmDecrypt(key, head.subarray(1), { ciphertext: sealed.subarray(head.length, tagAt), tag: sealed.subarray(tagAt) }, head);
  } catch {
    throw new UnsealError();
  } finally {
    if (version === METADATA_V1) key.fill(0);
  }
}

/** base64 MD5 of a customer key, as S3 and OBS clients send it. */
export function customerKeyMd5(customerKey: Buffer): string {
  return createHash('md5').update(customerKey).digest('base64');
}
