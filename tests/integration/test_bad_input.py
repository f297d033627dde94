"""test_bad_input.py - end-to-end tests of damaged and hostile input at the input and
records stages (issue 5): binary files, a runaway CSV quote and an SQL statement longer
than the record cap. Collected by run.py; expected numbers are derived in the comments.
"""
import gzip
import os
import random

from run import Failure, counts, eq, fx, scan


def test_binary_files_skipped(tmp):
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    fx.write(os.path.join(tmp, "a.png"), png)
    fx.write(os.path.join(tmp, "b.zip"), b"PK\x03\x04" + b"13812345678,x\n" * 10)
    rnd = random.Random(5)
    fx.write(os.path.join(tmp, "c.bin"), bytes(rnd.randrange(256) for _ in range(20000)))
    fx.write(os.path.join(tmp, "d.csv.gz"), gzip.compress(b"\x7fELF" + bytes(100)))
    fx.write(os.path.join(tmp, "z.csv"), fx.csv_text().encode())
    r = scan([tmp])
    by_name = {os.path.basename(i["path"]): i for i in r["inputs"]}
    for name in ("a.png", "c.bin", "d.csv.gz"):
        inp = by_name[name]
        eq([e["kind"] for e in inp["errors"]], ["binary"], name + " error kinds")
        eq(inp["errors"][0]["offset"], 0, name + " offset")
        eq(inp["records"], 0, name + " records (skipped)")
    # a zip is opened as an archive now (test_containers.py): this one is damaged
    eq([e["kind"] for e in by_name["b.zip"]["errors"]], ["archive"], "b.zip error kinds")
    eq(by_name["b.zip"]["records"], 0, "b.zip records")
    eq(by_name["d.csv.gz"]["compression"], "gzip", "the outer gzip is still read")
    # the text file beside them counts as usual: 3 rows, 3 pieces, 2 distinct
    eq(counts(by_name["z.csv"]), (3, 3, 2), "z.csv records/raw/distinct")
    eq(by_name["z.csv"]["errors"], [], "z.csv errors")


def test_runaway_csv_quote_recovers_at_the_cap(tmp):
    """10000 rows of a distinct mobile and a note; row 100's note opens a quote that
    never closes. With 4 KiB chunks and a 64 KiB record cap the reader finds no boundary
    for 64 KiB, cuts after the last newline (record_too_long) and that chunk is read with
    quotes taken literally (csv); every later chunk is read normally. So every row is a
    record and a piece: nothing after the quote is swallowed."""
    n = 10000
    rows = ["手机号,备注"]
    for i in range(n):
        rows.append("138%08d,%s" % (i, '"unclosed note' if i == 100 else "第%d条" % i))
    path = os.path.join(tmp, "runaway.csv")
    fx.write(path, ("\n".join(rows) + "\n").encode())
    assert len(("\n".join(rows[101:])).encode()) > 65536   # the quote outlives the cap
    r = scan([path], "--chunk-size", "4096", "--max-record", "65536")
    inp = r["inputs"][0]
    eq(counts(inp), (n, n, n), "records/raw/distinct")
    eq(sorted(set(e["kind"] for e in inp["errors"])), ["csv", "record_too_long"], "error kinds")
    # both point at row 100, the record the quote opens (header + 100 rows before it)
    start = len(("\n".join(rows[:101]) + "\n").encode())
    for e in inp["errors"]:
        eq(e["offset"], start, e["kind"] + " offset")


def test_sql_statement_longer_than_the_cap(tmp):
    """One INSERT on one line with 30000 tuples (600 KB) and a 64 KiB record cap: the
    reader finds no statement end, and no newline to cut at, so it cuts the statement
    k times (k record_too_long errors; the last may fall at the end of the text), each
    time somewhere in the tuples. A chunk that starts inside the statement gives one sql
    error ("starts no statement") and its tuples still count (without the resume,
    everything after the first cut would be skipped as one unknown statement). A cut
    through a tuple loses that tuple, reported by the chunk before it as a tuple cut
    off; a cut between two tuples loses nothing. So records = 30000 - (sql errors -
    resumes), whatever the cut positions."""
    n = 30000
    tuples = ",".join("('138%08d','x')" % i for i in range(n))
    path = os.path.join(tmp, "long.sql")
    fx.write(path, ("INSERT INTO t (手机号, 备注) VALUES %s;\n" % tuples).encode())
    r = scan([path], "--chunk-size", "4096", "--max-record", "65536")
    inp = r["inputs"][0]
    eq(inp["format"], "sql", "format")
    kinds = [e["kind"] for e in inp["errors"]]
    k, sql = kinds.count("record_too_long"), kinds.count("sql")
    resumes = sum("starts no statement" in e["message"] for e in inp["errors"])
    eq(len(kinds), k + sql, "only record_too_long and sql errors (%r)" % kinds)
    if not 600000 // (2 * 65536 + 64) <= k <= 600000 // 65536:
        raise Failure("%d forced cuts for 600 KB at a 64 KiB cap" % k)
    if not (k - 1 <= resumes <= k and resumes <= sql <= 2 * resumes):
        raise Failure("%d cuts, %d resumes, %d sql errors" % (k, resumes, sql))
    eq(inp["records"], n - (sql - resumes), "records")
    eq(inp["pieces"]["raw"], inp["records"], "every record has its mobile")
