#!/bin/sh
# Adds a native TensorFlow.js backend to the production node_modules of the current directory (used by
# the Dockerfile's worker stages):
#   install-tfjs-node @tensorflow/tfjs-node-gpu 4.22.0     (or @tensorflow/tfjs-node)
# Both packages register the backend `tensorflow`; src/engine/backend.ts loads the -gpu one first.
set -eu
pkg="$1"
version="$2"

# --ignore-scripts: the project's own postinstall (Prisma client, dashboard) needs dev tools and its
# outputs come from the build stage. The package's own install script runs next, through rebuild.
npm install --no-save --omit=dev --ignore-scripts --no-audit --no-fund "$pkg@$version"
# Downloads libtensorflow and the prebuilt binding from Google's storage (compiles it if none fits).
npm rebuild "$pkg"

binding=$(find "node_modules/$pkg/lib" -name tfjs_binding.node | head -n 1)
if [ -z "$binding" ]; then
  echo "install-tfjs-node: $pkg installed without its native binding (tfjs_binding.node)" >&2
  exit 1
fi
# One tfjs-core only: a second copy registers its kernels on a second engine and fails in confusing ways.
cores=$(find node_modules -path '*/@tensorflow/tfjs-core/package.json' | wc -l)
if [ "$cores" -ne 1 ]; then
  echo "install-tfjs-node: $cores copies of @tensorflow/tfjs-core; $pkg@$version must match @tensorflow/tfjs in package.json" >&2
  exit 1
fi
npm cache clean --force >/dev/null 2>&1 || true
echo "install-tfjs-node: $pkg@$version ready ($binding)"
