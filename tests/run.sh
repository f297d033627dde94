#!/bin/sh
# run.sh - the test runner: every unit-test binary and the integration suite, for each
# build directory given (plain, ASan/UBSan, and TSan, where only the engine's unit test
# is built). Counts "ok"/"not ok" lines; a binary
# that crashes or exits non-zero without saying which test failed counts as a failure.
# Last line: "N passed, N failed".
set -u
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() {   # $1 = label; output of the suite is in $log, $2 = its exit status
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    grep -E '^(not ok |#)' "$log" | sed "s|^|[$1] |"
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "[$1] exited with status $2"; tail -5 "$log" | sed "s|^|[$1] |"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    echo "$1: $p passed, $f failed"
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
for build in "$@"; do
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        "$t" >"$log" 2>&1
        count "$t" $?
    done
    python3 tests/integration/run.py "$build/pitally" >"$log" 2>&1
    count "$build integration" $?
done
# Fuzzing: the seed corpora (they hold every input that once crashed a parser) replayed
# through every fuzz target under ASan/UBSan, then each libFuzzer target for a few
# seconds (FUZZ_SECONDS; `make fuzz FUZZ_SECONDS=600` is the long run).
make --no-print-directory fuzz-replay >"$log.raw" 2>&1
status=$?
sed -n 's/^\(fuzz_[a-z_]*\): replayed.*/ok replay \1/p' "$log.raw" >"$log"
[ $status -eq 0 ] || tail -20 "$log.raw" | sed 's/^/# /' >>"$log"
count "fuzz replay" $status
make --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-3}" FUZZ_LOG_DIR=build/fuzz/check \
    >"$log.raw" 2>&1
status=$?
sed -n -e 's/^\(fuzz_[a-z_]*\): .*no crash$/ok \1/p' -e 's/^\(fuzz_[a-z_]*\): FAILED.*/not ok \1/p' \
    "$log.raw" >"$log"
[ $status -eq 0 ] || tail -20 "$log.raw" | sed 's/^/# /' >>"$log"
count "fuzz ${FUZZ_SECONDS:-3}s" $status
rm -f "$log.raw"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
