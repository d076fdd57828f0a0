#!/usr/bin/env bash
# make bench: release builds, the Rust reference peer, every benchmark (8 and 9 on a
# throwaway PostgreSQL cluster); writes BENCHMARKS.md.
# make bench-smoke (--smoke): the same code on tiny data with the debug build, as CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH=/opt/swift/usr/bin:$PATH

swift_version=$(swift --version 2>/dev/null | head -1 | sed 's/ (.*//')
if [ "${1:-}" = "--smoke" ]; then
  bash scripts/install-deps.sh
  swift build --product kam
  swift build --product kam-server
  swift build --product kam-bench
  exec bash scripts/with-postgres.sh .build/debug/kam-bench --smoke --binaries .build/debug --work-dir .build/bench-smoke --swift-version "$swift_version"
fi

# sqlite3 is the CLI benchmark's reference; cargo and the crates build the merge benchmark's.
bash scripts/install-deps.sh sqlite3 || echo "note: sqlite3 could not be installed: the CLI benchmark runs without its reference" >&2
bash scripts/install-deps.sh cargo librust-crdts-dev librust-bincode-dev ||
  echo "note: cargo or the crdts crates could not be installed: the merge benchmark runs without its reference" >&2
peer=$(bash scripts/build-rust-peer.sh)

bash scripts/build-release.sh kam kam-server kam-bench
# Benchmarks 8 and 9 run on a throwaway PostgreSQL cluster that syncs to disk as a real one does.
KAM_POSTGRES_DURABLE=1 bash scripts/with-postgres.sh .build/release/kam-bench --binaries .build/release --work-dir .build/bench ${peer:+--rust-peer "$peer"} \
  --output BENCHMARKS.md --findings docs/BENCHMARK-FINDINGS.md --swift-version "$swift_version"
