/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a temp dir, started with `pg_ctl` on a free
 * port, listening on 127.0.0.1 only (no Unix socket), password (SCRAM) authentication, no fsync or
 * full-page writes (the data dir is deleted anyway; commits still reach the OS, so pause() loses none). When
 * the tests run as root, initdb/pg_ctl/postgres run as the `postgres` user (or `nobody`) through
 * `runuser`, since PostgreSQL refuses to run as root. It only ever stops the cluster it started
 * (pg_ctl on its own data dir) and removes only its own temp dir.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface TestPostgres {
  /** Superuser URL of the `postgres` database, password included. */
  url: string;
  port: number;
  user: string;
  password: string;
  /** Creates a new empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server at once (as a crash would), keeping its data. */
  pause(): Promise<void>;
  /** Starts the paused server again on the same port. */
  resume(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/**
 * The directory holding initdb, pg_ctl and postgres, or undefined when PostgreSQL is not
 * installed. Looks at OBSCURA_PG_BIN, PATH, /usr/local/bin and /usr/lib/postgresql/<newest>/bin.
 */
export function findPostgresBin(): string | undefined {
  const candidates = [
    process.env['OBSCURA_PG_BIN'],
    ...(process.env['PATH'] ?? '').split(delimiter),
    '/usr/local/bin',
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  for (const dir of candidates) {
    if (!dir || !existsSync(join(dir, 'initdb'))) continue;
    // /usr/local/bin/initdb is often a link into the versioned directory that also holds postgres.
    const real = dirname(realpathSync(join(dir, 'initdb')));
    if (['pg_ctl', 'postgres'].every((tool) => existsSync(join(real, tool)))) return real;
  }
  return undefined;
}

/** As root: the user PostgreSQL runs as, with its uid and gid; undefined when not root. */
function serverUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root, but neither a "postgres" nor a "nobody" user exists to run PostgreSQL');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a new cluster. Throws when PostgreSQL is not installed (check findPostgresBin first). */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('no PostgreSQL binaries (initdb, pg_ctl, postgres) found');
  const owner = serverUser();
  const dir = await mkdtemp(join(tmpdir(), 'obscura-pg-'));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const user = 'obscura';
  const password = randomBytes(18).toString('base64url');

  /** Runs a PostgreSQL tool as the server user. */
  const tool = (name: string, args: string[]) =>
    owner ? run('runuser', ['-u', owner.name, '--', join(bin, name), ...args]) : run(join(bin, name), args);

  let port = 0;
  const start = async (): Promise<void> => {
    const options = [
      '-c listen_addresses=127.0.0.1',
      `-p ${port}`,
      "-c unix_socket_directories=''",
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      '-c shared_buffers=32MB',
    ].join(' ');
    await tool('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', options, 'start']);
  };

  try {
    const pwfile = join(dir, 'pwfile');
    await writeFile(pwfile, password + '\n', { mode: 0o600 });
    if (owner) await chown(pwfile, owner.uid, owner.gid);
    await tool('initdb', ['-D', data, '-U', user, '--pwfile', pwfile, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await rm(pwfile);
    // Another process may take the port between choosing and binding it: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start();
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  } catch (e) {
    const serverLog = await readFile(log, 'utf8').catch(() => '');
    await tool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start a test PostgreSQL: ${(e as Error).message}\n${serverLog}`, { cause: e });
  }

  const urlOf = (database: string): string => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  let running = true;
  const halt = async (): Promise<void> => {
    if (!running) return;
    await tool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    running = false;
  };
  // A test file that ends without stop() must not leave a server behind.
  const onExit = (): void => {
    if (!running) return;
    const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
    if (owner) spawnSync('runuser', ['-u', owner.name, '--', join(bin, 'pg_ctl'), ...args]);
    else spawnSync(join(bin, 'pg_ctl'), args);
  };
  process.once('exit', onExit);

  let databases = 0;
  return {
    url: urlOf('postgres'),
    get port() {
      return port;
    },
    user,
    password,
    async createDatabase() {
      const name = `obscura_test_${++databases}`;
      const client = new pg.Client({ connectionString: urlOf('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    pause: halt,
    async resume() {
      if (running) return;
      await start();
      running = true;
    },
    async stop() {
      process.off('exit', onExit);
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
