# kam: the two commands the README starts with, and their helpers.
SWIFT_BIN := $(wildcard /opt/swift/usr/bin)
ifneq ($(SWIFT_BIN),)
export PATH := $(SWIFT_BIN):$(PATH)
endif
SWIFT ?= swift

.PHONY: deps build test release run bench bench-smoke clean

## deps: install the system packages kam needs (libsqlite3-dev, libcurl4-openssl-dev)
deps:
	@bash scripts/install-deps.sh

## build: debug build of every target
build: deps
	$(SWIFT) build

## test: schemathesis against a live server, the office dashboard in headless chromium,
## the benchmarks on tiny data, then every Swift test suite one at a time (the model
## checkers keep both cores busy), the store suites on SQLite and on a throwaway
## PostgreSQL cluster, two kam-server processes behind nginx (both installed from
## Debian when missing)
test: deps
	@bash scripts/install-deps.sh postgresql nginx-light openssl
	$(SWIFT) build --build-tests
	bash scripts/schemathesis.sh
	bash scripts/browser-tests.sh
	bash scripts/bench.sh --smoke
	KAM_REQUIRE_POSTGRES=1 bash scripts/with-postgres.sh $(SWIFT) test --no-parallel --skip-build

## bench: release builds, every benchmark beside its same-run reference; writes BENCHMARKS.md
bench: deps
	bash scripts/bench.sh

## bench-smoke: the benchmarks on tiny data (debug build), judging nothing
bench-smoke: deps
	bash scripts/bench.sh --smoke

## release: optimised kam and kam-server in .build/release, the Swift runtime linked in
release: deps
	bash scripts/build-release.sh kam kam-server

## run: build release binaries and start kam-server on the embedded SQLite store
run:
	@bash scripts/run-server.sh

clean:
	$(SWIFT) package clean
