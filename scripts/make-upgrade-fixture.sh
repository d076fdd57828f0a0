#!/usr/bin/env bash
# Writes an upgrade fixture with the kam and kam-server binaries of a release:
# a server data folder and two laptop replicas holding every kind of state a
# release keeps (pending edits, conflicts, refusals, cursors, replicas,
# tokens), plus what each laptop's `kam status --json` said before the
# upgrade. The migration tests open these with the current code.
#
#   scripts/make-upgrade-fixture.sh BIN_DIR OUT_DIR
#
# Fixtures are made once, by the release they stand for, and committed under
# Tests/Fixtures; never regenerate one with newer binaries.
set -euo pipefail
bin="$1"
out="$2"
rm -rf "$out"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
data="$out/server"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"

boss_token="$("$bin/kam-server" user add boss --role manager --data-dir "$data")"
a_token="$("$bin/kam-server" user add a --role rep --data-dir "$data")"
"$bin/kam-server" user add b --role rep --data-dir "$data" > /dev/null
"$bin/kam-server" serve --data-dir "$data" --port "$port" 2> "$work/server.log" &
server=$!
for _ in $(seq 1 300); do grep -q "listening on" "$work/server.log" 2>/dev/null && break; sleep 0.1; done

boss() { "$bin/kam" "$@" --home "$out/boss"; }
a() { "$bin/kam" "$@" --home "$out/a"; }
boss init --server "$url" --token "$boss_token"
a init --server "$url" --token "$a_token"

# The morning: the manager sets up a's account and b's; a pulls hers.
huawei="$(boss account add 华为技术有限公司 --owner a --region 华南 --industry 电信)"
boss stage "$huawei" initial --share 20 --reason "first trial order"
boss contact add "$huawei" 王芳 --title 采购总监 --role inside-coach > /dev/null
boss share "$huawei" --period 2026-Q3 --customer-spend 1200000 --our-sales 240000 > /dev/null
boss account add ACME --owner b > /dev/null
boss sync > /dev/null
a sync > /dev/null

# A conflict: both change the region offline, then sync.
a account set "$huawei" --region 华北
boss account set "$huawei" --region 华东
boss sync > /dev/null
a sync > /dev/null
boss sync > /dev/null

# A refusal: a rep may not change the owner.
a account set "$huawei" --owner b
a sync > /dev/null

# Pending edits that never reached the server.
a account set "$huawei" --notes "typed offline, not yet synced"
a activity log "$huawei" --kind visit --note "met the buyer" --date 2026-11-23 > /dev/null
boss opportunity add "$huawei" --kind supplier-review --note "annual review in March" > /dev/null

boss status --json > "$out/boss-status.json"
a status --json > "$out/a-status.json"
echo "$huawei" > "$out/account-id"
kill -TERM "$server"
wait "$server" || true
find "$out" -name '*-shm' -delete
echo "fixture written to $out"
