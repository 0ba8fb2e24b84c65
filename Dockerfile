# syntax=docker/dockerfile:1
# Kiln's images. One Dockerfile, three targets:
#   api         the HTTP api and the dashboard                 docker build --target api -t kiln-api .
#   worker      a training worker on an NVIDIA GPU             docker build --target worker -t kiln-worker .
#               (CUDA 11.2 + cuDNN 8, @tensorflow/tfjs-node-gpu; run it with --gpus all)
#   worker-cpu  a training worker on the CPU                   docker build --target worker-cpu -t kiln-worker-cpu .
#               (@tensorflow/tfjs-node)
# Every image runs as the non-root user `node` (uid 1000) and keeps its data under /data; settings are
# environment variables (README.md, "Settings").

ARG NODE_IMAGE=node:20-slim
# tfjs-node-gpu 4.x binds libtensorflow 2.9.1, built for CUDA 11.2 and cuDNN 8.1: a CUDA 12 image fails
# on libcudart.so.11.0 and silently trains on the CPU (tfjs #8362).
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
# The same version as @tensorflow/tfjs in package.json: a different one would install a second
# tfjs-core, whose kernels register on a second engine (test/deploy/dockerfile.test.ts checks it).
ARG TFJS_VERSION=4.22.0

# Node.js itself, copied into the CUDA image below so that every target runs the same build of Node.
FROM ${NODE_IMAGE} AS node

# build: every dependency, dev ones included. `npm ci` runs the postinstall script, which generates the
# Prisma client (src/generated/prisma), assembles Kiln's wasm kernels with wabt (src/generated/wasm) and
# builds the dashboard with vite (web/dist).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
RUN test -f web/dist/index.html && test -d src/generated/prisma && test -f src/generated/wasm/filter-grad.wasm \
 || { echo "npm ci did not produce web/dist/index.html and src/generated (see package.json postinstall)" >&2; exit 1; }

# prod-deps: the production dependencies only. No install scripts: the root postinstall needs the dev
# tools (vite), and its outputs come from the build stage instead.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# app: Kiln's own files, identical in every target (each target adds the node_modules it needs).
FROM scratch AS app
COPY package.json package-lock.json tsconfig.json prisma.config.ts /app/
COPY prisma /app/prisma
COPY src /app/src
COPY --from=build /app/src/generated /app/src/generated

# cuda-node: the CUDA runtime image with Node.js 20, tini (PID 1: forwards SIGTERM, reaps children) and
# the user `node`, like the official Node image has. CUDA and cuDNN are installed already: NVIDIA's apt
# repository is dropped so that a rotated signing key of theirs cannot break `apt-get update`.
FROM ${CUDA_IMAGE} AS cuda-node
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && rm -f /etc/apt/sources.list.d/cuda*.list /etc/apt/sources.list.d/nvidia-ml*.list \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --create-home --shell /bin/bash node \
 && node --version && npm --version

# worker-deps / worker-cpu-deps: the production dependencies plus the native TensorFlow binding.
# python3, make and g++ are there only in case its prebuilt binary cannot be downloaded
# (node-pre-gyp --fallback-to-build); these stages are never part of a final image.
FROM cuda-node AS worker-deps
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --chmod=755 deploy/install-tfjs-node.sh /usr/local/bin/install-tfjs-node
ARG TFJS_VERSION
# Built on the CUDA image itself, so the binding matches the libc it runs on.
RUN install-tfjs-node @tensorflow/tfjs-node-gpu "${TFJS_VERSION}"

FROM ${NODE_IMAGE} AS worker-cpu-deps
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --chmod=755 deploy/install-tfjs-node.sh /usr/local/bin/install-tfjs-node
ARG TFJS_VERSION
RUN install-tfjs-node @tensorflow/tfjs-node "${TFJS_VERSION}"

# node-runtime: the slim Node image with tini.
FROM ${NODE_IMAGE} AS node-runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

# ---- api ---------------------------------------------------------------------------------------------
# It applies pending database migrations itself at start (src/store/migrate.ts, under an advisory
# lock, so several replicas starting at once are fine) and serves the dashboard from web/dist.
FROM node-runtime AS api
WORKDIR /app
# In a container the port is published by Docker: listen on every interface of the container.
ENV NODE_ENV=production KILN_DATA_DIR=/data PORT=8080 HOST=0.0.0.0
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=app /app ./
COPY --from=build /app/web/dist ./web/dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself, not `npm run api` (the same command, see package.json): npm hands SIGTERM to a shell,
# which may not pass it on, and the api must close its sockets and database in order.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/api/main.ts"]

# ---- worker (GPU) --------------------------------------------------------------------------------------
# TFJS_BACKEND=tensorflow: stop at once if tfjs-node-gpu does not load. KILN_REQUIRE_GPU=1: take no jobs
# (exit 78, saying why) when TensorFlow sees no GPU, instead of training slowly on the CPU.
FROM cuda-node AS worker
WORKDIR /app
ENV NODE_ENV=production KILN_DATA_DIR=/data TFJS_BACKEND=tensorflow KILN_REQUIRE_GPU=1
COPY --from=worker-deps /app/node_modules ./node_modules
COPY --from=app /app ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 9464
# Alive while its Prometheus endpoint answers (KILN_METRICS_PORT; with 0 there is nothing to probe).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "const p=Number(process.env.KILN_METRICS_PORT??9464);if(!p)process.exit(0);fetch('http://127.0.0.1:'+p+'/metrics').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself, not `npm run worker`: SIGTERM must reach the worker so that it checkpoints its running
# job at a batch boundary and hands it back (Ubuntu's sh would not pass the signal on).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/worker/main.ts"]

# ---- worker-cpu ----------------------------------------------------------------------------------------
FROM node-runtime AS worker-cpu
WORKDIR /app
ENV NODE_ENV=production KILN_DATA_DIR=/data TFJS_BACKEND=tensorflow KILN_REQUIRE_GPU=0
COPY --from=worker-cpu-deps /app/node_modules ./node_modules
COPY --from=app /app ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "const p=Number(process.env.KILN_METRICS_PORT??9464);if(!p)process.exit(0);fetch('http://127.0.0.1:'+p+'/metrics').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/worker/main.ts"]
