/**
 * Reads config.json, which the server serves beside the page (region, endpoints, HTTPS console
 * URL, version). Found from this module's own URL: the bundle lives in `<mount>assets/`, so the
 * config is `<mount>config.json` whichever screen's URL the page was opened at.
 */
import type { ConsoleServerConfig } from './contract.js';

/** `<mount>config.json`, from the bundle's URL (`<mount>assets/main-….js`). */
export function defaultConfigUrl(): URL {
  return new URL('../config.json', import.meta.url);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Loads and checks config.json; throws (NetworkError-like TypeError, or Error) when it cannot be read. */
export async function loadServerConfig(url: URL | string = defaultConfigUrl(), fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<ConsoleServerConfig> {
  const response = await fetchImpl(url, { cache: 'no-store', credentials: 'omit' });
  if (!response.ok) throw new Error(`The console's config.json could not be loaded (HTTP ${response.status}).`);
  const raw = (await response.json()) as Record<string, unknown>;
  const httpsUrl = optionalString(raw['httpsUrl']);
  const httpsConsoleUrl = optionalString(raw['httpsConsoleUrl']);
  return {
    region: optionalString(raw['region']) ?? 'us-east-1',
    version: optionalString(raw['version']) ?? 'unknown',
    httpUrl: optionalString(raw['httpUrl']) ?? '',
    ...(httpsUrl ? { httpsUrl } : {}),
    consoleUrl: optionalString(raw['consoleUrl']) ?? '',
    ...(httpsConsoleUrl ? { httpsConsoleUrl } : {}),
  };
}
