/**
 * Ceph RGW for tests that need a real upstream S3 store: ../shared/peers/ceph/start.sh (a one-node
 * cluster on loopback, ~15 s warm, installs Debian's packages the first time) in its own dir on
 * free ports, stopped with stop.sh --wipe, which signals only the daemons it recorded.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './server.js';

const run = promisify(execFile);

export interface TestCeph {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  stop(): Promise<void>;
}

/** The peer scripts: OBSCURA_CEPH_PEER, else ../shared/peers/ceph next to the repo. */
export function cephPeerDir(): string | undefined {
  const candidates = [process.env['OBSCURA_CEPH_PEER'], resolve(repoRoot, '..', 'shared', 'peers', 'ceph'), '/work/shared/peers/ceph'];
  return candidates.find((d): d is string => d !== undefined && existsSync(join(d, 'start.sh')));
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export async function startTestCeph(): Promise<TestCeph> {
  const peer = cephPeerDir();
  if (!peer) throw new Error('the Ceph peer scripts (../shared/peers/ceph) are not there; set OBSCURA_CEPH_PEER');
  const env = { ...process.env, CEPH_DIR: await mkdtemp(join(tmpdir(), 'obscura-ceph-')), RGW_PORT: String(await freePort()), MON_PORT: String(await freePort()), RGW_DEBUG: '0', WITH_MGR: '0' };
  const stop = async (): Promise<void> => {
    await run(join(peer, 'stop.sh'), ['--wipe'], { env }).catch(() => undefined);
  };
  try {
    const { stdout } = await run(join(peer, 'start.sh'), [], { env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
    const field = (name: string): string => {
      const m = new RegExp(`^${name}=(.*)$`, 'm').exec(stdout);
      if (!m) throw new Error(`start.sh printed no ${name}=`);
      return m[1]!.trim();
    };
    return { endpoint: field('endpoint'), accessKey: field('access_key'), secretKey: field('secret_key'), region: field('region'), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
