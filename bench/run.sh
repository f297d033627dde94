#!/bin/sh
# run.sh - `make bench`: measures pitally against every target of SPEC section 6, side by side
# in one run, on one set of synthetic records made by build/bench-gen: as CSV (plain,
# single-member and multi-member gzip, 4 quarters, many small files), as JSON Lines, as a
# MySQL dump and as .xlsx (one workbook, many small ones: bench/csv2xlsx.py); with custody
# hashing off (bench/nohash.c, preloaded) and with --evidence; the merge of 4 shards' states;
# next to the baseline SPEC names, `rg --count-matches` with the equivalent resident-ID /
# mobile / e-mail / bank-card regexes (and, for information, `rg -c`, `igzip -dc`, `gzip -dc`).
#
# Every configuration is timed with /usr/bin/time -v (peak RSS) around a nanosecond wall
# clock, best of BENCH_REPEAT runs on a warm page cache (spread: how much slower the slowest
# run was). MB/s and records/s are always of the
# *uncompressed* CSV, so gzip rows compare with plain ones. At the end the JSON reports of
# every pitally configuration must agree in every count; if not (or if a pitally run failed)
# the script exits non-zero. The table also goes to bench/data/last.md as markdown.
#
# Environment (defaults in brackets):
#   BENCH_RECORDS [2000000]  BENCH_SEED [1]  BENCH_DUP_RATE [0.1]  BENCH_INVALID_RATE [0.02]
#   BENCH_GZIP_LEVEL [6]  BENCH_MEMBER_BYTES [65536]  BENCH_REPEAT [3]
#   BENCH_DATA [bench/data]  PITALLY [build/pitally]  BENCH_GEN [build/bench-gen]
#   BENCH_SMALL_FILES [10000]: the same CSV records split into this many files, each with
#   the header row (the "many small files" row: no barrier between inputs)
#   BENCH_XLSX_BOOKS [1000]: the records as this many small workbooks (and as one workbook)
#   BENCH_NO_XLSX [unset]: set to 1 to skip making and timing the .xlsx rows
#   BENCH_MIX_CARD_RATE [0.1]: the --evidence rows on a realistic mix: the same records
#   with a bank card in only this share of them (bench-gen --card-rate), so that art5_3
#   pieces (a card beside an amount) are a minority; the main data has a card in every one
# POSIX sh (runs under dash).
set -u
cd "$(dirname "$0")/.." || exit 2

PITALLY=${PITALLY:-build/pitally}
GEN=${BENCH_GEN:-build/bench-gen}
RECORDS=${BENCH_RECORDS:-2000000}
SEED=${BENCH_SEED:-1}
DUP_RATE=${BENCH_DUP_RATE:-0.1}
INVALID_RATE=${BENCH_INVALID_RATE:-0.02}
GZ_LEVEL=${BENCH_GZIP_LEVEL:-6}
MEMBER_BYTES=${BENCH_MEMBER_BYTES:-65536}
REPEAT=${BENCH_REPEAT:-3}
SMALL_FILES=${BENCH_SMALL_FILES:-10000}
XLSX_BOOKS=${BENCH_XLSX_BOOKS:-1000}
NO_XLSX=${BENCH_NO_XLSX:-}
MIX_CARD_RATE=${BENCH_MIX_CARD_RATE:-0.1}
NOHASH=${BENCH_NOHASH:-build/bench-nohash.so}
DATA=${BENCH_DATA:-bench/data}
TIME=/usr/bin/time

# The regexes rg gets: the value regexes of pitally's cn_resident_id, cn_mobile, email and
# bank_card patterns (patterns/*.yaml), with ASCII word boundaries in place of their
# lookarounds, which rg's default engine lacks (rg's Unicode \b next to CJK text drops to a
# slow engine, see bench/README.md).
B='(?-u:\b)'
RE_ID="${B}[1-8][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]$B"
RE_MOBILE="${B}(?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}$B"
RE_EMAIL='[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}'
RE_CARD="${B}(?:62|4|5[1-5]|3[4-8]|60|65|9558)[0-9]{14,17}$B"

# newer A B: A was modified after B (test -nt is not POSIX).
newer() { [ -n "$(find "$1" -newer "$2" 2>/dev/null)" ]; }

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 2; }

# ---------------------------------------------------------------- tools

# Installs the baselines' packages when missing (root only; otherwise their rows are skipped).
install_tools() {
    missing=""
    command -v rg >/dev/null 2>&1 || missing="$missing ripgrep"
    command -v igzip >/dev/null 2>&1 || missing="$missing isal"
    command -v pigz >/dev/null 2>&1 || missing="$missing pigz"
    [ -x "$TIME" ] || missing="$missing time"
    [ -n "$missing" ] || return 0
    if [ "$(id -u)" = 0 ]; then
        say "bench: installing:$missing"
        apt-get update -qq >/dev/null 2>&1
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1 ||
            say "bench: apt-get install failed; rows needing$missing will be skipped"
    else
        say "bench: not root, not installing:$missing (those rows will be skipped)"
    fi
    [ -x "$TIME" ] || die "$TIME (Debian package 'time') is required for peak RSS"
}

ensure_generator() {
    [ -x "$GEN" ] && newer "$GEN" bench/gen.c && return 0
    say "bench: building $GEN"
    mkdir -p "$(dirname "$GEN")"
    gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$GEN" bench/gen.c -lz ||
        die "cannot build $GEN"
}

# The preloaded library of the "hashing off" row (bench/nohash.c); that row is skipped
# when it cannot be built.
ensure_nohash() {
    [ -s "$NOHASH" ] && newer "$NOHASH" bench/nohash.c && return 0
    say "bench: building $NOHASH"
    mkdir -p "$(dirname "$NOHASH")"
    gcc -O2 -std=c11 -Wall -Wextra -Werror -shared -fPIC -o "$NOHASH" bench/nohash.c ||
        { say "bench: cannot build $NOHASH"; rm -f "$NOHASH"; }
}

# ---------------------------------------------------------------- data

# gen_file OUT ARGS...: runs the generator into OUT unless OUT and its summary (OUT.meta) are
# newer than the generator binary (bench/data is reused across runs).
gen_file() {
    out=$1
    shift
    if [ -s "$out" ] && [ -s "$out.meta" ] && newer "$out.meta" "$GEN"; then
        say "bench: reusing $out"
        return 0
    fi
    say "bench: generating $out"
    "$GEN" --records "$RECORDS" --seed "$SEED" --dup-rate "$DUP_RATE" \
        --invalid-rate "$INVALID_RATE" "$@" -o "$out.tmp" 2>"$out.meta.tmp" ||
        { cat "$out.meta.tmp" >&2; die "generator failed for $out"; }
    mv "$out.tmp" "$out" && mv "$out.meta.tmp" "$out.meta"
}

meta_value() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1" | head -n 1; }

make_data() {
    mkdir -p "$DATA"
    base="$DATA/gen-r$RECORDS-s$SEED-d$DUP_RATE-i$INVALID_RATE"
    CSV="$base.csv"
    GZ_SINGLE="$base.l$GZ_LEVEL.csv.gz"
    GZ_MULTI="$base.l$GZ_LEVEL.m$MEMBER_BYTES.csv.gz"
    gen_file "$CSV"
    # the two gzip files compress the same bytes (same seed); deflate is slow, so in parallel
    gen_file "$GZ_SINGLE" --gzip single --level "$GZ_LEVEL" &
    pid_single=$!
    gen_file "$GZ_MULTI" --gzip multi --level "$GZ_LEVEL" --member-bytes "$MEMBER_BYTES" &
    pid_multi=$!
    wait "$pid_single" || exit 2
    wait "$pid_multi" || exit 2
    CSV_BYTES=$(wc -c <"$CSV" | tr -d ' ')
    make_small_files "$base"
    make_quarters "$base"
    # the same records as JSON Lines and as a MySQL dump (same seed and rates)
    JSONL="$base.jsonl"
    SQL="$base.sql"
    gen_file "$JSONL" --format jsonl
    gen_file "$SQL" --format sql
    make_xlsx "$base"
    MIX="$base.c$MIX_CARD_RATE.csv"
    gen_file "$MIX" --card-rate "$MIX_CARD_RATE"

    GEN_DISTINCT=$(meta_value "$CSV.meta" distinct)
    GEN_RECORDS=$(meta_value "$CSV.meta" records)
    for f in "$GZ_SINGLE" "$GZ_MULTI"; do
        [ "$(meta_value "$f.meta" bytes)" = "$CSV_BYTES" ] ||
            die "$f does not hold the bytes of $CSV (delete $DATA and rerun)"
    done
    for f in "$JSONL" "$SQL"; do
        if [ "$(meta_value "$f.meta" records)" != "$GEN_RECORDS" ] ||
            [ "$(meta_value "$f.meta" distinct)" != "$GEN_DISTINCT" ]; then
            die "$f does not hold the records of $CSV (delete $DATA and rerun)"
        fi
    done
}

# split_csv DIR COUNT NAME: the CSV's records in COUNT files of equal record counts, each
# starting with the header row, named NAME-000000.csv, ... (sorted order = records' order).
split_csv() {
    dir=$1 count=$2 name=$3
    if [ -e "$dir.done" ] && newer "$dir.done" "$CSV"; then
        say "bench: reusing $dir"
        return 0
    fi
    say "bench: splitting $CSV into $count files"
    rm -rf "$dir" "$dir.done"
    mkdir -p "$dir"
    per=$(( (RECORDS + count - 1) / count ))
    awk -v dir="$dir" -v per="$per" -v name="$name" '
        NR == 1 { header = $0; next }
        (NR - 2) % per == 0 { if (out) close(out); out = sprintf("%s/%s-%06d.csv", dir, name, (NR - 2) / per); print header > out }
        { print > out }' "$CSV" || die "cannot split $CSV"
    touch "$dir.done"
}

# The "many small files" row: SMALL_FILES files.
make_small_files() {
    SMALL_DIR="$1.small$SMALL_FILES"
    split_csv "$SMALL_DIR" "$SMALL_FILES" part
}

# The merge row's shards: the CSV in 4 files, one per shard.
make_quarters() {
    QUARTER_DIR="$1.quarters"
    split_csv "$QUARTER_DIR" 4 quarter
}

# The .xlsx rows: the CSV's records as one workbook (a sheet per million records, Excel's
# limit is 1,048,576 rows) and as XLSX_BOOKS small workbooks (bench/csv2xlsx.py).
make_xlsx() {
    XLSX="$1.xlsx"
    XLSX_DIR="$1.books$XLSX_BOOKS"
    XLSX_WHY=""
    if [ -n "$NO_XLSX" ]; then XLSX_WHY="BENCH_NO_XLSX is set"; return 0; fi
    command -v python3 >/dev/null 2>&1 || { XLSX_WHY="python3 not installed"; return 0; }
    # the two are written in parallel (about 30 s a million records each, python3)
    pid_one="" pid_books=""
    if [ -s "$XLSX" ] && newer "$XLSX" "$CSV" && newer "$XLSX" bench/csv2xlsx.py; then
        say "bench: reusing $XLSX"
    else
        say "bench: writing $XLSX"
        python3 bench/csv2xlsx.py "$CSV" "$XLSX" &
        pid_one=$!
    fi
    if [ -e "$XLSX_DIR.done" ] && newer "$XLSX_DIR.done" "$CSV" &&
        newer "$XLSX_DIR.done" bench/csv2xlsx.py; then
        say "bench: reusing $XLSX_DIR"
    else
        say "bench: writing $XLSX_BOOKS workbooks into $XLSX_DIR"
        rm -rf "$XLSX_DIR"
        { python3 bench/csv2xlsx.py "$CSV" "$XLSX_DIR" --books "$XLSX_BOOKS" &&
            touch "$XLSX_DIR.done"; } &
        pid_books=$!
    fi
    [ -z "$pid_one" ] || wait "$pid_one" || die "cannot write $XLSX"
    [ -z "$pid_books" ] || wait "$pid_books" || die "cannot write $XLSX_DIR"
}

# ---------------------------------------------------------------- timing

ROWS="$DATA/rows.tsv"   # key, label, seconds, peak RSS KiB, status (ok or why not), CPU seconds
now_ns() { date +%s%N; }

# time_value FILE LABEL: a "LABEL: value" line of /usr/bin/time -v output.
time_value() { sed -n "s/.*$2: *//p" "$1" | head -n 1; }

# measure KEY LABEL STDOUT_FILE INPUT CMD...: best wall time of REPEAT runs, max peak RSS,
# and the CPU time (user + system, all threads) of the best run: on a machine shared with
# other work the wall time varies from run to run, the CPU time much less.
# BEFORE_RUN, when set, is evaluated before each run, outside the timed part.
BEFORE_RUN=""
measure() {
    key=$1 label=$2 stdout_file=$3 input=$4
    shift 4
    if [ -d "$input" ]; then find "$input" -type f -exec cat {} + >/dev/null
    else cat "$input" >/dev/null; fi   # warm the page cache
    best="" worst="" rss=0 status=ok cpu=-
    i=0
    while [ "$i" -lt "$REPEAT" ]; do
        i=$((i + 1))
        if [ -n "$BEFORE_RUN" ]; then eval "$BEFORE_RUN"; fi   # untimed
        t0=$(now_ns)
        "$TIME" -v -o "$DATA/time-$key.txt" "$@" >"$stdout_file" 2>"$DATA/stderr-$key.txt"
        rc=$?
        t1=$(now_ns)
        if [ "$rc" -ne 0 ]; then
            msg=$(grep -v '^Command exited' "$DATA/stderr-$key.txt" | head -n 1 | cut -c1-100)
            status="FAILED (exit $rc): ${msg:-no message on stderr}"
            break
        fi
        ns=$((t1 - t0))
        if [ -z "$worst" ] || [ "$ns" -gt "$worst" ]; then worst=$ns; fi
        if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then
            best=$ns
            cpu=$(awk -v u="$(time_value "$DATA/time-$key.txt" 'User time (seconds)')" \
                      -v s="$(time_value "$DATA/time-$key.txt" 'System time (seconds)')" \
                      'BEGIN { printf "%.2f", u + s }')
        fi
        kb=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$DATA/time-$key.txt")
        if [ "${kb:-0}" -gt "$rss" ]; then rss=$kb; fi
    done
    if [ "$status" = ok ]; then
        secs=$(awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e9 }')
        # the spread over the runs: the slowest run's time over the best one's
        spread=$(awk -v w="$worst" -v b="$best" 'BEGIN { printf "+%.0f%%", (w / b - 1) * 100 }')
    else
        secs=-
        rss=-
        spread=-
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$label" "$secs" "$rss" "$status" "$cpu" "$spread" >>"$ROWS"
    if [ "$status" = ok ]; then say "bench: $label: ${secs}s"; else say "bench: $label: $status"; fi
}

# skip KEY LABEL REASON: a row that could not run.
skip() {
    printf '%s\t%s\t-\t-\tSKIPPED: %s\t-\n' "$1" "$2" "$3" >>"$ROWS"
    say "bench: $2: skipped ($3)"
}

PITALLY_KEYS=""
MIX_KEYS=""   # rows on the mix (run_evidence_mix): other data
PT_ENV=""   # assignments for env(1) in front of pitally (the hashing-off row's LD_PRELOAD)

# run_pitally KEY LABEL THREADS INPUT [OPTION...]: `pitally scan` of INPUT, its JSON report
# in report-KEY.json (compared with the others' at the end).
run_pitally() {
    key=$1 label=$2 threads=$3 input=$4
    shift 4
    rm -f "$DATA/report-$key.json"   # never compare a report left by an earlier run
    if [ ! -x "$PITALLY" ]; then
        not_built "$key" "$label"
        return
    fi
    # shellcheck disable=SC2086
    measure "$key" "$label" "$DATA/report-$key.txt" "$input" \
        env $PT_ENV "$PITALLY" scan -j"$threads" --json "$DATA/report-$key.json" --progress never "$@" "$input"
    PITALLY_KEYS="$PITALLY_KEYS $key"
    flag_wrong_count "$key"
}

not_built() {
    printf '%s\t%s\t-\t-\t%s\t-\n' "$1" "$2" \
        "FAILED: $PITALLY not built (run make build/pitally)" >>"$ROWS"
    say "bench: $2: $PITALLY does not exist"
    PITALLY_KEYS="$PITALLY_KEYS $1"
}

# set_status KEY STATUS: replaces the status of a row (when a check after the run fails).
set_status() {
    awk -F '\t' -v OFS='\t' -v k="$1" -v note="$2" \
        '$1 == k { $5 = note } { print }' "$ROWS" >"$ROWS.tmp" && mv "$ROWS.tmp" "$ROWS"
}

# The cost of custody hashing: a -j2 scan again, with libcrypto's EVP_DigestUpdate replaced
# by a no-op (bench/nohash.c, preloaded). The row counts only if the shim took effect: the
# report's MD5 must then be that of no bytes. KEY LABEL FILE.
run_nohash_of() {
    if [ ! -s "$NOHASH" ]; then skip "$1" "$2" "$NOHASH could not be built"; return; fi
    PT_ENV="LD_PRELOAD=$NOHASH"
    run_pitally "$1" "$2" 2 "$3"
    PT_ENV=""
    [ "$(field "$1" 5)" = ok ] || return 0
    md5=$(json_value "$1" '["inputs"][0]["md5"]')
    [ "$md5" = d41d8cd98f00b204e9800998ecf8427e ] ||
        set_status "$1" "FAILED: the preloaded shim did not stop hashing (md5 ${md5:-missing})"
}

# The cost of --evidence DIR: the -j2 CSV scan writing the piece list and samples; the
# directory must be new, so it is removed before each run (untimed).
run_evidence() {
    ev="$DATA/evidence"
    # shellcheck disable=SC2016
    BEFORE_RUN='rm -rf "$ev"'   # expanded when measure evaluates it
    run_pitally evidence "pitally -j2 --evidence DIR (csv)" 2 "$CSV" --evidence "$ev"
    BEFORE_RUN=""
    [ "$(field evidence 5)" = ok ] || return 0
    [ -s "$ev/art5_3.csv" ] || set_status evidence "FAILED: no $ev/art5_3.csv written"
}

# The cost of --evidence on a realistic mix: run_evidence's data is the worst case (every
# record an art5_3 piece, a list 2.7 times the input, which no 10% target absorbs); here a
# card is in MIX_CARD_RATE of the records, so the list is that share of the pieces and the
# rest are sampled. Plain and --evidence -j2 on that file; other records than the main
# data's, so these two rows are kept out of the reports' comparison (MIX_KEYS), not out of
# the memory budget.
run_evidence_mix() {
    pct=$(awk -v r="$MIX_CARD_RATE" 'BEGIN { printf "%g", r * 100 }')
    keys=$PITALLY_KEYS
    run_pitally mix "pitally -j2 (csv, a card in $pct% of records)" 2 "$MIX"
    ev="$DATA/evidence-mix"
    # shellcheck disable=SC2016
    BEFORE_RUN='rm -rf "$ev"'
    run_pitally evmix "pitally -j2 --evidence DIR (same, $pct% cards)" 2 "$MIX" --evidence "$ev"
    BEFORE_RUN=""
    PITALLY_KEYS=$keys
    MIX_KEYS="mix evmix"
    [ "$(field evmix 5)" = ok ] || return 0
    [ -s "$ev/art5_3.csv" ] || set_status evmix "FAILED: no $ev/art5_3.csv written"
}

# The merge row: each quarter of the CSV scanned (untimed) into a state under one case key,
# then `pitally merge` of the 4 states timed, writing the merged state. The merged state's
# bytes per distinct piece are the state-size figure (it is the state of the whole data).
run_merge() {
    label="pitally merge (4 shards' states)"
    if [ ! -x "$PITALLY" ]; then not_built merge "$label"; return; fi
    sdir="$DATA/states"
    rm -rf "$sdir" "$DATA/report-merge.json"
    mkdir -p "$sdir" && chmod 700 "$sdir"   # states and the key stay in the lab
    "$PITALLY" keygen "$sdir/case.key" >/dev/null 2>&1 ||
        { set_row merge "$label" "FAILED: pitally keygen"; return; }
    states=""
    for q in "$QUARTER_DIR"/quarter-*.csv; do
        st="$sdir/$(basename "$q" .csv).pst"
        "$PITALLY" scan -j2 --quiet --state "$st" --case-key "$sdir/case.key" "$q" \
            2>"$DATA/stderr-merge-scan.txt" ||
            { set_row merge "$label" "FAILED: the shard scan of $q (stderr-merge-scan.txt)"; return; }
        states="$states $st"
    done
    # shellcheck disable=SC2086
    STATE_BYTES_SHARDS=$(cat $states | wc -c | tr -d ' ')
    # shellcheck disable=SC2086
    measure merge "$label" "$DATA/report-merge.txt" "$sdir" \
        "$PITALLY" merge $states --json "$DATA/report-merge.json" --state "$sdir/merged.pst"
    PITALLY_KEYS="$PITALLY_KEYS merge"
    flag_wrong_count merge
    STATE_BYTES=$(wc -c <"$sdir/merged.pst" 2>/dev/null | tr -d ' ')
}

# set_row KEY LABEL STATUS: a row that failed before its timing.
set_row() {
    printf '%s\t%s\t-\t-\t%s\t-\n' "$1" "$2" "$3" >>"$ROWS"
    say "bench: $2: $3"
    PITALLY_KEYS="$PITALLY_KEYS $1"
}

# A pitally row whose report does not count the generator's records measured something else:
# say so in its status (the table's MB/s would otherwise look like a result).
flag_wrong_count() {
    [ "$(field "$1" 5)" = ok ] || return 0
    got=$(json_value "$1" '["totals"]["records"]')
    [ "$got" = "$GEN_RECORDS" ] && return 0
    set_status "$1" "WRONG COUNT: ${got:-no} records of $GEN_RECORDS"
}

run_all() {
    : >"$ROWS"
    STATE_BYTES="" STATE_BYTES_SHARDS=""
    run_pitally j1 "pitally -j1 (csv)" 1 "$CSV"
    run_pitally j2 "pitally -j2 (csv)" 2 "$CSV"
    run_nohash_of nohash "pitally -j2, custody hashing off (csv)" "$CSV"
    run_evidence
    run_evidence_mix
    run_pitally jsonl "pitally -j2 (jsonl, same records)" 2 "$JSONL"
    # hashing is per byte and the JSON Lines hold 1.67x the CSV's bytes for the same records
    run_nohash_of jsonlnh "pitally -j2, custody hashing off (jsonl)" "$JSONL"
    run_pitally sql "pitally -j2 (sql dump, same records)" 2 "$SQL"
    run_pitally pz1 "pitally -j2 (gz single)" 2 "$GZ_SINGLE"
    run_pitally pzm "pitally -j2 (gz multi)" 2 "$GZ_MULTI"
    run_pitally small "pitally -j2 ($SMALL_FILES small csv files)" 2 "$SMALL_DIR"
    if [ -z "$XLSX_WHY" ]; then
        run_pitally xlsx "pitally -j2 (one .xlsx workbook)" 2 "$XLSX"
        run_pitally xlsxs "pitally -j2 ($XLSX_BOOKS small .xlsx workbooks)" 2 "$XLSX_DIR"
    else
        skip xlsx "pitally -j2 (one .xlsx workbook)" "$XLSX_WHY"
        skip xlsxs "pitally -j2 ($XLSX_BOOKS small .xlsx workbooks)" "$XLSX_WHY"
    fi
    run_merge
    if command -v rg >/dev/null 2>&1; then
        measure rgall "rg --count-matches, 4 regexes (csv)" "$DATA/out-rgall.txt" "$CSV" \
            rg --count-matches -e "$RE_ID" -e "$RE_MOBILE" -e "$RE_EMAIL" -e "$RE_CARD" "$CSV"
        measure rg "rg -c, 4 regexes (csv)" "$DATA/out-rg.txt" "$CSV" \
            rg -c -e "$RE_ID" -e "$RE_MOBILE" -e "$RE_EMAIL" -e "$RE_CARD" "$CSV"
    else
        skip rgall "rg --count-matches, 4 regexes (csv)" "ripgrep not installed"
        skip rg "rg -c, 4 regexes (csv)" "ripgrep not installed"
    fi
    if command -v igzip >/dev/null 2>&1; then
        measure igz1 "igzip -dc (gz single)" /dev/null "$GZ_SINGLE" igzip -dc "$GZ_SINGLE"
        measure igzm "igzip -dc (gz multi)" /dev/null "$GZ_MULTI" igzip -dc "$GZ_MULTI"
    else
        skip igz1 "igzip -dc (gz single)" "isal not installed"
        skip igzm "igzip -dc (gz multi)" "isal not installed"
    fi
    measure gz1 "gzip -dc (gz single)" /dev/null "$GZ_SINGLE" gzip -dc "$GZ_SINGLE"
    if command -v pigz >/dev/null 2>&1; then
        measure pigz1 "pigz -dc (gz single)" /dev/null "$GZ_SINGLE" pigz -dc "$GZ_SINGLE"
    else
        skip pigz1 "pigz -dc (gz single)" "pigz not installed"
    fi
}

# ---------------------------------------------------------------- results

field() { awk -F '\t' -v k="$1" -v c="$2" '$1 == k { print $c }' "$ROWS"; }

# ratio NUM_KEY DEN_KEY: throughput of NUM over DEN (= seconds of DEN over seconds of NUM).
# n/a unless both rows ran and (for pitally) counted what the generator wrote.
ratio() {
    a=$(field "$1" 3) b=$(field "$2" 3)
    if [ "$(field "$1" 5)" != ok ] || [ "$(field "$2" 5)" != ok ]; then echo "n/a"; return; fi
    case "$a$b" in *-*|"") echo "n/a"; return ;; esac
    awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }'
}

# at_most VALUE TARGET: "met" when VALUE <= TARGET.
at_most() {
    case "$1" in n/a) echo "n/a"; return ;; esac
    awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "NOT met") }'
}

# meets VALUE TARGET: "met" / "NOT met" / "n/a".
meets() {
    case "$1" in n/a) echo "n/a"; return ;; esac
    awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "met" : "NOT met") }'
}

machine_line() {
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
    echo "$(nproc) cores, ${cpu:-unknown CPU}, $mem RAM, $(uname -sr); load average $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null) at the end"
}

tool_versions() {
    v=""
    command -v rg >/dev/null 2>&1 && v="$v$(rg --version | head -n 1); "
    command -v igzip >/dev/null 2>&1 && v="$v$(igzip --version 2>&1 | sed 's/.* //' |
        head -n 1 | sed 's/^/igzip /'); "
    v="$v$(gzip --version | head -n 1); "
    command -v pigz >/dev/null 2>&1 && v="$v$(pigz --version 2>&1 | head -n 1)"
    echo "$v"
}

# Writes the table (text on stdout, markdown to last.md).
print_table() {
    md="$DATA/last.md"
    awk -F '\t' -v bytes="$CSV_BYTES" -v recs="$RECORDS" -v md="$md" '
    function row(label, s, spread, mbs, rps, rss, cpu, status) {
        printf "%-44s %9s %7s %9s %12s %9s %7s  %s\n", label, s, spread, mbs, rps, rss, cpu, status
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", label, s, spread, mbs, rps, rss, cpu, status >> md
    }
    BEGIN {
        printf "%-44s %9s %7s %9s %12s %9s %7s\n", "configuration", "seconds", "spread", "MB/s", "records/s", "RSS MiB", "CPU s"
        print "| configuration | seconds | spread | MB/s | records/s | peak RSS MiB | CPU s | status |" >> md
        print "|---|---:|---:|---:|---:|---:|---:|---|" >> md
    }
    {
        if ($3 == "-") { row($2, "-", "-", "-", "-", "-", "-", $5); next }
        row($2, $3, ($7 == "" ? "-" : $7), sprintf("%.1f", bytes / 1e6 / $3), sprintf("%.0f", recs / $3),
            sprintf("%.1f", $4 / 1024), ($6 == "" ? "-" : $6), ($5 == "ok" ? "" : $5))
    }' "$ROWS"
}

# Peak-RSS budget (SPEC: <= 64 MiB + 32 bytes per distinct piece): the worst pitally row, as
# bytes of peak RSS above 64 MiB per distinct piece (0 when under 64 MiB).
memory_line() {
    worst_kb="" worst_key=""
    for key in $PITALLY_KEYS $MIX_KEYS; do
        [ "$key" != merge ] || continue            # a merge has its own budget (256 MiB)
        [ "$(field "$key" 5)" = ok ] || continue   # failed, or did not read everything
        kb=$(field "$key" 4)
        if [ -z "$worst_kb" ] || [ "$kb" -gt "$worst_kb" ]; then worst_kb=$kb worst_key=$key; fi
    done
    if [ -z "$worst_kb" ]; then
        echo "peak RSS: n/a (no pitally run counted all records); target <= 64 MiB + 32 bytes per distinct piece"
        return
    fi
    distinct=$(json_distinct "$worst_key")
    distinct=${distinct:-$GEN_DISTINCT}
    awk -v kb="$worst_kb" -v d="$distinct" -v label="$(field "$worst_key" 2)" 'BEGIN {
        above = kb * 1024 - 64 * 1048576
        per = (above > 0 && d > 0) ? above / d : 0
        budget = 64 + 32 * d / 1048576
        printf "peak RSS: %.1f MiB (worst: %s); budget 64 MiB + 32 B x %d distinct = %.1f MiB;", kb / 1024, label, d, budget
        printf " %.1f bytes per distinct piece above 64 MiB (target <= 32): %s\n", per, (per <= 32 ? "met" : "NOT met")
    }'
}

# json_value KEY PATH: a value of report-KEY.json, PATH in Python subscript form.
json_value() {
    f="$DATA/report-$1.json"
    [ -s "$f" ] || return 0
    if command -v python3 >/dev/null 2>&1; then
        python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$f" 2>/dev/null
    elif command -v jq >/dev/null 2>&1; then
        jq -r "$(echo "$2" | sed 's/\["/./g; s/"\]//g')" "$f" 2>/dev/null
    fi
}

json_distinct() { json_value "$1" '["totals"]["pieces"]["distinct"]'; }

# cpu_ratio NUM_KEY DEN_KEY: CPU seconds of NUM over those of DEN (n/a unless both ran).
cpu_ratio() {
    a=$(field "$1" 6) b=$(field "$2" 6)
    if [ "$(field "$1" 5)" != ok ] || [ "$(field "$2" 5)" != ok ]; then echo "n/a"; return; fi
    case "$a$b" in *-*|"") echo "n/a"; return ;; esac
    awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# cores_busy KEY: CPU seconds over wall seconds of a row. At -j1 the reading thread
# (read, hash, cut) runs beside the one worker, so -j1 already keeps more than one core
# busy and -j2 on 2 cores can gain at most 2 / that.
cores_busy() {
    a=$(field "$1" 3) b=$(field "$1" 6)
    if [ "$(field "$1" 5)" != ok ]; then echo "n/a"; return; fi
    case "$a$b" in *-*|"") echo "n/a"; return ;; esac
    awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }'
}

# Peak RSS of the merge row in MiB, and the merged state's bytes per distinct piece.
merge_rss() {
    [ "$(field merge 5)" = ok ] || { echo n/a; return; }
    awk -v kb="$(field merge 4)" 'BEGIN { printf "%.1f", kb / 1024 }'
}
state_per_piece() {
    d=$(json_distinct merge)
    case "$1:$d" in :*|*:|*:0) echo n/a; return ;; esac
    awk -v b="$1" -v d="$d" 'BEGIN { printf "%.2f", b / d }'
}

print_ratios() {
    s_j2=$(field j2 3)
    [ "$(field j2 5)" = ok ] || s_j2=-
    case "$s_j2" in ''|-) mbs_j2=n/a ;; *) mbs_j2=$(awk -v b="$CSV_BYTES" -v s="$s_j2" 'BEGIN { printf "%.1f", b / 1e6 / s }') ;; esac
    # "time with / time without" figures: at most 1.10 is a cost of at most 10%
    r_hash=$(ratio nohash j2)
    r_ev=$(ratio j2 evidence)
    r_evmix=$(ratio mix evmix)
    pct=$(awk -v r="$MIX_CARD_RATE" 'BEGIN { printf "%g", r * 100 }')
    r_small=$(ratio j2 small)
    r_xlsxs=$(ratio xlsx xlsxs)
    rss_merge=$(merge_rss)
    st_piece=$(state_per_piece "$STATE_BYTES")
    st_shards=$(state_per_piece "$STATE_BYTES_SHARDS")
    {
        echo "pitally -j2 MB/s (csv)|$mbs_j2|>= 300|$(meets "$mbs_j2" 300)"
        r=$(ratio j2 rgall); echo "pitally -j2 / rg --count-matches|$r|>= 1.25|$(meets "$r" 1.25)"
        r=$(ratio jsonl j2); echo "jsonl / csv (records/s, -j2)|$r|>= 0.85|$(meets "$r" 0.85)"
        r=$(ratio sql j2); echo "sql dump / csv (records/s, -j2)|$r|>= 0.85|$(meets "$r" 0.85)"
        r=$(ratio pz1 j2); echo "gz single / plain csv (-j2)|$r|>= 0.9|$(meets "$r" 0.9)"
        r=$(ratio pzm j2); echo "gz multi / plain csv (-j2)|$r|>= 0.9|$(meets "$r" 0.9)"
        echo "$SMALL_FILES small files: time / one file|$r_small|<= 1.3|$(at_most "$r_small" 1.3)"
        echo "custody hashing: time with / without (-j2)|$r_hash|<= 1.10|$(at_most "$r_hash" 1.10)"
        r=$(ratio j2 j1); echo "pitally -j2 / -j1|$r|>= 1.8|$(meets "$r" 1.8)"
        echo "merge of 4 shard states: peak RSS MiB|$rss_merge|<= 256|$(at_most "$rss_merge" 256)"
        echo "merged state: bytes per distinct piece|$st_piece|<= 6|$(at_most "$st_piece" 6)"
        echo "--evidence DIR (worst case): time with / without (-j2)|$r_ev|<= 1.10|$(at_most "$r_ev" 1.10)"
        echo "--evidence DIR ($pct% cards): time with / without (-j2)|$r_evmix|<= 1.10|$(at_most "$r_evmix" 1.10)"
        echo "(info) custody hashing: CPU s with / without|$(cpu_ratio j2 nohash)|-|-"
        echo "(info) jsonl / csv, hashing off in both|$(ratio jsonlnh nohash)|-|-"
        echo "(info) -j1: cores busy (CPU s / wall s)|$(cores_busy j1)|-|-"
        echo "(info) --evidence DIR: CPU s with / without|$(cpu_ratio evidence j2)|-|-"
        echo "(info) --evidence DIR, $pct% cards: CPU s with / without|$(cpu_ratio evmix mix)|-|-"
        echo "(info) one .xlsx / csv (records/s, -j2)|$(ratio xlsx j2)|-|-"
        echo "(info) $XLSX_BOOKS small .xlsx: time / one workbook|$r_xlsxs|-|-"
        echo "(info) 4 shard states: bytes per distinct piece (sum)|$st_shards|-|-"
        echo "(info) pitally -j2 / rg -c|$(ratio j2 rg)|-|-"
        echo "(info) pitally gz single / igzip -dc|$(ratio pz1 igz1)|-|-"
        echo "(info) pitally gz multi / igzip -dc|$(ratio pzm igzm)|-|-"
    } >"$DATA/ratios.txt"
    echo
    printf '%-54s %8s %8s  %s\n' "ratio (SPEC section 6)" "value" "target" "status"
    { echo; echo "| ratio (SPEC section 6) | value | target | status |"; echo "|---|---:|---:|---|"; } >>"$DATA/last.md"
    while IFS='|' read -r name value target status; do
        printf '%-54s %8s %8s  %s\n' "$name" "$value" "$target" "$status"
        echo "| $name | $value | $target | $status |" >>"$DATA/last.md"
    done <"$DATA/ratios.txt"
    mem=$(memory_line)
    echo
    echo "$mem"
    { echo; echo "$mem"; } >>"$DATA/last.md"
}

# Every pitally report must agree in every count. Runs over the one CSV file (plain, gzip,
# hashing off, --evidence, any thread count) must agree in everything but the run record
# ("run", "tool"), the file's identity (per-input path, bytes, compression, md5, sha256; the
# hashing-off run's hashes are of no bytes), totals.bytes and the samples' paths. Runs over
# the same records in other files or formats (small files, quarters merged, JSON Lines, SQL,
# .xlsx) must agree in the totals (records, subjects, pieces, tiers, categories, doubt, each
# pattern's matched and rejected counts: not its samples, nor the bytes), the verdict and the
# policy. The record count must also be the generator's.
check_reports() {
    files=""
    for key in $PITALLY_KEYS; do
        if [ "$(field "$key" 4)" != - ]; then files="$files $key=$DATA/report-$key.json"
        else echo "MISMATCH: $key: pitally did not run, no report to compare"; fi
    done
    [ -n "$files" ] || return 1
    if command -v python3 >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        python3 - "$GEN_RECORDS" "$GEN_DISTINCT" $files <<'EOF'
import copy, json, sys

ONE_FILE = {"j1", "j2", "nohash", "evidence", "pz1", "pzm"}
gen_records, gen_distinct = int(sys.argv[1]), int(sys.argv[2])
reports, problems = [], []
for arg in sys.argv[3:]:
    label, _, path = arg.rpartition("=")
    try:
        with open(path) as f:
            reports.append((label, json.load(f)))
    except (OSError, ValueError) as e:
        problems.append("%s: no readable JSON report (%s)" % (label, e))

IDENTITY = ("path", "bytes", "compression", "md5", "sha256")

def one_file_view(report):
    r = copy.deepcopy({k: v for k, v in report.items() if k not in ("run", "tool")})
    r["inputs"] = [{k: v for k, v in i.items() if k not in IDENTITY} for i in r.get("inputs", [])]
    r.get("totals", {}).pop("bytes", None)
    for p in r.get("totals", {}).get("patterns", {}).values():
        for s in p.get("samples", []):
            s.pop("path", None)   # plain and gzip runs differ there only
    return r

def same_records_view(report):
    t = copy.deepcopy(report.get("totals", {}))
    t.pop("bytes", None)
    for p in t.get("patterns", {}).values():
        p.pop("samples", None)   # where a sample is found depends on the files' layout
    return {"totals": t, "verdict": report.get("verdict"), "policy": report.get("policy")}

def differences(a, b, where=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                yield "%s.%s: present in only one" % (where, k)
            else:
                yield from differences(a[k], b[k], "%s.%s" % (where, k))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, "%s[%d]" % (where, i))
    elif a != b:
        yield "%s: %s vs %s" % (where, json.dumps(a, ensure_ascii=False)[:80],
                                json.dumps(b, ensure_ascii=False)[:80])

if reports:
    ref_label, ref = reports[0]
    for label, rep in reports[1:]:
        if label in ONE_FILE and ref_label in ONE_FILE:
            diff = list(differences(one_file_view(ref), one_file_view(rep)))
        else:
            diff = list(differences(same_records_view(ref), same_records_view(rep)))
        for d in diff[:10]:
            problems.append("%s vs %s: %s" % (ref_label, label, d))
        if len(diff) > 10:
            problems.append("%s vs %s: ... %d more" % (ref_label, label, len(diff) - 10))
    t = ref.get("totals", {})
    pieces = t.get("pieces", {})
    print("counts: records %s, pieces raw %s / distinct %s, subjects %s; generator: records %d, "
          "distinct %d" % (t.get("records"), pieces.get("raw"), pieces.get("distinct"),
                           t.get("subjects"), gen_records, gen_distinct))
    for label, rep in reports:
        if rep.get("totals", {}).get("records") != gen_records:
            problems.append("%s: %s records, the generator wrote %d"
                            % (label, rep.get("totals", {}).get("records"), gen_records))
    if t.get("records") == gen_records and pieces.get("distinct") != gen_distinct:
        print("note: distinct pieces differ from the generator's distinct records "
              "(every generated record carries a valid unique e-mail, so they should match)")
for p in problems:
    print("MISMATCH: " + p)
if problems:
    sys.exit(1)
print("counts agree across %d pitally configurations (%s)"
      % (len(reports), " ".join(label for label, _ in reports)))
EOF
    elif command -v jq >/dev/null 2>&1; then
        ref=""
        for arg in $files; do
            path=${arg##*=}
            jq -S '{totals: (.totals | del(.bytes) | del(.patterns[]?.samples)), verdict, policy}' \
                "$path" >"$path.counts" 2>/dev/null ||
                { echo "MISMATCH: $path: no readable JSON report"; return 1; }
            if [ -z "$ref" ]; then ref="$path.counts"
            elif ! cmp -s "$ref" "$path.counts"; then echo "MISMATCH: $ref vs $path.counts"; return 1; fi
        done
        echo "counts agree across pitally configurations (jq: totals, verdict, policy)"
    else
        echo "MISMATCH: neither python3 nor jq to compare reports"
        return 1
    fi
}

xlsx_sizes() {
    [ -z "$XLSX_WHY" ] || return 0
    printf ', one .xlsx %s bytes, %s .xlsx %s bytes' "$(wc -c <"$XLSX" | tr -d ' ')" "$XLSX_BOOKS" \
        "$(find "$XLSX_DIR" -type f -name '*.xlsx' -exec cat {} + | wc -c | tr -d ' ')"
}

main() {
    install_tools
    ensure_generator
    ensure_nohash
    make_data
    run_all
    header=$(
        echo "bench: $RECORDS CSV records, $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "machine: $(machine_line)"
        echo "data: $CSV_BYTES bytes ($(awk -v b="$CSV_BYTES" -v r="$RECORDS" 'BEGIN { printf "%.1f", b / r }') bytes/record)," \
             "$GEN_DISTINCT distinct of $GEN_RECORDS records (seed $SEED, dup rate $DUP_RATE," \
             "invalid rate $INVALID_RATE); gzip level $GZ_LEVEL: single $(wc -c <"$GZ_SINGLE" | tr -d ' ') bytes," \
             "multi (a member per $MEMBER_BYTES input bytes) $(wc -c <"$GZ_MULTI" | tr -d ' ') bytes"
        echo "same records: jsonl $(wc -c <"$JSONL" | tr -d ' ') bytes, sql $(wc -c <"$SQL" | tr -d ' ') bytes$(xlsx_sizes);" \
             "$SMALL_FILES small csv files; 4 quarters for the merge row"
        echo "tools: $(tool_versions)"
        echo "best of $REPEAT runs on a warm page cache; MB/s and records/s of the uncompressed CSV in every row (whatever the row's input holds);" \
             "CPU s: user + system time of the best run (all threads)"
    )
    echo
    echo "$header"
    echo
    echo "$header" | sed '1s/^/## /; 2,$s/^/- /; 1a\
' >"$DATA/last.md"
    echo >>"$DATA/last.md"
    print_table
    print_ratios
    echo
    check_out=$(check_reports)
    check_rc=$?
    echo "$check_out"
    { echo; echo '```'; echo "$check_out"; echo '```'; } >>"$DATA/last.md"
    echo
    echo "markdown table: $DATA/last.md"
    failed=$(awk -F '\t' '$5 ~ /^(FAILED|WRONG)/' "$ROWS")
    if [ "$check_rc" -ne 0 ] || [ -n "$failed" ]; then
        echo "bench: FAILED (a pitally run failed or the reports disagree)" >&2
        exit 1
    fi
}

main "$@"
