#!/usr/bin/env bash
# The office dashboard in a real browser: Debian's chromium and chromedriver,
# driven by selenium from PyPI, against a live kam-server holding a team's
# data synced from real kam laptops. Signs in, opens every page, checks the
# numbers against the API, fails on any browser console error, and saves a
# screenshot of each page under .build/office-screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

# A CJK font so that Chinese names render in the screenshots.
bash scripts/install-deps.sh chromium chromium-driver fonts-wqy-microhei
if ! python3 -c "import selenium" >/dev/null 2>&1; then
  echo "Installing selenium from PyPI..."
  python3 -m pip install --quiet --disable-pip-version-check "selenium==4.51.0" </dev/null
fi

bin="$(swift build --show-bin-path)"
[ -x "$bin/kam-server" ] || swift build --product kam-server
[ -x "$bin/kam" ] || swift build --product kam
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
server="http://127.0.0.1:$port"
pid=""
cleanup() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

data="$work/server"
token() { "$bin/kam-server" user add "$1" --role "$2" --data-dir "$data" 2>/dev/null; }
office_token="$(token boss office)"
manager_token="$(token zhao manager)"
li_token="$(token li rep)"
wang_token="$(token wang rep)"
"$bin/kam-server" serve --data-dir "$data" --port "$port" --log-level warning 2>"$work/server.log" &
pid=$!
for _ in $(seq 1 300); do
  curl -fs "$server/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done

echo "browser tests: seeding a team through kam laptops"
KAM_BIN="$bin/kam" KAM_SERVER="$server" KAM_WORK="$work" LI_TOKEN="$li_token" WANG_TOKEN="$wang_token" \
  MANAGER_TOKEN="$manager_token" python3 scripts/office_seed.py

echo "browser tests: chromium against $server"
mkdir -p .build/office-screenshots
KAM_SERVER="$server" OFFICE_TOKEN="$office_token" LI_TOKEN="$li_token" SCREENSHOTS="$PWD/.build/office-screenshots" \
  python3 scripts/office_browser_test.py
