#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster: a temp folder, a free
# port on 127.0.0.1, trust authentication for the cluster's own superuser.
# The command sees the cluster's address in KAM_TEST_POSTGRES_URL (a database
# named kam_test), the binaries' folder in KAM_POSTGRES_BIN, and KAM_TEST_POSTGRES_TLS=1
# when the cluster takes TLS (a self-signed certificate, made with openssl). The cluster is
# stopped and its folder removed afterwards, also when the command fails.
#
#   bash scripts/with-postgres.sh swift test --skip-build
#
# Installs Debian's postgresql when it is missing. initdb refuses to run as
# root, so as root the cluster runs as the unprivileged user postgres.
set -euo pipefail
cd "$(dirname "$0")/.."

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

bin=$(find_bin) || { bash scripts/install-deps.sh postgresql >&2; bin=$(find_bin); }

as_owner=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  as_owner=(runuser -u postgres --)
  owner=postgres
fi

cluster=$(mktemp -d /tmp/kam-postgres.XXXXXX)
chmod 755 "$cluster"
[ "$owner" = postgres ] && [ "$(id -u)" -eq 0 ] && chown postgres "$cluster"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

stop() {
  local status=$?
  "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$cluster"
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${as_owner[@]}" "$bin/initdb" -D "$cluster/data" -U "$owner" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  --no-sync >"$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; exit 1; }
# TLS with a throwaway self-signed certificate, so sslmode=require is tested too.
tls=""
if command -v openssl >/dev/null; then
  openssl req -new -x509 -days 2 -nodes -subj "/CN=127.0.0.1" -keyout "$cluster/data/server.key" \
    -out "$cluster/data/server.crt" >/dev/null 2>&1 && chmod 600 "$cluster/data/server.key" &&
    { [ "$owner" != postgres ] || [ "$(id -u)" -ne 0 ] || chown postgres "$cluster/data/server.key" "$cluster/data/server.crt"; } &&
    tls="-c ssl=on"
fi
# A test cluster: nothing it holds must survive a crash, so no disk syncs. With
# KAM_POSTGRES_DURABLE=1 (the benchmarks) it syncs its log to disk as a real one
# does, committing without waiting for it, as SQLite's synchronous=NORMAL does.
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${KAM_POSTGRES_DURABLE:-}" = 1 ] && durability="-c synchronous_commit=off -c shared_buffers=512MB"
"${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
  -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c max_connections=300 $durability $tls" \
  start >/dev/null || { cat "$cluster/server.log" >&2; exit 1; }
"${as_owner[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$owner" kam_test

export KAM_TEST_POSTGRES_URL="postgres://$owner@127.0.0.1:$port/kam_test"
export KAM_POSTGRES_BIN="$bin"
[ -n "$tls" ] && export KAM_TEST_POSTGRES_TLS=1
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests at $KAM_TEST_POSTGRES_URL"
"$@"
