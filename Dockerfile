# syntax=docker/dockerfile:1
# bertkit serve in a container: the CLI installed from the tarballs `pnpm pack` makes (exactly what npm
# users get), Debian slim + Node 20, a non-root user, models from a mounted Hugging Face cache.
#
#   docker build -t bertkit .
#   docker run -p 8080:8080 -v ~/.cache/huggingface:/data/hf -v $PWD/sst2-bundle:/bundles/sst2:ro \
#     -e BERTKIT_BUNDLE=/bundles/sst2 bertkit
#   docker run -v $PWD:/work -w /work bertkit embed --model distilbert/distilbert-base-uncased \
#     --shard 0/4 --output vectors.npy input.txt
ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV ONNXRUNTIME_NODE_INSTALL=skip CI=1
RUN npm install -g pnpm@10.34.9 --no-audit --no-fund --loglevel=error
# Manifests first so the dependency layer is cached across source edits.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc turbo.json tsconfig.base.json tsconfig.json tsup.library.ts LICENSE ./
COPY packages ./packages
COPY apps ./apps
RUN pnpm install --frozen-lockfile
RUN pnpm build \
 && mkdir /tarballs \
 && for d in packages/* apps/*; do \
      if node -e "process.exit(require('./$d/package.json').private ? 1 : 0)"; then (cd "$d" && pnpm pack --pack-destination /tarballs >/dev/null); fi; \
    done \
 && ls /tarballs

FROM ${NODE_IMAGE}
# onnxruntime-node's install script only fetches optional CUDA files; the CPU binaries are in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    NODE_ENV=production \
    HF_HOME=/data/hf \
    BERTKIT_CACHE=/data/bertkit \
    BERTKIT_HOST=0.0.0.0 \
    BERTKIT_PORT=8080
COPY --from=build /tarballs /tmp/tarballs
RUN npm install -g --ignore-scripts --no-audit --no-fund --loglevel=error /tmp/tarballs/*.tgz \
 && rm -rf /tmp/tarballs /root/.npm \
 && groupadd --system --gid 10001 bertkit \
 && useradd --system --uid 10001 --gid bertkit --home-dir /home/bertkit --create-home bertkit \
 && mkdir -p /data/hf /data/bertkit && chown -R bertkit:bertkit /data \
 && bertkit --version
USER 10001:10001
WORKDIR /home/bertkit
VOLUME ["/data"]
EXPOSE 8080
# Ready = every bundle loaded (the orchestrator's readiness); node's fetch, since slim has no curl.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["bertkit"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
