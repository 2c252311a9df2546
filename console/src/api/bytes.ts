/**
 * Byte and text helpers for the browser client: strict base64 over atob/btoa (the page has no
 * Buffer) and UTF-8. No DOM-only and no Node-only API, so node tests import it as it is.
 */

export const utf8 = new TextEncoder();

export function bytesToBase64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
}

/**
 * Strict standard base64 (padding required, no whitespace, canonical last character); undefined
 * when the text is anything else, so one key has exactly one spelling.
 */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return bytesToBase64(bytes) === text ? bytes : undefined;
}
