# syntax=docker/dockerfile:1
# pullthrough: build with dev dependencies, ship only production dependencies and the built output.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# The same non-root UID the chart's securityContext sets. Nothing under /app is writable by it;
# the only writes are the self-signed CA file under $TMPDIR (the chart mounts an emptyDir at /tmp).
USER 65532:65532
EXPOSE 8443
# The bundle (npm run build makes it): one file to load instead of hundreds; see BENCHMARKS.md, start-up.
ENTRYPOINT ["node", "/app/dist/bundle/bin.mjs"]
CMD ["serve"]
