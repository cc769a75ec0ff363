/**
 * The API docs page in chromium: both services' /docs read as a page (title, one link per route,
 * links that jump to their route), in light and dark, and load nothing from anywhere else.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { OpenApiDocument } from '../../lib/contract/openapi.ts'
import { launchBrowser } from '../helpers/browser.ts'
import { startCollector } from '../helpers/collector-process.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

test('both services show their API docs page, in light and dark, with nothing loaded from elsewhere', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const collector = await startCollector()
  t.after(() => collector.close())
  const backgrounds: string[] = []
  for (const colorScheme of ['light', 'dark'] as const) {
    const browser = await launchBrowser({ colorScheme })
    t.after(() => browser.close())
    const page = await browser.newPage()
    const foreign: string[] = []
    page.on('request', (r) => {
      const url = r.url()
      if (!url.startsWith(orch.url) && !url.startsWith(collector.url)) foreign.push(url)
    })
    for (const [base, title] of [
      [orch.url, 'Orchestrator API'],
      [collector.url, 'Peer collector API'],
    ] as const) {
      const doc = (await (await fetch(`${base}/openapi.json`)).json()) as OpenApiDocument
      const operations = Object.values(doc.paths).flatMap((ops) => Object.keys(ops)).length
      await page.goto(`${base}/docs`)
      await page.getByRole('heading', { level: 1, name: title }).waitFor()
      assert.equal(await page.locator('nav a').count(), operations)
      assert.equal(await page.locator('main section').count(), operations)
      // A link in the list brings its route into view.
      const link = page
        .locator('nav a', { hasText: base === orch.url ? '/streams/{id}/peers' : '/peers/{id}' })
        .first()
      await link.click()
      const target = page.locator(`main section${await link.getAttribute('href')}`)
      await target.locator('.summary').waitFor()
      assert.ok(await target.isVisible())
      const box = await target.boundingBox()
      assert.ok(box && box.y < 200, `the route was not scrolled into view (y=${box?.y})`)
    }
    backgrounds.push(await page.evaluate(() => getComputedStyle(document.body).backgroundColor))
    assert.deepEqual(foreign, [], 'the docs page loaded something from elsewhere')
  }
  assert.notEqual(backgrounds[0], backgrounds[1], 'dark mode looks the same as light')
})
