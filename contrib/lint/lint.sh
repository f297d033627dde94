#!/bin/sh
# lint.sh - `make lint`: cppcheck, clang-tidy (the checks of .clang-tidy) and gcc
# -fanalyzer over every C source of the program, each "ok TOOL" or "not ok TOOL" with
# the findings; the last line is "N passed, N failed" like make test's.
# Run from the top of the tree by make, which passes the compiler flags:
#   sh contrib/lint/lint.sh "CPPFLAGS" FILE.c...
# Suppressions, each with its reason: .clang-tidy (checks that do not fit),
# contrib/lint/cppcheck-suppressions.txt, and analyzer_flags below (per file).
set -u
flags=$1
shift
jobs=${LINT_JOBS:-2}
passed=0
failed=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

report() {   # $1 = tool, $2 = its exit status, $3 = its findings
    if [ "$2" -eq 0 ] && ! [ -s "$3" ]; then
        echo "ok $1"
        passed=$((passed + 1))
    else
        echo "not ok $1"
        sed 's/^/# /' "$3"
        failed=$((failed + 1))
    fi
}

# gcc -fanalyzer: warnings in other modules that are false positives, or known and left
# to their owner, are turned off for that file only, with the reason.
analyzer_flags() {
    case $1 in
    # pt_xrealloc never returns NULL (it exits on failure) but lives in another
    # translation unit, so the analyzer follows a NULL c->buf / b->p into memcpy.
    src/pipeline/pipeline.c|src/report/evidence.c) echo -Wno-analyzer-null-argument ;;
    # Real, for the owner of src/fileio: qsort(NULL, 0, ...) for an empty directory
    # (also reported by cppcheck; see contrib/lint/cppcheck-suppressions.txt).
    src/fileio/walk.c) echo -Wno-analyzer-null-argument ;;
    # False positive: merge's open_states keeps every state's FILE in a heap array, and on
    # a failed fopen close_states closes those already open; the analyzer does not follow
    # the stores into the array and reports the earlier FILEs as leaked.
    src/cli/cli.c) echo -Wno-analyzer-file-leak -Wno-analyzer-malloc-leak ;;
    esac
}

# cppcheck: the whole program at once (it follows calls across files); it takes the
# -D/-I/-U words of the flags only.
cpp_flags=--std=c11
for w in $flags; do
    case $w in -D*|-I*|-U*) cpp_flags="$cpp_flags $w" ;; esac
done
# shellcheck disable=SC2086
cppcheck -q --enable=warning,performance,portability --inline-suppr \
    --suppressions-list=contrib/lint/cppcheck-suppressions.txt --error-exitcode=1 \
    -j "$jobs" $cpp_flags "$@" >"$out/cppcheck" 2>&1
report cppcheck $? "$out/cppcheck"

# clang-tidy and gcc -fanalyzer: one process per file, $jobs at a time. Each command
# line goes to a file, xargs runs them; a command that fails names its file in *.failed.
: >"$out/tidy.cmds"
: >"$out/gcc.cmds"
n=0
for f in "$@"; do
    n=$((n + 1))
    echo "clang-tidy -quiet --config-file=.clang-tidy $f -- $flags >$out/tidy.$n 2>&1 || echo $f >>$out/tidy.failed" >>"$out/tidy.cmds"
    echo "gcc -fanalyzer -Werror $flags $(analyzer_flags "$f") -c $f -o /dev/null >$out/gcc.$n 2>&1 || echo $f >>$out/gcc.failed" >>"$out/gcc.cmds"
done
for tool in tidy gcc; do
    xargs -P "$jobs" -I{} sh -c '{}' <"$out/$tool.cmds"
    : >"$out/$tool"
    i=0
    while [ $i -lt $n ]; do
        i=$((i + 1))
        # the findings, without clang-tidy's "N warnings generated." chatter
        grep -v -e '^[0-9]* warnings\? generated\.$' -e '^Suppressed [0-9]* warnings' \
            -e '^Use -header-filter' "$out/$tool.$i" >>"$out/$tool" || true
    done
done
status=0
[ -f "$out/tidy.failed" ] && status=1
grep -q 'warning:\|error:' "$out/tidy" && status=1
report clang-tidy $status "$out/tidy"
status=0
[ -f "$out/gcc.failed" ] && status=1
report "gcc -fanalyzer" $status "$out/gcc"

echo "lint: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
