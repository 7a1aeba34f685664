/** What the browser suites share: Chromium's path, the screenshots folder, the axe-core check. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const ROOT = join(import.meta.dirname, '..', '..');
export const OUT = join(ROOT, 'test-results');
export const CHROMIUM = process.env.BATID_CHROMIUM ?? '/usr/bin/chromium';
/** Debian's Chromium, headless, with the flags of the project's guide (never a downloaded browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown }[];
}

/**
 * Waits until `locator` matches exactly `n` elements, polling from the test. (`page.waitForFunction`
 * polls by evaluating in the page, which our CSP — script-src 'self', no eval — refuses as soon as
 * the first check is not already true.)
 */
export async function waitForCount(locator: Locator, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = await locator.count();
  while (seen !== n) {
    if (Date.now() > deadline)
      throw new Error(`expected ${n} elements for ${String(locator)}, still ${seen}`);
    await new Promise((r) => setTimeout(r, 50));
    seen = await locator.count();
  }
}

/**
 * axe-core on the page as it is: no serious or critical violation allowed. Evaluated through the
 * devtools protocol, so the page keeps its CSP (script-src 'self') while the test runs.
 */
export async function checkA11y(page: Page, name: string): Promise<void> {
  await page.evaluate(await readFile(AXE, 'utf8'));
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`,
  )) as AxeViolation[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map(
      (v) => `${v.impact} ${v.id}: ${v.help} — ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`,
    ),
    [],
    `axe-core on ${name}`,
  );
}
