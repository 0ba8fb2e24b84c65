# Kiln images. `api` runs the HTTP api; `worker` runs a training worker on the CPU (wasm backend).
# GPU workers (tfjs-node-gpu on CUDA 11.2 / cuDNN 8) come with the deployment work.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --omit=dev

FROM node:20-slim AS base
WORKDIR /app
ENV NODE_ENV=production KILN_DATA_DIR=/data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
COPY --from=deps /app/src/generated ./src/generated
RUN mkdir -p /data && chown node:node /data
USER node

FROM base AS api
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npm", "run", "api"]

FROM base AS worker
CMD ["npm", "run", "worker"]
