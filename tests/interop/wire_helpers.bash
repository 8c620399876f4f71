# wire_helpers.bash — reference nodes and the C test peer for interop tests.
# Load after ../cli/helpers.  Every process started here is recorded and
# stopped by stop_all (call it from teardown).

INTEROP_DIR="$LISKP2P_TOP/tests/interop"

# start_until REGEX NAME CMD...: run CMD with stdin from a FIFO we hold
# open, stdout in $BATS_TEST_TMPDIR/NAME.out; wait for a line matching
# REGEX (10 s).
start_until() {
	local ready=$1 name=$2 dir=$BATS_TEST_TMPDIR fd
	shift 2
	mkfifo "$dir/$name.in"
	"$@" <"$dir/$name.in" >"$dir/$name.out" 2>"$dir/$name.err" &
	echo $! >"$dir/$name.pid"
	exec {fd}<>"$dir/$name.in"
	if ! wait_line "$dir/$name.out" "$ready" 100; then
		echo "$name did not start:" >&2
		cat "$dir/$name.err" >&2
		return 1
	fi
}

# start_node NAME CMD...: start_until its "ready" line
start_node() {
	start_until '"type":"ready"' "$@"
}

start_ref() {	# NAME ARGS... (ref-node.js flags)
	local name=$1
	shift
	start_node "$name" node "$INTEROP_DIR/ref-node.js" "$@"
}

start_cpeer() {	# NAME ARGS... (c-peer flags)
	local name=$1
	shift
	start_node "$name" "$CPEER" "$@"
}

cmd() {		# NAME JSON
	echo "$2" >"$BATS_TEST_TMPDIR/$1.in"
}

out_of() {	# NAME
	cat "$BATS_TEST_TMPDIR/$1.out"
}

# wait_out NAME REGEX [TRIES of 0.1 s]
wait_out() {
	wait_line "$BATS_TEST_TMPDIR/$1.out" "$2" "${3:-100}"
}

nonce_of() {	# NAME
	sed -n 's/.*"type":"ready".*"nonce":"\([0-9a-f]*\)".*/\1/p' \
	    "$BATS_TEST_TMPDIR/$1.out"
}

# stop_node NAME: "stop" command, then TERM, then KILL; wait for it.
stop_node() {
	local f=$BATS_TEST_TMPDIR/$1.pid pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	rm -f "$f"
	echo '{"op":"stop"}' >"$BATS_TEST_TMPDIR/$1.in" 2>/dev/null &
	for ((i = 0; i < 30; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
	fi
	for ((i = 0; i < 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
	fi
	wait "$pid" 2>/dev/null
	# a C node must end clean under ASan/LSan/UBSan
	if grep -qE 'Sanitizer|runtime error' "$BATS_TEST_TMPDIR/$1.err"; then
		echo "$1: sanitizer report:" >&2
		head -40 "$BATS_TEST_TMPDIR/$1.err" >&2
		return 1
	fi
	return 0
}

stop_all() {
	local f rc=0
	for f in "$BATS_TEST_TMPDIR"/*.pid; do
		[ -e "$f" ] || continue
		stop_node "$(basename "$f" .pid)" || rc=1
	done
	return $rc
}

# Build the C test peer (sanitizer library) once per file.
build_cpeer() {
	CPEER=$BATS_FILE_TMPDIR/c-peer
	export CPEER
	[ -x "$CPEER" ] && return 0
	cc -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -I"$LISKP2P_TOP/lib" \
	    $(pkg-config --cflags libuv libbsd-overlay) -std=c11 -Wall \
	    -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -o "$CPEER" "$INTEROP_DIR/c-peer.c" \
	    "$LISKP2P_TOP/build/asan/libliskp2p-internal.a" \
	    $(pkg-config --libs libuv libbsd-overlay libmd) \
	    -lwslay -lhttp_parser -ljq -lm
}

rawws() {
	python3 "$INTEROP_DIR/rawws.py" "$@"
}

# absent NAME REGEX: NAME's output has no line matching REGEX (a negated
# command would not fail a bats test: set -e ignores "! cmd").
absent() {
	if grep -qE "$2" "$BATS_TEST_TMPDIR/$1.out"; then
		echo "$1: unexpected line matching $2:" >&2
		grep -E "$2" "$BATS_TEST_TMPDIR/$1.out" | head -3 >&2
		return 1
	fi
}
