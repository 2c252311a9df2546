/**
 * What every web console system suite shares: the real server on free ports (HTTPS, self-signed)
 * and Debian's chromium driven by playwright-core, started before a suite and stopped after it
 * even when a step failed (the browser closed, the server stopped by its pid, temp dirs removed);
 * steps that stop at the first failure with a screenshot of it; and the few ways a step looks at
 * the page: the live region, a table row, the main navigation. Screenshots are 1280×800 pages in
 * test-artifacts/console/<suite>/. It must not know any screen's content beyond those landmarks.
 */
import type { TestContext } from 'node:test';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { repoRoot, startTestServer, type TestServer } from '../../tests/helpers/server.js';

const CHROMIUM = process.env['OBSCURA_CHROMIUM'] ?? '/usr/bin/chromium';
export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 390, height: 844 };

/** Waits until `locator` (a live region, a cell…) shows text matching `pattern`. */
export async function seeText(locator: Locator, pattern: RegExp): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor({ state: 'visible' });
}

export class ConsoleHarness {
  /** Uncaught errors thrown in the page so far. */
  readonly pageErrors: string[] = [];
  readonly artifacts: string;
  private started: { server: TestServer; work: string; context?: BrowserContext; page?: Page } | undefined;
  /** The first failed step; the later ones are skipped so it is the one reported. */
  private failedStep: string | undefined;

  constructor(readonly suite: string) {
    this.artifacts = join(repoRoot, 'test-artifacts', 'console', suite);
  }

  get server(): TestServer {
    return this.state().server;
  }
  /** A temp directory for files the suite writes (removed by stop()). */
  get work(): string {
    return this.state().work;
  }
  get context(): BrowserContext {
    return this.state().context ?? this.notStarted();
  }
  get page(): Page {
    return this.state().page ?? this.notStarted();
  }
  get consoleUrl(): string {
    return `${this.server.httpsUrl}/console/`;
  }

  /** For before(): the server, then chromium with a fresh profile at 1280×800. */
  async start(): Promise<void> {
    await rm(this.artifacts, { recursive: true, force: true });
    await mkdir(this.artifacts, { recursive: true });
    const work = await mkdtemp(join(tmpdir(), `obscura-console-${this.suite}-`));
    const server = await startTestServer().catch(async (e: unknown) => {
      await rm(work, { recursive: true, force: true });
      throw e;
    });
    this.started = { server, work };
    this.started.context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      ignoreHTTPSErrors: true,
      acceptDownloads: true,
      viewport: WIDE,
      locale: 'en-GB',
    });
    this.started.context.setDefaultTimeout(15_000);
    const page = this.started.context.pages()[0] ?? (await this.started.context.newPage());
    page.on('pageerror', (error) => this.pageErrors.push(String(error)));
    this.started.page = page;
  }

  /** For after(): closes the browser, stops the server by its pid and removes the temp dirs, whatever failed before. */
  async stop(): Promise<void> {
    const started = this.started;
    this.started = undefined;
    if (!started) return;
    try {
      await started.context?.close();
    } finally {
      try {
        await started.server.stop();
      } finally {
        await started.server.cleanup();
        await rm(started.work, { recursive: true, force: true });
      }
    }
    process.stdout.write(`console screenshots: ${this.artifacts}\n`);
  }

  /** A subtest run in order; once one fails the rest are skipped, and the page at the failure is saved as failure.png. */
  step(t: TestContext, name: string, body: () => Promise<void>): Promise<void> {
    return t.test(name, { skip: this.failedStep ? `an earlier step failed: ${this.failedStep}` : false }, async () => {
      try {
        await body();
      } catch (e) {
        this.failedStep = name;
        await this.started?.page?.screenshot({ path: join(this.artifacts, 'failure.png'), fullPage: true }).catch(() => undefined);
        throw e;
      }
    });
  }

  async shot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(this.artifacts, `${name}.png`), fullPage: true });
  }

  /** The page-wide live region shows a result matching `pattern`. */
  status(pattern: RegExp): Promise<void> {
    return seeText(this.page.getByRole('status'), pattern);
  }

  /** An error (the live region's or a form's) matching `pattern` is shown. */
  alert(pattern: RegExp): Promise<void> {
    return seeText(this.page.getByRole('alert'), pattern);
  }

  /** The table row whose row header is `name`. */
  row(name: string | RegExp): Locator {
    return this.page.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name }) });
  }

  async go(navLabel: 'Dashboard' | 'Buckets' | 'KMS keys'): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: navLabel }).click();
    await this.page.getByRole('heading', { level: 1, name: navLabel }).waitFor();
  }

  /** Opens the console and signs in with the server's credentials (console.test.ts proves the form itself). */
  async signIn(): Promise<void> {
    await this.page.goto(this.consoleUrl);
    await this.page.getByLabel('Access key').fill(this.server.accessKey);
    await this.page.getByLabel('Secret key').fill(this.server.secretKey);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  }

  /** Moves to a screen by changing only the hash: the page, and the session in its memory, stay. */
  async goHash(hash: string): Promise<void> {
    await this.page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  }

  private state(): NonNullable<ConsoleHarness['started']> {
    return this.started ?? this.notStarted();
  }

  private notStarted(): never {
    throw new Error(`the ${this.suite} console harness is not started (call start() in before())`);
  }
}
