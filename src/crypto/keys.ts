/**
 * Key hierarchy (docs/KEYS.md): a random object key per object version, stored only sealed under a
 * key-encryption key derived by HKDF-SHA256 from the wrapping secret (customer key, KMS data key
 * or service master key), labelled with the SSE mode and bound to bucket, object name and version.
 * Part keys and the metadata key are derived from the object key. Pure; node:crypto only.
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { systemRandom, type RandomSource } from './random.js';

export type { RandomSource } from './random.js';

/** Persisted format constant: sealed-key version byte. */
export const SEALED_KEY_VERSION = 1;
/** Persisted format constant: algorithm id 1 = HKDF-SHA256 + AES-256-GCM. */
export const SEALED_KEY_ALGORITHM = 1;
export const OBJECT_KEY_BYTES = 32;
const SALT_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** version(1) algorithm(1) salt(32) nonce(12) ciphertext(32) tag(16) = 94 bytes. */
export const SEALED_KEY_BYTES = 2 + SALT_BYTES + NONCE_BYTES + OBJECT_KEY_BYTES + TAG_BYTES;
const METADATA_VERSION = 1;

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
 * HKDF-SHA256, on the calling thread. Not node:crypto's async hkdf on libuv's pool: that saved the
 * event loop ~10 µs a call, but on this 2-core VM handing each call to a pool thread (and waiting
 * behind the WAL's fdatasync there) cost more than the derivation. Two servers alive together, 4 KiB
 * PUT slices taking turns: 1.07-1.21 × the ops/s with hkdfSync, GET level (0.97-1.11).
 */
function hkdf32(secret: KeyingSecret, salt: Buffer, info: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, info, 32));
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

function deriveKek(wrappingSecret: KeyingSecret, salt: Buffer, binding: KeyBinding): Buffer {
  return hkdf32(wrappingSecret, salt, kekInfo(binding));
}

/** Seals an object key under a KEK derived from `wrappingSecret` and bound to `binding`. */
export function sealObjectKey(wrappingSecret: KeyingSecret, objectKey: Buffer, binding: KeyBinding, random: RandomSource = systemRandom): Buffer {
  if (objectKey.length !== OBJECT_KEY_BYTES) throw new RangeError('object key must be 32 bytes');
  const salt = random(SALT_BYTES);
  const nonce = random(NONCE_BYTES);
  const head = Buffer.concat([Buffer.from([SEALED_KEY_VERSION, SEALED_KEY_ALGORITHM]), salt, nonce]);
  const kek = deriveKek(wrappingSecret, salt, binding);
  try {
    const cipher = createCipheriv('aes-256-gcm', kek, nonce);
    cipher.setAAD(sealAad(head, binding));
    const body = Buffer.concat([cipher.update(objectKey), cipher.final()]);
    return Buffer.concat([head, body, cipher.getAuthTag()]);
  } finally {
    kek.fill(0);
  }
}

/** Opens a sealed object key. Every failure is the same UnsealError, through the same path. */
export function unsealObjectKey(wrappingSecret: KeyingSecret, sealed: Buffer, binding: KeyBinding): Buffer {
  const wellFormed = sealed.length === SEALED_KEY_BYTES && sealed[0] === SEALED_KEY_VERSION && sealed[1] === SEALED_KEY_ALGORITHM;
  // A malformed value still goes through the derivation and GCM, so timing does not tell why it failed.
  const material = wellFormed ? sealed : Buffer.alloc(SEALED_KEY_BYTES);
  const head = material.subarray(0, 2 + SALT_BYTES + NONCE_BYTES);
  const salt = material.subarray(2, 2 + SALT_BYTES);
  const nonce = material.subarray(2 + SALT_BYTES, 2 + SALT_BYTES + NONCE_BYTES);
  const body = material.subarray(head.length, head.length + OBJECT_KEY_BYTES);
  const tag = material.subarray(head.length + OBJECT_KEY_BYTES);
  const kek = deriveKek(wrappingSecret, salt, binding);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, nonce);
    decipher.setAAD(sealAad(head, binding));
    decipher.setAuthTag(tag);
    const key = Buffer.concat([decipher.update(body), decipher.final()]);
    if (!wellFormed) throw new UnsealError();
    return key;
  } catch {
    throw new UnsealError();
  } finally {
    kek.fill(0);
  }
}

/** The content key of multipart part `partNumber` (1..10000). */
export function derivePartKey(objectKey: Buffer, partNumber: number): Buffer {
  if (!Number.isInteger(partNumber) || partNumber < 1) throw new RangeError('part number must be a positive integer');
  return hkdf32(objectKey, NO_SALT, encodeFields(['obscura part key v1', String(partNumber)]));
}

const METADATA_KEY_INFO = encodeFields(['obscura metadata key v1']);

function deriveMetadataKey(objectKey: Buffer): Buffer {
  return hkdf32(objectKey, NO_SALT, METADATA_KEY_INFO);
}

/** Encrypts object metadata (content type, user metadata, checksums) under a key derived from the object key. */
export function sealMetadata(objectKey: Buffer, plaintext: Buffer, random: RandomSource = systemRandom): Buffer {
  const key = deriveMetadataKey(objectKey);
  try {
    const nonce = random(NONCE_BYTES);
    const head = Buffer.concat([Buffer.from([METADATA_VERSION]), nonce]);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(head);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([head, body, cipher.getAuthTag()]);
  } finally {
    key.fill(0);
  }
}

export function unsealMetadata(objectKey: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== METADATA_VERSION) throw new UnsealError();
  const key = deriveMetadataKey(objectKey);
  try {
    const head = sealed.subarray(0, 1 + NONCE_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + NONCE_BYTES));
    decipher.setAAD(head);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(head.length, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new UnsealError();
  } finally {
    key.fill(0);
  }
}

/** base64 MD5 of a customer key, as S3 and OBS clients send it. */
export function customerKeyMd5(customerKey: Buffer): string {
  return createHash('md5').update(customerKey).digest('base64');
}
