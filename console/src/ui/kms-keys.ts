/**
 * How the screens name KMS master keys: by alias when there is one, else by id, with ARNs
 * reduced to ids (object HEADs report an ARN or an id, listings an id). Also the shared loader.
 */
import type { KmsKey } from '../api/contract.js';
import { useLoad, type Loaded } from './hooks.js';
import { useServices } from './services.js';

/** "arn:aws:kms:us-east-1:0000:key/1234-…" → "1234-…"; a bare id or alias is returned as is. */
export function keyIdOf(ref: string): string {
  const at = ref.indexOf(':key/');
  return at >= 0 ? ref.slice(at + ':key/'.length) : ref;
}

/** The name to show for a key: its first alias, else its id. */
export function kmsKeyName(key: KmsKey): string {
  return key.aliases[0] ?? key.keyId;
}

/** The name for a key reference (id, ARN or alias) given the known keys. */
export function kmsKeyNameFor(ref: string, keys: KmsKey[] | undefined): string {
  if (ref.startsWith('alias/')) return ref;
  const id = keyIdOf(ref);
  const key = keys?.find((k) => k.keyId === id);
  return key ? kmsKeyName(key) : id;
}

/** One line for a picker: "alias/photos — Holiday photos — 1234-…". */
export function kmsKeyOptionText(key: KmsKey): string {
  const parts = [key.aliases.join(', ') || 'no alias', key.description || 'no description', key.keyId];
  if (key.keyState !== 'Enabled') parts.push(key.keyState);
  return parts.join(' — ');
}

/** All KMS keys, loaded once per screen. */
export function useKmsKeys(): Loaded<KmsKey[]> {
  const { api } = useServices();
  return useLoad(() => api.kms.listKeys(), []);
}
