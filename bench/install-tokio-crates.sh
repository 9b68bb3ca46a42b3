#!/usr/bin/env bash
# Makes sure Debian's packaged tokio crate (and the crates it depends on) is
# in /usr/share/cargo/registry, where the Rust programs under bench/ find it
# offline (see their .cargo/config.toml). Installs librust-tokio-dev once.
set -euo pipefail
if [ -d /usr/share/cargo/registry ] && ls /usr/share/cargo/registry | grep -q '^tokio-1'; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "bench: tokio's crates are missing and there is no apt-get: install librust-tokio-dev" >&2
  exit 1
fi
echo "== installing librust-tokio-dev" >&2
(apt-get update -qq && apt-get install -y -qq librust-tokio-dev) >&2
