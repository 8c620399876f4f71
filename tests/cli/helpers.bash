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
