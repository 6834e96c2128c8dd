// Chromium for the end-to-end tests, through playwright-core and Debian's /usr/bin/chromium (no browser
// download): headless, no sandbox (containers), nothing that reaches the network on its own, and a fresh
// profile per launch (Playwright's temporary user-data dir) with a fresh context, so no test sees another's
// storage. SIPDESK_CHROMIUM overrides the browser's path.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.SIPDESK_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors so far (a page that throws is a failed test). */
  pageErrors(): readonly string[];
  close(): Promise<void>;
}

/** Why a browser test cannot run here, or undefined when it can (tests skip with this reason). */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH} (Debian package chromium, or set SIPDESK_CHROMIUM)`;
}

/**
 * A synthetic microphone (Chromium's fake capture device: a short full-scale beep twice a second) granted
 * without a permission prompt: pass as `extraArgs` to test the page's getUserMedia.
 */
export const FAKE_MICROPHONE_ARGS: readonly string[] = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

export async function launchBrowser(viewport = { width: 1800, height: 1100 }, extraArgs: readonly string[] = []): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 30_000 });
  try {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    });
    return {
      browser,
      context,
      page,
      pageErrors: () => errors,
      close: async () => {
        await context.close().catch(() => undefined);
        await browser.close();
      },
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
