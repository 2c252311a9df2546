/** The strict RFC 3986 encoding S3 and OBS signatures use. Pure (no Node API: the browser console shares it). */

const utf8 = new TextEncoder();

/** Percent-encodes every byte except A–Z a–z 0–9 - . _ ~ (and '/' unless `encodeSlash`), upper-case hex. */
export function uriEncode(text: string, encodeSlash = true): string {
  let out = '';
  for (const byte of utf8.encode(text)) {
    const c = String.fromCharCode(byte);
    if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || c === '-' || c === '.' || c === '_' || c === '~' || (c === '/' && !encodeSlash)) {
      out += c;
    } else {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** Decodes percent-escapes; undefined when the text is not valid percent-encoded UTF-8. */
export function tryDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Splits a raw query string into decoded [name, value] pairs, in order ('+' is kept as '+'). */
export function splitQuery(rawQuery: string): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = [];
  if (rawQuery === '') return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = tryDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : tryDecode(part.slice(eq + 1));
    if (name === undefined || value === undefined) return undefined;
    pairs.push([name, value]);
  }
  return pairs;
}
