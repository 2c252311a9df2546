/**
 * A self-signed certificate for the HTTPS port, made with node:crypto only (DESIGN.md §8): an EC
 * P-256 key pair, a minimal DER writer, and an X.509 v3 certificate signed with ECDSA-SHA256.
 * Created on first start in `<config-dir>/tls/` (dir 0700, key 0600), loaded afterwards.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// ---- DER writer (ITU-T X.690), just the types a certificate needs ----

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export const derSequence = (...items: Buffer[]): Buffer => der(0x30, ...items);
export const derSet = (...items: Buffer[]): Buffer => der(0x31, ...items);

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps it positive). */
export function derInteger(value: Buffer | number): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number') {
    const out: number[] = [];
    let n = value;
    do {
      out.unshift(n & 0xff);
      n = Math.floor(n / 256);
    } while (n > 0);
    bytes = Buffer.from(out);
  } else {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    bytes = value.subarray(start);
  }
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return der(0x02, bytes);
}

export function derOid(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const part of parts.slice(2)) {
    const stack: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) stack.unshift((n & 0x7f) | 0x80);
    out.push(...stack);
  }
  return der(0x06, Buffer.from(out));
}

const derUtf8 = (s: string): Buffer => der(0x0c, Buffer.from(s, 'utf8'));
const derBitString = (bytes: Buffer): Buffer => der(0x03, Buffer.from([0]), bytes);
const derOctetString = (bytes: Buffer): Buffer => der(0x04, bytes);
const derBoolean = (v: boolean): Buffer => der(0x01, Buffer.from([v ? 0xff : 0]));

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function derTime(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return date.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2), 'ascii')) : der(0x18, Buffer.from(iso, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

// ---- certificate ----

export interface SelfSignedOptions {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  days?: number;
  now?: Date;
}

export interface SelfSignedCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as X509Certificate.fingerprint256). */
  fingerprint256: string;
}

function pem(label: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(value));
}

export function createSelfSignedCertificate(options: SelfSignedOptions): SelfSignedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 24 * 3600 * 1000);
  const notAfter = new Date(now.getTime() + (options.days ?? 825) * 24 * 3600 * 1000);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const name = derSequence(
    derSet(derSequence(derOid('2.5.4.10'), derUtf8('Obscura'))),
    derSet(derSequence(derOid('2.5.4.3'), derUtf8(options.commonName))),
  );
  const ecdsaWithSha256 = derSequence(derOid('1.2.840.10045.4.3.2'));
  const altNames = derSequence(
    ...options.dnsNames.map((d) => der(0x82, Buffer.from(d, 'ascii'))),
    ...options.ipAddresses.map((ip) => der(0x87, ipBytes(ip))),
  );
  // SubjectKeyIdentifier: SHA-1 of the public key bits is the RFC 5280 method; SHA-256 truncated is allowed too.
  const keyId = createHash('sha256').update(spki).digest().subarray(0, 20);
  const extensions = der(
    0xa3,
    derSequence(
      extension('2.5.29.19', true, derSequence()),
      extension('2.5.29.15', true, der(0x03, Buffer.from([7, 0x80]))),
      extension('2.5.29.37', false, derSequence(derOid('1.3.6.1.5.5.7.3.1'))),
      extension('2.5.29.17', false, altNames),
      extension('2.5.29.14', false, derOctetString(keyId)),
    ),
  );
  const tbs = derSequence(
    der(0xa0, derInteger(2)),
    derInteger(serial),
    ecdsaWithSha256,
    name,
    derSequence(derTime(notBefore), derTime(notAfter)),
    name,
    spki,
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const certDer = derSequence(tbs, ecdsaWithSha256, derBitString(signature));
  const certPem = pem('CERTIFICATE', certDer);
  return {
    certPem,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    fingerprint256: new X509Certificate(certPem).fingerprint256,
  };
}

/** Loads `<configDir>/tls/cert.pem` and `key.pem`, or creates them on first call. */
export async function loadOrCreateCertificate(
  configDir: string,
  options: SelfSignedOptions,
): Promise<SelfSignedCertificate & { created: boolean; certPath: string; keyPath: string }> {
  const dir = join(configDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { certPem, keyPem, fingerprint256: new X509Certificate(certPem).fingerprint256, created: false, certPath, keyPath };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const made = createSelfSignedCertificate(options);
  await writeFile(keyPath, made.keyPem, { mode: 0o600 });
  await chmod(keyPath, 0o600);
  await writeFile(certPath, made.certPem, { mode: 0o644 });
  return { ...made, created: true, certPath, keyPath };
}
