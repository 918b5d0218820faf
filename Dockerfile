# syntax=docker/dockerfile:1
# Atrium's container image: `docker build -t atrium .`, or `docker compose up --build` with
# compose.yaml (PostgreSQL and a mail catcher beside it). The image expects a PostgreSQL in
# DATABASE_URL; the embedded database of `npm start` is for a laptop, not a container.

ARG NODE_VERSION=22

# Build: every dependency (TypeScript among them), then `npm run build`, which compiles to dist/
# and copies the pages' and the playground's static assets next to the compiled code.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# Run: production dependencies only, the compiled code, and an unprivileged user.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/var/lib/atrium
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# dist/ holds the server, the migrations (dist/migrations) and the assets under dist/src/web/assets
# and dist/src/playground/assets; bin/ is the `atrium` command-line client, which runs dist/ too.
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The code stays root's and read-only to the server; only DATA_DIR (mail files without SMTP_URL,
# code archives) is the server's to write. `node` (uid 1000) comes with the official image.
RUN mkdir -p /var/lib/atrium && chown node:node /var/lib/atrium
USER node
EXPOSE 4000
# /readyz: the database answers and every migration is applied. Node's fetch: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Not `npm start`, which builds first. Atrium handles SIGTERM itself (drain, then stop); run the
# container with an init (`docker run --init`, `init: true` in compose) to reap any stray child.
CMD ["node", "--single-threaded-gc", "dist/src/index.js"]
