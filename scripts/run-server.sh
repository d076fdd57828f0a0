#!/usr/bin/env bash
# Builds release binaries and runs kam-server on the embedded SQLite store.
# On first start it creates a rep user and prints the command a rep types next.
#   HOST, PORT: where to listen (127.0.0.1, 8080)
#   KAM_SERVER_DATA: the data folder (default $XDG_DATA_HOME/kam-server or ~/.local/share/kam-server)
#   KAM_USER: the name of the first user (default: your login name)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

bash scripts/install-deps.sh
echo "Building release binaries (the first build takes several minutes)..."
bash scripts/build-release.sh kam-server kam
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"

host="${HOST:-127.0.0.1}"
port="${PORT:-8080}"
data="${KAM_SERVER_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/kam-server}"
user="${KAM_USER:-$(id -un)}"

if [ -z "$("$bin/kam-server" user list --data-dir "$data" 2>/dev/null)" ]; then
  token="$("$bin/kam-server" user add "$user" --role rep --data-dir "$data" 2>/dev/null)"
  cat <<MSG

kam-server: created rep '$user'. On the rep's laptop, type:

    $bin/kam init --server http://$host:$port --token $token

Add more people with:  $bin/kam-server user add NAME --role rep|manager|office|admin --data-dir $data
The office dashboard:  http://$host:$port/office/ (sign in with an office, manager or admin token)

MSG
else
  echo "kam-server: users exist in $data; add one with '$bin/kam-server user add NAME --role rep --data-dir $data'"
fi
exec "$bin/kam-server" serve --data-dir "$data" --host "$host" --port "$port"
