#!/bin/sh
# Run every test: C unit tests (cmocka, ASan+UBSan build), fuzz corpus
# replay, CLI tests (bats) and interop tests (bats, against the reference).
# Ends with one line "N passed, N failed"; exits 1 when anything failed.
#
# Environment: TESTS="unit fuzz cli interop" picks suites; BATS_FILTER is
# passed to bats --filter; TEST_JOBS (default 2) bats files run at once.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
asan=build/asan
log=build/test-logs
mkdir -p "$log"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export PATH="$top/$asan/bin:$PATH"
export LISKP2P_TOP="$top"
export LISKP2P_CHECK=1		# tests that skip on a dev box must run here
export LISK_REF_NODE_MODULES="$top/tests/interop/node_modules"
suites=${TESTS:-unit fuzz cli interop}
pass=0
fail=0

count_tap() {	# file -> "passed failed" of a TAP log
	echo "$(grep -c '^ok ' "$1") $(grep -c '^not ok ' "$1")"
}

for s in $suites; do
	case $s in
	unit)
		for t in $asan/tests/test_*; do
			[ -x "$t" ] || continue
			n=$(basename "$t")
			CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$t" >"$log/$n.tap" 2>"$log/$n.err"
			rc=$?
			set -- $(count_tap "$log/$n.tap")
			pass=$((pass + $1)); fail=$((fail + $2))
			if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
				fail=$((fail + 1))	# crashed or timed out
				echo "not ok $n exited $rc"
			fi
			echo "unit $n: $1 passed, $2 failed"
			[ "$rc" -eq 0 ] || { grep '^not ok' "$log/$n.tap"; tail -20 "$log/$n.err"; }
		done ;;
	fuzz)
		for f in $asan/fuzz/fuzz_*; do
			[ -x "$f" ] || continue
			n=$(basename "$f")
			if timeout 300 "$f" tests/fuzz/corpus/"${n#fuzz_}" >"$log/$n.out" 2>&1; then
				pass=$((pass + 1)); echo "fuzz $n: ok"
			else
				fail=$((fail + 1)); echo "not ok fuzz $n"
				tail -30 "$log/$n.out"
			fi
		done ;;
	cli|interop)
		files=$(ls tests/$s/*.bats 2>/dev/null)
		[ -n "$files" ] || continue
		# files two at a time (GNU parallel), each file's tests in order:
		# the suites wait on peers and timers far more than they compute
		jobs=""
		if [ "${TEST_JOBS:-2}" -gt 1 ] && command -v parallel >/dev/null
		then
			jobs="--jobs ${TEST_JOBS:-2} --no-parallelize-within-files"
		fi
		timeout 1200 bats --tap --timing $jobs \
		    ${BATS_FILTER:+--filter "$BATS_FILTER"} \
		    $files >"$log/$s.tap" 2>&1
		rc=$?
		set -- $(count_tap "$log/$s.tap")
		pass=$((pass + $1)); fail=$((fail + $2))
		if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
			fail=$((fail + 1)); echo "not ok bats $s exited $rc"
		fi
		echo "$s: $1 passed, $2 failed"
		grep -A15 '^not ok' "$log/$s.tap" | head -150 ;;
	esac
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
