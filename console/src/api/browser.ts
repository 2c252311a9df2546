/**
 * The console client as the page creates it: same origin as the page, the browser's fetch and
 * XMLHttpRequest (for upload progress). DOM-only; node tests use createConsoleApi directly.
 */
import type { ConsoleApi } from './contract.js';
import { createConsoleApi } from './console-api.js';

export function createBrowserConsoleApi(): ConsoleApi {
  return createConsoleApi({ endpoint: location.origin, fetchImpl: fetch.bind(window), xhrFactory: () => new XMLHttpRequest() });
}
