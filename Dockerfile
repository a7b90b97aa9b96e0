# syntax=docker/dockerfile:1
# One image for every process of the platform; the command chooses the process
# (docker-compose.yml). Default: the all-in-one process on 8080.
#   docker build -t tg-dating .
#   docker run -p 8080:8080 tg-dating                              # all-in-one, embedded database
#   docker run tg-dating node dist/api/auth/main.js                # one service of the cluster
ARG NODE_VERSION=22

# --- every dependency, for the TypeScript and web builds --------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- compiled server (dist/) and the bundled web client (web/dist/) ---------
FROM deps AS build
COPY . .
RUN npm run build && npm run build:web

# --- production dependencies only -------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: no compilers, no dev dependencies, not root --------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    HEALTH_PORT=8080
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
# The moderator console (/admin) is served as written: no build step.
COPY --from=build /app/web/admin ./web/admin
COPY package.json ./
# The data folder (embedded database, local media files) is the only writable place.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# Each HTTP process answers GET /health on its port (HEALTH_PORT); compose sets it per service.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/allinone/main.js"]
