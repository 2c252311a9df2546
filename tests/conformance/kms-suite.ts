/**
 * Conformance suite for the `Kms` interface the SSE layer uses, plus the life-cycle rules every
 * backend must follow. Each implementation's test file only calls it with a factory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kms } from '../../src/kms/kms.js';
import { KmsError } from '../../src/kms/errors.js';

export interface KmsUnderTest {
  kms: Kms;
  /** Creates an enabled key and returns its id. */
  createKey(): Promise<string>;
  disable(id: string): Promise<void>;
  enable(id: string): Promise<void>;
  rotate(id: string): Promise<void>;
  scheduleDeletion(id: string): Promise<void>;
  cleanup(): Promise<void>;
}

function kmsCode(code: string) {
  return (e: unknown): boolean => e instanceof KmsError && e.code === code;
}

export function kmsConformance(name: string, factory: () => Promise<KmsUnderTest>): void {
  const ctx = { 'obscura:bucket': 'b', 'obscura:object': 'k' };

  test(`${name}: a data key round-trips, bound to its encryption context`, async () => {
    const t = await factory();
    try {
      const id = await t.createKey();
      const dk = await t.kms.generateDataKey(id, ctx);
      assert.equal(dk.plaintext.length, 32);
      assert.equal(dk.keyId, id);
      assert.ok(dk.keyVersion >= 1);
      assert.deepEqual(await t.kms.decryptDataKey(id, dk.wrapped, ctx), dk.plaintext);
      await assert.rejects(t.kms.decryptDataKey(id, dk.wrapped, { ...ctx, 'obscura:object': 'other' }), kmsCode('InvalidCiphertextException'));
      const flipped = Buffer.from(dk.wrapped);
      flipped[flipped.length - 3] = flipped[flipped.length - 3]! ^ 0x10;
      await assert.rejects(t.kms.decryptDataKey(id, flipped, ctx), kmsCode('InvalidCiphertextException'));
      assert.ok(!dk.wrapped.includes(dk.plaintext), 'the wrapped key does not contain the plaintext key');
    } finally {
      await t.cleanup();
    }
  });

  test(`${name}: unknown keys are NotFoundException`, async () => {
    const t = await factory();
    try {
      await assert.rejects(t.kms.generateDataKey('00000000-0000-4000-8000-000000000000', ctx), kmsCode('NotFoundException'));
    } finally {
      await t.cleanup();
    }
  });

  test(`${name}: a disabled key refuses new data keys and decryption until enabled`, async () => {
    const t = await factory();
    try {
      const id = await t.createKey();
      const dk = await t.kms.generateDataKey(id, ctx);
      await t.disable(id);
      await assert.rejects(t.kms.generateDataKey(id, ctx), kmsCode('DisabledException'));
      await assert.rejects(t.kms.decryptDataKey(id, dk.wrapped, ctx), kmsCode('DisabledException'));
      await t.enable(id);
      assert.deepEqual(await t.kms.decryptDataKey(id, dk.wrapped, ctx), dk.plaintext);
    } finally {
      await t.cleanup();
    }
  });

  test(`${name}: after rotation old data keys still open and new ones use the new version`, async () => {
    const t = await factory();
    try {
      const id = await t.createKey();
      const before = await t.kms.generateDataKey(id, ctx);
      await t.rotate(id);
      const after = await t.kms.generateDataKey(id, ctx);
      assert.equal(after.keyVersion, before.keyVersion + 1);
      assert.deepEqual(await t.kms.decryptDataKey(id, before.wrapped, ctx), before.plaintext);
      assert.deepEqual(await t.kms.decryptDataKey(id, after.wrapped, ctx), after.plaintext);
    } finally {
      await t.cleanup();
    }
  });

  test(`${name}: a key pending deletion is KMSInvalidStateException`, async () => {
    const t = await factory();
    try {
      const id = await t.createKey();
      const dk = await t.kms.generateDataKey(id, ctx);
      await t.scheduleDeletion(id);
      await assert.rejects(t.kms.generateDataKey(id, ctx), kmsCode('KMSInvalidStateException'));
      await assert.rejects(t.kms.decryptDataKey(id, dk.wrapped, ctx), kmsCode('KMSInvalidStateException'));
    } finally {
      await t.cleanup();
    }
  });

  test(`${name}: no key id selects a default key, created once`, async () => {
    const t = await factory();
    try {
      const a = await t.kms.generateDataKey(undefined, ctx);
      const b = await t.kms.generateDataKey(undefined, ctx);
      assert.equal(a.keyId, b.keyId);
      assert.deepEqual(await t.kms.decryptDataKey(a.keyId, a.wrapped, ctx), a.plaintext);
    } finally {
      await t.cleanup();
    }
  });
}
