# syntax=docker/dockerfile:1
# pullthrough: build with dev dependencies, ship only production dependencies and the built output.
# Build: `npm run image` (buildah, no Docker engine needed) or `docker build -t IMAGE .`

# The Node.js 24 base of every stage. Override it (--build-arg NODE_IMAGE=...) to use a mirror, a
# pinned digest, or, where no registry is reachable, the stand-in `hack/build-image.sh --stand-in-base` builds.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json esbuild.config.mjs ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# The same non-root UID the chart's securityContext sets. Nothing under /app is writable by it;
# the only writes are the self-signed CA file under $TMPDIR (the chart mounts an emptyDir at /tmp).
USER 65532:65532
EXPOSE 8443
# The bundle (npm run build makes it): one file to load instead of hundreds. The young generation is
# capped at 8 MB semi-spaces: under load V8 would grow them to 16 MB, +20 MB of RSS for little speed.
# bench/ runs both Node servers with these same flags (it reads them from this line); see BENCHMARKS.md.
ENTRYPOINT ["node", "--max-semi-space-size=8", "/app/dist/bundle/bin.mjs"]
CMD ["serve"]
