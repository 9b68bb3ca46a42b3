#!/usr/bin/env bash
# Prints the README's "How fast" table: Tokio's runtime benchmarks
# (benches/rt_multi_threaded.rs and rt_current_thread.rs, 2 workers) and the
# memory of 10^6 idle tasks, on Tokio, on plain goroutines and on weft, side
# by side, with the ratios weft/X (< 1: weft is faster or smaller).
#
#   bench/compare.sh                  one pass of everything (~4 min + build)
#   RUNS=3 bench/compare.sh           3 interleaved passes; each cell is the median of
#                                     the per-pass medians, plus a spread column
#   BY_PROGRAM=1 bench/compare.sh     run each program's whole list in one go per pass
#                                     (faster; the default runs one bench at a time
#                                     on every program in turn, below)
#   ONLY=ct_ bench/compare.sh         only benches whose name contains "ct_"
#   NO_MEM=1 bench/compare.sh         skip the 10^6-idle-task memory tests
#   NO_TOKIO143=1 bench/compare.sh    leave out the tokio 1.43 column
#
# Columns (each program prints "name iters median unit key=value..." lines):
#   tokio-1.24.2  bench/tokio-rt, on Debian bookworm's packaged tokio (installed
#                 on first use: apt-get install librust-tokio-dev), built offline
#   tokio-1.43    the same program on Debian trixie's tokio 1.43, when
#                 bench/fetch-trixie-crates.sh has unpacked those crates
#   goroutines    weft bench -anchors -impl goroutine (internal/benchwork)
#   weft          weft bench -anchors (internal/benchwork)
# One op is one whole workload iteration (for example 10,000 spawns and the
# wait for them). Knobs passed through: ANCHOR_SAMPLES, ANCHOR_SAMPLE_MS,
# ANCHOR_WARMUP_MS. Raw outputs stay in $OUT (default: a new
# /tmp/weft-rt-bench.* directory).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export PATH="$PATH:/usr/local/go/bin:$HOME/.cargo/bin"
RUNS=${RUNS:-1}
OUT=${OUT:-$(mktemp -d /tmp/weft-rt-bench.XXXXXX)}
mkdir -p "$OUT"
TRIXIE_REGISTRY=/opt/debian-trixie-rust/usr/share/cargo/registry

args_rs=()
args_go=()
if [ -n "${ONLY:-}" ]; then args_rs+=(--only "$ONLY"); args_go+=(-only "$ONLY"); fi
if [ -n "${NO_MEM:-}" ]; then args_rs+=(--no-mem); args_go+=(-no-mem); fi

echo "== build" >&2
"$HERE/tokio-rt/run.sh" --build
columns=("t124:$HERE/tokio-rt/target/release/tokio-rt-bench")
if [ -d "$TRIXIE_REGISTRY" ] && [ -z "${NO_TOKIO143:-}" ]; then
  TOKIO=1.43 "$HERE/tokio-rt/run.sh" --build
  columns+=("t143:$HERE/tokio-rt/tokio-1.43/target/release/tokio-rt-bench")
else
  echo "   (tokio 1.43 column left out: run bench/fetch-trixie-crates.sh to add it)" >&2
fi
(cd "$ROOT" && go build -o "$OUT/weft" ./cmd/weft)
columns+=("go:$OUT/weft" "weft:$OUT/weft")

# run KEY EXE ARGS...: one program of the table with the given arguments.
run() {
  local key=$1 exe=$2
  shift 2
  case $key in
    weft) "$exe" bench -anchors -impl weft "$@" ;;
    go) "$exe" bench -anchors -impl goroutine "$@" ;;
    *) "$exe" "$@" ;;
  esac
}

# By default each pass runs one bench on every program in turn before the
# next bench: this 2-vCPU guest switches between a fast and a slow state
# (the same row of the same program differs by 2x between passes) that
# lasts for tens of seconds, so programs measured minutes apart may see
# different machines, while programs measured seconds apart see the same
# one. The names are the Rust program's list; the memory rows come last.
benches=$(grep -o '("[a-z0-9_]*", [a-z0-9_]*)' "$HERE/tokio-rt/src/main.rs" | cut -d'"' -f2)
if [ -z "${NO_MEM:-}" ]; then benches+=$'\nmem_idle_notify\nmem_idle_oneshot'; fi
for ((r = 1; r <= RUNS; r++)); do
  for c in "${columns[@]}"; do : > "$OUT/${c%%:*}.$r.txt"; done
  if [ -n "${BY_PROGRAM:-}" ]; then
    for c in "${columns[@]}"; do
      echo "== pass $r/$RUNS: ${c%%:*}" >&2
      if [ "${c%%:*}" = weft ] || [ "${c%%:*}" = go ]; then
        run "${c%%:*}" "${c#*:}" "${args_go[@]}"
      else
        run "${c%%:*}" "${c#*:}" "${args_rs[@]}"
      fi >> "$OUT/${c%%:*}.$r.txt"
    done
    continue
  fi
  for b in $benches; do
    if [ -n "${ONLY:-}" ] && [[ $b != *"$ONLY"* ]]; then continue; fi
    echo "== pass $r/$RUNS: $b" >&2
    for c in "${columns[@]}"; do
      key=${c%%:*}
      case $key in
        weft | go) run "$key" "${c#*:}" -only "$b" ;;
        *) run "$key" "${c#*:}" --only "$b" ;;
      esac >> "$OUT/$key.$r.txt"
    done
  done
done

for f in "$OUT"/*.txt; do
  key=$(basename "$f" .txt)
  awk -v k="${key%.*}" '!/^#/ && NF >= 4 { print k, $1, $3, $4 }' "$f"
done | awk -v runs="$RUNS" -v subject=weft -v fallback=go \
  -v cols="t124:tokio-1.24.2 t143:tokio-1.43 go:goroutines weft:weft" -f "$HERE/table.awk"
# The cross-core probe before each bench: this machine's main source of noise.
for key in t124 t143 go weft; do
  ls "$OUT/$key".*.txt >/dev/null 2>&1 || continue
  grep -ho 'c2c_ns=[0-9]*' "$OUT/$key".*.txt | cut -d= -f2 | sort -n |
    awk -v k="$key" '{ v[++n] = $1 } END { if (n) printf "c2c_ns %-5s min=%d median=%d max=%d (n=%d)\n", k, v[1], v[int((n + 1) / 2)], v[n], n }'
done
echo "(raw outputs: $OUT; op = one whole workload iteration; see bench/README.md)"
