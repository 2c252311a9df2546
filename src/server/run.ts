/**
 * `obscura server`: resolves the configuration, starts, prints the endpoints and credentials on
 * stdout (the machine-readable `obscura listening …` line first), and drains on SIGTERM/SIGINT.
 */
import { resolveConfig, type RawConfig } from './config.js';
import { missingNodeFlags } from './node-flags.js';
import { startServer } from './start.js';

export async function runServer(flags: RawConfig): Promise<void> {
  let config;
  try {
    config = resolveConfig(flags);
  } catch (e) {
    process.stderr.write(`obscura: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  let running;
  try {
    running = await startServer(config);
  } catch (e) {
    process.stderr.write(`obscura: cannot start: ${(e as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const lines = [
    `obscura listening http=${running.httpUrl}${running.httpsUrl ? ` https=${running.httpsUrl}` : ''}`,
    `  Endpoint:    ${running.httpUrl}${running.httpsUrl ? `  (HTTPS: ${running.httpsUrl})` : ''}`,
    ...(running.consoleUrl !== undefined ? [`  Console:     ${running.consoleUrl}`] : []),
    `  Access key:  ${running.accessKey}`,
    `  Secret key:  ${running.secretKey}`,
    `  Data:        ${config.dataDir}`,
    `  Config:      ${config.configDir}`,
  ];
  if (running.certFingerprint) lines.push(`  TLS:         self-signed certificate ${running.certPath}`, `               SHA-256 ${running.certFingerprint}`);
  lines.push(`  Try:         aws --endpoint-url ${running.httpUrl} s3 mb s3://my-bucket`);
  process.stdout.write(lines.join('\n') + '\n');
  const missing = missingNodeFlags();
  if (missing.length > 0) running.log.warn({ missing }, 'node was started without the options the server needs for large transfers (about twice the CPU without them); see docs/DEPLOY.md');
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    running.log.info({ signal }, 'draining in-flight requests');
    running.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`obscura: error while stopping: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
