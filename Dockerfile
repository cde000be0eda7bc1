# syntax=docker/dockerfile:1.7
# hl-influencer-ingest image: TypeScript compiled in a build stage, then a slim runtime with
# production dependencies only, running as the unprivileged `node` user.
# The base is an ARG: production builds on node:20-bookworm-slim (Node 20, what development and CI
# run); `npm run test:image` passes a local Debian bookworm + Node 20 base made with debootstrap
# (scripts/image/make-base.sh), since registry images cannot be pulled on the build machines.
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all dependencies (TypeScript, types), compile src/ to dist/ ----------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: tsc needs no native add-ons, and it keeps dev-only binaries (chdb's
# embedded ClickHouse, esbuild) from being downloaded into a layer we throw away anyway.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies + compiled output --------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    INGEST_HTTP_PORT=9464 \
    INGEST_HTTP_HOST=0.0.0.0 \
    INGEST_SPOOL_DIR=/var/lib/ingest/spool \
    INGEST_LOCAL_DIR=/var/lib/ingest/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
COPY contracts ./contracts
# The spool must be writable by the service user; mount a volume here in production.
RUN mkdir -p /var/lib/ingest/spool /var/lib/ingest/local && chown -R node:node /var/lib/ingest
VOLUME ["/var/lib/ingest"]
USER node
# /metrics, /health, /ready, /status
EXPOSE 9464
# No curl in the slim image: Node's built-in fetch does the probe.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.INGEST_HTTP_PORT||9464)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node runs as PID 1: the service handles SIGTERM itself (ordered shutdown: stop listeners,
# drain fan-in, flush sinks). Give it the time: docker stop -t 60 / terminationGracePeriodSeconds.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/cli/main.js", "run"]
