#!/usr/bin/env bash
# Builds the local stand-in for the node:20-bookworm-slim base image, for `npm run test:image`:
# registry images cannot be pulled here, so the base is a Debian bookworm rootfs made by
# debootstrap from the Debian mirror plus this machine's Node 20 (binary + bundled npm) and CA bundle, with the
# `node` user (uid 1000) the official images have. The Dockerfile takes it through ARG NODE_IMAGE;
# production keeps node:20-bookworm-slim.
#
# Cached: the debootstrap rootfs is kept as a tarball under $HL_INGEST_CACHE (default
# ~/.cache/hl-ingest/image-base), and the finished image stays in buildah's local storage, so a
# second run on the same machine skips both. Prints the image name on stdout.
set -euo pipefail

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${HL_INGEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hl-ingest}/image-base
BUILDAH=(buildah --storage-driver vfs)

log() { echo "make-base: $*" >&2; }

NODE_BIN=$(command -v node)
NODE_VERSION=$(node -p 'process.versions.node')
case "$NODE_VERSION" in
  20.*) ;;
  *) log "need Node 20 on this machine for the base (production runs node:20-*), found $NODE_VERSION"; exit 1 ;;
esac
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
IMAGE=localhost/hl-ingest-base:${SUITE}-node${NODE_VERSION}

if "${BUILDAH[@]}" inspect --type image "$IMAGE" >/dev/null 2>&1; then
  log "cached image $IMAGE"
  echo "$IMAGE"
  exit 0
fi

ROOTFS_TAR=$CACHE/$SUITE-minbase.tar
mkdir -p "$CACHE"
if [[ ! -s $ROOTFS_TAR ]]; then
  log "debootstrap $SUITE from $MIRROR (first run on this machine; cached afterwards)"
  work=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase "$SUITE" "$work/rootfs" "$MIRROR" >&2
  # What the slim image drops: apt lists and caches, docs. Keeps the layer (and vfs copies) small.
  rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/*.bin \
    "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/usr/share/doc/* \
    "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/locale/*
  # The user the official node images run as (Dockerfile: USER node).
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$work/rootfs/etc/passwd"
  echo 'node:x:1000:' >>"$work/rootfs/etc/group"
  echo 'node:*:19000:0:99999:7:::' >>"$work/rootfs/etc/shadow"
  install -d -o 1000 -g 1000 "$work/rootfs/home/node"
  tar -C "$work/rootfs" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$work"
  trap - EXIT
fi

log "assembling $IMAGE from $ROOTFS_TAR + node $NODE_VERSION ($NODE_BIN, npm from $NPM_DIR)"
ctr=$("${BUILDAH[@]}" from scratch)
trap '"${BUILDAH[@]}" rm "$ctr" >/dev/null 2>&1 || true' EXIT
"${BUILDAH[@]}" add "$ctr" "$ROOTFS_TAR" / >&2
"${BUILDAH[@]}" copy "$ctr" "$NODE_BIN" /usr/local/bin/node >&2
"${BUILDAH[@]}" copy "$ctr" "$NPM_DIR" /usr/local/lib/node_modules/npm >&2
"${BUILDAH[@]}" run --isolation chroot "$ctr" -- sh -c \
  'ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm &&
   ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx &&
   node --version && npm --version' >&2
# The build machine's CA bundle: npm ci inside the build reaches the registry through the same
# network (and TLS-inspecting proxy, where there is one) as this machine. Only in this test base.
CA_BUNDLE=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
ca_env=()
if [[ -s $CA_BUNDLE ]]; then
  "${BUILDAH[@]}" copy "$ctr" "$CA_BUNDLE" /etc/ssl/certs/ca-certificates.crt >&2
  ca_env=(--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
fi
"${BUILDAH[@]}" config --env NODE_VERSION="$NODE_VERSION" "${ca_env[@]}" --cmd node "$ctr" >&2
"${BUILDAH[@]}" commit --format docker --rm "$ctr" "$IMAGE" >&2
trap - EXIT
echo "$IMAGE"
