# helpers.bash — loaded by every bats file (load ../cli/helpers).
# Programs come from the sanitizer build when tests/run.sh runs us, else
# from cmd/.
: "${LISKP2P_TOP:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
export LISKP2P_TOP
if [ -d "$LISKP2P_TOP/build/asan/bin" ]; then
	PATH="$LISKP2P_TOP/build/asan/bin:$PATH"
else
	PATH="$LISKP2P_TOP/cmd:$PATH"
fi
: "${LISK_REF_NODE_MODULES:=$LISKP2P_TOP/tests/interop/node_modules}"
export LISK_REF_NODE_MODULES
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"

# A free TCP port on ADDR (default 127.0.0.1).
free_port() {
	python3 -c 'import socket,sys
s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "${1:-127.0.0.1}"
}

# wait_for CMD...: retry CMD every 0.1 s for at most $WAIT_TRIES (50) times.
wait_for() {
	local i
	for ((i = 0; i < ${WAIT_TRIES:-50}; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# wait_line FILE REGEX [TRIES]: until a line of FILE matches REGEX.
wait_line() {
	WAIT_TRIES=${3:-100} wait_for grep -qE "$2" "$1"
}

# The load generator (bench/loadgen.c) is a tool of the flow tests, not
# under test: built -O2 on the plain library (make check builds it first)
# into $LOADGEN, so that it is not the bottleneck; on the sanitizer
# library when that cannot be made.
build_loadgen() {
	local top=$LISKP2P_TOP pkgs="libuv libbsd-overlay libmd" lib san
	export LOADGEN="$BATS_FILE_TMPDIR/loadgen"
	lib=$top/build/libliskp2p-internal.a san="-O2"
	make -s -C "$top" build/libliskp2p-internal.a >/dev/null 2>&1 ||
	    { lib=$top/build/asan/libliskp2p-internal.a
	      san="-O1 -fsanitize=address,undefined"; }
	# shellcheck disable=SC2086
	cc -std=c11 -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -I"$top/lib" \
	    $(pkg-config --cflags $pkgs) $san -g \
	    -o "$LOADGEN" "$top/bench/loadgen.c" "$lib" \
	    $(pkg-config --libs $pkgs) -lwslay -lhttp_parser -ljq -lm
}

# need REASON: a tool or facility this test needs is missing.  Outside
# make check (a developer's machine) the test is skipped; under make
# check (LISKP2P_CHECK, tests/setup.sh installed everything) it fails, so
# that a skip never counts as a pass there.
need() {
	if [ -n "${LISKP2P_CHECK:-}" ]; then
		echo "missing under make check: $1" >&2
		return 1
	fi
	skip "$1"
}
