/**
 * The server's config.json as the screens use it (region to prefill, version, where the HTTPS
 * console is). Loaded through the client's loader; a page that cannot read it still works with
 * defaults, since nothing in it is needed to sign requests. Holds no credentials.
 */
import type { ConsoleServerConfig } from '../api/contract.js';

export type ConsoleConfig = ConsoleServerConfig;

export async function loadConfig(load: () => Promise<ConsoleServerConfig>): Promise<ConsoleConfig> {
  try {
    return await load();
  } catch {
    return { region: 'us-east-1', version: 'unknown', httpUrl: location.origin, consoleUrl: location.href.replace(/#.*$/, '') };
  }
}

/**
 * Where the HTTPS console is when this page was opened over plain HTTP (same screen: the hash is
 * kept), or undefined when no banner is needed (already HTTPS, or the server has no HTTPS).
 */
export function httpsConsoleUrl(config: ConsoleConfig): string | undefined {
  if (location.protocol !== 'http:') return undefined;
  const base = config.httpsConsoleUrl ?? (config.httpsUrl ? `${config.httpsUrl.replace(/\/+$/, '')}/console/` : undefined);
  return base ? `${base.replace(/#.*$/, '')}${location.hash}` : undefined;
}
