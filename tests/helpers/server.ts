/**
 * Starts the real server as a child process (the built `bin/obscura.js`) on free ports with a temp
 * data dir and config dir, and stops it by its pid. Tests talk to it over HTTP(S) only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

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
    join(repoRoot, 'bin', 'obscura.js'),
    'server',
    '--data-dir', dataDir,
    '--config-dir', configDir,
    '--http-port', '0',
    '--https-port', '0',
    ...(options.generatedCredentials ? [] : ['--access-key', accessKey, '--secret-key', secretKey]),
    ...(options.allowInsecureSse === false ? [] : ['--allow-insecure-sse']),
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
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
    cleanup: async () => {
      if (base) await rm(base, { recursive: true, force: true });
    },
  };
}

/** A bucket name unique to this test run. */
export function uniqueBucket(prefix = 'b'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
