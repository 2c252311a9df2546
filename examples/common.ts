/** Connection settings for the examples: OBSCURA_ENDPOINT, OBSCURA_ACCESS_KEY, OBSCURA_SECRET_KEY. */
import { ObsClient } from '../src/sdk/index.js';

export function clientFromEnvironment(): ObsClient {
  const server = process.env['OBSCURA_ENDPOINT'];
  const accessKeyId = process.env['OBSCURA_ACCESS_KEY'];
  const secretAccessKey = process.env['OBSCURA_SECRET_KEY'];
  if (!server || !accessKeyId || !secretAccessKey) {
    throw new Error('set OBSCURA_ENDPOINT, OBSCURA_ACCESS_KEY and OBSCURA_SECRET_KEY');
  }
  return new ObsClient({ accessKeyId, secretAccessKey, server, ...(process.env['OBSCURA_INSECURE_TLS'] ? { insecureTls: true } : {}) });
}

/** Exits non-zero with the documented error fields when a call failed. */
export function check(what: string, result: { status: number; errorCode?: string; errorMessage?: string; requestId?: string }): void {
  if (result.status < 300) {
    console.log(`${what}: ${result.status}`);
    return;
  }
  console.error(`${what} failed: status=${result.status} errorCode=${result.errorCode} errorMessage=${result.errorMessage} requestId=${result.requestId}`);
  process.exit(1);
}
