#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against Protocol/openapi.yaml and a live
# kam-server: generated valid and invalid requests must never get a 5xx, and
# every answer must match the spec (status, content type, headers, schema).
#   KAM_SCHEMATHESIS_EXAMPLES: examples per operation (default 25)
#   KAM_SCHEMATHESIS_SEED: replay a run
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

if ! python3 -m schemathesis.cli --version >/dev/null 2>&1; then
  echo "Installing schemathesis from PyPI..."
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==3.39.16" </dev/null
fi

bin="$(swift build --show-bin-path)"
[ -x "$bin/kam-server" ] || swift build --product kam-server
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
token="$("$bin/kam-server" user add schemathesis --role admin --data-dir "$data" 2>/dev/null)"
# /metrics closed with the same token schemathesis sends, so its auth check holds there too.
KAM_METRICS_TOKEN="$token" "$bin/kam-server" serve --data-dir "$data" --port "$port" --log-level warning 2>"$data/server.log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/server.log"; exit 1; }
  sleep 0.1
done

seed="${KAM_SCHEMATHESIS_SEED:-$RANDOM$RANDOM}"
# Hypothesis's health checks judge the generator (inputs too large, too slow to
# make), not the server; seed 1797828304 failed one on the push body's schema.
echo "schemathesis: seed $seed (replay with KAM_SCHEMATHESIS_SEED=$seed)"
python3 -m schemathesis.cli run Protocol/openapi.yaml --base-url "http://127.0.0.1:$port" -H "Authorization: Bearer $token" \
  --checks all --hypothesis-max-examples "${KAM_SCHEMATHESIS_EXAMPLES:-25}" --hypothesis-seed "$seed" \
  --hypothesis-suppress-health-check data_too_large,filter_too_much,too_slow,large_base_example \
  --request-timeout 20000 </dev/null
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "kam-server stopped serving"; exit 1; }
echo "schemathesis: the server answered every request within the spec and is still serving"
