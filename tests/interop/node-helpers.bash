# node-helpers.bash — start, drive and stop p2p-node and reference nodes
# from bats (load ../cli/helpers first).  Every process started here is
# recorded and stopped by stop_all (call it from teardown).
#
#   start_cnode NAME ARGS...   p2p-node, stdin from a FIFO we hold open,
#                              stdout $T/NAME.out, stderr $T/NAME.err
#   start_rnode NAME ARGS...   tests/interop/ref-node.js, same files
#   cmd NAME JSON              one command line to NAME's stdin
#   reply NAME ID [TRIES]      waits for and prints NAME's reply line ID
#   stop_all                   SIGTERM, then SIGKILL after 5 s

T=${BATS_TEST_TMPDIR:-/tmp}

_record() {	# NAME PID FD
	echo "$2" >>"$T/pids"
	eval "NODE_FD_$1=$3 NODE_PID_$1=$2"
}

start_cnode() {
	local name=$1 fd
	shift
	mkfifo "$T/$name.in"
	exec {fd}<>"$T/$name.in"
	p2p-node "$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" 3>&- &
	_record "$name" $! "$fd"
}

start_rnode() {
	local name=$1 fd
	shift
	mkfifo "$T/$name.in"
	exec {fd}<>"$T/$name.in"
	node "$LISKP2P_TOP/tests/interop/ref-node.js" "$@" <"$T/$name.in" \
	    >"$T/$name.out" 2>"$T/$name.err" 3>&- &
	_record "$name" $! "$fd"
}

cmd() {
	local fd
	eval "fd=\$NODE_FD_$1"
	printf '%s\n' "$2" >&"$fd"
}

# reply NAME ID [TRIES]: the REPLY (or ERROR) line with "id":ID
reply() {
	wait_line "$T/$1.out" "\"type\":\"(REPLY|ERROR)\".*\"id\":$2[,}]" "${3:-100}" ||
	    { echo "no reply $2 from $1" >&2; return 1; }
	grep -E "\"type\":\"(REPLY|ERROR)\".*\"id\":$2[,}]" "$T/$1.out" | head -1
}

# count_lines FILE REGEX
count_lines() {
	grep -cE "$2" "$1" || true
}

# wait_count FILE REGEX N [TRIES]: until at least N lines match
wait_count() {
	local i
	for ((i = 0; i < ${4:-100}; i++)); do
		[ "$(grep -cE "$2" "$1")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

stop_all() {
	local p i
	[ -f "$T/pids" ] || return 0
	for p in $(cat "$T/pids"); do kill -TERM "$p" 2>/dev/null; done
	for ((i = 0; i < 50; i++)); do
		local alive=0
		for p in $(cat "$T/pids"); do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ $alive -eq 0 ] && break
		sleep 0.1
	done
	for p in $(cat "$T/pids"); do kill -KILL "$p" 2>/dev/null; done
	rm -f "$T/pids"
}

# alive NAME: the process started as NAME still runs
alive() {
	local p
	eval "p=\$NODE_PID_$1"
	kill -0 "$p" 2>/dev/null
}

# stop_one NAME: SIGTERM and wait (5 s at most); prints the exit status
stop_one() {
	local p i
	eval "p=\$NODE_PID_$1"
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	wait "$p"
}

# tohex STRING / fromhex HEX (no xxd needed)
tohex() {
	printf %s "$1" | od -An -tx1 -v | tr -d ' \n'
}
fromhex() {
	printf '%b' "$(printf %s "$1" | sed 's/../\\x&/g')"
}
