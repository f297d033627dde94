#!/bin/sh
# parallel.sh - one case scanned as N shards by GNU parallel, then merged.
#
#   contrib/shard/parallel.sh N OUTDIR PATH...
#
# Makes OUTDIR (0700) with the case key (pitally keygen, once: an existing key is kept,
# so that a shard run again later still merges), runs `pitally scan --shard K/N` for
# K = 1..N, each writing OUTDIR/shard-K.pst (its state) and OUTDIR/shard-K.json (its
# own report), then `pitally merge` of the N states: the text report on stdout,
# OUTDIR/report.json, and OUTDIR/case.pst (the merged state, for a later merge).
# With PITALLY_EVIDENCE=1 each shard also keeps its evidence (OUTDIR/shard-K.ev, and
# in its state) and the merge writes OUTDIR/evidence: the directory one scan --evidence
# would write (docs/evidence.md); neither may exist yet.
# Every shard is given the same PATHs: each computes the same assignment and scans
# its own part (docs/shards.md).
#
# Environment:
#   PITALLY            the binary (default: pitally on PATH)
#   PITALLY_OPTS       options for scan and merge alike, as words: the rules, which every
#                      shard and the merge must share (--patterns DIR --tier C=T
#                      --professional --income CNY ...)
#   PITALLY_SCAN_OPTS  options for the shards only (-j 4, --format csv, --declare ...)
#   PITALLY_EVIDENCE   1: piece lists and samples (--evidence) for the whole case
#   PARALLEL_JOBS      shards run at once (default: N; on one machine -j of each shard
#                      times this should not exceed the cores)
#   PARALLEL_SSHLOGINFILE  run the shards on these ssh hosts (GNU parallel
#                      --sshloginfile): pitally installed on each, and PATHs and OUTDIR
#                      at the same place on every host (a shared file system)
#
# Exit status: that of the first shard that failed (parallel --halt now,fail=1 stops
# the others), else that of the merge (2: nothing in the whole case gave a record).
set -eu

if [ $# -lt 3 ]; then
    echo "usage: $0 N OUTDIR PATH..." >&2
    exit 1
fi
n=$1
out=$2
shift 2
case $n in
    '' | *[!0-9]* | 0*) echo "$0: N must be a whole number >= 1, not '$n'" >&2; exit 1 ;;
esac
pitally=${PITALLY:-pitally}

umask 077
mkdir -p "$out"
chmod 700 "$out"
[ -e "$out/case.key" ] || "$pitally" keygen "$out/case.key"

# shellcheck disable=SC2086  # the OPTS are lists of words
set -- --progress never ${PITALLY_OPTS:-} ${PITALLY_SCAN_OPTS:-} -- "$@"
evidence=${PITALLY_EVIDENCE:-0}
[ "$evidence" != 1 ] || set -- --evidence "$out/shard-{}.ev" "$@"
ssh_opts=
[ -z "${PARALLEL_SSHLOGINFILE:-}" ] || ssh_opts="--sshloginfile $PARALLEL_SSHLOGINFILE"

# -q: the command's words reach pitally as they are (paths with spaces); {} is K
# shellcheck disable=SC2086  # ssh_opts: none, or the option and its file
seq 1 "$n" | parallel -q --halt now,fail=1 -j "${PARALLEL_JOBS:-$n}" $ssh_opts \
    "$pitally" scan --shard "{}/$n" --state "$out/shard-{}.pst" --json "$out/shard-{}.json" \
    --case-key "$out/case.key" "$@" >/dev/null

set --
[ "$evidence" != 1 ] || set -- --evidence "$out/evidence" --case-key "$out/case.key"
set -- "$@" --json "$out/report.json" --state "$out/case.pst" --
k=1
while [ "$k" -le "$n" ]; do
    set -- "$@" "$out/shard-$k.pst"
    k=$((k + 1))
done
# shellcheck disable=SC2086  # PITALLY_OPTS are words
exec "$pitally" merge ${PITALLY_OPTS:-} "$@"
