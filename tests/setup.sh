#!/bin/sh
# Install what building and testing need, skipping what is there already:
# Debian packages (as root, through apt-get) and the pinned reference
# implementation under tests/interop/node_modules (through npm ci).
set -eu
cd "$(dirname "$0")/.."

# prometheus: only for its promtool (tests/cli/metrics.bats checks a scrape
# with `promtool check metrics`); Debian ships no smaller package of it.
pkgs="build-essential pkg-config libuv1-dev libwslay-dev libhttp-parser-dev
libjq-dev libbsd-dev libcmocka-dev bats groff-base valgrind mandoc jq zsh fish
prometheus parallel"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	echo "setup: installing Debian packages:$missing" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: not root; install them with: apt-get install$missing" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
fi

# The reference, pinned by tests/interop/package-lock.json.
stamp=tests/interop/node_modules/.liskp2p-stamp
if [ ! -f "$stamp" ] || ! cmp -s tests/interop/package-lock.json "$stamp"; then
	echo "setup: installing the reference (npm ci in tests/interop)" >&2
	(cd tests/interop && npm ci --no-audit --no-fund --ignore-scripts >&2)
	cp tests/interop/package-lock.json "$stamp"
fi
