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
#
# and, for test files that place their nodes on one /24 of loopback per test:
#   node_setup PREFIX          T, and NET=PREFIX.(100 + test number)
#   node_teardown              stop_all, then sanitizer_clean: fails when a
#                              $T/*.err holds a sanitizer report
#   cnode NAME LAST-OCTET ARGS...   p2p-node on $NET.LAST-OCTET
#   rnode NAME ARGS...         reference node on 0.0.0.0
#   npeers NAME / wait_peers NAME N [SECONDS]
#   rawws ARGS...              tests/interop/rawws.py

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

# node_setup PREFIX: this test's T, and its own addresses
# NET=PREFIX.(100 + test number), e.g. node_setup 127.71 in the first test
# gives NET=127.71.101 (each file its own PREFIX)
node_setup() {
	T=$BATS_TEST_TMPDIR
	NET=$1.$((100 + BATS_TEST_NUMBER))
}

# sanitizer_clean: no NAME.err of this test holds a sanitizer report
# (leaks included)
sanitizer_clean() {
	! grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
	    "$T"/*.err 2>/dev/null
}

# node_teardown: every process stopped, and every p2p-node ended without
# a sanitizer report
node_teardown() {
	stop_all
	sanitizer_clean
}

# cnode NAME LAST-OCTET ARGS...: a p2p-node of chain 10000000 listening on
# $NET.LAST-OCTET (port in P_NAME), book $T/NAME.book, with CFAST (the
# file's options for every p2p-node: fast timers, -v) and ARGS; it waits
# for STARTED.
# With CMETRICS set, also --metrics $NET.LAST-OCTET:0 (port in M_NAME).
# NAME is added to CNODES.
cnode() {
	local name=$1 ip=$NET.$2 port
	shift 2
	port=$(free_port "$ip")
	eval "P_$name=$port"
	CNODES+=("$name")
	start_cnode "$name" --chain-id 10000000 --listen "$ip:$port" \
	    -b "$T/$name.book" ${CMETRICS:+--metrics "$ip:0"} "${CFAST[@]}" "$@"
	wait_line "$T/$name.out" '"type":"STARTED"'
	[ -z "${CMETRICS:-}" ] ||
	    eval "M_$name=$(jq -r 'select(.type=="STARTED").metricsPort' \
	    "$T/$name.out")"
}

# rnode NAME ARGS...: a reference node on 0.0.0.0 (port in P_NAME) with
# RFAST (the file's options for every reference node) and ARGS; it waits
# for ready.  The reference
# dials from 127.0.0.1 whatever its hostIp, and drops seeds on its own
# hostIp, so reference nodes only meet each other on 127.0.0.1.  NAME is
# added to RNODES.
rnode() {
	local name=$1 port
	shift
	port=$(free_port 0.0.0.0)
	eval "P_$name=$port"
	RNODES+=("$name")
	start_rnode "$name" --host 0.0.0.0 --port "$port" "${RFAST[@]}" "$@"
	wait_line "$T/$name.out" '"type":"ready"'
}

# npeers NAME: how many peers NAME reports connected (getConnectedPeers;
# ids from a file: it runs in command substitutions)
npeers() {
	local id
	id=$(($(cat "$T/id" 2>/dev/null || echo 5000) + 1))
	echo $id >"$T/id"
	cmd "$1" "{\"op\":\"getConnectedPeers\",\"id\":$id}"
	reply "$1" "$id" | jq '.peers | length'
}

# wait_peers NAME N [SECONDS]: until NAME has at least N connected peers
# (20 s unless told)
wait_peers() {
	local i
	for ((i = 0; i < ${3:-20} * 5; i++)); do
		[ "$(npeers "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	echo "$1 has $(npeers "$1") peers, not $2" >&2
	return 1
}

# rawws ARGS...: tests/interop/rawws.py, a naive WebSocket client
rawws() {
	python3 "$LISKP2P_TOP/tests/interop/rawws.py" "$@"
}
