/**
 * The S3 additional checksums (`x-amz-checksum-<alg>`: base64 of the big-endian digest) and one
 * pass-through digest stream that computes what a request needs (MD5 only when asked). CRCs are
 * integrity checks, not cryptography: CRC32 comes from zlib, CRC32C and CRC64/NVME are
 * table-driven (slicing-by-8).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 as zlibCrc32 } from 'node:zlib';

/** Buffering of each pass-through stage: 256 KiB, four 64 KiB network chunks (more only held memory per upload, with no gain in throughput). */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

export type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'crc64nvme' | 'sha1' | 'sha256';

export const checksumAlgorithms: readonly ChecksumAlgorithm[] = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'];

export interface Checksum {
  update(chunk: Buffer): void;
  digest(): Buffer;
}

export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  const n = name.trim().toLowerCase().replace(/^x-amz-checksum-/, '');
  return (checksumAlgorithms as readonly string[]).includes(n) ? (n as ChecksumAlgorithm) : undefined;
}

/** Slicing-by-8 tables for a reflected 32-bit CRC. */
function tables32(poly: number): Uint32Array[] {
  const t: Uint32Array[] = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[0]![i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) for (let s = 1; s < 8; s++) t[s]![i] = (t[0]![t[s - 1]![i]! & 0xff]! ^ (t[s - 1]![i]! >>> 8)) >>> 0;
  return t;
}

const CRC32C = tables32(0x82f63b78);

export function crc32cUpdate(crc: number, data: Buffer): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC32C as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  for (; i + 8 <= n; i += 8) {
    const a = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c =
      t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-64/NVME (reflected poly 0x9A6C9329AC4BC9B5, init and xorout all ones), as two 32-bit halves. */
const CRC64_POLY_HI = 0x9a6c9329;
const CRC64_POLY_LO = 0xac4bc9b5;
const C64_LO: Uint32Array[] = Array.from({ length: 8 }, () => new Uint32Array(256));
const C64_HI: Uint32Array[] = Array.from({ length: 8 }, () => new Uint32Array(256));
for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const bit = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (bit) {
      lo = (lo ^ CRC64_POLY_LO) >>> 0;
      hi = (hi ^ CRC64_POLY_HI) >>> 0;
    }
  }
  C64_LO[0]![i] = lo;
  C64_HI[0]![i] = hi;
}
for (let s = 1; s < 8; s++) {
  for (let i = 0; i < 256; i++) {
    const plo = C64_LO[s - 1]![i]!;
    const phi = C64_HI[s - 1]![i]!;
    const idx = plo & 0xff;
    C64_LO[s]![i] = (C64_LO[0]![idx]! ^ ((plo >>> 8) | (phi << 24))) >>> 0;
    C64_HI[s]![i] = (C64_HI[0]![idx]! ^ (phi >>> 8)) >>> 0;
  }
}

class Crc64Nvme implements Checksum {
  private lo = 0xffffffff;
  private hi = 0xffffffff;
  update(data: Buffer): void {
    let lo = this.lo;
    let hi = this.hi;
    let i = 0;
    const n = data.length;
    for (; i + 8 <= n; i += 8) {
      const a = (lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      const b = (hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24))) >>> 0;
      lo = C64_LO[7]![a & 0xff]! ^ C64_LO[6]![(a >>> 8) & 0xff]! ^ C64_LO[5]![(a >>> 16) & 0xff]! ^ C64_LO[4]![a >>> 24]! ^
        C64_LO[3]![b & 0xff]! ^ C64_LO[2]![(b >>> 8) & 0xff]! ^ C64_LO[1]![(b >>> 16) & 0xff]! ^ C64_LO[0]![b >>> 24]!;
      hi = C64_HI[7]![a & 0xff]! ^ C64_HI[6]![(a >>> 8) & 0xff]! ^ C64_HI[5]![(a >>> 16) & 0xff]! ^ C64_HI[4]![a >>> 24]! ^
        C64_HI[3]![b & 0xff]! ^ C64_HI[2]![(b >>> 8) & 0xff]! ^ C64_HI[1]![(b >>> 16) & 0xff]! ^ C64_HI[0]![b >>> 24]!;
      lo >>>= 0;
      hi >>>= 0;
    }
    for (; i < n; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      const nlo = ((lo >>> 8) | (hi << 24)) >>> 0;
      const nhi = hi >>> 8;
      lo = (C64_LO[0]![idx]! ^ nlo) >>> 0;
      hi = (C64_HI[0]![idx]! ^ nhi) >>> 0;
    }
    this.lo = lo;
    this.hi = hi;
  }
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE((~this.hi) >>> 0, 0);
    out.writeUInt32BE((~this.lo) >>> 0, 4);
    return out;
  }
}

class Crc32 implements Checksum {
  private value = 0;
  constructor(private readonly castagnoli: boolean) {}
  update(chunk: Buffer): void {
    this.value = this.castagnoli ? crc32cUpdate(this.value, chunk) : zlibCrc32(chunk, this.value);
  }
  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0);
    return out;
  }
}

class HashChecksum implements Checksum {
  private readonly hash: Hash;
  constructor(alg: 'sha1' | 'sha256') {
    this.hash = createHash(alg);
  }
  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

export function createChecksum(alg: ChecksumAlgorithm): Checksum {
  switch (alg) {
    case 'crc32':
      return new Crc32(false);
    case 'crc32c':
      return new Crc32(true);
    case 'crc64nvme':
      return new Crc64Nvme();
    case 'sha1':
    case 'sha256':
      return new HashChecksum(alg);
  }
}

/** COMPOSITE multipart checksum: the checksum of the concatenated part digests, then `-N`. */
export function compositeChecksum(alg: ChecksumAlgorithm, partDigests: Buffer[]): string {
  const c = createChecksum(alg);
  for (const d of partDigests) c.update(d);
  return `${c.digest().toString('base64')}-${partDigests.length}`;
}

export interface DigestResults {
  md5?: Buffer;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  bytes: number;
}

export type DigestStream = Transform & { results(): DigestResults };

export interface Digests {
  update(chunk: Buffer): void;
  /** The digests of everything updated so far; computed once, later calls return the same. */
  results(): DigestResults;
}

/** The requested digests (MD5, checksums) of data fed in pieces, in one pass. */
export function createDigests(opts: { md5?: 'compute'; checksums?: Partial<Record<ChecksumAlgorithm, 'compute'>> }): Digests {
  const md5 = opts.md5 ? createHash('md5') : undefined;
  const sums = Object.keys(opts.checksums ?? {}).map((alg) => [alg as ChecksumAlgorithm, createChecksum(alg as ChecksumAlgorithm)] as const);
  let bytes = 0;
  let final: DigestResults | undefined;
  return {
    update(chunk) {
      bytes += chunk.length;
      md5?.update(chunk);
      for (const [, s] of sums) s.update(chunk);
    },
    results() {
      final ??= {
        checksums: Object.fromEntries(sums.map(([alg, s]) => [alg, s.digest().toString('base64')])),
        bytes,
        ...(md5 ? { md5: md5.digest() } : {}),
      };
      return final;
    },
  };
}

/**
 * A pass-through that computes the requested digests in one pass. Comparison is the caller's:
 * expected values may arrive only in trailers, after the body.
 */
export function createDigestStream(opts: { md5?: 'compute'; checksums?: Partial<Record<ChecksumAlgorithm, 'compute'>> }): DigestStream {
  const digests = createDigests(opts);
  const stream = new Transform({
    highWaterMark: STREAM_HIGH_WATER_MARK,
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      digests.update(chunk);
      callback(null, chunk);
    },
  }) as DigestStream;
  stream.results = () => digests.results();
  return stream;
}
