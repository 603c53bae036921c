#!/bin/sh
# What the official redis image's entrypoint does: `redis-server` may be left out, the server
# runs as the redis user. Upstream builds Redis with protected mode off (the container's
# network is the boundary); Debian's build has it on, so it is turned off here, before any
# argument that may turn it on again.
set -eu

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi

if [ "$1" = redis-server ]; then
    shift
    if [ "${1:-}" != "" ] && [ "${1%.conf}" != "$1" ]; then
        conf="$1"
        shift
        set -- redis-server "$conf" --protected-mode no "$@"
    else
        set -- redis-server --protected-mode no "$@"
    fi
    if [ "$(id -u)" = 0 ]; then
        chown -R redis:redis .
        exec setpriv --reuid=redis --regid=redis --init-groups "$@"
    fi
fi

exec "$@"
