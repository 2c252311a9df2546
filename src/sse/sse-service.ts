/**
 * Chooses the encryption mode of a write (request, else bucket default, else service-managed),
 * creates and seals object keys, and unseals them for reads. Calls crypto/ for the primitives and
 * kms/ for data keys. Decides once, here, what a missing or wrong customer key means.
 */
import { fail } from '../errors/index.js';
import type { BucketEncryption, SseRecord } from '../metadata/records.js';
import {
  generateObjectKey,
  secretKeyObject,
  sealObjectKey,
  sealObjectKeyUnderCustomerKey,
  sealObjectKeyUnderDataKey,
  SPLIT_DATA_KEY_BYTES,
  unsealObjectKey,
  UnsealError,
  type KeyBinding,
  type ObjectKeys,
} from '../crypto/keys.js';
import type { CustomerKey, SseReport, SseRequest } from './types.js';
import type { Kms } from '../kms/kms.js';
import { KmsError } from '../kms/errors.js';

/** KMS failures as the S3/OBS error table names them (decided once, here). */
function translateKmsError(e: unknown): unknown {
  if (!(e instanceof KmsError)) return e;
  switch (e.code) {
    case 'NotFoundException':
      return fail('KMS.NotFoundException', e.message);
    case 'DisabledException':
      return fail('KMS.DisabledException', e.message);
    case 'KMSInvalidStateException':
      return fail('KMS.KMSInvalidStateException', e.message);
    case 'InvalidCiphertextException':
    case 'IncorrectKeyException':
      return fail('InternalError', undefined, undefined, new IntegrityFailure('KMS refused a wrapped data key', e));
    default:
      return fail('InternalError', undefined, undefined, e);
  }
}

export interface ObjectIdentity {
  bucket: string;
  key: string;
  versionId: string;
}

/** A version's keys ready for use, and the record that protects them at rest. */
export interface PreparedKey extends ObjectKeys {
  sse: SseRecord;
}

/** An object key sealed for a version: the record, and the key that version's metadata is sealed under. */
export interface SealedKey {
  sse: SseRecord;
  metadataKey: Buffer;
}

const MISSING_KEY_MESSAGE =
  'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.';
const NOT_APPLICABLE_MESSAGE = 'The encryption parameters are not applicable to this object.';

export class SseService {
  /** The service master key, imported into node:crypto once: it keys the KEK of every object without a customer key or KMS. */
  private readonly masterKeyObject: ReturnType<typeof secretKeyObject>;

  constructor(
    serviceMasterKey: Buffer,
    private readonly kms: Kms | undefined,
  ) {
    this.masterKeyObject = secretKeyObject(serviceMasterKey);
  }

  /**
   * The mode a write ends up with: the request's own, else the bucket default, else none
   * (still encrypted with the service master key). Refuses SSE-C where the bucket blocks it.
   */
  effectiveRequest(request: SseRequest, bucketDefault: BucketEncryption | undefined): SseRequest {
    if (request.kind === 'sse-c' && bucketDefault?.blockedEncryptionTypes?.includes('SSE-C')) {
      throw fail('AccessDenied', 'Requests specifying Server Side Encryption with Customer provided keys are blocked for this bucket.');
    }
    if (request.kind !== 'none' || bucketDefault === undefined) return request;
    if (bucketDefault.algorithm === 'AES256') return { kind: 'sse-s3' };
    return {
      kind: 'sse-kms',
      ...(bucketDefault.kmsKeyId !== undefined ? { keyId: bucketDefault.kmsKeyId } : {}),
      ...(bucketDefault.projectId !== undefined ? { projectId: bucketDefault.projectId } : {}),
    };
  }

  /** A fresh object key for a new object version, sealed as the request asks. */
  async prepareWrite(request: SseRequest, identity: ObjectIdentity): Promise<PreparedKey> {
    const objectKey = generateObjectKey();
    try {
      return { objectKey, ...(await this.seal(objectKey, request, identity)) };
    } catch (e) {
      objectKey.fill(0);
      throw e;
    }
  }

  /** Seals an existing object key under a (possibly different) mode and identity: copy without decrypting. */
  async seal(objectKey: Buffer, request: SseRequest, identity: ObjectIdentity): Promise<SealedKey> {
    switch (request.kind) {
      case 'none':
      case 'sse-s3': {
        const mode = request.kind === 'none' ? 'none' : 'sse-s3';
        const { sealed, metadataKey } = sealObjectKey(this.masterKeyObject, objectKey, binding(mode, identity));
        return { sse: { mode, sealedObjectKey: sealed.toString('base64') }, metadataKey };
      }
      case 'sse-c': {
        // XAES-256-GCM under the customer key itself (sealed key version 3, docs/KEYS.md).
        const { sealed, metadataKey } = sealObjectKeyUnderCustomerKey(request.customer.key, objectKey, binding('sse-c', identity));
        return { sse: { mode: 'sse-c', sealedObjectKey: sealed.toString('base64'), customerKeyMd5: request.customer.keyMd5 }, metadataKey };
      }
      case 'sse-kms': {
        const kms = this.requireKms();
        const context = kmsContext(identity, request.context);
        // 64 bytes: the KEK and the metadata key themselves (sealed key version 2, docs/KEYS.md).
        const dataKey = await kms.generateDataKey(request.keyId, context, SPLIT_DATA_KEY_BYTES).catch((e: unknown) => {
          throw translateKmsError(e);
        });
        try {
          const { sealed, metadataKey } = sealObjectKeyUnderDataKey(dataKey.plaintext, objectKey, binding('sse-kms', identity));
          const kmsRecord = {
            keyId: dataKey.keyId,
            keyVersion: dataKey.keyVersion,
            wrappedDataKey: dataKey.wrapped.toString('base64'),
            ...(request.context !== undefined ? { context: request.context } : {}),
            ...(request.projectId !== undefined ? { projectId: request.projectId } : {}),
          };
          return { sse: { mode: 'sse-kms', sealedObjectKey: sealed.toString('base64'), kms: kmsRecord }, metadataKey };
        } finally {
          dataKey.plaintext.fill(0);
        }
      }
    }
  }

  /**
   * Unseals the object key of a stored version, with its metadata key. `customer` is the customer key sent with the
   * read. Missing key on an SSE-C object: 400 InvalidRequest; key on a non-SSE-C object: 400;
   * wrong key: 403 AccessDenied, through the same code path whatever byte differs.
   */
  async openRead(sse: SseRecord, identity: ObjectIdentity, customer: CustomerKey | undefined): Promise<ObjectKeys> {
    if (sse.mode === 'sse-c') {
      if (customer === undefined) throw fail('InvalidRequest', MISSING_KEY_MESSAGE);
      try {
        return unsealObjectKey(customer.key, Buffer.from(sse.sealedObjectKey, 'base64'), binding('sse-c', identity));
      } catch (e) {
        if (e instanceof UnsealError) throw fail('AccessDenied', 'The provided customer key does not match the key the object was stored with.');
        throw e;
      }
    }
    if (customer !== undefined) throw fail('InvalidRequest', NOT_APPLICABLE_MESSAGE);
    try {
      if (sse.mode === 'sse-kms') {
        if (!sse.kms) throw new UnsealError();
        const kms = this.requireKms();
        const dataKey = await kms.decryptDataKey(sse.kms.keyId, Buffer.from(sse.kms.wrappedDataKey, 'base64'), kmsContext(identity, sse.kms.context)).catch((e: unknown) => {
          throw translateKmsError(e);
        });
        try {
          return unsealObjectKey(dataKey, Buffer.from(sse.sealedObjectKey, 'base64'), binding('sse-kms', identity));
        } finally {
          dataKey.fill(0);
        }
      }
      return unsealObjectKey(this.masterKeyObject, Buffer.from(sse.sealedObjectKey, 'base64'), binding(sse.mode, identity));
    } catch (e) {
      if (e instanceof UnsealError) {
        // A service-sealed key that does not open means tampering or a moved record.
        throw fail('InternalError', undefined, undefined, new IntegrityFailure('sealed object key does not open', e));
      }
      throw e;
    }
  }

  /** openRead for a caller that needs only the object key (parts): the metadata key is wiped at once. */
  async openObjectKey(sse: SseRecord, identity: ObjectIdentity, customer: CustomerKey | undefined): Promise<Buffer> {
    const keys = await this.openRead(sse, identity, customer);
    keys.metadataKey.fill(0);
    return keys.objectKey;
  }

  report(sse: SseRecord): SseReport {
    return {
      mode: sse.mode,
      ...(sse.kms ? { kmsKeyId: sse.kms.keyId } : {}),
      ...(sse.kms?.context !== undefined ? { kmsContext: sse.kms.context } : {}),
      ...(sse.kms?.projectId !== undefined ? { projectId: sse.kms.projectId } : {}),
      ...(sse.customerKeyMd5 !== undefined ? { customerKeyMd5: sse.customerKeyMd5 } : {}),
    };
  }

  private requireKms(): Kms {
    if (!this.kms) throw fail('NotImplemented', 'SSE-KMS is not enabled on this server.');
    return this.kms;
  }
}

/** Marks a cause as an integrity failure so the edge logs it as such. */
export class IntegrityFailure extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'IntegrityFailure';
  }
}

function binding(mode: KeyBinding['mode'], identity: ObjectIdentity): KeyBinding {
  return { mode, bucket: identity.bucket, key: identity.key, versionId: identity.versionId };
}

/** The KMS encryption context: the client's (if any) plus the object's identity, canonicalised by the KMS. */
function kmsContext(identity: ObjectIdentity, clientContext: string | undefined): Record<string, string> {
  const context: Record<string, string> = clientContext === undefined ? {} : (JSON.parse(Buffer.from(clientContext, 'base64').toString('utf8')) as Record<string, string>);
  return { ...context, 'obscura:bucket': identity.bucket, 'obscura:object': identity.key };
}
