#!/bin/sh
# What `make fuzz` needs beyond `make check`: clang with libFuzzer's
# runtime (Debian 12: clang and libclang-rt-14-dev).  Installs them as
# root through apt-get when missing; otherwise says what to install.
set -eu
cc=${FUZZ_CC:-clang}
probe() {
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n'\
'{ (void)d; (void)n; return 0; }\n' >"$1/t.c"
	"$cc" -fsanitize=fuzzer,address,undefined -o "$1/t" "$1/t.c" \
	    >/dev/null 2>&1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if command -v "$cc" >/dev/null 2>&1 && probe "$tmp"; then
	exit 0
fi
pkgs="clang libclang-rt-14-dev"
if [ "$(id -u)" -ne 0 ]; then
	echo "fuzz setup: $cc cannot build with -fsanitize=fuzzer;" \
	    "install: apt-get install $pkgs" >&2
	exit 1
fi
echo "fuzz setup: installing $pkgs" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >&2
probe "$tmp" || { echo "fuzz setup: $cc still cannot link libFuzzer" >&2;
    exit 1; }
