/**
 * S3 XML for the browser client: parsing response documents (fast-xml-parser, which has no Node
 * dependency and is bundled) into plain objects, and writing the few request bodies the console
 * sends. Values stay strings; callers convert. Pure.
 */
import { XMLParser } from 'fast-xml-parser';

export type XmlNode = Record<string, unknown>;

/** Elements that may repeat, always parsed as arrays. */
const REPEATED = new Set(['Bucket', 'Contents', 'CommonPrefixes', 'Rule', 'EncryptionType', 'Part']);

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
});

export function parseXml(text: string): XmlNode {
  if (text.trim() === '') return {};
  return parser.parse(text) as XmlNode;
}

/** A child element as a node (an empty element parses as ''). */
export function child(node: unknown, name: string): XmlNode {
  const value = (node as XmlNode | undefined)?.[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as XmlNode) : {};
}

export function children(node: unknown, name: string): XmlNode[] {
  const value = (node as XmlNode | undefined)?.[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

export function text(node: unknown, name: string): string | undefined {
  const value = (node as XmlNode | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `<Name>value</Name>` with the value escaped. */
export function element(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
