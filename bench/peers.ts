/**
 * Child processes the benchmark measures against: trivial Node HTTP servers that set this
 * machine's limits (stream N bytes plain or through AES-256-GCM packages; discard an upload), and
 * the s3rver peer (a plain, unencrypted Node S3 server). Run as `node peers.js <kind> <port> [dir]`.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { DEFAULT_PACKAGE_BYTES } from '../src/crypto/envelope.js';

const [kind, portText, dir] = process.argv.slice(2);
const port = Number(portText ?? 0);

function announce(server: http.Server): void {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
}

/** The package size Obscura writes, so the trivial server does the same cipher work per byte. */
const PACKAGE = DEFAULT_PACKAGE_BYTES;

async function main(): Promise<void> {
  if (kind === 'stream-plain' || kind === 'stream-gcm') {
    const data = randomBytes(Math.max(1024 * 1024, PACKAGE));
    const key = randomBytes(32);
    const server = http.createServer((req, res) => {
      const total = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? 1024 ** 3);
      res.writeHead(200, { 'content-length': String(kind === 'stream-gcm' ? total + Math.ceil(total / PACKAGE) * 16 : total) });
      let sent = 0;
      let counter = 0;
      const nonce = Buffer.alloc(12);
      const pump = (): void => {
        while (sent < total) {
          const n = Math.min(data.length, total - sent);
          let ok = true;
          if (kind === 'stream-gcm') {
            for (let off = 0; off < n; off += PACKAGE) {
              const chunk = data.subarray(off, Math.min(n, off + PACKAGE));
              nonce.writeUInt32BE(counter++, 7);
              const c = createCipheriv('aes-256-gcm', key, nonce);
              ok = res.write(c.update(chunk)) && ok;
              c.final();
              ok = res.write(c.getAuthTag()) && ok;
            }
          } else {
            ok = res.write(data.subarray(0, n));
          }
          sent += n;
          if (!ok) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    server.listen(port, '127.0.0.1', () => announce(server));
  } else if (kind === 'discard') {
    const server = http.createServer((req, res) => {
      req.on('data', () => undefined);
      req.on('end', () => {
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      });
    });
    server.listen(port, '127.0.0.1', () => announce(server));
  } else if (kind === 's3rver') {
    const require = createRequire(import.meta.url);
    const S3rver = require('s3rver') as new (o: object) => { run(): Promise<{ port: number }> };
    const s = new S3rver({ port, address: '127.0.0.1', directory: dir, silent: true, resetOnClose: false });
    const info = await s.run();
    process.stdout.write(`listening ${info.port}\n`);
  } else {
    throw new Error(`unknown peer ${kind}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`peer failed: ${(e as Error).message}\n`);
  process.exit(1);
});
