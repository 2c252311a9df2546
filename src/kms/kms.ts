/**
 * The KMS interface the SSE layer uses. The built-in KMS (kms/builtin/) implements it; external
 * backends (KMIP, Vault) plug in behind the same methods. One call per object write and one per
 * read.
 */
export interface GeneratedDataKey {
  /** Plaintext data key of the length asked for (32 bytes unless told): the caller zeroes it after use. */
  plaintext: Buffer;
  /** The data key wrapped by the master key, with the context bound as associated data. */
  wrapped: Buffer;
  /** The resolved master key id (never an alias). */
  keyId: string;
  keyVersion: number;
}

export interface Kms {
  /**
   * `keyId` undefined selects the default key (created on first use). `bytes` (1-1,024, default 32)
   * as AWS KMS's NumberOfBytes: SSE-KMS asks for 64, the KEK and the metadata key of a seal. Every
   * call draws a new data key: SSE-KMS relies on no two objects sharing one (docs/KEYS.md).
   */
  generateDataKey(keyId: string | undefined, context: Record<string, string>, bytes?: number): Promise<GeneratedDataKey>;
  decryptDataKey(keyId: string, wrapped: Buffer, context: Record<string, string>): Promise<Buffer>;
}
