// What the browser tests share: the built site served on 127.0.0.1 (cross-origin
// isolated, as vite.config.ts serves it; /plain/... without the headers), one headless
// Debian Chromium per test file, and the checks every view must pass (no page-level
// horizontal scroll, every control labelled and tappable, every control reachable by Tab).
// The site is built once for all test files by test/global-setup.ts.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HeadlessChromium, launchChromium, type LocalServer, type Page, serveDirectory, serveLocally } from '@attn/chromium-testing';
import { expect } from 'vitest';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from '../vite.config';

export type { Page };

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const dist = join(root, 'dist');
/** Screenshots for review (git-ignored). */
export const output = join(root, 'test', 'output');

let server: LocalServer;
let browser: HeadlessChromium;

/** Serves dist/ and launches Chromium (beforeAll of a test file); `extraArgs` are added to Chromium's flags. */
export async function startSite(extraArgs: readonly string[] = []): Promise<void> {
  const files = serveDirectory(dist);
  server = await serveLocally((pathname) => {
    if (pathname.startsWith('/plain/')) return files(pathname.slice('/plain'.length));
    const file = files(pathname);
    return file && { ...file, headers: CROSS_ORIGIN_ISOLATION_HEADERS };
  });
  mkdirSync(output, { recursive: true });
  browser = await launchChromium({ name: 'demo-e2e', extraArgs });
}

/** Closes the browser and the server (afterAll). */
export async function closeSite(): Promise<void> {
  await browser?.close();
  await server?.close();
}

/** The browser of this test file (for the tests that look at its processes). */
export function currentBrowser(): HeadlessChromium {
  return browser;
}

/** A fresh tab at this size, recording console errors. */
export async function openPage(width: number, height: number, path = '/'): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height });
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${server.origin}${path}`);
  await page.waitForFunction(() => document.getElementById('engine-badge')?.dataset.engine);
  return { page, errors };
}

/** The two window sizes every view is checked at: a laptop and a phone. */
export const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

export const text = (page: Page, selector: string) => page.locator(selector).textContent().then((t) => t ?? '');
export const attr = (page: Page, selector: string, name: string) => page.locator(selector).getAttribute(name);

/** No sideways scrolling of the page itself. */
export async function expectNoPageScroll(page: Page): Promise<void> {
  const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

/**
 * Every visible control of the open view has a label, and a tap at its centre
 * lands on it (no heatmap cell or other box covers it).
 */
export async function expectControlsLabelledAndTappable(page: Page): Promise<void> {
  const problems = await page.evaluate(() => {
    const out: string[] = [];
    const controls = [...document.querySelectorAll<HTMLElement>('input, select, textarea, button')].filter((c) => c.getClientRects().length > 0);
    for (const control of controls) {
      const labelled =
        (control as HTMLInputElement).labels?.length ||
        control.getAttribute('aria-label') ||
        control.getAttribute('aria-labelledby') ||
        (control.tagName === 'BUTTON' && control.textContent?.trim());
      const id = control.id || `${control.tagName.toLowerCase()}[${control.getAttribute('name') ?? ''}=${(control as HTMLInputElement).value ?? ''}]`;
      if (!labelled) out.push(`${id} has no label`);
      control.scrollIntoView({ block: 'center', inline: 'center' });
      const box = control.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      const label = hit?.closest('label');
      if (!(hit && (control === hit || control.contains(hit) || (label && (label.control === control || label.contains(control)))))) {
        out.push(`a tap on ${id} lands on ${hit ? `${hit.tagName.toLowerCase()}.${(hit as HTMLElement).className}` : 'nothing'}`);
      }
    }
    return out;
  });
  expect(problems).toEqual([]);
}

/** Tab from the top visits every enabled control of the page (radio groups and the tab list count once). */
export async function expectKeyboardReachable(page: Page): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.evaluate(() => window.scrollTo(0, 0));
  const expected = await page.evaluate(() => {
    const all = [...document.querySelectorAll<HTMLElement>('input, select, textarea, button')].filter(
      (c) => c.getClientRects().length > 0 && !(c as HTMLButtonElement).disabled,
    );
    // a radio group and the tab list are one stop each (arrow keys move inside)
    const stops = all.filter((c) => !((c as HTMLInputElement).type === 'radio' && !(c as HTMLInputElement).checked) && !(c.getAttribute('role') === 'tab' && c.getAttribute('aria-selected') !== 'true'));
    return stops.map((c, i) => (c.dataset.kbd = String(i)));
  });
  const seen = new Set<string>();
  for (let i = 0; i < expected.length + 8; i++) {
    await page.keyboard.press('Tab');
    const k = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.kbd ?? null);
    if (k !== null) seen.add(k);
  }
  expect([...expected].filter((k) => !seen.has(k))).toEqual([]);
}

export async function showView(page: Page, view: string): Promise<void> {
  await page.click(`#tab-${view}`);
  await expect.poll(() => page.locator(`#view-${view}`).isVisible()).toBe(true);
}

/** The view passes the layout checks (page scroll, labels, taps). */
export async function checkView(page: Page, view: string): Promise<void> {
  await showView(page, view);
  await expectNoPageScroll(page);
  await expectControlsLabelledAndTappable(page);
  await expectNoPageScroll(page);
  // The tap check scrolled every control into view, the tab row included: show the view again,
  // as a user who chose it sees it (its tab in sight), for the screenshot that follows.
  await showView(page, view);
}

/** Waits until the page says the model has trained `steps` steps in total (set when a run ends). */
export async function trainedFor(page: Page, steps: number): Promise<void> {
  await expect.poll(() => attr(page, '#train-status', 'data-steps'), { timeout: 120_000 }).toBe(String(steps));
}


/**
 * Starts watching a run's controls: the returned check says whether, at some moment before it is
 * called, `stop` was enabled while `field` was disabled. A MutationObserver sees every state the
 * page passed through, so a run that ends before a poll could look (a few steps on a fast machine)
 * is still checked.
 */
export async function watchRunControls(page: Page, stop: string, field: string): Promise<() => Promise<boolean>> {
  const key = `__watch_${stop.replace(/\W/g, '')}`;
  await page.evaluate(
    ([stopSelector, fieldSelector, flag]) => {
      const stopButton = document.querySelector(stopSelector) as HTMLButtonElement;
      const input = document.querySelector(fieldSelector) as HTMLInputElement;
      const store = window as unknown as Record<string, boolean>;
      store[flag] = false;
      const look = () => {
        if (!stopButton.disabled && input.disabled) store[flag] = true;
      };
      new MutationObserver(look).observe(document.body, { attributes: true, subtree: true, attributeFilter: ['disabled'] });
    },
    [stop, field, key] as const,
  );
  return () => page.evaluate((flag) => (window as unknown as Record<string, boolean>)[flag] === true, key);
}
