/**
 * Server configuration: flags, then `OBSCURA_*` environment variables, then an optional JSON
 * config file, then defaults (DESIGN.md §10). The embedded default needs none of them.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ServerConfig {
  dataDir: string;
  configDir: string;
  host: string;
  httpPort: number;
  /** -1 disables HTTPS. */
  httpsPort: number;
  domain: string;
  region: string;
  accessKey?: string;
  secretKey?: string;
  tlsCert?: string;
  tlsKey?: string;
  allowInsecureSse: boolean;
  trustedProxies: string[];
  logLevel: string;
  kmsRootKeyFile?: string;
  /** `postgres://…` for PostgreSQL metadata (and keystore); undefined: SQLite in the data dir. */
  metadataUrl?: string;
  /** `s3://bucket?endpoint=…` for ciphertext in an upstream S3 store; undefined: files in the data dir. */
  blobsUrl?: string;
  /** Blobs of up to one package go to the SQLite database instead of files (SQLite metadata only). */
  smallBlobsInDatabase: boolean;
  /** Seconds a client has to send its whole header block. */
  headersTimeoutSeconds: number;
  /** Seconds a connection may stay silent (mid-request or idle) before it is closed. */
  idleTimeoutSeconds: number;
  /** Seconds an idle keep-alive connection waits for its next request (announced as Keep-Alive: timeout=N). */
  keepAliveTimeoutSeconds: number;
  /** Seconds SIGTERM waits for in-flight requests. */
  shutdownGraceSeconds: number;
  /** Serve the web console (`--no-console` turns it off). */
  console: boolean;
  /** Serve the console at `/` on this port instead of `/console/` on the main ports (0 picks a free one). */
  consolePort?: number;
}

/** Option names as they appear on the command line (kebab-case) and in the environment. */
export const configOptions = [
  ['data-dir', 'directory for metadata and encrypted blobs', './data'],
  ['config-dir', 'directory for credentials, the TLS certificate and the service master key', '~/.config/obscura'],
  ['host', 'address to listen on', '127.0.0.1'],
  ['http-port', 'HTTP port (0 picks a free one)', '9000'],
  ['https-port', 'HTTPS port (0 picks a free one, -1 disables)', '9443'],
  ['domain', 'virtual-host domain: <bucket>.<domain>', 'localhost'],
  ['region', 'region reported for buckets', 'us-east-1'],
  ['access-key', 'access key id to use instead of the generated one', undefined],
  ['secret-key', 'secret access key to use instead of the generated one', undefined],
  ['tls-cert', 'PEM certificate for HTTPS (default: self-signed, created on first start)', undefined],
  ['tls-key', 'PEM private key for HTTPS', undefined],
  ['kms-root-key-file', 'file holding the KMS keystore root key (default: <config-dir>/kms-root.key)', undefined],
  ['log-level', 'fatal, error, warn, info, debug, trace or silent', 'info'],
  ['headers-timeout', 'seconds a client has to send its request headers', '60'],
  ['idle-timeout', 'seconds a connection may stay silent, mid-request or between requests', '120'],
  ['keep-alive-timeout', 'seconds an idle connection is kept open for the next request (announced in Keep-Alive; above the 60 s idle timeout of common load balancers)', '65'],
  ['metadata', 'metadata store: sqlite (in the data dir) or postgres://user@host:port/db (password in PGPASSWORD)', 'sqlite'],
  ['blobs', 'ciphertext store: fs (in the data dir) or s3://bucket?endpoint=…&region=… (keys in OBSCURA_BLOBS_ACCESS_KEY / OBSCURA_BLOBS_SECRET_KEY)', 'fs'],
  ['small-blobs', 'where objects of up to 64 KiB keep their ciphertext with SQLite metadata: db (in the database, one sync per write) or files', 'db'],
  ['trusted-proxy', 'comma-separated proxy addresses whose X-Forwarded-Proto is trusted', ''],
  ['console-port', 'serve the web console at / on this port (0 picks a free one) instead of /console/ on the HTTP and HTTPS ports', undefined],
] as const;

export type RawConfig = Partial<Record<string, string | boolean | undefined>>;

function envName(option: string): string {
  return 'OBSCURA_' + option.toUpperCase().replace(/-/g, '_');
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

function parsePort(name: string, value: string, allowDisabled: boolean): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n > 65535 || n < (allowDisabled ? -1 : 0)) throw new Error(`--${name} must be a port number (got ${JSON.stringify(value)})`);
  return n;
}

function truthy(v: string | boolean | undefined): boolean {
  return v === true || v === 'true' || v === '1' || v === 'yes';
}

function falsy(v: string | boolean | undefined): boolean {
  return v === false || v === 'false' || v === '0' || v === 'no' || v === 'off';
}

/**
 * Resolves the configuration. `flags` holds command-line values by option name (kebab-case);
 * `env` defaults to process.env.
 */
export function resolveConfig(flags: RawConfig, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const configFile = (flags['config'] as string | undefined) ?? env['OBSCURA_CONFIG'];
  let file: RawConfig = {};
  if (configFile) {
    try {
      file = JSON.parse(readFileSync(configFile, 'utf8')) as RawConfig;
    } catch (e) {
      throw new Error(`cannot read config file ${configFile}: ${(e as Error).message}`);
    }
  }
  const get = (name: string, fallback?: string): string | undefined => {
    const v = flags[name] ?? env[envName(name)] ?? file[name];
    if (v === undefined || v === false) return fallback;
    return String(v);
  };
  const defaults = Object.fromEntries(configOptions.map(([n, , d]) => [n, d])) as Record<string, string | undefined>;
  const accessKey = get('access-key');
  const secretKey = get('secret-key');
  if ((accessKey === undefined) !== (secretKey === undefined)) throw new Error('--access-key and --secret-key go together');
  const tlsCert = get('tls-cert');
  const tlsKey = get('tls-key');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
  const kmsRootKeyFile = get('kms-root-key-file');
  const consolePort = get('console-port');
  return {
    dataDir: resolve(expandHome(get('data-dir', defaults['data-dir'])!)),
    configDir: resolve(expandHome(get('config-dir', defaults['config-dir'])!)),
    host: get('host', defaults['host'])!,
    httpPort: parsePort('http-port', get('http-port', defaults['http-port'])!, false),
    httpsPort: parsePort('https-port', get('https-port', defaults['https-port'])!, true),
    domain: get('domain', defaults['domain'])!.toLowerCase(),
    region: get('region', defaults['region'])!,
    ...(accessKey !== undefined ? { accessKey, secretKey: secretKey! } : {}),
    ...(tlsCert !== undefined ? { tlsCert, tlsKey: tlsKey! } : {}),
    ...(kmsRootKeyFile !== undefined ? { kmsRootKeyFile: resolve(expandHome(kmsRootKeyFile)) } : {}),
    allowInsecureSse: truthy(flags['allow-insecure-sse'] ?? env['OBSCURA_ALLOW_INSECURE_SSE'] ?? file['allow-insecure-sse']),
    trustedProxies: (get('trusted-proxy', '') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: get('log-level', defaults['log-level'])!,
    ...storeUrls(get('metadata', 'sqlite')!, get('blobs', 'fs')!),
    smallBlobsInDatabase: smallBlobs(get('small-blobs', defaults['small-blobs'])!),
    headersTimeoutSeconds: parseSeconds('headers-timeout', get('headers-timeout', defaults['headers-timeout'])!),
    idleTimeoutSeconds: parseSeconds('idle-timeout', get('idle-timeout', defaults['idle-timeout'])!),
    keepAliveTimeoutSeconds: parseSeconds('keep-alive-timeout', get('keep-alive-timeout', defaults['keep-alive-timeout'])!),
    shutdownGraceSeconds: 30,
    console: !falsy(flags['console'] ?? env['OBSCURA_CONSOLE'] ?? file['console']),
    ...(consolePort !== undefined ? { consolePort: parsePort('console-port', consolePort, false) } : {}),
  };
}

function storeUrls(metadata: string, blobs: string): Pick<ServerConfig, 'metadataUrl' | 'blobsUrl'> {
  if (metadata !== 'sqlite' && !/^postgres(ql)?:\/\//.test(metadata)) throw new Error('--metadata must be sqlite or a postgres:// URL');
  if (blobs !== 'fs' && !/^s3:\/\/[^/?]+/.test(blobs)) throw new Error('--blobs must be fs or an s3://bucket?endpoint=… URL');
  return { ...(metadata !== 'sqlite' ? { metadataUrl: metadata } : {}), ...(blobs !== 'fs' ? { blobsUrl: blobs } : {}) };
}

function smallBlobs(value: string): boolean {
  if (value !== 'db' && value !== 'files') throw new Error(`--small-blobs must be db or files (got ${JSON.stringify(value)})`);
  return value === 'db';
}

function parseSeconds(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) throw new Error(`--${name} must be a number of seconds between 0 and 86400 (got ${JSON.stringify(value)})`);
  return n;
}
