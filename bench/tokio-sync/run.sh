#!/usr/bin/env bash
# Builds the Tokio column of weft's sync/time benchmarks and prints its lines
# ("name iters median unit key=value...", see src/main.rs).
#
#   bench/tokio-sync/run.sh                 every bench, then the 10^6-sleepers test
#   bench/tokio-sync/run.sh --only notify   benches whose name contains "notify"
#   bench/tokio-sync/run.sh --no-mem        skip the sleepers test
#   bench/tokio-sync/run.sh --build         only build target/release/tokio-sync-bench
#
# tokio comes from Debian's packaged crates (librust-tokio-dev, tokio 1.24.2 on
# bookworm), built offline: .cargo/config.toml replaces crates-io with
# /usr/share/cargo/registry. Knobs: ANCHOR_SAMPLES, ANCHOR_SAMPLE_MS,
# ANCHOR_WARMUP_MS, SLEEPERS_DEADLINE_MS.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/../install-tokio-crates.sh"
export PATH="$PATH:$HOME/.cargo/bin"
(cd "$HERE" && cargo build --release --quiet) >&2
if [ "${1:-}" = --build ]; then exit 0; fi
exec "$HERE/target/release/tokio-sync-bench" "$@"
