/**
 * Debian's chromium driven by playwright-core, for the UI end-to-end tests. Always the system
 * binary (never `npx playwright install`), a fresh profile in a temp folder, and flags that keep
 * it from calling home: with them, the only traffic is to the loopback pages under test.
 *
 * @example
 * const browser = await launchBrowser()
 * t.after(() => browser.close())
 * const page = await browser.newPage({ width: 1280, height: 900 })
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export const DESKTOP = { width: 1280, height: 900 }
export const PHONE = { width: 375, height: 812 }

export interface TestBrowser {
  context: BrowserContext
  /** Uncaught errors thrown by page scripts (islands); a test asserts this stays empty. */
  errors: string[]
  newPage(viewport?: { width: number; height: number }): Promise<Page>
  /** Closes chromium and removes its profile; safe to call twice. */
  close(): Promise<void>
}

export async function launchBrowser(
  opts: { colorScheme?: 'light' | 'dark' } = {},
): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'ui-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    colorScheme: opts.colorScheme ?? 'light',
    viewport: DESKTOP,
    acceptDownloads: true,
  })
  let closing: Promise<void> | undefined
  const errors: string[] = []
  return {
    context,
    errors,
    async newPage(viewport = DESKTOP) {
      const page = await context.newPage()
      await page.setViewportSize(viewport)
      page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`))
      return page
    },
    close() {
      closing ??= (async () => {
        await context.close().catch(() => {})
        await rm(profile, { recursive: true, force: true })
      })()
      return closing
    },
  }
}

/** Opens a panel page and waits until every island on it has hydrated (`body.ready`). */
export async function openHydrated(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.waitForSelector('body.ready', { state: 'attached' })
}
