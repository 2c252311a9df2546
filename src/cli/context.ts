/**
 * What every client command needs: credentials (flags, then OBSCURA_* variables, then the profile
 * file written by `obscura login`), an SDK client, SSE options, output (human or --json) and the
 * documented exit codes. Uses only the SDK's public API; never prints a key.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { KmsClient, ObsClient, SseCHeader, SseKmsHeader, SseObsHeader, type ObsResult, type SseHeader } from '../sdk/index.js';

/** Exit codes (README §CLI). */
export const EXIT = { ok: 0, serverError: 1, usage: 2, localError: 3, network: 4 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface GlobalOptions {
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  profile?: string;
  signature?: 'obs' | 'v2' | 'v4';
  pathStyle?: boolean;
  ca?: string;
  insecure?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export interface Profile {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  signature?: 'obs' | 'v2' | 'v4';
  ca?: string;
  insecure?: boolean;
}

export function profilesPath(): string {
  return process.env['OBSCURA_CLI_PROFILES'] ?? join(process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'obscura', 'cli-profiles.json');
}

export async function readProfiles(): Promise<Record<string, Profile>> {
  try {
    return JSON.parse(await readFile(profilesPath(), 'utf8')) as Record<string, Profile>;
  } catch {
    return {};
  }
}

export async function writeProfile(name: string, profile: Profile): Promise<string> {
  const path = profilesPath();
  const all = await readProfiles();
  all[name] = profile;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

export async function resolveProfile(o: GlobalOptions): Promise<Profile> {
  const name = o.profile ?? process.env['OBSCURA_PROFILE'] ?? 'default';
  const stored = (await readProfiles())[name];
  const endpoint = o.endpoint ?? process.env['OBSCURA_ENDPOINT'] ?? stored?.endpoint;
  const accessKey = o.accessKey ?? process.env['OBSCURA_ACCESS_KEY'] ?? stored?.accessKey;
  const secretKey = o.secretKey ?? process.env['OBSCURA_SECRET_KEY'] ?? stored?.secretKey;
  if (!endpoint || !accessKey || !secretKey) {
    throw new CliError('no credentials: pass --endpoint, --access-key and --secret-key, set OBSCURA_ENDPOINT/OBSCURA_ACCESS_KEY/OBSCURA_SECRET_KEY, or run `obscura login`', EXIT.usage);
  }
  const signature = o.signature ?? (process.env['OBSCURA_SIGNATURE'] as Profile['signature']) ?? stored?.signature;
  const ca = o.ca ?? stored?.ca;
  return { endpoint, accessKey, secretKey, ...(signature ? { signature } : {}), ...(ca ? { ca } : {}), ...(o.insecure || stored?.insecure ? { insecure: true } : {}) };
}

export async function makeClients(o: GlobalOptions): Promise<{ obs: ObsClient; kms: KmsClient }> {
  const p = await resolveProfile(o);
  const ca = p.ca ? await readFile(p.ca) : undefined;
  const obs = new ObsClient({
    accessKeyId: p.accessKey,
    secretAccessKey: p.secretKey,
    server: p.endpoint,
    ...(p.signature ? { signature: p.signature } : { signature: 'v4' }),
    ...(o.pathStyle ? { pathStyle: true } : {}),
    ...(ca ? { ca } : {}),
    ...(p.insecure ? { insecureTls: true } : {}),
  });
  const kms = new KmsClient({ accessKeyId: p.accessKey, secretAccessKey: p.secretKey, server: p.endpoint, ...(ca ? { ca } : {}), ...(p.insecure ? { insecureTls: true } : {}) });
  return { obs, kms };
}

export interface SseOptions {
  sseCKeyFile?: string;
  sseKms?: string | boolean;
  sseObs?: boolean;
  sourceSseCKeyFile?: string;
}

async function customerKey(file: string): Promise<SseCHeader> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new CliError(`cannot read the key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.localError);
  }
  if (bytes.length !== 32) {
    const text = bytes.toString('utf8').trim();
    if (/^[A-Za-z0-9+/]{43}=$/.test(text)) bytes = Buffer.from(text, 'base64');
    else throw new CliError(`the key file ${file} must hold 32 bytes (raw or base64)`, EXIT.usage);
  }
  return new SseCHeader({ key: bytes });
}

export async function sseHeaderOf(o: SseOptions): Promise<SseHeader | undefined> {
  const chosen = [o.sseCKeyFile !== undefined, o.sseKms !== undefined && o.sseKms !== false, o.sseObs === true].filter(Boolean).length;
  if (chosen > 1) throw new CliError('choose one of --sse-c-key-file, --sse-kms and --sse-obs', EXIT.usage);
  if (o.sseCKeyFile !== undefined) return customerKey(o.sseCKeyFile);
  if (o.sseKms !== undefined && o.sseKms !== false) return SseKmsHeader.getInstance(typeof o.sseKms === 'string' ? o.sseKms : undefined);
  if (o.sseObs) return SseObsHeader.getInstance();
  return undefined;
}

export async function sourceKeyOf(o: SseOptions): Promise<SseCHeader | undefined> {
  return o.sourceSseCKeyFile !== undefined ? customerKey(o.sourceSseCKeyFile) : undefined;
}

/** Turns an error result into a CliError (exit 1), or returns the body. */
export function ok<T>(result: ObsResult<T>, what: string): T {
  if (result.status >= 300) {
    throw new CliError(`${what}: ${result.status} ${result.errorCode ?? result.reason}${result.errorMessage ? ` — ${result.errorMessage}` : ''}${result.requestId ? ` (request ${result.requestId})` : ''}`, EXIT.serverError);
  }
  return result.body as T;
}

export interface RemotePath {
  bucket: string;
  key: string;
}

/** `s3://bucket/key` or `obs://bucket/key`; undefined for a local path. */
export function parseRemote(arg: string): RemotePath | undefined {
  const m = /^(?:s3|obs):\/\/([^/]+)\/?(.*)$/.exec(arg);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

export function requireRemote(arg: string): RemotePath {
  const r = parseRemote(arg);
  if (!r) throw new CliError(`expected s3://bucket[/key], got ${arg}`, EXIT.usage);
  return r;
}

export function print(o: GlobalOptions, human: string, data: unknown): void {
  if (o.json) process.stdout.write(JSON.stringify(data) + '\n');
  else if (human !== '') process.stdout.write(human + '\n');
}
