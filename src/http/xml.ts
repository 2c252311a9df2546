/**
 * XML for request and response bodies. Rendering is a tiny escaping builder (our documents are
 * small and regular); parsing uses fast-xml-parser with entity expansion off and a size bound
 * enforced by the caller. Never renders secrets: callers pass only public values.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { fail } from '../errors/index.js';

/** An element: name, then children (elements, text, or nested arrays to flatten). Undefined children are skipped. */
export type XmlNode = { name: string; attrs?: Record<string, string>; children: XmlChild[] };
export type XmlChild = XmlNode | XmlFragment | string | number | boolean | undefined | null | XmlChild[];

/**
 * Markup rendered ahead, placed in a document as it is: for the entries of a long list, written
 * as one string each. Whoever makes one escapes every text in it with escapeXml.
 */
export class XmlFragment {
  constructor(readonly markup: string) {}
}

export function el(name: string, ...children: XmlChild[]): XmlNode {
  return { name, children };
}

export function elAttrs(name: string, attrs: Record<string, string>, ...children: XmlChild[]): XmlNode {
  return { name, attrs, children };
}

/** Element only when the value is defined (common in S3 bodies with optional fields). */
export function opt(name: string, value: string | number | boolean | undefined | null): XmlNode | undefined {
  return value === undefined || value === null ? undefined : el(name, value);
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text for XML 1.0. Characters that XML 1.0 cannot carry at all (most C0 controls) are
 * written as numeric references, which is what S3 does for object names with such characters.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']|[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, (c) => XML_ESCAPES[c] ?? `&#${c.charCodeAt(0)};`);
}

/**
 * Rendered pieces become bytes every this many, so the array that gathers them stays small: a
 * listing page rendered from elements was ~30,000 pieces, an array past the ~128 KiB from which V8
 * allocates straight in the old generation, where only a full collection frees it. A page of 1,000
 * fragments (list.ts) still joins into one ~300 KB string; cutting chunks by length as well measured
 * worse (listing peak RSS 130–131 MB against 120–126, two replays each), so it is not done.
 */
const PIECES_PER_CHUNK = 1024;

/** Rendered output: pieces not yet encoded, and the bytes of those that were. */
interface XmlOut {
  pieces: string[];
  chunks: Buffer[];
}

function put(out: XmlOut, piece: string): void {
  if (out.pieces.push(piece) >= PIECES_PER_CHUNK) flush(out);
}

function flush(out: XmlOut): void {
  out.chunks.push(Buffer.from(out.pieces.join(''), 'utf8'));
  out.pieces.length = 0;
}

function renderNode(node: XmlNode, out: XmlOut): void {
  put(out, '<');
  put(out, node.name);
  if (node.attrs) {
    for (const [k, v] of Object.entries(node.attrs)) {
      put(out, ' ');
      put(out, k);
      put(out, '="');
      put(out, escapeXml(v));
      put(out, '"');
    }
  }
  put(out, '>');
  renderChildren(node.children, out);
  put(out, '</');
  put(out, node.name);
  put(out, '>');
}

function renderChildren(children: XmlChild[], out: XmlOut): void {
  for (const child of children) {
    if (child === undefined || child === null) continue;
    if (Array.isArray(child)) renderChildren(child, out);
    else if (child instanceof XmlFragment) put(out, child.markup);
    else if (typeof child === 'object') renderNode(child, out);
    else put(out, escapeXml(String(child)));
  }
}

/** A document as UTF-8 bytes, with its XML declaration. */
export function renderXml(root: XmlNode): Buffer {
  const out: XmlOut = { pieces: ['<?xml version="1.0" encoding="UTF-8"?>\n'], chunks: [] };
  renderNode(root, out);
  flush(out);
  return out.chunks.length === 1 ? out.chunks[0]! : Buffer.concat(out.chunks);
}

const PREDEFINED_ENTITIES = new Map([['lt', '<'], ['gt', '>'], ['amp', '&'], ['quot', '"'], ['apos', "'"]]);

/**
 * Replaces entity and character references (XML 1.0 §4.1) in one pass: the five predefined
 * entities and `&#N;` / `&#xH;`, which SDKs send for CR and LF in object names (S3 "XML related
 * object key constraints"). C0 controls are allowed as references, as we write them; NUL,
 * surrogates and undeclared entities are MalformedXML.
 */
function decodeReferences(text: string): string {
  return text.replace(/&(?:#x([0-9a-fA-F]+)|#([0-9]+)|([^&;#\s]+))?(;?)/g, (_ref, hex?: string, dec?: string, name?: string, semicolon?: string) => {
    if (semicolon !== ';') throw fail('MalformedXML', 'An & must begin an entity or character reference.');
    if (name !== undefined) {
      const value = PREDEFINED_ENTITIES.get(name);
      if (value === undefined) throw fail('MalformedXML', 'Only the predefined XML entities are allowed.');
      return value;
    }
    const code = hex !== undefined ? Number.parseInt(hex, 16) : dec !== undefined ? Number.parseInt(dec, 10) : NaN;
    if (!(code >= 1 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff) {
      throw fail('MalformedXML', 'A character reference names a character XML cannot carry.');
    }
    return String.fromCodePoint(code);
  });
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  // Object names and tag values keep their spaces; whitespace between elements is dropped below.
  trimValues: false,
  processEntities: true,
  entityDecoder: {
    decode: decodeReferences,
    reset: () => undefined,
    setXmlVersion: () => undefined,
    setExternalEntities: () => undefined,
    // DOCTYPEs are refused before parsing; no document may declare entities.
    addInputEntities: () => {
      throw fail('MalformedXML', 'DOCTYPE is not allowed.');
    },
  },
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** A parsed element: text, or an object of child name → element or elements. */
export type XmlValue = string | { [name: string]: XmlValue | XmlValue[] };

/**
 * Parses a small XML request body into plain objects. Rejects malformed XML and DOCTYPEs
 * (no entity expansion attacks) with MalformedXML.
 */
export function parseXml(body: Buffer | string): Record<string, XmlValue> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') throw fail('MalformedXML');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw fail('MalformedXML', 'DOCTYPE is not allowed.');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw fail('MalformedXML');
  let parsed: Record<string, XmlValue>;
  try {
    parsed = parser.parse(text) as Record<string, XmlValue>;
  } catch (cause) {
    throw fail('MalformedXML', undefined, undefined, cause);
  }
  dropLayoutText(parsed);
  return parsed;
}

/** Removes the whitespace that indents elements (it is layout, not content). */
function dropLayoutText(value: XmlValue | XmlValue[]): void {
  if (typeof value === 'string') return;
  if (Array.isArray(value)) return value.forEach(dropLayoutText);
  const text = value['#text'];
  if (typeof text === 'string' && text.trim() === '') delete value['#text'];
  for (const child of Object.values(value)) dropLayoutText(child);
}

/** The children named `name` of a parsed element, always as an array. */
export function children(value: XmlValue | undefined, name: string): XmlValue[] {
  if (value === undefined || typeof value === 'string') return [];
  const v = value[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * The text of the single child `name`, trimmed (or exactly as sent with `exact`, for object names
 * and tag values), or undefined. Rejects repeated or structured children.
 */
export function childText(value: XmlValue | undefined, name: string, exact = false): string | undefined {
  const list = children(value, name);
  if (list.length === 0) return undefined;
  const first = list[0];
  if (list.length > 1 || typeof first !== 'string') {
    if (list.length === 1 && typeof first === 'object' && Object.keys(first).length === 0) return '';
    throw fail('MalformedXML');
  }
  return exact ? first : first.trim();
}
