#!/usr/bin/env bash
# Builds the Tokio column of weft's runtime benchmarks and prints its lines
# ("name iters median unit key=value...", see ../rust-common/measure.rs).
#
#   bench/tokio-rt/run.sh                  every bench, then the 10^6-idle-task tests
#   bench/tokio-rt/run.sh --only spawn     benches whose name contains "spawn"
#   bench/tokio-rt/run.sh --no-mem         skip the memory tests
#   bench/tokio-rt/run.sh --build          only build target/release/tokio-rt-bench
#   TOKIO=1.43 bench/tokio-rt/run.sh ...   the same program on tokio 1.43 (needs
#                                          bench/fetch-trixie-crates.sh first)
#
# tokio comes from Debian's packaged crates (librust-tokio-dev, tokio 1.24.2 on
# bookworm), built offline: .cargo/config.toml replaces crates-io with
# /usr/share/cargo/registry. Knobs: ANCHOR_SAMPLES, ANCHOR_SAMPLE_MS,
# ANCHOR_WARMUP_MS.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/../install-tokio-crates.sh"
export PATH="$PATH:$HOME/.cargo/bin"
DIR=$HERE
if [ "${TOKIO:-}" = 1.43 ]; then DIR=$HERE/tokio-1.43; fi
(cd "$DIR" && cargo build --release --quiet) >&2
if [ "${1:-}" = --build ]; then exit 0; fi
exec "$DIR/target/release/tokio-rt-bench" "$@"
