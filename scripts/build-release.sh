#!/usr/bin/env bash
# Release builds of the named products (all three when none is named), with
# Swift's runtime and Foundation linked in: a kam binary runs on a laptop
# without a Swift toolchain, and every command starts faster (no dynamic
# linking of the Swift libraries). Every release build goes through here, so
# the products share one set of flags and never rebuild one another.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
products=("$@")
[ ${#products[@]} -eq 0 ] && products=(kam kam-server kam-bench)
for product in "${products[@]}"; do
  swift build -c release --static-swift-stdlib --product "$product"
done
