# watch_helpers.bash — networks of reference and C nodes for the p2p-watch
# interop tests.  Load after ../cli/helpers and wire_helpers (start_until,
# start_node, start_ref, stop_node).  Every process is recorded in a .pid file and
# stopped by stop_all_fast (call it from teardown).

# start_c NAME ARGS...: p2p-node with ARGS; waits for its STARTED line.
start_c() {
	local name=$1
	shift
	start_until '"type":"STARTED"' "$name" p2p-node "$@"
}

# start_fake NAME ARGS...: the fake Lisk Core 4 peer; waits for "started".
start_fake() {
	local name=$1 dir=$BATS_TEST_TMPDIR
	shift
	LISK_CORE4_VECTORS="$LISKP2P_TOP/tests/vectors/lisk-core-4.json" \
	    node "$LISKP2P_TOP/tests/interop/fake-lisk-core-peer.js" "$@" \
	    </dev/null >"$dir/$name.out" 2>"$dir/$name.err" &
	echo $! >"$dir/$name.pid"
	if ! wait_line "$dir/$name.out" '"ev":"started"' 100; then
		echo "$name did not start:" >&2
		cat "$dir/$name.err" >&2
		return 1
	fi
}

# Stop every recorded process at once: TERM (both kinds stop gracefully),
# then KILL after 3 s; many nodes stop in about a second.
stop_all_fast() {
	local f pids=() pid i
	for f in "$BATS_TEST_TMPDIR"/*.pid; do
		[ -e "$f" ] || continue
		pids+=("$(cat "$f")")
		rm -f "$f"
	done
	[ "${#pids[@]}" -gt 0 ] || return 0
	kill -TERM "${pids[@]}" 2>/dev/null
	for ((i = 0; i < 30; i++)); do
		any_alive "${pids[@]}" || break
		sleep 0.1
	done
	kill -KILL "${pids[@]}" 2>/dev/null
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	return 0
}

any_alive() {
	local p
	for p; do
		kill -0 "$p" 2>/dev/null && return 0
	done
	return 1
}
