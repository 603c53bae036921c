#!/bin/sh
# Run the server as the rabbitmq user, in the foreground, as the official image does.
# (Debian's /usr/sbin/rabbitmq-server would send its output to /var/log/rabbitmq.)
set -eu

if [ "$1" = rabbitmq-server ]; then
    shift
    set -- /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
    if [ "$(id -u)" = 0 ]; then
        chown -R rabbitmq:rabbitmq /var/lib/rabbitmq
        cd /var/lib/rabbitmq
        exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$@"
    fi
fi

exec "$@"
