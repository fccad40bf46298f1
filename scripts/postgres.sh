# Shared by scripts/test: a throwaway PostgreSQL server on a loopback port, for one test run.
# start_postgres sets INTRANET_TEST_DATABASE_URL, or returns 1 when no server can be started.
PG_DIR=""

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

start_postgres() {
  local bin port
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ] || ! id postgres >/dev/null 2>&1; then
    return 1
  fi
  PG_DIR=$(mktemp -d)
  chown postgres "$PG_DIR" 2>/dev/null || sudo chown postgres "$PG_DIR"
  port=$((20000 + RANDOM % 20000))
  as_postgres "$bin/initdb" -A trust -U postgres -E UTF8 --locale=C.UTF-8 -D "$PG_DIR/data" >/dev/null || return 1
  # fsync off: this server lives for one test run and holds nothing worth keeping.
  as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    >/dev/null || return 1
  trap stop_postgres EXIT
  export INTRANET_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
}

stop_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$PG_DIR" ]; then
    as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
