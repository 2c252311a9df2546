/**
 * The KMS root key: 32 bytes that seal the keystore, kept outside the data dir — a file with
 * owner-only mode (default `<config-dir>/kms-root.key`) or the OBSCURA_KMS_ROOT_KEY variable
 * (base64). Created on first start only: when a keystore already exists, a missing root key is an
 * error, never a reason to make a new one.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';

export class RootKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RootKeyError';
  }
}

function decodeKey(text: Buffer, where: string): Buffer {
  if (text.length === 32) return Buffer.from(text);
  const s = text.toString('utf8').trim();
  if (/^[A-Za-z0-9+/]{43}=$/.test(s)) return Buffer.from(s, 'base64');
  throw new RootKeyError(`${where} must hold 32 bytes (raw, or base64)`);
}

export async function loadRootKey(options: { file: string; envValue?: string; keystoreExists: boolean }): Promise<{ key: Buffer; created: boolean; source: string }> {
  if (options.envValue !== undefined && options.envValue !== '') {
    return { key: decodeKey(Buffer.from(options.envValue), 'OBSCURA_KMS_ROOT_KEY'), created: false, source: 'OBSCURA_KMS_ROOT_KEY' };
  }
  try {
    return { key: decodeKey(await readFile(options.file), options.file), created: false, source: options.file };
  } catch (e) {
    if (e instanceof RootKeyError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new RootKeyError(`cannot read the KMS root key ${options.file}: ${code ?? (e as Error).message}`);
  }
  if (options.keystoreExists) {
    throw new RootKeyError(`the KMS root key ${options.file} is missing but a KMS keystore exists: restore the root key (or set OBSCURA_KMS_ROOT_KEY); refusing to start`);
  }
  const key = randomBytes(32);
  await writeFile(options.file, key, { mode: 0o600, flag: 'wx' });
  await chmod(options.file, 0o600);
  return { key, created: true, source: options.file };
}
