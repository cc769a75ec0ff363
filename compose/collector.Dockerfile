# syntax=docker/dockerfile:1
# Peer collector image: distroless Node runtime, non-root, with redis-server for the bundled
# cache and the offline GeoIP databases (npm packages under node_modules/@ip-location-db).
# Build from the repository root:  docker build -f compose/collector.Dockerfile .
#
# Memory: the collector process runs at about 110 MB RSS idle and 125 MB with 100 tracked swarms
# (GeoIP city + ASN on, memory cache, redis-server apart; `npm run bench -- footprint`), against
# 337 MB before the GeoIP files were read in place and the TypeScript compiled at image build.

# The runtime base is named first so the redis stage can look inside it (see below).
FROM gcr.io/distroless/nodejs20-debian12:nonroot AS runtime-base

# ---- production node_modules -------------------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# package.json overrides webrtc-polyfill with this local stub, so it must exist before `npm ci`.
COPY stubs ./stubs
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# ---- the collector compiled to one JavaScript file ---------------------------------------------
# Run with plain node: the tsx loader (a loader thread and its transform cache) would cost about
# 40 MB of RSS at run time. Packages stay external and load from node_modules.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY scripts/build-collector.ts ./scripts/
COPY lib ./lib
COPY collector ./collector
RUN node --import tsx scripts/build-collector.ts

# ---- redis-server and exactly the shared libraries it needs -----------------------------------
# Debian 12 like the runtime, so the libraries match the runtime's glibc. Paths come from `ldd`
# in the image being built, never a hard-coded architecture directory (the original image
# copied its libraries to one and so could not work on other architectures). Libraries the distroless base already ships are not copied, so the
# base's own glibc, OpenSSL and libstdc++ stay untouched.
FROM debian:bookworm-slim AS redis
RUN apt-get update \
  && apt-get install -y --no-install-recommends redis-server \
  && rm -rf /var/lib/apt/lists/*
COPY --from=runtime-base / /distroless/
RUN set -eu; \
  mkdir -p /out/usr/bin; \
  cp /usr/bin/redis-server /out/usr/bin/redis-server; \
  for lib in $(ldd /usr/bin/redis-server | grep -o '/[^ ]*'); do \
    if [ ! -e "/distroless$lib" ]; then \
      mkdir -p "/out$(dirname "$lib")"; \
      cp -L "$lib" "/out$lib"; \
    fi; \
  done; \
  ls -lR /out

# ---- runtime ----------------------------------------------------------------------------------
FROM runtime-base
WORKDIR /app
COPY --from=redis /out/ /
COPY --from=deps /app/node_modules ./node_modules
# package.json: the service reports its version from it (../package.json beside dist/).
COPY package.json ./
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production \
  PORT=8080 \
  DHT_PORT=6881
EXPOSE 8080/tcp 6881/udp 6881/tcp
USER nonroot
# No shell in the image: the health check is a one-line Node script.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/nodejs/bin/node", "dist/collector.mjs"]
