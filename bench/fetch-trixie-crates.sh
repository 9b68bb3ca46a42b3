#!/usr/bin/env bash
# Optional: unpacks a newer tokio for the "tokio 1.43" columns of
# bench/compare.sh and bench/io/compare.sh (bench/*/tokio-1.43 build from it).
#
# Debian bookworm packages tokio 1.24.2 (librust-tokio-dev), which predates
# the cap on LIFO-slot polls (tokio 1.29) and the 128-byte task alignment;
# Debian trixie packages tokio 1.43. This script fetches trixie's
# librust-tokio-dev and every librust-*-dev package it depends on, and
# extracts their crate sources under $DEST (default /opt/debian-trixie-rust).
# It installs nothing: apt runs with a configuration, state and cache of its
# own under $WORK, so the machine's apt sources and packages stay as they
# are. Needs apt-get, apt-cache and dpkg-deb, and the network access apt has.
set -euo pipefail
DEST=${DEST:-/opt/debian-trixie-rust}
WORK=${WORK:-/var/tmp/weft-trixie-apt}
SUITE=${SUITE:-trixie}

# The mirror this machine's apt already uses (deb822 .sources, else sources.list).
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$mirror" ]; then
  mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
fi
if [ -z "$mirror" ]; then
  echo "fetch-trixie-crates: no Debian mirror in this machine's apt sources" >&2
  exit 1
fi

mkdir -p "$WORK/state/lists/partial" "$WORK/cache/archives/partial" "$WORK/debs" "$DEST"
printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
  "$mirror" "$SUITE" > "$WORK/sources.list"
apt_private=(
  -o "Dir::Etc::SourceList=$WORK/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State=$WORK/state" -o "Dir::State::Lists=$WORK/state/lists"
  -o Dir::State::status=/dev/null -o "Dir::Cache=$WORK/cache"
  -o APT::Sandbox::User=root
)
echo "== $SUITE package lists from $mirror" >&2
apt-get "${apt_private[@]}" update -qq

# Every librust-*-dev name in the dependency closure; some are virtual
# (provided by another package), so keep only those apt can show.
mapfile -t wanted < <(
  apt-cache "${apt_private[@]}" depends --recurse --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances librust-tokio-dev |
    grep -xE 'librust-[a-z0-9.+-]+-dev' | sort -u
)
mapfile -t packages < <(
  apt-cache "${apt_private[@]}" show --no-all-versions "${wanted[@]}" 2>/dev/null |
    awk '/^Package:/ { print $2 }' | sort -u
)
echo "== downloading ${#packages[@]} crate packages" >&2
(cd "$WORK/debs" && apt-get "${apt_private[@]}" download -qq "${packages[@]}")
for deb in "$WORK"/debs/*.deb; do
  dpkg-deb -x "$deb" "$DEST"
done
echo "tokio crates now in $DEST/usr/share/cargo/registry:"
ls "$DEST/usr/share/cargo/registry" | grep -E '^tokio-[0-9]'
