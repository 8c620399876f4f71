#!/bin/sh
# Run every libFuzzer target of build/fuzz (make build-fuzz) for
# FUZZ_SECONDS each, one after the other, under nice.  New inputs go to
# build/fuzz/corpus/NAME (the committed tests/fuzz/corpus/NAME is read);
# FUZZ_MERGE=1 then merges what adds coverage into tests/fuzz/corpus/NAME.
# Crashes land in build/fuzz/artifacts/NAME/.  One summary line per
# target: executions, cov and ft of libFuzzer's last status line, crashes.
#
# Environment: FUZZ_SECONDS (60), FUZZ_TARGETS ("ws_frames sc_fast ...",
# default all), FUZZ_NICE (10), FUZZ_RSS_MB (2048), FUZZ_ARGS (more
# libFuzzer flags), FUZZ_MERGE (0).
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
nice=${FUZZ_NICE:-10}
merge=${FUZZ_MERGE:-0}
out=build/fuzz
targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do
    n=${f##*/fuzz_}; echo "${n%.c}"; done)}
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
failed=0
for n in $targets; do
	bin=$out/fuzz_$n
	[ -x "$bin" ] || { echo "fuzz $n: $bin missing (make build-fuzz)";
	    failed=1; continue; }
	mkdir -p "$out/corpus/$n" "$out/artifacts/$n" "$out/logs" \
	    "tests/fuzz/corpus/$n"
	log=$out/logs/$n.log
	nice -n "$nice" "$bin" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -print_final_stats=1 \
	    -artifact_prefix="$out/artifacts/$n/" ${FUZZ_ARGS:-} \
	    "$out/corpus/$n" "tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -1 |
	    sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1 ft \2/p')
	crashes=$(ls "$out/artifacts/$n" | wc -l)
	echo "fuzz $n: ${execs:-?} executions, ${cov:-cov ? ft ?}," \
	    "$crashes artifacts, exit $rc"
	if [ "$rc" -ne 0 ]; then
		failed=1
		grep -m1 -A12 -E '^==[0-9]+==ERROR|runtime error|deadly signal' \
		    "$log"
	fi
	if [ "$merge" = 1 ]; then
		nice -n "$nice" "$bin" -merge=1 -timeout=10 \
		    "tests/fuzz/corpus/$n" "$out/corpus/$n" \
		    >"$out/logs/$n.merge.log" 2>&1 ||
		    echo "fuzz $n: merge failed (see $out/logs/$n.merge.log)"
	fi
done
exit $failed
