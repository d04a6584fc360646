# ftpgate: build with the dev toolchain, run with production dependencies only, as a non-root user.
#   docker build -t ftpgate .
#   docker run -p 8080:8080 ftpgate            # no site: serves the demo (demo/ and ftp-srv, optional)
#   docker run -p 8080:8080 -e FTPGATE_SITE_MAIN='ftp://user:pass@ftp.example.com/' ftpgate
# FTPGATE_DEMO=0 makes a missing site an error (exit 2, with a hint) instead of the demo.
# test/prod/smoke.sh follows the final stage's steps outside Docker (CI), so keep them plain.
# Every setting is an environment variable (see `docker run --rm ftpgate --help`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY scripts/build.mjs ./scripts/build.mjs
# npm run build: esbuild bundles src/ and the pure-JavaScript dependencies into dist/ (scripts/build.mjs says why).
RUN node scripts/build.mjs

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    FTPGATE_LISTEN=0.0.0.0:8080 \
    FTPGATE_LOG_LEVEL=info \
    FTPGATE_SHUTDOWN_TIMEOUT_MS=30000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY public ./public
COPY demo ./demo
# The image's own user "node" (uid 1000); the application files stay owned by root, read-only to it.
USER node
EXPOSE 8080
# SIGTERM (docker stop, Kubernetes): stop accepting, finish running transfers up to
# FTPGATE_SHUTDOWN_TIMEOUT_MS, QUIT the FTP sessions. Give `docker stop -t` a little more.
STOPSIGNAL SIGTERM
# Liveness on /healthz, on the port FTPGATE_LISTEN names (plain HTTP; no shell needed).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const p=(process.env.FTPGATE_LISTEN||'8080').split(':').pop();fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# --max-semi-space-size=2: as in dist/cli.js's first line (why: src/cli.ts).
ENTRYPOINT ["node", "--max-semi-space-size=2", "dist/cli.js"]
