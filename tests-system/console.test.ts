/**
 * System suite: the web console in a real browser — Debian's chromium driven by playwright-core —
 * against the real server on free ports, over HTTPS (SSE-C needs it; the certificate is
 * self-signed). One user's session, step by step, each step asserting what the user sees: sign
 * in with the keyboard, a KMS key, a bucket with SSE-KMS default, SSE-KMS and SSE-C uploads and
 * their badges, downloads with the right, wrong and missing customer key, rotation, the dashboard,
 * a narrow window, and no secret left in the URL or browser storage. Screenshots of each screen
 * at 1280×800 go to test-artifacts/console/.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { repoRoot, startTestServer, uniqueBucket, type TestServer } from '../tests/helpers/server.js';

const CHROMIUM = process.env['OBSCURA_CHROMIUM'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(repoRoot, 'test-artifacts', 'console');
const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 390, height: 844 };

let server: TestServer;
let work: string;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'obscura-console-'));
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });
  server = await startTestServer();
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport: WIDE,
    locale: 'en-GB',
  });
  context.setDefaultTimeout(15_000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(String(error)));
});

after(async () => {
  try {
    await context?.close();
  } finally {
    try {
      await server?.stop();
    } finally {
      await server?.cleanup();
      await rm(work, { recursive: true, force: true });
    }
  }
  process.stdout.write(`console screenshots: ${ARTIFACTS}\n`);
});

/** Steps run in order; once one fails the rest are skipped, so the first failure is the one reported. */
let failedStep: string | undefined;
function step(t: TestContext, name: string, body: () => Promise<void>): Promise<void> {
  return t.test(name, { skip: failedStep ? `an earlier step failed: ${failedStep}` : false }, async () => {
    try {
      await body();
    } catch (e) {
      failedStep = name;
      await page.screenshot({ path: join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => undefined);
      throw e;
    }
  });
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === el.ownerDocument.activeElement);
}

/** Waits until `locator` (a live region, a cell…) shows text matching `pattern`. */
async function seeText(locator: Locator, pattern: RegExp): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor({ state: 'visible' });
}

function status(pattern: RegExp): Promise<void> {
  return seeText(page.getByRole('status'), pattern);
}

function alert(pattern: RegExp): Promise<void> {
  return seeText(page.getByRole('alert'), pattern);
}

function row(name: string | RegExp): Locator {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
}

async function go(navLabel: 'Dashboard' | 'Buckets' | 'KMS keys'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: navLabel }).click();
  await page.getByRole('heading', { level: 1, name: navLabel }).waitFor();
}

/** The page does not scroll sideways: its content fits the viewport's width. */
async function assertNoHorizontalScroll(where: string): Promise<void> {
  const widths = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
  assert.ok(widths[0] <= widths[1], `${where}: the page scrolls sideways at ${NARROW.width} px (content ${widths[0]} px wide)`);
}

test('the web console in chromium: sign in, KMS key, SSE-KMS bucket, SSE-C upload and download, rotation, dashboard', async (t) => {
  const consoleUrl = `${server.httpsUrl}/console/`;
  const bucket = uniqueBucket('console');
  const alias = `alias/console-${randomBytes(3).toString('hex')}`;
  const plainText = `Hello from the console test, ${new Date().toISOString()}\n`;
  const secretBytes = randomBytes(300 * 1024 + 7);
  let customerKey = '';
  const otherKey = randomBytes(32).toString('base64');

  await step(t, 'sign-in is keyboard-only; a wrong secret gets a clear message', async () => {
    await page.goto(consoleUrl);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Obscura' }).waitFor();
    assert.equal(await page.getByLabel('Region').inputValue(), 'us-east-1', 'region comes from config.json');
    await shot('01-login');
    await page.keyboard.press('Tab');
    assert.ok(await isFocused(page.getByLabel('Access key')), 'Tab reaches the access key first');
    await page.keyboard.type(server.accessKey);
    await page.keyboard.press('Tab');
    assert.ok(await isFocused(page.getByLabel('Secret key')), 'then the secret key');
    await page.keyboard.type('not-the-secret');
    await page.keyboard.press('Enter');
    await alert(/access key or secret key is wrong/i);
    assert.ok(await isFocused(page.getByLabel('Secret key')), 'focus returns to the secret key');
    assert.equal(await page.getByLabel('Secret key').inputValue(), '', 'the wrong secret is cleared');
    await page.keyboard.type(server.secretKey);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.ok(await isFocused(page.getByRole('button', { name: 'Sign in' })), 'Region, then the Sign in button');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await status(new RegExp(`Signed in as ${server.accessKey}`));
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

  await step(t, 'a KMS key is created on the KMS screen, with an alias', async () => {
    await go('KMS keys');
    await page.getByLabel('Description').fill('Console system test');
    await page.getByLabel('Alias (optional)').fill(alias);
    await page.getByRole('button', { name: 'Create key' }).click();
    await status(new RegExp(`Key ${alias} created`));
    await seeText(row(new RegExp(alias)).getByRole('cell'), /Enabled/);
    await seeText(row(new RegExp(alias)).getByRole('cell'), /Console system test/);
  });

  await step(t, 'a bucket is created (a bad name is explained) and given SSE-KMS default encryption with that key', async () => {
    await go('Buckets');
    await page.getByLabel('Bucket name').fill('Photos_2024');
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await alert(/capital letters/);
    await page.getByLabel('Bucket name').fill(bucket);
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await status(new RegExp(`Bucket ${bucket} created`));
    await seeText(row(bucket).getByRole('cell'), /^None$/);
    await page.getByRole('button', { name: `Encryption (${bucket})` }).click();
    const dialog = page.getByRole('dialog', { name: `Default encryption of ${bucket}` });
    await dialog.getByRole('radio', { name: 'SSE-KMS' }).check();
    const picker = dialog.getByLabel('KMS key');
    await picker.selectOption({ label: (await picker.getByRole('option', { name: new RegExp(alias) }).textContent()) ?? '' });
    await shot('04-bucket-encryption-dialog');
    await dialog.getByRole('button', { name: 'Save encryption' }).click();
    await status(new RegExp(`${bucket} is now SSE-KMS · ${alias}`));
    await seeText(row(bucket).getByRole('cell'), new RegExp(`SSE-KMS · ${alias}`));
    await shot('03-buckets');
  });

  await step(t, 'a file is uploaded with the bucket default, and one with a customer key generated in the browser', async () => {
    await row(bucket).getByRole('link', { name: bucket }).click();
    await page.getByRole('heading', { level: 1, name: `Bucket ${bucket}` }).waitFor();
    await page.getByRole('button', { name: 'Upload files' }).click();
    const panel = page.getByRole('region', { name: new RegExp(`Upload to ${bucket}`) });
    await panel.getByLabel('Files', { exact: true }).setInputFiles({ name: 'plain.txt', mimeType: 'text/plain', buffer: Buffer.from(plainText) });
    await panel.getByRole('button', { name: 'Start upload (1 file)' }).click();
    await status(/Uploaded 1 file to/);

    const folder = join(work, 'docs');
    await mkdir(join(folder, 'notes'), { recursive: true });
    await writeFile(join(folder, 'readme.md'), '# docs\n');
    await writeFile(join(folder, 'notes', 'todo.txt'), 'nothing\n');
    await panel.getByLabel('A whole folder').setInputFiles(folder);
    await panel.getByRole('button', { name: 'Start upload (2 files)' }).click();
    await status(/Uploaded 2 files/);

    await panel.getByLabel('Files', { exact: true }).setInputFiles({ name: 'secret.bin', mimeType: 'application/octet-stream', buffer: secretBytes });
    await panel.getByRole('radio', { name: 'SSE-C (customer key)' }).check();
    await panel.getByRole('button', { name: 'Generate a key' }).click();
    customerKey = await panel.getByLabel('Generated customer key').inputValue();
    assert.equal(Buffer.from(customerKey, 'base64').length, 32, 'a 32-byte key, in base64');
    await seeText(panel, /cannot be read by anyone/);
    await panel.getByRole('button', { name: 'Start upload (1 file)' }).click();
    await seeText(panel.getByRole('alert'), /saved the generated customer key/);
    await panel.getByLabel('I have saved this key somewhere safe').check();
    await shot('06-upload-sse-c');
    await panel.getByRole('button', { name: 'Start upload (1 file)' }).click();
    await status(/Uploaded 1 file to/);
    await seeText(panel.getByRole('listitem'), /secret\.bin.*Uploaded/);
    assert.equal(await panel.getByLabel('Generated customer key').count(), 0, 'the generated key is shown only until the upload is done');
  });

  await step(t, 'the listing shows each object’s encryption badge and the folder', async () => {
    await page.getByRole('button', { name: 'Hide upload' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await seeText(row('secret.bin').getByRole('cell'), /^SSE-C$/);
    await seeText(row('plain.txt').getByRole('cell'), new RegExp(`SSE-KMS ${alias}`));
    await seeText(row('secret.bin').getByRole('cell'), /300 KiB/);
    await row('docs/').getByRole('link').waitFor();
    await shot('05-objects-badges');
    await row('docs/').getByRole('link').click();
    await seeText(row('readme.md').getByRole('cell'), new RegExp(`SSE-KMS ${alias}`));
    await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: bucket }).click();
    await row('secret.bin').waitFor();
  });

  await step(t, 'the SSE-C object: a missing key and a wrong key are explained, the right key downloads the same bytes', async () => {
    await row('secret.bin').getByRole('link', { name: 'secret.bin' }).click();
    await page.getByRole('heading', { level: 1, name: 'secret.bin' }).waitFor();
    await seeText(page.getByRole('region', { name: 'Customer key (SSE-C)' }), /encrypted with a customer key/);
    await page.getByRole('button', { name: 'Download' }).click();
    await alert(/encrypted with a customer key \(SSE-C\)\. Enter its key/);
    await page.getByLabel('Customer key', { exact: true }).fill(otherKey);
    await page.getByRole('button', { name: 'Download' }).click();
    await alert(/does not match/);
    await page.getByLabel('Customer key', { exact: true }).fill(customerKey);
    await page.getByRole('button', { name: 'Check key' }).click();
    await status(/key matches/);
    await seeText(page.getByRole('region', { name: 'Details' }), /SSE-C/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    assert.equal(download.suggestedFilename(), 'secret.bin');
    const path = await download.path();
    assert.ok(path, 'the download was saved');
    assert.ok(Buffer.compare(await readFile(path), secretBytes) === 0, 'downloaded bytes equal the uploaded file');
    await status(/Downloaded secret\.bin/);
    await shot('07-object-details');
  });

  await step(t, 'a text object previews in the page and shares as a signed link that opens', async () => {
    await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: bucket }).click();
    await row('plain.txt').getByRole('link', { name: 'plain.txt' }).click();
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

  await step(t, 'rotating the KMS key on demand and turning on automatic rotation show in the key table', async () => {
    await go('KMS keys');
    const key = row(new RegExp(alias));
    await seeText(key.getByRole('cell'), /^Off$/);
    await key.getByRole('button', { name: `Rotate now (${alias})` }).click();
    await status(new RegExp(`${alias} was rotated`));
    await seeText(key.getByRole('cell'), /last rotated .* \(on demand\), 1 rotation in all/);
    await key.getByRole('button', { name: `Rotation (${alias})` }).click();
    const dialog = page.getByRole('dialog', { name: `Rotation of ${alias}` });
    await dialog.getByLabel('Rotate automatically').check();
    await dialog.getByLabel(/Rotation period in days/).fill('180');
    await dialog.getByRole('button', { name: 'Save rotation' }).click();
    await status(/rotation .* is on, every 180 days/i);
    await seeText(key.getByRole('cell'), /On, every 180 days/);
    await seeText(key.getByRole('cell'), /next on/);
    await shot('08-kms-keys');
  });

  await step(t, 'the dashboard counts objects and bytes by encryption mode and shows request rates', async () => {
    await go('Dashboard');
    const cards = page.getByRole('list', { name: 'Objects by encryption mode' });
    await seeText(cards.getByRole('listitem').filter({ hasText: 'SSE-C' }), /1 object(?!s)/);
    await seeText(cards.getByRole('listitem').filter({ hasText: 'SSE-KMS' }), /3 objects/);
    await seeText(cards.getByRole('listitem').filter({ hasText: 'All modes' }), /4 objects/);
    await seeText(page.getByRole('list', { name: 'Request statistics' }).getByRole('listitem'), /Request rate/);
    await page.getByRole('img', { name: /Objects by encryption mode/ }).waitFor();
    await page.getByRole('img', { name: /Last 10 minutes/ }).waitFor();
    await shot('02-dashboard');
  });

  await step(t, `at ${NARROW.width}×${NARROW.height} no screen scrolls sideways`, async () => {
    await page.setViewportSize(NARROW);
    // Each screen with the content that shows it has loaded.
    const screens: Array<[string, string, () => Locator]> = [
      ['buckets', '#/buckets', () => row(bucket)],
      ['objects', `#/buckets/${bucket}`, () => row('secret.bin').getByRole('cell').filter({ hasText: 'SSE-C' })],
      ['object details', `#/buckets/${bucket}/object?key=secret.bin`, () => page.getByRole('region', { name: 'Customer key (SSE-C)' })],
      ['KMS keys', '#/kms', () => row(new RegExp(alias))],
      ['dashboard', '#/', () => page.getByRole('img', { name: /Objects by encryption mode/ })],
    ];
    for (const [name, hash, loaded] of screens) {
      // Only the hash changes: the page (and the session in its memory) stays.
      await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await loaded().waitFor();
      await assertNoHorizontalScroll(name);
      await page.screenshot({ path: join(ARTIFACTS, `narrow-${name.replace(/ /g, '-')}.png`), fullPage: true });
    }
    await page.evaluate(`location.hash = '#/buckets'`);
    await page.getByRole('button', { name: `Encryption (${bucket})` }).click();
    await page.getByRole('dialog').waitFor();
    await assertNoHorizontalScroll('bucket encryption dialog');
    await page.keyboard.press('Escape');
    await page.setViewportSize(WIDE);
  });

  await step(t, 'no secret is left in the URL, storage or cookies, and signing out returns to the sign-in screen', async () => {
    const secrets = [server.secretKey, customerKey, encodeURIComponent(customerKey)];
    const storage = (await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])')) as string;
    const cookies = JSON.stringify(await context!.cookies());
    for (const secret of secrets) {
      assert.ok(!page.url().includes(secret), 'the URL holds a secret');
      assert.ok(!storage.includes(secret), 'localStorage or sessionStorage holds a secret');
      assert.ok(!cookies.includes(secret), 'a cookie holds a secret');
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Obscura' }).waitFor();
    await status(/signed out/i);
    const html = (await page.evaluate('document.documentElement.outerHTML')) as string;
    for (const secret of secrets) assert.ok(!html.includes(secret), 'the page still shows a secret after signing out');
    await page.setViewportSize(NARROW);
    await assertNoHorizontalScroll('sign-in');
    await page.setViewportSize(WIDE);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
