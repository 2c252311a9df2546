/**
 * System suite: the web console's bucket and object features in a real browser (Debian's chromium
 * driven by playwright-core) against the real server over HTTPS, each step asserting what a user
 * sees: a bucket's default encryption set to SSE-OBS and back to none, SSE-C blocked and allowed
 * again; an SSE-C object copied to SSE-KMS and renamed under a new customer key; deleting objects
 * and buckets; text and image previews; paging through a long listing; a folder upload and a
 * multipart upload with its progress bar; share links, and why an SSE-C object has none. The
 * start-up, step and locator helpers are in helpers/console-harness.ts (shared with
 * console.test.ts); screenshots at 1280×800 go to test-artifacts/console/objects/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Locator } from 'playwright-core';
import { uniqueBucket } from '../tests/helpers/server.js';
import { ConsoleHarness, seeText } from './helpers/console-harness.js';

const ui = new ConsoleHarness('objects');
before(() => ui.start());
after(() => ui.stop());

const MiB = 1024 * 1024;
/** Above the client's 16 MiB multipart threshold, and not a whole number of 8 MiB parts. */
const LARGE_FILE_BYTES = 20 * MiB + 12_345;
/** More objects than the smallest page (25 rows). */
const PAGED_FILES = 27;

/** A valid RGB PNG of `side`×`side` pixels, built by hand: signature, IHDR, one deflated IDAT, IEND. */
function tinyPng(side: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const framed = Buffer.alloc(typed.length + 8);
    framed.writeUInt32BE(data.length, 0);
    typed.copy(framed, 4);
    framed.writeUInt32BE(crc32(typed), typed.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per sample, truecolour, deflate, no filter method, no interlace
  // Each scanline: filter type 0, then RGB per pixel (a diagonal gradient).
  const pixels = Buffer.alloc(side * (1 + 3 * side));
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) pixels.set([(x * 255) / side, (y * 255) / side, 128], y * (1 + 3 * side) + 1 + 3 * x);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

/** A plain GET from Node, as anyone given a share link would do (the server's certificate is self-signed). */
function plainGet(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { rejectUnauthorized: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** A pattern matching `text` literally. */
function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

test('the web console in chromium: bucket encryption and SSE-C block, copy and rename, delete, previews, paging, folder and multipart uploads, share links', async (t) => {
  const { page } = ui;
  const bucket = uniqueBucket('objects');
  const spareBucket = uniqueBucket('spare');
  const helloText = `Hello, previewed at ${new Date().toISOString()}\n`;
  const png = tinyPng(32);
  const secretBytes = randomBytes(64 * 1024 + 3);
  const firstKey = randomBytes(32).toString('base64');
  /** Typed as 64 hex digits, the other spelling the customer key field accepts. */
  const largeFileKey = randomBytes(32).toString('hex');
  let renameKey = '';

  const encryptionDialog = (name: string): Locator => page.getByRole('dialog', { name: `Default encryption of ${name}` });
  const uploadPanel = (): Locator => page.getByRole('region', { name: new RegExp(`^Upload to ${bucket}/`) });
  const uploadItem = (key: string): Locator => uploadPanel().getByRole('listitem').filter({ hasText: key });
  const details = (): Locator => page.getByRole('region', { name: 'Details' });

  async function createBucket(name: string): Promise<void> {
    await ui.go('Buckets');
    await page.getByLabel('Bucket name').fill(name);
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await ui.status(new RegExp(`Bucket ${name} created`));
  }

  /** Sets the bucket's default encryption in its dialog, from the Buckets screen; waits for the dialog to close. */
  async function setDefaultEncryption(algorithm: 'No default' | 'SSE-OBS / SSE-S3 (AES256)', options: { blockSseC?: boolean; screenshot?: string } = {}): Promise<void> {
    await ui.go('Buckets');
    await page.getByRole('button', { name: `Encryption (${bucket})` }).click();
    const dialog = encryptionDialog(bucket);
    await dialog.getByRole('radio', { name: algorithm }).check();
    const block = dialog.getByLabel('Block SSE-C uploads (customer-provided keys)');
    if (options.blockSseC !== undefined) await block.setChecked(options.blockSseC);
    if (options.screenshot) await ui.shot(options.screenshot);
    await dialog.getByRole('button', { name: 'Save encryption' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  async function openBucket(): Promise<void> {
    await ui.goHash(`#/buckets/${bucket}`);
    await page.getByRole('heading', { level: 1, name: `Bucket ${bucket}` }).waitFor();
  }

  async function openObject(key: string): Promise<void> {
    await ui.row(key).getByRole('link', { name: key }).click();
    await page.getByRole('heading', { level: 1, name: key }).waitFor();
  }

  /**
   * Opens the upload panel (when closed), chooses `files` in its Files input, the bucket default
   * or SSE-C with a typed customer key, and starts the upload.
   */
  async function startUpload(files: Parameters<Locator['setInputFiles']>[0], customerKey?: string): Promise<void> {
    const toggle = page.getByRole('button', { name: 'Upload files' });
    if (await toggle.isVisible()) await toggle.click();
    const panel = uploadPanel();
    await panel.getByLabel('Files', { exact: true }).setInputFiles(files);
    if (customerKey === undefined) {
      await panel.getByRole('radio', { name: 'Bucket default' }).check();
    } else {
      await panel.getByRole('radio', { name: 'SSE-C (customer key)' }).check();
      await panel.getByLabel('Customer key', { exact: true }).fill(customerKey);
    }
    await panel.getByRole('button', { name: /^Start upload \(\d+ files?\)$/ }).click();
  }

  /** Clicks Download on the object screen; answers the bytes the browser saved. */
  async function download(name: string): Promise<Buffer> {
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    assert.equal(saved.suggestedFilename(), name);
    const path = await saved.path();
    assert.ok(path, 'the download was saved');
    return readFile(path);
  }

  /** Types a customer key on the SSE-C object screen and checks it. */
  async function checkCustomerKey(key: string): Promise<void> {
    await page.getByLabel('Customer key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'Check key' }).click();
  }

  await ui.step(t, 'sign in and create a bucket', async () => {
    await ui.signIn();
    await createBucket(bucket);
    await seeText(ui.row(bucket).getByRole('cell'), /^None$/);
  });

  await ui.step(t, 'default encryption SSE-OBS applies to an upload; SSE-C blocked refuses an SSE-C upload in a sentence and lets others in; unblocked lets it in; back to none', async () => {
    await setDefaultEncryption('SSE-OBS / SSE-S3 (AES256)', { screenshot: '01-bucket-encryption-sse-obs' });
    await ui.status(new RegExp(`${bucket} is now SSE-OBS \\(AES256\\)\\.`));
    await seeText(ui.row(bucket).getByRole('cell'), /^SSE-OBS \(AES256\)$/);

    await openBucket();
    await startUpload([
      { name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from(helloText) },
      { name: 'pixel.png', mimeType: 'image/png', buffer: png },
    ]);
    await ui.status(/Uploaded 2 files to/);
    await seeText(ui.row('hello.txt').getByRole('cell'), /^SSE-OBS$/);
    await seeText(ui.row('pixel.png').getByRole('cell'), /^SSE-OBS$/);

    await setDefaultEncryption('SSE-OBS / SSE-S3 (AES256)', { blockSseC: true });
    await ui.status(/SSE-OBS \(AES256\), and SSE-C uploads are blocked\./);
    await seeText(ui.row(bucket).getByRole('cell'), /SSE-C blocked/);

    await openBucket();
    await startUpload({ name: 'blocked.bin', mimeType: 'application/octet-stream', buffer: secretBytes }, firstKey);
    await ui.alert(/Uploaded 0 files to .*; 1 file failed \(see the list\)/);
    await seeText(uploadItem('blocked.bin'), /Failed\s*This bucket blocks SSE-C: uploads and copies with a customer key are refused\. .*turn off “Block SSE-C uploads”/);
    assert.doesNotMatch((await uploadItem('blocked.bin').textContent()) ?? '', /AccessDenied|Access denied/, 'the sentence, not the raw code');
    await ui.shot('02-upload-sse-c-blocked');
    await startUpload({ name: 'still-works.txt', mimeType: 'text/plain', buffer: Buffer.from('no customer key\n') });
    await ui.status(/Uploaded 1 file to/);
    await seeText(uploadItem('still-works.txt'), /Uploaded/);
    await seeText(ui.row('still-works.txt').getByRole('cell'), /^SSE-OBS$/);
    assert.equal(await ui.row('blocked.bin').count(), 0, 'the refused upload left no object');

    await setDefaultEncryption('SSE-OBS / SSE-S3 (AES256)', { blockSseC: false });
    await ui.status(new RegExp(`${bucket} is now SSE-OBS \\(AES256\\)\\.`));
    await ui.row(bucket).getByText('SSE-C blocked').waitFor({ state: 'detached' });
    await openBucket();
    await startUpload({ name: 'secret.bin', mimeType: 'application/octet-stream', buffer: secretBytes }, firstKey);
    await ui.status(/Uploaded 1 file to/);
    await seeText(ui.row('secret.bin').getByRole('cell'), /^SSE-C$/);

    await setDefaultEncryption('No default');
    await ui.status(new RegExp(`${bucket} is now None\\.`));
    await seeText(ui.row(bucket).getByRole('cell'), /^None$/);
    await page.getByRole('button', { name: `Encryption (${bucket})` }).click();
    assert.ok(await encryptionDialog(bucket).getByLabel('Block SSE-C uploads (customer-provided keys)').isDisabled(), 'without a default there is nothing to block SSE-C in');
    await page.keyboard.press('Escape');
  });

  await ui.step(t, 'an SSE-C object is copied to a new name re-encrypted with SSE-KMS: its key is asked for, and the copy’s badge is SSE-KMS', async () => {
    await openBucket();
    await openObject('secret.bin');
    await page.getByRole('button', { name: 'Copy or rename' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy or rename secret.bin' });
    await dialog.getByLabel('Target object name').fill('secret-kms.bin');
    await dialog.getByRole('radio', { name: 'SSE-KMS' }).check();
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await seeText(dialog.getByRole('alert'), /encrypted with a customer key \(SSE-C\): enter that key as the source key/);
    await dialog.getByLabel('Source customer key (SSE-C)').fill(randomBytes(32).toString('base64'));
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await seeText(dialog.getByRole('alert'), /customer key does not match/);
    await dialog.getByLabel('Source customer key (SSE-C)').fill(firstKey);
    await ui.shot('03-copy-dialog-sse-c-to-kms');
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await ui.status(new RegExp(`Copied to ${bucket}/secret-kms\\.bin\\.`));

    await openBucket();
    await seeText(ui.row('secret-kms.bin').getByRole('cell'), /^SSE-KMS/);
    await seeText(ui.row('secret.bin').getByRole('cell'), /^SSE-C$/);
    await openObject('secret-kms.bin');
    await seeText(details(), /SSE-KMS/);
    assert.equal(await page.getByRole('region', { name: 'Customer key (SSE-C)' }).count(), 0, 'the copy needs no customer key');
    assert.equal(sha256(await download('secret-kms.bin')), sha256(secretBytes), 'the copy holds the same bytes');
  });

  await ui.step(t, 'an SSE-C object is renamed under a newly generated customer key: the old name is gone, the new one opens with the new key only', async () => {
    await openBucket();
    await openObject('secret.bin');
    await checkCustomerKey(firstKey);
    await ui.status(/key matches/);
    await page.getByRole('button', { name: 'Copy or rename' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy or rename secret.bin' });
    await dialog.getByRole('radio', { name: /^Rename or move/ }).check();
    assert.equal(await dialog.getByLabel('Source customer key (SSE-C)').inputValue(), firstKey, 'the key checked on the screen is the source key');
    await dialog.getByLabel('Target object name').fill('renamed.bin');
    await dialog.getByRole('radio', { name: 'SSE-C (customer key)' }).check();
    await dialog.getByRole('button', { name: 'Generate a key' }).click();
    renameKey = await dialog.getByLabel('Generated customer key').inputValue();
    assert.equal(Buffer.from(renameKey, 'base64').length, 32, 'a new 32-byte key');
    assert.notEqual(renameKey, firstKey);
    await dialog.getByLabel('I have saved this key somewhere safe').check();
    await ui.shot('04-rename-dialog-new-customer-key');
    await dialog.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'renamed.bin' }).waitFor();
    await ui.status(new RegExp(`Renamed to ${bucket}/renamed\\.bin\\.`));

    await checkCustomerKey(firstKey);
    await ui.alert(/customer key does not match/);
    await page.getByRole('button', { name: 'Download' }).click();
    await seeText(page.getByRole('region', { name: 'Actions' }).getByRole('alert'), /customer key does not match/);
    await checkCustomerKey(renameKey);
    await ui.status(/key matches/);
    await seeText(details(), /SSE-C/);
    assert.equal(sha256(await download('renamed.bin')), sha256(secretBytes), 'the renamed object reads back with the new key');

    await openBucket();
    await ui.row('renamed.bin').waitFor();
    assert.equal(await ui.row('secret.bin').count(), 0, 'the old name is gone from the listing');
    await ui.goHash(`#/buckets/${bucket}/object?key=secret.bin`);
    await ui.alert(/The object does not exist \(it may have been deleted or renamed\)/);
  });

  await ui.step(t, 'an object is deleted after a confirm dialog (Cancel keeps it)', async () => {
    await openBucket();
    await openObject('renamed.bin');
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete renamed.bin?' });
    await seeText(dialog, new RegExp(`renamed\\.bin will be deleted from ${bucket}\\. This cannot be undone\\.`));
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('heading', { level: 1, name: 'renamed.bin' }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    await ui.shot('05-delete-object-dialog');
    await dialog.getByRole('button', { name: 'Delete object' }).click();
    await page.getByRole('heading', { level: 1, name: `Bucket ${bucket}` }).waitFor();
    await ui.status(new RegExp(`Deleted renamed\\.bin from ${bucket}\\.`));
    await ui.row('secret-kms.bin').waitFor();
    assert.equal(await ui.row('renamed.bin').count(), 0, 'the deleted object is not listed');
  });

  await ui.step(t, 'previews: a text object shows its text, a PNG shows as a decoded image', async () => {
    await openObject('hello.txt');
    await page.getByRole('button', { name: 'Preview' }).click();
    await seeText(page.getByRole('region', { name: 'Preview' }), literal(helloText.trim()));
    await openBucket();
    await openObject('pixel.png');
    await page.getByRole('button', { name: 'Preview' }).click();
    const image = page.getByRole('region', { name: 'Preview' }).getByRole('img', { name: 'Preview of pixel.png' });
    await image.waitFor();
    // Decoded once complete; a broken image completes too, with no natural size.
    const size = await image.evaluate(async (img: HTMLImageElement) => {
      if (!img.complete) await new Promise((settle) => ['load', 'error'].forEach((type) => img.addEventListener(type, settle, { once: true })));
      return [img.naturalWidth, img.naturalHeight];
    });
    assert.deepEqual(size, [32, 32], 'the browser decoded the 32×32 PNG');
    await ui.shot('06-preview-image');
  });

  await ui.step(t, `a folder of ${PAGED_FILES + 1} files uploads under its own name, and the listing pages 25 rows at a time`, async () => {
    const folder = join(ui.work, 'pages');
    await mkdir(join(folder, 'more'), { recursive: true });
    const names = Array.from({ length: PAGED_FILES }, (_, i) => `p-${String(i + 1).padStart(2, '0')}.txt`);
    await Promise.all(names.map((name) => writeFile(join(folder, name), `${name}\n`)));
    await writeFile(join(folder, 'more', 'last.txt'), 'the nested one\n');
    await openBucket();
    await page.getByRole('button', { name: 'Upload files' }).click();
    await uploadPanel().getByLabel('A whole folder').setInputFiles(folder);
    await seeText(uploadPanel().getByRole('list', { name: 'Files to upload' }), /pages\/more\/last\.txt/);
    await uploadPanel().getByRole('button', { name: `Start upload (${PAGED_FILES + 1} files)` }).click();
    await ui.status(new RegExp(`Uploaded ${PAGED_FILES + 1} files to ${bucket}/\\.`));
    await page.getByRole('button', { name: 'Hide upload' }).click();
    await ui.row('pages/').getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: `pages/ in ${bucket}` }).waitFor();

    await ui.row('p-27.txt').waitFor();
    await page.getByLabel('Rows per page').selectOption('25');
    // The 50-row page stays on screen until the 25-row one has loaded.
    await ui.row('p-25.txt').waitFor({ state: 'detached' });
    const pager = page.getByRole('navigation', { name: 'Pages' });
    const previous = pager.getByRole('button', { name: 'Previous page' });
    const next = pager.getByRole('button', { name: 'Next page' });
    await seeText(pager, /Page 1/);
    await ui.row('more/').waitFor();
    await ui.row('p-24.txt').waitFor();
    assert.equal(await page.getByRole('rowheader').count(), 25, 'the first page holds 25 rows (the folder and 24 files)');
    assert.equal(await ui.row('p-25.txt').count(), 0, 'the rest waits for the next page');
    assert.ok(await previous.isDisabled(), 'no page before the first');
    // An impatient double click turns one page, not two.
    await next.dblclick();
    await seeText(pager, /Page 2/);
    await ui.row('p-27.txt').waitFor();
    assert.deepEqual(await page.getByRole('rowheader').allTextContents(), ['p-25.txt', 'p-26.txt', 'p-27.txt']);
    assert.ok(await next.isDisabled(), 'no page after the last');
    await ui.shot('07-objects-page-2');
    await previous.click();
    await seeText(pager, /Page 1/);
    assert.ok(await previous.isDisabled(), 'one step back is the first page');
    await ui.row('p-01.txt').waitFor();
    assert.equal(await page.getByRole('rowheader').count(), 25);
    await ui.row('more/').getByRole('link').click();
    await seeText(ui.row('last.txt').getByRole('cell'), /^None$/);
  });

  await ui.step(t, 'a 20 MiB file goes multipart with SSE-C, its progress bar moves, and it downloads with the same size and hash', async () => {
    const largeFile = join(ui.work, 'large.bin');
    const largeBytes = randomBytes(LARGE_FILE_BYTES);
    await writeFile(largeFile, largeBytes);
    await openBucket();
    // Loopback is too fast to see a progress bar move: the upload is throttled to about 2 s.
    const network = await ui.context.newCDPSession(page);
    await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 10 * MiB });
    try {
      await startUpload(largeFile, largeFileKey);
      const bar = uploadItem('large.bin').getByRole('progressbar', { name: 'Upload progress of large.bin' });
      await seeText(uploadItem('large.bin'), /Uploading [1-9]\d?%/);
      const [value, max] = await bar.evaluate((el: HTMLProgressElement) => [el.value, el.max]);
      assert.ok(value! > 0 && value! < max!, `the bar shows part of the file sent (${value} of ${max})`);
      await ui.shot('08-multipart-upload-progress');
      await ui.status(/Uploaded 1 file to/);
    } finally {
      await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await network.detach();
    }
    await seeText(uploadItem('large.bin'), /Uploaded/);
    await seeText(ui.row('large.bin').getByRole('cell'), /^20 MiB$/);
    await seeText(ui.row('large.bin').getByRole('cell'), /-3$/);
    await seeText(ui.row('large.bin').getByRole('cell'), /^SSE-C$/);
    await openObject('large.bin');
    await checkCustomerKey(largeFileKey);
    await ui.status(/key matches/);
    await seeText(details(), new RegExp(`${LARGE_FILE_BYTES.toLocaleString('en-US')} bytes`));
    const downloaded = await download('large.bin');
    assert.equal(downloaded.length, LARGE_FILE_BYTES);
    assert.equal(sha256(downloaded), sha256(largeBytes), 'the downloaded bytes hash like the file uploaded');
  });

  await ui.step(t, 'a share link with a custom expiry downloads the object with a plain GET; an SSE-C object’s share dialog explains a link cannot open it', async () => {
    await openBucket();
    await openObject('hello.txt');
    await page.getByRole('button', { name: 'Share link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share hello.txt' });
    await dialog.getByRole('radio', { name: 'Custom' }).check();
    await dialog.getByLabel(/^Seconds/).fill('0');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await seeText(dialog.getByRole('alert'), /The validity in seconds must be a whole number from 1 to 604800\./);
    await dialog.getByLabel(/^Seconds/).fill('90');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await seeText(dialog.getByRole('status'), /Link created/);
    const url = await dialog.getByLabel('Signed link').inputValue();
    assert.match(url, /X-Amz-Expires=90(&|$)/);
    assert.doesNotMatch(url, literal(ui.server.secretKey), 'the link carries a signature, not the secret');
    await seeText(dialog, /Anyone with this link can download the object until/);
    await ui.shot('09-share-link-custom-expiry');
    const fetched = await plainGet(url);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.body.toString('utf8'), helloText);
    await dialog.getByRole('button', { name: 'Close' }).click();

    await openBucket();
    await openObject('large.bin');
    await page.getByRole('button', { name: 'Share link' }).click();
    const sseCDialog = page.getByRole('dialog', { name: 'Share large.bin' });
    await seeText(sseCDialog, /encrypted with a customer key \(SSE-C\)\. A link cannot carry the key, so opening it fails/);
    await ui.shot('10-share-sse-c');
    await sseCDialog.getByRole('button', { name: 'Create link' }).click();
    const refused = await plainGet(await sseCDialog.getByLabel('Signed link').inputValue());
    assert.equal(refused.status, 400, 'as the dialog says, the link cannot open an SSE-C object');
    await sseCDialog.getByRole('button', { name: 'Close' }).click();
  });

  await ui.step(t, 'a bucket with objects cannot be deleted (the sentence says why); an empty one is deleted after confirming', async () => {
    await createBucket(spareBucket);
    await page.getByRole('button', { name: `Delete (${bucket})` }).click();
    const refusal = page.getByRole('dialog', { name: `Delete bucket ${bucket}?` });
    await refusal.getByRole('button', { name: 'Delete bucket' }).click();
    await seeText(refusal.getByRole('alert'), /^The bucket is not empty: delete its objects first\.$/);
    await ui.shot('11-delete-bucket-not-empty');
    await refusal.getByRole('button', { name: 'Cancel' }).click();
    await ui.row(bucket).waitFor();

    await page.getByRole('button', { name: `Delete (${spareBucket})` }).click();
    const confirm = page.getByRole('dialog', { name: `Delete bucket ${spareBucket}?` });
    await seeText(confirm, /Only an empty bucket can be deleted/);
    await confirm.getByRole('button', { name: 'Delete bucket' }).click();
    await ui.status(new RegExp(`Bucket ${spareBucket} deleted\\.`));
    await ui.row(spareBucket).waitFor({ state: 'detached' });
    await ui.row(bucket).waitFor();
    assert.deepEqual(ui.pageErrors, [], 'no uncaught errors in the page');
  });
});
