#!/bin/sh
# What the official postgres image's entrypoint does, for what compose.yaml relies on: on the
# first start, initdb from POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB (password logins
# over the network, scram-sha-256), run /docker-entrypoint-initdb.d/*.sql and *.sh, then run
# the server as the postgres user.
set -eu

if [ "${1#-}" != "$1" ]; then
    set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "Database is uninitialized and superuser password is not specified:" \
            "set POSTGRES_PASSWORD." >&2
        exit 1
    fi
    user="${POSTGRES_USER:-postgres}"
    db="${POSTGRES_DB:-$user}"
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as upstream
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 ${POSTGRES_INITDB_ARGS:-}
    rm -f "$pwfile"
    printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
    printf '\nhost all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"

    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start
    export PGUSER="$user"
    if [ "$db" != postgres ]; then
        # psql quotes the name (stdin: -c would not substitute the variable).
        echo 'CREATE DATABASE :"db";' | psql -v ON_ERROR_STOP=1 --dbname=postgres --set db="$db"
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sql) psql -v ON_ERROR_STOP=1 --dbname="$db" -f "$f" ;;
            *.sh) . "$f" ;;
        esac
    done
    unset PGUSER
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
