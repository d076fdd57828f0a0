#!/usr/bin/env bash
# Builds the Rust crdts reference peer (peers/rust-crdts-mvreg) offline from
# Debian's packaged crates and prints the binary's path; prints nothing and
# exits 0 when cargo or the crates are missing, so the benchmarks run without it.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo=/usr/bin/cargo
[ -x "$cargo" ] || cargo=$(command -v cargo || true)
if [ -z "$cargo" ] || [ ! -d /usr/share/cargo/registry ]; then
  echo "note: cargo or Debian's crates (librust-crdts-dev, librust-bincode-dev) are missing: the merge benchmark runs without its Rust reference" >&2
  exit 0
fi

home=.build/cargo-home
mkdir -p "$home"
cat > "$home/config.toml" <<'TOML'
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
TOML
if CARGO_HOME="$home" CARGO_TARGET_DIR=.build/rust-peer "$cargo" build --release --offline --quiet \
    --manifest-path peers/rust-crdts-mvreg/Cargo.toml >&2; then
  echo ".build/rust-peer/release/rcrdts"
else
  echo "note: the Rust reference peer did not build: the merge benchmark runs without it" >&2
fi
