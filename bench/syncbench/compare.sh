#!/usr/bin/env bash
# Runs the sync/time benchmarks of issue #4 on Tokio (bench/tokio-sync), on
# goroutines and on weft (go run ./bench/syncbench) and prints one table:
# the three medians and the ratios weft/tokio and weft/goroutines (< 1: weft
# is faster or smaller).
#
#   bench/syncbench/compare.sh               one pass of everything (~10 min with the sleepers)
#   RUNS=2 bench/syncbench/compare.sh        2 interleaved passes; each cell is the median
#                                            of the per-pass medians, plus a spread column
#   BY_PROGRAM=1 bench/syncbench/compare.sh  run each program's whole list in one go per
#                                            pass (the default runs one bench at a time on
#                                            every program in turn, below)
#   ONLY=notify bench/syncbench/compare.sh   only benches whose name contains "notify"
#   NO_MEM=1 bench/syncbench/compare.sh      skip the 10^6-sleepers test
#
# Lines are "name iters median unit key=value..." (see bench/tokio-sync/src/main.rs);
# op = one iteration of Tokio's criterion bench. Raw outputs stay in $OUT
# (default: a new /tmp/syncbench.* directory). Knobs passed through:
# ANCHOR_SAMPLES, ANCHOR_SAMPLE_MS, ANCHOR_WARMUP_MS, SLEEPERS_DEADLINE_MS.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export PATH="$PATH:/usr/local/go/bin:$HOME/.cargo/bin"
RUNS=${RUNS:-1}
OUT=${OUT:-$(mktemp -d /tmp/syncbench.XXXXXX)}
mkdir -p "$OUT"

args_rs=(); args_go=()
if [ -n "${ONLY:-}" ]; then args_rs+=(--only "$ONLY"); args_go+=(-only "$ONLY"); fi
if [ -n "${NO_MEM:-}" ]; then args_rs+=(--no-mem); args_go+=(-no-mem); fi

echo "== build" >&2
"$ROOT/bench/tokio-sync/run.sh" --build
(cd "$ROOT" && go build -o "$OUT/syncbench" ./bench/syncbench)

tokio_exe="$ROOT/bench/tokio-sync/target/release/tokio-sync-bench"

# By default each pass runs one bench on every program in turn before the
# next bench, as bench/compare.sh does: this 2-vCPU guest switches between
# fast and slow states that last tens of seconds, so programs measured
# minutes apart may see different machines (see bench/README.md). The list
# is weft's (it has every bench); an -only value ending in "$" selects one
# bench by its whole name (notify_one_10 without notify_one_100). The
# sleepers test is one run that prints its four lines, so it is one step.
benches=$("$OUT/syncbench" -list | awk '{ print $1 }')
if [ -z "${NO_MEM:-}" ]; then
  for b in sleep_1M_spawn sleep_1M_register sleep_1M_mem sleep_1M_fire; do
    if [ -z "${ONLY:-}" ] || [[ $b == *"$ONLY"* ]]; then
      benches+=$'\nsleep_1M_'
      break
    fi
  done
fi
for ((r = 1; r <= RUNS; r++)); do
  if [ -n "${BY_PROGRAM:-}" ]; then
    echo "== run $r/$RUNS tokio" >&2
    "$tokio_exe" "${args_rs[@]}" > "$OUT/tokio.$r.txt"
    echo "== run $r/$RUNS goroutines" >&2
    "$OUT/syncbench" -impl goroutine "${args_go[@]}" > "$OUT/go.$r.txt"
    echo "== run $r/$RUNS weft" >&2
    "$OUT/syncbench" -impl weft "${args_go[@]}" > "$OUT/weft.$r.txt"
    continue
  fi
  for k in tokio go weft; do : > "$OUT/$k.$r.txt"; done
  for b in $benches; do
    if [ -n "${ONLY:-}" ] && [[ $b != *"$ONLY"* ]] && [ "$b" != sleep_1M_ ]; then continue; fi
    sel="$b\$"
    if [ "$b" = sleep_1M_ ]; then sel=sleep_1M_; fi
    echo "== pass $r/$RUNS: $b" >&2
    "$tokio_exe" --only "$sel" >> "$OUT/tokio.$r.txt"
    "$OUT/syncbench" -impl goroutine -only "$sel" >> "$OUT/go.$r.txt"
    "$OUT/syncbench" -impl weft -only "$sel" >> "$OUT/weft.$r.txt"
  done
done

# weft first: its list has every bench (Tokio 1.24 lacks recv_many), so the
# table follows its order.
{
  for k in weft go tokio; do
    for f in "$OUT/$k".*.txt; do
      awk -v k="$k" '!/^#/ && NF >= 4 { print k, $1, $3, $4 }' "$f"
    done
  done
} | awk -v runs="$RUNS" '
  function median(s,   n, v, i, j, t) {
    n = split(s, v, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  function spread(s,   n, v, i, lo, hi, m) {
    n = split(s, v, " "); if (n < 2) return "-"
    lo = hi = v[1] + 0
    for (i = 2; i <= n; i++) { if (v[i] + 0 < lo) lo = v[i] + 0; if (v[i] + 0 > hi) hi = v[i] + 0 }
    m = median(s); return (m > 0) ? sprintf("%.0f%%", 100 * (hi - lo) / m) : "-"
  }
  function cell(k, b,   s) { s = vals[k, b]; if (s == "") return "-"; return sprintf("%.0f", median(s)) }
  function ratio(a, b) { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) return "-"; return sprintf("%.2f", a / b) }
  {
    if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
    vals[$1, $2] = (vals[$1, $2] == "" ? "" : vals[$1, $2] " ") $3
    unit[$2] = $4
  }
  END {
    hdr = sprintf("%-40s %-7s %14s %14s %14s %10s %10s", "bench", "unit", "tokio", "goroutines", "weft", "weft/tokio", "weft/go")
    if (runs > 1) hdr = hdr "   spread t,g,w"
    print hdr
    for (i = 1; i <= n; i++) {
      b = order[i]; t = cell("tokio", b); g = cell("go", b); w = cell("weft", b)
      line = sprintf("%-40s %-7s %14s %14s %14s %10s %10s", b, unit[b], t, g, w, ratio(w, t), ratio(w, g))
      if (runs > 1) line = line sprintf("   %s,%s,%s", spread(vals["tokio", b]), spread(vals["go", b]), spread(vals["weft", b]))
      print line
    }
  }'
for k in tokio go weft; do
  cat "$OUT/$k".*.txt | grep -o 'c2c_ns=[0-9]*' | cut -d= -f2 | sort -n |
    awk -v k="$k" '{ v[++n] = $1 } END { if (n) printf "c2c_ns %-5s min=%d median=%d max=%d (n=%d)\n", k, v[1], v[int((n + 1) / 2)], v[n], n }'
done
grep -h WARNING "$OUT"/*.txt || true
echo "(raw outputs: $OUT; op = one iteration of Tokio's bench, see bench/syncbench/README.md)"
