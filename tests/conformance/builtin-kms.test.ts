/** The built-in KMS against the Kms conformance suite, plus its keystore rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { kmsConformance } from './kms-suite.js';
import { BuiltinKms, KEYSTORE_STATE, KeystoreUnsealError } from '../../src/kms/builtin/builtin-kms.js';
import { SqliteMetadataStore } from '../../src/metadata/sqlite/sqlite-metadata-store.js';
import { KmsError } from '../../src/kms/errors.js';
import { unwrapSecret, wrapSecret } from '../../src/crypto/wrap.js';

async function open(store = new SqliteMetadataStore(':memory:'), root = randomBytes(32), now?: () => number) {
  const kms = await BuiltinKms.open(store, root, { region: 'test-1', refreshMs: 0, ...(now ? { now } : {}) });
  return { kms, store, root };
}

kmsConformance('BuiltinKms', async () => {
  const { kms, store } = await open();
  return {
    kms,
    createKey: async () => (await kms.createKey()).keyId,
    disable: async (id) => void (await kms.disableKey(id)),
    enable: async (id) => void (await kms.enableKey(id)),
    rotate: async (id) => void (await kms.rotateKeyOnDemand(id)),
    scheduleDeletion: async (id) => void (await kms.scheduleKeyDeletion(id, 7)),
    cleanup: () => store.close(),
  };
});

test('the keystore is sealed: no key material in the stored state, and another root key cannot open it', async () => {
  const { kms, store, root } = await open();
  const key = await kms.createKey({ description: 'sealed' });
  const dk = await kms.generateDataKey(key.keyId, {});
  const stored = (await store.getState(KEYSTORE_STATE))!;
  assert.ok(!stored.includes('sealed'), 'descriptions are inside the sealed document');
  assert.ok(!Buffer.from(stored, 'base64').includes(dk.plaintext));
  await assert.rejects(BuiltinKms.open(store, randomBytes(32), { region: 'test-1' }), KeystoreUnsealError);
  const again = await BuiltinKms.open(store, root, { region: 'test-1' });
  assert.equal((await again.describeKey(key.keyId)).description, 'sealed');
  assert.equal(await store.getState(KEYSTORE_STATE), stored, 'opening does not rewrite the keystore');
  await store.close();
});

test('two KMS instances on one store see each other\'s keys and changes (compare-and-set, no lost update)', async () => {
  const store = new SqliteMetadataStore(':memory:');
  const root = randomBytes(32);
  const a = await BuiltinKms.open(store, root, { region: 'r', refreshMs: 0 });
  const b = await BuiltinKms.open(store, root, { region: 'r', refreshMs: 0 });
  const keys = await Promise.all([a.createKey(), b.createKey(), a.createKey(), b.createKey()]);
  assert.equal((await a.listKeys()).length, 4);
  assert.deepEqual(new Set((await b.listKeys()).map((k) => k.keyId)), new Set(keys.map((k) => k.keyId)));
  await a.disableKey(keys[1]!.keyId);
  await assert.rejects(b.generateDataKey(keys[1]!.keyId, {}), (e: unknown) => e instanceof KmsError && e.code === 'DisabledException');
  await store.close();
});

test('automatic rotation adds a version once the period has passed; a key past its deletion date is gone', async () => {
  let now = Date.UTC(2026, 0, 1);
  const { kms, store } = await open(undefined, undefined, () => now);
  const key = await kms.createKey();
  await kms.enableKeyRotation(key.keyId, 90);
  const dk = await kms.generateDataKey(key.keyId, {});
  assert.deepEqual(await kms.listKeyRotations(key.keyId), [], 'no rotation yet');
  now += 91 * 86_400_000;
  assert.equal((await kms.describeKey(key.keyId)).currentVersion, 2);
  assert.deepEqual(await kms.decryptDataKey(key.keyId, dk.wrapped, {}), dk.plaintext);
  const automatic = now;
  now += 1000;
  await kms.rotateKeyOnDemand(key.keyId);
  assert.deepEqual(await kms.listKeyRotations(key.keyId), [
    { keyId: key.keyId, rotationDate: automatic, rotationType: 'AUTOMATIC' },
    { keyId: key.keyId, rotationDate: now, rotationType: 'ON_DEMAND' },
  ]);
  await kms.scheduleKeyDeletion(key.keyId, 7);
  now += 8 * 86_400_000;
  await assert.rejects(kms.describeKey(key.keyId), (e: unknown) => e instanceof KmsError && e.code === 'NotFoundException');
  await store.close();
});

test('maintenance is due by the keystore in use, another instance\'s changes too; a key whose dates make no number is never due', async () => {
  const day = 86_400_000;
  let now = Date.UTC(2026, 0, 1);
  const store = new SqliteMetadataStore(':memory:');
  const root = randomBytes(32);
  const a = await BuiltinKms.open(store, root, { region: 'r', refreshMs: 0, now: () => now });
  const b = await BuiltinKms.open(store, root, { region: 'r', refreshMs: 0, now: () => now });
  const key = await a.createKey();
  const dk = await b.generateDataKey(key.keyId, {});
  await a.enableKeyRotation(key.keyId, 90);
  now += 91 * day;
  // b last saw the key without rotation; it learns the due date from the keystore it re-reads.
  assert.deepEqual(await b.decryptDataKey(key.keyId, dk.wrapped, {}), dk.plaintext);
  assert.equal((await a.describeKey(key.keyId)).currentVersion, 2, 'b rotated the key');

  // A keystore whose rotation period is missing (written by hand, say): the key is never due.
  const stored = (await store.getState(KEYSTORE_STATE))!;
  const sealed = Buffer.from(stored, 'base64');
  const head = sealed.subarray(0, 1);
  const doc = JSON.parse(unwrapSecret(root, 'obscura kms keystore v1', sealed.subarray(1), head).toString('utf8')) as { keys: Record<string, { rotation: { periodDays?: number } }> };
  delete doc.keys[key.keyId]!.rotation.periodDays;
  const forged = Buffer.concat([head, wrapSecret(root, 'obscura kms keystore v1', Buffer.from(JSON.stringify(doc), 'utf8'), head)]).toString('base64');
  assert.ok(await store.putState(KEYSTORE_STATE, forged, stored));
  let writes = 0;
  const putState = store.putState.bind(store);
  store.putState = (...args) => {
    writes++;
    return putState(...args);
  };
  now += 1000 * day;
  for (let i = 0; i < 5; i++) assert.deepEqual(await b.decryptDataKey(key.keyId, dk.wrapped, {}), dk.plaintext);
  assert.equal(writes, 0, 'no rotation, no keystore write per request');
  assert.equal((await b.getKeyRotationStatus(key.keyId)).versions, 2);
  await store.close();
});

test('key references: id, ARN, alias, alias ARN and the OBS region:domain:key/uuid form', async () => {
  const { kms, store } = await open();
  const key = await kms.createKey();
  await kms.createAlias('alias/ref-test', key.keyId);
  for (const ref of [key.keyId, key.arn, 'alias/ref-test', `arn:aws:kms:test-1:${kms.accountId}:alias/ref-test`, kms.obsIdOf(key.keyId)]) {
    assert.equal((await kms.describeKey(ref)).keyId, key.keyId, ref);
  }
  await assert.rejects(kms.createAlias('alias/aws/reserved', key.keyId), (e: unknown) => e instanceof KmsError && e.code === 'ValidationException');
  await assert.rejects(kms.createAlias('alias/ref-test', key.keyId), (e: unknown) => e instanceof KmsError && e.code === 'AlreadyExistsException');
  await store.close();
});

test('data keys under the default key write the keystore once (when the key is made), not per request', async () => {
  const store = new SqliteMetadataStore(':memory:');
  let writes = 0;
  const putState = store.putState.bind(store);
  store.putState = (...args) => {
    writes++;
    return putState(...args);
  };
  const { kms } = await open(store);
  writes = 0;
  for (let i = 0; i < 10; i++) await kms.generateDataKey(undefined, { i: String(i) });
  assert.equal(writes, 1, 'one write: the default key is created');
  await store.close();
});

test('the key that wraps data keys is derived once per master key version, and wiped when the version leaves the keystore', async () => {
  let now = Date.UTC(2026, 0, 1);
  const { kms, store, root } = await open(undefined, undefined, () => now);
  const derived = (k: BuiltinKms): Map<string, Buffer> => (k as unknown as { wrappingKeys: Map<string, Buffer> }).wrappingKeys;
  const key = await kms.createKey();
  const first = await kms.generateDataKey(key.keyId, { n: '1' });
  for (let i = 0; i < 5; i++) assert.deepEqual(await kms.decryptDataKey(key.keyId, first.wrapped, { n: '1' }), first.plaintext);
  assert.equal(derived(kms).size, 1, 'one derivation for one version, however many data keys');
  await kms.rotateKeyOnDemand(key.keyId);
  const second = await kms.generateDataKey(key.keyId, { n: '2' });
  assert.equal(derived(kms).size, 2);
  assert.deepEqual(await kms.decryptDataKey(key.keyId, first.wrapped, { n: '1' }), first.plaintext, 'the old version still opens');
  await assert.rejects(kms.decryptDataKey(key.keyId, second.wrapped, { n: 'other' }), (e: unknown) => e instanceof KmsError && e.code === 'InvalidCiphertextException');
  // Another instance derives its own, from the same keystore, on first use.
  const other = await BuiltinKms.open(store, root, { region: 'test-1', refreshMs: 0, now: () => now });
  assert.deepEqual(await other.decryptDataKey(key.keyId, second.wrapped, { n: '2' }), second.plaintext);
  const kept = [...derived(kms).values()];
  await kms.scheduleKeyDeletion(key.keyId, 7);
  now += 8 * 86_400_000;
  await assert.rejects(kms.describeKey(key.keyId), (e: unknown) => e instanceof KmsError && e.code === 'NotFoundException');
  assert.equal(derived(kms).size, 0, 'no derived key outlives its version');
  for (const k of kept) assert.ok(k.every((b) => b === 0), 'wiped');
  await store.close();
});

test('data keys and the nonces that wrap them come from the random source given (systemRandom by default)', async () => {
  const store = new SqliteMetadataStore(':memory:');
  const drawn: Buffer[] = [];
  let counter = 0;
  const random = (bytes: number): Buffer => {
    const out = Buffer.alloc(bytes, ++counter);
    drawn.push(Buffer.from(out));
    return out;
  };
  const kms = await BuiltinKms.open(store, randomBytes(32), { region: 'r', random });
  const context = { 'obscura:bucket': 'b', 'obscura:object': 'k' };
  const before = drawn.length;
  const dk = await kms.generateDataKey(undefined, context);
  const [key, nonce] = drawn.slice(before);
  assert.equal(drawn.length - before, 2, 'one draw for the key, one for its nonce');
  assert.deepEqual(dk.plaintext, key);
  assert.equal(key!.length, 32);
  // blob: head (version, key id, key version) ‖ nonce ‖ wrapped key ‖ tag
  assert.deepEqual(dk.wrapped.subarray(dk.wrapped.length - 16 - 32 - 12, dk.wrapped.length - 16 - 32), nonce);
  assert.deepEqual(await kms.decryptDataKey(dk.keyId, dk.wrapped, context), key);
  await assert.rejects(kms.decryptDataKey(dk.keyId, dk.wrapped, { ...context, 'obscura:object': 'other' }), (e: unknown) => e instanceof KmsError && e.code === 'InvalidCiphertextException');
  const larger = await kms.generateDataKey(undefined, context, 100);
  assert.deepEqual(larger.plaintext, Buffer.alloc(100, counter - 1), 'a larger key from the same source');
  await store.close();
});
