/**
 * Starts Obscura: the only place that chooses implementations. Opens the stores, collects orphans
 * and temporary files left by a crash, loads credentials, keys and the TLS certificate, listens on
 * HTTP and HTTPS, and drains in-flight requests on shutdown.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { FsBlobStore, type FsBlobStoreFaults } from '../storage/fs/fs-blob-store.js';
import { SqliteMetadataStore } from '../metadata/sqlite/sqlite-metadata-store.js';
import { SqliteBlobStore } from '../storage/sqlite/sqlite-blob-store.js';
import { TieredBlobStore } from '../storage/tiered/tiered-blob-store.js';
import { cipherSize } from '../crypto/envelope.js';
import { systemRandom } from '../crypto/random.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { SseService } from '../sse/sse-service.js';
import { BlobReaper } from '../operations/blob-reaper.js';
import { defaultLimits, type Services } from '../operations/context.js';
import { createRequestHandler, holdContinue, type PipelineOptions, type RequestHandler } from './request-pipeline.js';
import { defaultConsoleDir, loadConsoleBuild } from './console-assets.js';
import type { ConsoleMount } from './console-paths.js';
import { createConsoleSite, type ConsoleEndpoints, type ConsoleSite } from './console-site.js';
import { RequestHistory } from './request-history.js';
import { version } from './version.js';
import type { ServerConfig } from './config.js';
import { ensureDir, loadOrCreateCredentials, loadOrCreateServiceMasterKey } from './credentials.js';
import { loadOrCreateCertificate } from './tls-cert.js';
import { logRedactPaths } from './redact.js';
import { SecretBook, UserDirectory } from './users.js';
import type { Dialect } from '../dialects/dialect.js';
import { BuiltinKms, isUuid } from '../kms/builtin/builtin-kms.js';
import { loadRootKey } from '../kms/builtin/root-key.js';
import { handleKmsRequest } from '../dialects/kms-json/kms-json.js';

/** Objects and parts up to this plaintext size keep their ciphertext in the SQLite database. */
const SMALL_BLOB_PLAIN_BYTES = 64 * 1024;

export interface RunningServer {
  httpUrl: string;
  httpsUrl?: string;
  accessKey: string;
  secretKey: string;
  certFingerprint?: string;
  certPath?: string;
  /** The web console (HTTPS when HTTPS is on); undefined with --no-console. */
  consoleUrl?: string;
  log: Logger;
  /** Stops accepting, waits for in-flight requests (up to the grace time), closes the stores. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go (default: stderr). */
  logDestination?: NodeJS.WritableStream;
  /** Injected blob-store faults (tests: a full or failing disk). */
  blobFaults?: FsBlobStoreFaults;
}

/** Certificate and private key (PEM) of the HTTPS listeners. */
interface TlsMaterial {
  cert: string;
  key: string;
}

/** How long a blob replaced on a shared store stays for readers on other nodes. */
const SHARED_REAP_GRACE_MS = 5 * 60 * 1000;

/** Removes blobs no record references (a crash between blob write and metadata commit). */
async function collectOrphans(blobs: BlobStore, metadata: MetadataStore, log: Logger): Promise<number> {
  const referenced = new Set<string>();
  for await (const locator of metadata.referencedLocators()) referenced.add(locator);
  let removed = 0;
  for await (const locator of blobs.list()) {
    if (!referenced.has(locator)) {
      await blobs.delete(locator);
      removed++;
    }
  }
  if (removed) log.info({ removed }, 'removed orphan blobs');
  return removed;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const log = pino(
    { level: config.logLevel, redact: { paths: logRedactPaths, censor: '[redacted]' }, base: { pid: process.pid } },
    (options.logDestination ?? pino.destination({ fd: 2, sync: false })) as pino.DestinationStream,
  );
  await ensureDir(config.dataDir);
  await ensureDir(config.configDir);
  const credentials = config.accessKey !== undefined && config.secretKey !== undefined
    ? { accessKey: config.accessKey, secretKey: config.secretKey }
    : await loadOrCreateCredentials(config.configDir);
  const masterKey = await loadOrCreateServiceMasterKey(config.configDir);
  // The PostgreSQL and S3 stores (and `pg`) are loaded only when configured.
  const metadata: MetadataStore = config.metadataUrl
    ? await (await import('../metadata/postgres/postgres-metadata-store.js')).PostgresMetadataStore.open(config.metadataUrl, {
        onBackgroundError: (err) => log.warn({ err }, 'PostgreSQL connection lost; the next request reconnects'),
      })
    : new SqliteMetadataStore(join(config.dataDir, 'metadata.sqlite'), {
        writerThread: true,
        onWriterThreadExit: (err) => log.error({ err }, 'the SQLite writer thread ended; writes fail for a second, then the next write starts a new one'),
      });
  let kms: BuiltinKms;
  try {
    const rootKeyFile = config.kmsRootKeyFile ?? join(config.configDir, 'kms-root.key');
    const root = await loadRootKey({ file: rootKeyFile, ...(process.env['OBSCURA_KMS_ROOT_KEY'] !== undefined ? { envValue: process.env['OBSCURA_KMS_ROOT_KEY'] } : {}), keystoreExists: await BuiltinKms.exists(metadata) });
    if (root.created) log.info({ file: root.source }, 'created the KMS root key');
    kms = await BuiltinKms.open(metadata, root.key, { region: config.region });
  } catch (e) {
    await metadata.close();
    throw e;
  }
  const largeBlobs: BlobStore = config.blobsUrl
    ? (await import('../storage/s3/s3-blob-store.js')).S3BlobStore.fromUrl(config.blobsUrl)
    : new FsBlobStore(join(config.dataDir, 'blobs'), options.blobFaults);
  // With SQLite metadata, objects of up to one package live as rows beside their records: no file,
  // no directory sync, one WAL sync shared with the metadata commit (sqlite-blob-store.ts).
  const blobs: BlobStore = metadata instanceof SqliteMetadataStore && config.smallBlobsInDatabase
    ? new TieredBlobStore({ small: new SqliteBlobStore(metadata, options.blobFaults), large: largeBlobs, ownsSmall: SqliteBlobStore.owns, smallMaxBytes: cipherSize(SMALL_BLOB_PLAIN_BYTES) })
    : largeBlobs;
  // Blobs shared with other nodes are never swept at start (another node may be writing one that
  // is not referenced yet), and old blobs are deleted only after a longer grace period, since
  // readers on other nodes are not pinned here.
  const sharedBlobs = config.blobsUrl !== undefined;
  const temporary = await blobs.cleanTemporary();
  if (temporary) log.info({ removed: temporary }, 'removed temporary files left by a crash');
  if (!sharedBlobs) await collectOrphans(blobs, metadata, log);
  if (largeBlobs instanceof FsBlobStore) largeBlobs.prepareShards().catch((err: unknown) => log.warn({ err }, 'could not prepare the blob shard dirs'));

  const requestHistory = new RequestHistory();
  const services: Services = {
    metadata,
    blobs,
    sse: new SseService(masterKey, kms),
    reaper: new BlobReaper(blobs, log, sharedBlobs ? SHARED_REAP_GRACE_MS : undefined),
    limits: defaultLimits,
    region: config.region,
    log,
    now: () => Date.now(),
    randomId: (bytes = 16) => systemRandom(bytes).toString('hex'),
    requestStats: requestHistory,
  };
  const secrets = new SecretBook(credentials, new UserDirectory(metadata, masterKey, credentials.accessKey), (e) => log.error({ err: e }, 'could not refresh the user list'));
  await secrets.start();
  // Key ids are answered in the dialect's form; aliases and ARNs a client configured are echoed as given.
  const renderKeyId = (dialect: Dialect, keyId: string): string => (!isUuid(keyId) ? keyId : dialect.name === 'obs' ? kms.obsIdOf(keyId) : kms.arnOf(keyId));
  const consoleBuild = config.console ? await loadConsoleBuild() : undefined;
  if (config.console && !consoleBuild) log.warn({ dir: defaultConsoleDir }, 'the web console is not built (npm run build): its pages answer 404');
  // The console's config.json names the listeners, known once they are up.
  let endpoints: ConsoleEndpoints = { httpUrl: '', consoleUrl: '' };
  const consoleSite = (mount: ConsoleMount): ConsoleSite =>
    createConsoleSite({ mount, build: consoleBuild, domain: config.domain, region: config.region, version, endpoints: () => endpoints });
  const pipeline: PipelineOptions = {
    services,
    domain: config.domain,
    lookupSecret: secrets.lookup,
    allowInsecureSse: config.allowInsecureSse,
    trustedProxies: new Set(config.trustedProxies),
    renderKeyId,
    hostId: randomBytes(12).toString('base64'),
    kmsHandler: (req, res, requestId, rawPath, rawQuery) => handleKmsRequest(req, res, { kms, lookupSecret: secrets.lookup, now: services.now, requestId, rawPath, rawQuery }),
    onAnswered: (status) => requestHistory.record(status),
  };
  const hasConsolePort = config.console && config.consolePort !== undefined;
  const handler = createRequestHandler({ ...pipeline, ...(config.console && !hasConsolePort ? { console: consoleSite('/console/') } : {}) });
  // On its own port the console is at `/`, and the same port answers the signed API calls it makes.
  const consoleHandler = hasConsolePort ? createRequestHandler({ ...pipeline, console: consoleSite('/') }) : undefined;
  const handlers = consoleHandler ? [handler, consoleHandler] : [handler];

  const servers: Server[] = [];
  // Slow clients: the whole header block within headersTimeout, then no silence longer than
  // idleTimeout (a body may take as long as it needs while bytes keep coming: no requestTimeout).
  // Between requests a connection stays keepAliveTimeout (65 s by default, announced in
  // Keep-Alive): longer than load balancers keep theirs, and with Node's 5 s default a client
  // whose event loop lags a second behind its agent's timer reuses a socket the server is closing.
  const serverOptions = { requestTimeout: 0, headersTimeout: config.headersTimeoutSeconds * 1000, connectionsCheckingInterval: 1000, keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000, maxHeaderSize: 16 * 1024 };
  /** A listener for `requestHandler`, over TLS when `tls` is given. */
  const createListener = (requestHandler: RequestHandler, tls?: TlsMaterial): Server => {
    const server = tls ? createHttpsServer({ ...tls, ...serverOptions }, requestHandler) : createHttpServer(serverOptions, requestHandler);
    server.timeout = config.idleTimeoutSeconds * 1000;
    // Expect: 100-continue is answered only when an operation starts reading the body.
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      holdContinue(req);
      requestHandler(req, res);
    });
    servers.push(server);
    return server;
  };
  const httpAddress = await listen(createListener(handler), config.httpPort, config.host);
  const host = urlHost(config.host);
  const running: RunningServer = {
    httpUrl: `http://${host}:${httpAddress.port}`,
    accessKey: credentials.accessKey,
    secretKey: credentials.secretKey,
    log,
    close: async () => undefined,
  };
  let tls: TlsMaterial | undefined;
  if (config.httpsPort >= 0) {
    if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
      tls = { cert: await readFile(config.tlsCert, 'utf8'), key: await readFile(config.tlsKey, 'utf8') };
    } else {
      const generated = await loadOrCreateCertificate(config.configDir, {
        commonName: 'obscura',
        dnsNames: ['localhost', config.domain, `*.${config.domain}`],
        ipAddresses: ['127.0.0.1', '::1'],
      });
      tls = { cert: generated.certPem, key: generated.keyPem };
      running.certFingerprint = generated.fingerprint256;
      running.certPath = generated.certPath;
    }
    const httpsAddress = await listen(createListener(handler, tls), config.httpsPort, config.host);
    running.httpsUrl = `https://${host}:${httpsAddress.port}`;
  }
  if (consoleHandler) {
    const consoleAddress = await listen(createListener(consoleHandler, tls), config.consolePort!, config.host);
    running.consoleUrl = `${tls ? 'https' : 'http'}://${host}:${consoleAddress.port}/`;
  } else if (config.console) {
    running.consoleUrl = `${running.httpsUrl ?? running.httpUrl}/console/`;
  }
  const httpsConsoleUrl = running.consoleUrl?.startsWith('https:') ? running.consoleUrl : undefined;
  endpoints = {
    httpUrl: running.httpUrl,
    ...(running.httpsUrl !== undefined ? { httpsUrl: running.httpsUrl } : {}),
    consoleUrl: running.consoleUrl ?? '',
    ...(httpsConsoleUrl !== undefined ? { httpsConsoleUrl } : {}),
  };
  let closing: Promise<void> | undefined;
  running.close = () => {
    closing ??= (async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              const force = setTimeout(() => s.closeAllConnections(), config.shutdownGraceSeconds * 1000);
              force.unref();
              // Connections that finish their request during the drain are closed as they go idle.
              const idle = setInterval(() => s.closeIdleConnections(), 50);
              s.close(() => {
                clearTimeout(force);
                clearInterval(idle);
                resolve();
              });
              s.closeIdleConnections();
            }),
        ),
      );
      // Operations whose clients hung up may still be running: let them finish (within the grace).
      await Promise.race([Promise.all(handlers.map((h) => h.idle())), new Promise((resolve) => setTimeout(resolve, config.shutdownGraceSeconds * 1000).unref())]);
      secrets.stop();
      await services.reaper.flush();
      await metadata.close();
      await blobs.close();
      masterKey.fill(0);
      log.info('stopped');
      log.flush();
    })();
    return closing;
  };
  log.info({ http: running.httpUrl, https: running.httpsUrl, console: running.consoleUrl, dataDir: config.dataDir }, 'listening');
  return running;
}
