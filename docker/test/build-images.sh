#!/usr/bin/env bash
# Build the images the compose stack needs where no container registry is reachable: a Debian
# base from Debian's packages, stand-ins for the stock images compose.yaml names (see
# compose.test.yaml) and for docker/Dockerfile's Python base, then xtbatch:local itself from
# docker/Dockerfile, unchanged. Needs podman (root), debootstrap, and Debian's mirror and PyPI.
#
# Idempotent and cached: the base is made once, the rest is podman's layer cache (a stand-in
# is rebuilt only when its folder changes; xtbatch:local when the project's files do).
# Usage: CONTAINERS_CONF=docker/test/containers.conf docker/test/build-images.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

base=localhost/debian:bookworm
# Bump when the base's recipe changes, so an older base is made again.
base_recipe=1
# The Debian mirror apt already uses on this host (deb.debian.org where none is named).
mirror="${XTBATCH_DEBIAN_MIRROR:-$(
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
        2>/dev/null | grep -oE '^(URIs:|deb) *https?://[^ ]+/debian/?( |$)' \
        | grep -oE 'https?://[^ ]+' | head -n1 || true
)}"
mirror="${mirror:-http://deb.debian.org/debian}"
mirror="${mirror%/}"

log() { printf '%s build-images: %s\n' "$(date +%T)" "$*" >&2; }

build_base() {
    if [ "$(podman image inspect --format '{{ index .Labels "org.xtbatch.recipe" }}' "$base" \
        2>/dev/null)" = "$base_recipe" ]; then
        return
    fi
    log "debootstrap bookworm from $mirror into $base"
    local rootfs
    rootfs="$(mktemp -d /var/tmp/xtbatch-rootfs.XXXXXX)"
    trap 'rm -rf "$rootfs"' RETURN
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
    cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
SOURCES
    # Smaller images, as Debian's own container images keep them.
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        > "$rootfs/etc/apt/apt.conf.d/90standin"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV DEBIAN_FRONTEND=noninteractive' \
        --change 'CMD ["bash"]' \
        --change "LABEL org.xtbatch.recipe=$base_recipe" \
        - "$base" >/dev/null
}

# build TAG FOLDER: one stand-in from its folder (a copy, so the host's CA files can join it).
build() {
    local tag="$1" folder="$here/$2" context
    context="$(mktemp -d /var/tmp/xtbatch-context.XXXXXX)"
    cp -a "$folder/." "$context/"
    mkdir -p "$context/certs"
    find /usr/local/share/ca-certificates -name '*.crt' -type f \
        -exec cp -p {} "$context/certs/" \; 2>/dev/null || true
    log "building $tag"
    podman build --quiet --network=host --layers --pull=never -t "$tag" "$context" >/dev/null
    rm -rf "$context"
}

build_base
build localhost/python:3.11-slim python
build localhost/xtbatch-standin/postgres:15 postgres
build localhost/xtbatch-standin/redis:7 redis
build localhost/xtbatch-standin/rabbitmq:3 rabbitmq
build localhost/xtbatch-standin/mailpit:1 mailpit

log "building xtbatch:local from docker/Dockerfile"
previous="$(podman image inspect --format '{{.Id}}' xtbatch:local 2>/dev/null || true)"
podman build --quiet --network=host --layers --pull=never \
    --file "$root/docker/Dockerfile" --ignorefile "$root/docker/Dockerfile.dockerignore" \
    -t xtbatch:local "$root" >/dev/null
current="$(podman image inspect --format '{{.Id}}' xtbatch:local)"
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true  # still used by a container: kept
fi
log "images ready"
