#!/usr/bin/env bash
# Prints weft's I/O table: TCP echo servers on Tokio, on goroutines and on
# weft, driven by the same client (loadgen) in the same run, side by side
# with the ratios weft/X (or goroutines/X while weft has no echo server).
#
#   bench/io/compare.sh                     one pass against every server (~1.5 min a server)
#   RUNS=3 bench/io/compare.sh              3 interleaved passes; each cell is the median of
#                                           the per-pass figures, plus a spread column
#   DURATION=5s WARMUP=1s                   measured / unmeasured time of each pingpong run
#   PINGPONG_CONNS="1 100 1000"             connection counts of the pingpong runs
#   IDLE_CONNS=9000 NO_MEM=1                connections of the idle-memory test / skip it
#   SIZE=64                                 message size in bytes
#   NO_TOKIO143=1                           leave out the tokio 1.43 column
#
# Servers (contract in bench/io/README.md: "listening IP:PORT" as the only
# stdout line, serve until SIGTERM):
#   tokio-1.24.2  bench/io/tokio-echo on Debian bookworm's tokio (librust-tokio-dev)
#   tokio-1.43    the same on trixie's tokio 1.43, after bench/fetch-trixie-crates.sh
#   goroutines    bench/io/goecho
#   weft          `weft echo -addr A` from cmd/weft, when that command exists;
#                 otherwise the column is left out with a note
# For each pass and server: one server process for the pingpong runs, then a
# fresh one for the idle-memory test. Raw outputs and server logs stay in
# $OUT (default: a new /tmp/weft-io-bench.* directory).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export PATH="$PATH:/usr/local/go/bin:$HOME/.cargo/bin"
# Every idle connection is a descriptor in the server and one in loadgen.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
RUNS=${RUNS:-1}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
PINGPONG_CONNS=${PINGPONG_CONNS:-1 100 1000}
IDLE_CONNS=${IDLE_CONNS:-9000}
SIZE=${SIZE:-64}
OUT=${OUT:-$(mktemp -d /tmp/weft-io-bench.XXXXXX)}
mkdir -p "$OUT"
TRIXIE_REGISTRY=/opt/debian-trixie-rust/usr/share/cargo/registry
if [ -z "${NO_MEM:-}" ] && [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_CONNS + 100)) ]; then
  echo "   warning: descriptor limit $(ulimit -n) is below IDLE_CONNS=$IDLE_CONNS; the idle test will fail" >&2
fi

# --- servers ----------------------------------------------------------------
SERVER_PID=
trap 'if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; fi' EXIT

# alive PID: the process exists and is not a zombie.
alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ]
}

# start KEY EXE LOG: starts a server with its output in LOG.out and LOG.err and
# waits up to 10 s for its "listening IP:PORT" line; sets SERVER_PID and
# SERVER_ADDR, or returns 1.
start() {
  local key=$1 exe=$2 log=$3 line i
  local cmd=("$exe" -addr 127.0.0.1:0)
  case $key in
    weft) cmd=("$exe" echo -addr 127.0.0.1:0) ;;
    t124 | t143) cmd=("$exe" --addr 127.0.0.1:0) ;;
  esac
  : > "$log.out"
  "${cmd[@]}" > "$log.out" 2> "$log.err" &
  SERVER_PID=$!
  SERVER_LOG=$log
  for ((i = 0; i < 100; i++)); do
    line=$(head -n 1 "$log.out")
    if [[ $line =~ ^listening\ ([0-9.]+:[0-9]+)$ ]]; then
      SERVER_ADDR=${BASH_REMATCH[1]}
      return 0
    fi
    if [ -n "$line" ] || ! alive "$SERVER_PID"; then break; fi
    sleep 0.1
  done
  echo "   $key: no 'listening IP:PORT' line from ${cmd[*]}: $(head -c 200 "$log.out" "$log.err" | tr '\n' ' ')" >&2
  stop
  return 1
}

# stop: SIGTERM, then SIGKILL after 5 s; warns when the server had died
# already or wrote more than its one line on stdout.
stop() {
  local i
  alive "$SERVER_PID" || echo "   server $SERVER_PID had exited before it was stopped (see $SERVER_LOG.err)" >&2
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive "$SERVER_PID" || break
    sleep 0.1
  done
  if alive "$SERVER_PID"; then
    echo "   server $SERVER_PID ignored SIGTERM for 5 s: killed" >&2
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  if [ "$(wc -l < "$SERVER_LOG.out")" -gt 1 ]; then
    echo "   server wrote more than its 'listening' line on stdout (see $SERVER_LOG.out)" >&2
  fi
  SERVER_PID=
}

# --- build ------------------------------------------------------------------
echo "== build" >&2
"$ROOT/bench/install-tokio-crates.sh"
(cd "$HERE/tokio-echo" && cargo build --release --quiet)
servers=("t124:$HERE/tokio-echo/target/release/tokio-echo")
if [ -d "$TRIXIE_REGISTRY" ] && [ -z "${NO_TOKIO143:-}" ]; then
  (cd "$HERE/tokio-echo/tokio-1.43" && cargo build --release --quiet)
  servers+=("t143:$HERE/tokio-echo/tokio-1.43/target/release/tokio-echo")
else
  echo "   (tokio 1.43 column left out: run bench/fetch-trixie-crates.sh to add it)" >&2
fi
(cd "$ROOT" && go build -o "$OUT/goecho" ./bench/io/goecho && go build -o "$OUT/loadgen" ./bench/io/loadgen &&
  go build -o "$OUT/weft" ./cmd/weft)
servers+=("go:$OUT/goecho")
# weft's column needs the `weft echo` command; probe it before counting on it.
if start weft "$OUT/weft" "$OUT/weft.probe" 2> /dev/null; then
  stop
  servers+=("weft:$OUT/weft")
else
  echo "   (weft column left out: this cmd/weft has no working 'weft echo -addr A' command yet;" \
    "see $OUT/weft.probe.err)" >&2
fi

# --- run --------------------------------------------------------------------
# fail LINE-NAME UNIT FILE: a FAIL line, so the table shows the failure.
fail() { printf '%-28s %8d %12s %s\n' "$1" 0 FAIL "$2" >> "$3"; }
for ((r = 1; r <= RUNS; r++)); do
  echo "pass $r: $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/load.txt"
  for s in "${servers[@]}"; do
    key=${s%%:*}
    exe=${s#*:}
    res=$OUT/$key.$r.txt
    : > "$res"
    echo "== pass $r/$RUNS: $key" >&2
    if start "$key" "$exe" "$OUT/$key.$r.pingpong"; then
      for n in $PINGPONG_CONNS; do
        "$OUT/loadgen" pingpong -addr "$SERVER_ADDR" -conns "$n" -size "$SIZE" -duration "$DURATION" \
          -warmup "$WARMUP" >> "$res" 2>> "$OUT/$key.$r.loadgen.err" ||
          { echo "   $key: pingpong with $n connections failed (see $OUT/$key.$r.loadgen.err)" >&2
            fail "io_pingpong_$n" ns/op "$res"; }
      done
      stop
    else
      for n in $PINGPONG_CONNS; do fail "io_pingpong_$n" ns/op "$res"; done
    fi
    [ -n "${NO_MEM:-}" ] && continue
    # A fresh server, so that memory freed after the pingpong runs is not reused.
    if start "$key" "$exe" "$OUT/$key.$r.idle"; then
      "$OUT/loadgen" idle -addr "$SERVER_ADDR" -pid "$SERVER_PID" -conns "$IDLE_CONNS" -size "$SIZE" >> "$res" \
        2>> "$OUT/$key.$r.loadgen.err" ||
        { echo "   $key: idle test failed (see $OUT/$key.$r.loadgen.err)" >&2
          fail "mem_idle_conns_$IDLE_CONNS" B/conn "$res"; }
      stop
    else
      fail "mem_idle_conns_$IDLE_CONNS" B/conn "$res"
    fi
  done
done

# --- table ------------------------------------------------------------------
# Each pingpong line gives three rows: ns/op (mean round trip under load),
# .rps (round trips per second: there > 1 in a ratio means weft is faster)
# and .p99 (latency, µs).
for f in "$OUT"/*.[0-9]*.txt; do
  key=$(basename "$f" .txt)
  awk -v k="${key%.*}" '!/^#/ && NF >= 4 {
    print k, $1, $3, $4
    for (i = 5; i <= NF; i++) {
      if ($i ~ /^rps=/) print k, $1 ".rps", substr($i, 5), "rt/s"
      if ($i ~ /^p99_us=/) print k, $1 ".p99", substr($i, 8), "us"
    }
  }' "$f"
done | awk -v runs="$RUNS" -v subject=weft -v fallback=go \
  -v cols="t124:tokio-1.24.2 t143:tokio-1.43 go:goroutines weft:weft" -f "$ROOT/bench/table.awk"
for key in t124 t143; do
  f=$(ls "$OUT/$key".*.pingpong.err 2>/dev/null | head -n 1 || true)
  [ -n "$f" ] && sed -n "s/^tokio-echo: /$key: /p" "$f"
done
cat "$OUT/load.txt"
echo "(raw outputs: $OUT; DURATION=$DURATION WARMUP=$WARMUP SIZE=$SIZE RUNS=$RUNS; see bench/io/README.md)"
