/**
 * System suite: the web console in a real browser — Debian's chromium driven by playwright-core —
 * against the real server on free ports, over HTTPS (SSE-C needs it; the certificate is
 * self-signed). One user's session, step by step, each step asserting what the user sees: sign
 * in with the keyboard, a KMS key, a bucket with SSE-KMS default, SSE-KMS and SSE-C uploads and
 * their badges, downloads with the right, wrong and missing customer key, rotation, the dashboard,
 * a narrow window, and no secret left in the URL or browser storage. Screenshots of each screen
 * at 1280×800 go to test-artifacts/console/session/; the start-up and the step helpers are in
 * helpers/console-harness.ts, shared with console-objects.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { uniqueBucket } from '../tests/helpers/server.js';
import { ConsoleHarness, NARROW, seeText, WIDE } from './helpers/console-harness.js';

const ui = new ConsoleHarness('session');
before(() => ui.start());
after(() => ui.stop());

async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === el.ownerDocument.activeElement);
}

/** The page does not scroll sideways: its content fits the viewport's width. */
async function assertNoHorizontalScroll(where: string): Promise<void> {
  const widths = (await ui.page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
  assert.ok(widths[0] <= widths[1], `${where}: the page scrolls sideways at ${NARROW.width} px (content ${widths[0]} px wide)`);
}

test('the web console in chromium: sign in, KMS key, SSE-KMS bucket, SSE-C upload and download, rotation, dashboard', async (t) => {
  const { page, server, consoleUrl } = ui;
  const bucket = uniqueBucket('console');
  const alias = `alias/console-${randomBytes(3).toString('hex')}`;
  const plainText = `Hello from the console test, ${new Date().toISOString()}\n`;
  const secretBytes = randomBytes(300 * 1024 + 7);
  let customerKey = '';
  const otherKey = randomBytes(32).toString('base64');

  await ui.step(t, 'sign-in is keyboard-only; a wrong secret gets a clear message', async () => {
    await page.goto(consoleUrl);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Obscura' }).waitFor();
    assert.equal(await page.getByLabel('Region').inputValue(), 'us-east-1', 'region comes from config.json');
    await ui.shot('01-login');
    await page.keyboard.press('Tab');
    assert.ok(await isFocused(page.getByLabel('Access key')), 'Tab reaches the access key first');
    await page.keyboard.type(server.accessKey);
    await page.keyboard.press('Tab');
    assert.ok(await isFocused(page.getByLabel('Secret key')), 'then the secret key');
    await page.keyboard.type('not-the-secret');
    await page.keyboard.press('Enter');
    await ui.alert(/access key or secret key is wrong/i);
    assert.ok(await isFocused(page.getByLabel('Secret key')), 'focus returns to the secret key');
    assert.equal(await page.getByLabel('Secret key').inputValue(), '', 'the wrong secret is cleared');
    await page.keyboard.type(server.secretKey);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.ok(await isFocused(page.getByRole('button', { name: 'Sign in' })), 'Region, then the Sign in button');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await ui.status(new RegExp(`Signed in as ${server.accessKey}`));
    assert.ok(await isFocused(page.getByRole('heading', { level: 1, name: 'Dashboard' })), 'focus lands on the new screen’s heading');
    // The skip link is the first focusable element of a signed-in page and moves focus to the content.
    const firstFocusable = (await page.evaluate(`document.querySelector('a[href], button, input, select, textarea')?.textContent`)) as string | undefined;
    assert.equal(firstFocusable, 'Skip to main content');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    await skip.focus();
    assert.ok(((await skip.boundingBox())?.y ?? -1) >= 0, 'the focused skip link is on screen');
    await page.keyboard.press('Enter');
    assert.ok(await isFocused(page.getByRole('main')), 'the skip link moves focus to <main>');
  });

  await ui.step(t, 'a KMS key is created on the KMS screen, with an alias', async () => {
    await ui.go('KMS keys');
    await page.getByLabel('Description').fill('Console system test');
    await page.getByLabel('Alias (optional)').fill(alias);
    await page.getByRole('button', { name: 'Create key' }).click();
    await ui.status(new RegExp(`Key ${alias} created`));
    await seeText(ui.row(new RegExp(alias)).getByRole('cell'), /Enabled/);
    await seeText(ui.row(new RegExp(alias)).getByRole('cell'), /Console system test/);
  });

  await ui.step(t, 'a bucket is created (a bad name is explained) and given SSE-KMS default encryption with that key', async () => {
    await ui.go('Buckets');
    await page.getByLabel('Bucket name').fill('Photos_2024');
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await ui.alert(/capital letters/);
    await page.getByLabel('Bucket name').fill(bucket);
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await ui.status(new RegExp(`Bucket ${bucket} created`));
    await seeText(ui.row(bucket).getByRole('cell'), /^None$/);
    await page.getByRole('button', { name: `Encryption (${bucket})` }).click();
    const dialog = page.getByRole('dialog', { name: `Default encryption of ${bucket}` });
    await dialog.getByRole('radio', { name: 'SSE-KMS' }).check();
    const picker = dialog.getByLabel('KMS key');
    await picker.selectOption({ label: (await picker.getByRole('option', { name: new RegExp(alias) }).textContent()) ?? '' });
    await ui.shot('04-bucket-encryption-dialog');
    await dialog.getByRole('button', { name: 'Save encryption' }).click();
    await ui.status(new RegExp(`${bucket} is now SSE-KMS · ${alias}`));
    await seeText(ui.row(bucket).getByRole('cell'), new RegExp(`SSE-KMS · ${alias}`));
    await ui.shot('03-buckets');
  });

  await ui.step(t, 'a file is uploaded with the bucket default, and one with a customer key generated in the browser', async () => {
    await ui.row(bucket).getByRole('link', { name: bucket }).click();
    await page.getByRole('heading', { level: 1, name: `Bucket ${bucket}` }).waitFor();
    await page.getByRole('button', { name: 'Upload files' }).click();
    const panel = page.getByRole('region', { name: new RegExp(`Upload to ${bucket}`) });
    await panel.getByLabel('Files', { exact: true }).setInputFiles({ name: 'plain.txt', mimeType: 'text/plain', buffer: Buffer.from(plainText) });
    await panel.getByRole('button', { name: 'Start upload (1 file)' }).click();
    await ui.status(/Uploaded 1 file to/);

    const folder = join(ui.work, 'docs');
    await mkdir(join(folder, 'notes'), { recursive: true });
    await writeFile(join(folder, 'readme.md'), '# docs\n');
    await writeFile(join(folder, 'notes', 'todo.txt'), 'nothing\n');
    await panel.getByLabel('A whole folder').setInputFiles(folder);
    await panel.getByRole('button', { name: 'Start upload (2 files)' }).click();
    await ui.status(/Uploaded 2 files/);

    await panel.getByLabel('Files', { exact: true }).setInputFiles({ name: 'secret.bin', mimeType: 'application/octet-stream', buffer: secretBytes });
    await panel.getByRole('radio', { name: 'SSE-C (customer key)' }).check();
    await panel.getByRole('button', { name: 'Generate a key' }).click();
    customerKey = await panel.getByLabel('Generated customer key').inputValue();
    assert.equal(Buffer.from(customerKey, 'base64').length, 32, 'a 32-byte key, in base64');
    await seeText(panel, /cannot be read by anyone/);
    await panel.getByRole('button', { name: 'Start upload (1 file)' }).click();
    await seeText(panel.getByRole('alert'), /saved the generated customer key/);
    await panel.getByLabel('I have saved this key somewhere safe').check();
    await ui.shot('06-upload-sse-c');
    await panel.getByRole('button', { name: 'Start upload (1 file)' }).click();
    await ui.status(/Uploaded 1 file to/);
    await seeText(panel.getByRole('listitem'), /secret\.bin.*Uploaded/);
    assert.equal(await panel.getByLabel('Generated customer key').count(), 0, 'the generated key is shown only until the upload is done');
  });

  await ui.step(t, 'the listing shows each object’s encryption badge and the folder', async () => {
    await page.getByRole('button', { name: 'Hide upload' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await seeText(ui.row('secret.bin').getByRole('cell'), /^SSE-C$/);
    await seeText(ui.row('plain.txt').getByRole('cell'), new RegExp(`SSE-KMS ${alias}`));
    await seeText(ui.row('secret.bin').getByRole('cell'), /300 KiB/);
    await ui.row('docs/').getByRole('link').waitFor();
    await ui.shot('05-objects-badges');
    await ui.row('docs/').getByRole('link').click();
    await seeText(ui.row('readme.md').getByRole('cell'), new RegExp(`SSE-KMS ${alias}`));
    await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: bucket }).click();
    await ui.row('secret.bin').waitFor();
  });

  await ui.step(t, 'the SSE-C object: a missing key and a wrong key are explained, the right key downloads the same bytes', async () => {
    await ui.row('secret.bin').getByRole('link', { name: 'secret.bin' }).click();
    await page.getByRole('heading', { level: 1, name: 'secret.bin' }).waitFor();
    await seeText(page.getByRole('region', { name: 'Customer key (SSE-C)' }), /encrypted with a customer key/);
    await page.getByRole('button', { name: 'Download' }).click();
    await ui.alert(/encrypted with a customer key \(SSE-C\)\. Enter its key/);
    await page.getByLabel('Customer key', { exact: true }).fill(otherKey);
    await page.getByRole('button', { name: 'Download' }).click();
    await ui.alert(/does not match/);
    await page.getByLabel('Customer key', { exact: true }).fill(customerKey);
    await page.getByRole('button', { name: 'Check key' }).click();
    await ui.status(/key matches/);
    await seeText(page.getByRole('region', { name: 'Details' }), /SSE-C/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    assert.equal(download.suggestedFilename(), 'secret.bin');
    const path = await download.path();
    assert.ok(path, 'the download was saved');
    assert.ok(Buffer.compare(await readFile(path), secretBytes) === 0, 'downloaded bytes equal the uploaded file');
    await ui.status(/Downloaded secret\.bin/);
    await ui.shot('07-object-details');
  });

  await ui.step(t, 'a text object previews in the page and shares as a signed link that opens', async () => {
    await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: bucket }).click();
    await ui.row('plain.txt').getByRole('link', { name: 'plain.txt' }).click();
    await seeText(page.getByRole('region', { name: 'Details' }), new RegExp(`SSE-KMS ${alias}`));
    await page.getByRole('button', { name: 'Preview' }).click();
    await seeText(page.getByRole('region', { name: 'Preview' }), /Hello from the console test/);
    await page.getByRole('button', { name: 'Share link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share plain.txt' });
    await dialog.getByRole('radio', { name: '1 day' }).check();
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const url = await dialog.getByLabel('Signed link').inputValue();
    assert.match(url, /X-Amz-Expires=86400/);
    const fetched = await page.request.get(url);
    assert.equal(fetched.status(), 200);
    assert.equal(await fetched.text(), plainText);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await isFocused(page.getByRole('button', { name: 'Share link' })), 'Escape closes the dialog and focus returns to its button');
  });

  await ui.step(t, 'rotating the KMS key on demand and turning on automatic rotation show in the key table', async () => {
    await ui.go('KMS keys');
    const key = ui.row(new RegExp(alias));
    await seeText(key.getByRole('cell'), /^Off$/);
    await key.getByRole('button', { name: `Rotate now (${alias})` }).click();
    await ui.status(new RegExp(`${alias} was rotated`));
    await seeText(key.getByRole('cell'), /last rotated .* \(on demand\), 1 rotation in all/);
    await key.getByRole('button', { name: `Rotation (${alias})` }).click();
    const dialog = page.getByRole('dialog', { name: `Rotation of ${alias}` });
    await dialog.getByLabel('Rotate automatically').check();
    await dialog.getByLabel(/Rotation period in days/).fill('180');
    await dialog.getByRole('button', { name: 'Save rotation' }).click();
    await ui.status(/rotation .* is on, every 180 days/i);
    await seeText(key.getByRole('cell'), /On, every 180 days/);
    await seeText(key.getByRole('cell'), /next on/);
    await ui.shot('08-kms-keys');
  });

  await ui.step(t, 'the dashboard counts objects and bytes by encryption mode and shows request rates', async () => {
    await ui.go('Dashboard');
    const cards = page.getByRole('list', { name: 'Objects by encryption mode' });
    await seeText(cards.getByRole('listitem').filter({ hasText: 'SSE-C' }), /1 object(?!s)/);
    await seeText(cards.getByRole('listitem').filter({ hasText: 'SSE-KMS' }), /3 objects/);
    await seeText(cards.getByRole('listitem').filter({ hasText: 'All modes' }), /4 objects/);
    await seeText(page.getByRole('list', { name: 'Request statistics' }).getByRole('listitem'), /Request rate/);
    await page.getByRole('img', { name: /Objects by encryption mode/ }).waitFor();
    await page.getByRole('img', { name: /Last 10 minutes/ }).waitFor();
    await ui.shot('02-dashboard');
  });

  await ui.step(t, `at ${NARROW.width}×${NARROW.height} no screen scrolls sideways`, async () => {
    await page.setViewportSize(NARROW);
    // Each screen with the content that shows it has loaded.
    const screens: Array<[string, string, () => Locator]> = [
      ['buckets', '#/buckets', () => ui.row(bucket)],
      ['objects', `#/buckets/${bucket}`, () => ui.row('secret.bin').getByRole('cell').filter({ hasText: 'SSE-C' })],
      ['object details', `#/buckets/${bucket}/object?key=secret.bin`, () => page.getByRole('region', { name: 'Customer key (SSE-C)' })],
      ['KMS keys', '#/kms', () => ui.row(new RegExp(alias))],
      ['dashboard', '#/', () => page.getByRole('img', { name: /Objects by encryption mode/ })],
    ];
    for (const [name, hash, loaded] of screens) {
      // Only the hash changes: the page (and the session in its memory) stays.
      await ui.goHash(hash);
      await loaded().waitFor();
      await assertNoHorizontalScroll(name);
      await ui.shot(`narrow-${name.replace(/ /g, '-')}`);
    }
    await ui.goHash('#/buckets');
    await page.getByRole('button', { name: `Encryption (${bucket})` }).click();
    await page.getByRole('dialog').waitFor();
    await assertNoHorizontalScroll('bucket encryption dialog');
    await page.keyboard.press('Escape');
    await page.setViewportSize(WIDE);
  });

  await ui.step(t, 'no secret is left in the URL, storage or cookies, and signing out returns to the sign-in screen', async () => {
    const secrets = [server.secretKey, customerKey, encodeURIComponent(customerKey)];
    const storage = (await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])')) as string;
    const cookies = JSON.stringify(await ui.context.cookies());
    for (const secret of secrets) {
      assert.ok(!page.url().includes(secret), 'the URL holds a secret');
      assert.ok(!storage.includes(secret), 'localStorage or sessionStorage holds a secret');
      assert.ok(!cookies.includes(secret), 'a cookie holds a secret');
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Obscura' }).waitFor();
    await ui.status(/signed out/i);
    const html = (await page.evaluate('document.documentElement.outerHTML')) as string;
    for (const secret of secrets) assert.ok(!html.includes(secret), 'the page still shows a secret after signing out');
    await page.setViewportSize(NARROW);
    await assertNoHorizontalScroll('sign-in');
    await page.setViewportSize(WIDE);
    assert.deepEqual(ui.pageErrors, [], 'no uncaught errors in the page');
  });
});
