# syntax=docker/dockerfile:1
# Orchestrator image (API + dashboard): distroless Node runtime, non-root.
# Build from the repository root:  docker build -f compose/orchestrator.Dockerfile .

# ---- production node_modules (tsx is a runtime dependency: it runs the TypeScript) -----------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# package.json overrides webrtc-polyfill with this local stub, so it must exist before `npm ci`.
COPY stubs ./stubs
# better-sqlite3 (the history database) is the one native addon: its own install script fetches
# the prebuilt binary for this Node and glibc, or compiles it with these tools. No other
# package's install scripts run.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3 && npm cache clean --force \
  # The GeoIP databases (about 190 MB) belong to the collector only.
  && rm -rf node_modules/@ip-location-db \
  # An empty, non-root-owned DATA_DIR: a named volume mounted there starts with this owner.
  && mkdir -p /data-empty

# ---- runtime ----------------------------------------------------------------------------------
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps --chown=65532:65532 /data-empty /data
COPY package.json tsconfig.json ./
COPY lib ./lib
COPY orchestrator ./orchestrator
COPY routes ./routes
COPY components ./components
COPY islands ./islands
COPY utils ./utils
ENV NODE_ENV=production \
  APP_PORT=8000 \
  DATA_DIR=/data
# Runtime settings persist here; mount a volume so they survive a new container.
VOLUME ["/data"]
EXPOSE 8000/tcp
USER nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.APP_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/nodejs/bin/node", "--import", "tsx", "orchestrator/main.ts"]
