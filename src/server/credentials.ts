/**
 * The server's credentials and its service master key, kept in the config dir with owner-only
 * modes. Created on first start; never logged.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';

export interface Credentials {
  accessKey: string;
  secretKey: string;
}

const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomAccessKey(): string {
  const bytes = randomBytes(20);
  return Array.from(bytes, (b) => ACCESS_KEY_ALPHABET[b % ACCESS_KEY_ALPHABET.length]).join('');
}

export function randomSecretKey(): string {
  return randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

async function readOrCreate(path: string, create: () => Buffer | string): Promise<{ value: Buffer; created: boolean }> {
  try {
    return { value: await readFile(path), created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const value = create();
  try {
    await writeFile(path, value, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { value: await readFile(path), created: false };
    throw e;
  }
  await chmod(path, 0o600);
  return { value: typeof value === 'string' ? Buffer.from(value) : value, created: true };
}

/** Loads `<configDir>/credentials.json`, creating it with generated keys on first start. */
export async function loadOrCreateCredentials(configDir: string): Promise<Credentials & { created: boolean }> {
  await ensureDir(configDir);
  const { value, created } = await readOrCreate(join(configDir, 'credentials.json'), () =>
    JSON.stringify({ accessKey: randomAccessKey(), secretKey: randomSecretKey() }, null, 2) + '\n',
  );
  const parsed = JSON.parse(value.toString('utf8')) as Partial<Credentials>;
  if (typeof parsed.accessKey !== 'string' || typeof parsed.secretKey !== 'string') {
    throw new Error(`${join(configDir, 'credentials.json')} is not a valid credentials file`);
  }
  return { accessKey: parsed.accessKey, secretKey: parsed.secretKey, created };
}

/** The service master key (SSE-S3 / SSE-OBS and objects stored without SSE headers): 32 random bytes. */
export async function loadOrCreateServiceMasterKey(configDir: string): Promise<Buffer> {
  await ensureDir(configDir);
  const path = join(configDir, 'service-master.key');
  const { value } = await readOrCreate(path, () => randomBytes(32));
  if (value.length !== 32) throw new Error(`${path} must hold exactly 32 bytes`);
  return value;
}
