/**
 * Starts the real server as a child process (the built `bin/obscura.js`) on free ports with a temp
 * data dir and config dir, and stops it by its pid. Tests talk to it over HTTP(S) only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { SERVER_NODE_FLAGS } from '../../src/server/node-flags.js';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export interface TestServer {
  httpUrl: string;
  httpsUrl: string;
  httpPort: number;
  httpsPort: number;
  accessKey: string;
  secretKey: string;
  dataDir: string;
  configDir: string;
  process: ChildProcess;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Removes the temp dirs (after stop). */
  cleanup(): Promise<void>;
}

export interface StartTestServerOptions {
  args?: string[];
  env?: Record<string, string>;
  dataDir?: string;
  configDir?: string;
  accessKey?: string;
  secretKey?: string;
  /** Defaults to true: loopback tests send SSE-C over plain HTTP. */
  allowInsecureSse?: boolean;
  /** Options for node itself; defaults to SERVER_NODE_FLAGS, as `npm start` and bin/obscura.js start it. */
  nodeArgs?: readonly string[];
  /** Let the server generate (or load) its own credentials instead of passing them. */
  generatedCredentials?: boolean;
}

export async function startTestServer(options: StartTestServerOptions = {}): Promise<TestServer> {
  const base = options.dataDir && options.configDir ? undefined : await mkdtemp(join(tmpdir(), 'obscura-test-'));
  const dataDir = options.dataDir ?? join(base!, 'data');
  const configDir = options.configDir ?? join(base!, 'config');
  const accessKey = options.accessKey ?? 'AK' + randomBytes(9).toString('hex').toUpperCase();
  const secretKey = options.secretKey ?? randomBytes(24).toString('base64url');
  const args = [
    ...(options.nodeArgs ?? SERVER_NODE_FLAGS),
    join(repoRoot, 'bin', 'obscura.js'),
    'server',
    '--data-dir', dataDir,
    '--config-dir', configDir,
    '--http-port', '0',
    '--https-port', '0',
    ...(options.generatedCredentials ? [] : ['--access-key', accessKey, '--secret-key', secretKey]),
    ...(options.allowInsecureSse === false ? [] : ['--allow-insecure-sse']),
    '--log-level', 'debug',
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const line = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${stdout}\n${stderr}`)), 30_000);
    const check = (): void => {
      const m = /^obscura listening .*$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolveLine(m[0]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  const httpUrl = /http=(\S+)/.exec(line)![1]!;
  if (options.generatedCredentials) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const httpsUrl = /https=(\S+)/.exec(line)?.[1] ?? '';
  const actualSecret = options.generatedCredentials ? (/Secret key:\s+(\S+)/.exec(stdout)?.[1] ?? '') : secretKey;
  return {
    httpUrl,
    httpsUrl,
    httpPort: Number(new URL(httpUrl).port),
    httpsPort: httpsUrl ? Number(new URL(httpsUrl).port) : 0,
    accessKey: options.generatedCredentials ? (/Access key:\s+(\S+)/.exec(stdout)?.[1] ?? '') : accessKey,
    secretKey: options.generatedCredentials ? (/Secret key:\s+(\S+)/.exec(stdout)?.[1] ?? '') : secretKey,
    dataDir,
    configDir,
    process: child,
    output: () => stdout + stderr,
    logs: () => stderr,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
      await assertNoSecretsIn(stderr, { secretKey: actualSecret, configDir });
      return child.exitCode;
    },
    cleanup: async () => {
      if (base) await rm(base, { recursive: true, force: true });
    },
  };
}

/**
 * Every test server logs at debug level, and every log line it wrote is searched when it stops:
 * no secret access key, no service master key or KMS root key (raw text, base64 or hex), and no
 * 32-byte value in base64 at all (customer keys and data keys are exactly that).
 */
export async function assertNoSecretsIn(log: string, where: { secretKey: string; configDir: string }): Promise<void> {
  const secrets = [where.secretKey];
  for (const file of ['service-master.key', 'kms-root.key']) {
    const bytes = await readFile(join(where.configDir, file)).catch(() => undefined);
    if (!bytes) continue;
    const text = bytes.toString('utf8').trim();
    const raw = /^[A-Za-z0-9+/]{43}=$/.test(text) ? Buffer.from(text, 'base64') : bytes;
    secrets.push(raw.toString('base64'), raw.toString('hex'), text);
  }
  for (const secret of secrets) {
    if (secret && log.includes(secret)) throw new Error('a server log holds a secret (access secret, master key or root key)');
  }
  // SHA-256 checksums (x-amz-checksum-sha256) are the one legitimate 32-byte base64 value.
  const keyLike = Array.from(log.matchAll(/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/g)).find((m) => !/sha256\W{0,4}$/i.test(log.slice(Math.max(0, m.index - 12), m.index)));
  if (keyLike) throw new Error(`a server log holds a 32-byte base64 value (a customer or data key?) near: ${log.slice(Math.max(0, keyLike.index - 80), keyLike.index).replace(/\n/g, ' ')}`);
}

/** A bucket name unique to this test run. */
export function uniqueBucket(prefix = 'b'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
