"""test_damage.py - damaged records and encodings as the JSON report shows them (issue 5):
the bad bytes or the bad record are reported with their offset, and everything around them
still counts. Offsets are computed here from the bytes written. Collected by run.py."""
import gzip
import os
import shutil

from run import PATTERNS, Failure, counts, eq, fx, run, scan


def kinds(inp):
    return [e["kind"] for e in inp["errors"]]


def test_invalid_utf8_replaced_and_neighbours_count(tmp):
    data = ("手机号,备注\n13812345678,好\n13912345678,".encode() + b"bad \xff\xfe bytes\n" +
            "13712345678,好\n".encode())
    path = os.path.join(tmp, "u.csv")
    fx.write(path, data)
    inp = scan([path])["inputs"][0]
    eq(counts(inp), (3, 3, 3), "every row still counts")
    eq(kinds(inp), ["encoding"], "one encoding error")
    eq(inp["errors"][0]["offset"], data.index(b"\xff"), "offset of the first bad byte")


def test_invalid_gb18030_replaced(tmp):
    text = "".join("第%d位客户,手机号码 138%08d,地址北京市朝阳区\n" % (i, i) for i in range(50))
    data = bytearray(text.encode("gb18030"))
    bad_at = data.index("第10位".encode("gb18030"))
    data[bad_at:bad_at] = b"\x81\x20"          # a lead byte with an invalid trail byte
    path = os.path.join(tmp, "g.txt")
    fx.write(path, bytes(data))
    inp = scan([path], "--format", "lines")["inputs"][0]
    eq(inp["encoding"], "gb18030", "detected encoding")
    eq(counts(inp), (50, 50, 50), "every line still counts")
    eq(kinds(inp), ["encoding"], "one encoding error")
    eq(inp["errors"][0]["offset"], bad_at, "offset of the bad sequence")


def test_utf16_lone_surrogate_replaced(tmp):
    text = "手机号,备注\n13812345678,a\n13912345678,\ud800b\n13712345678,c\n"
    data = b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")
    path = os.path.join(tmp, "w.csv")
    fx.write(path, data)
    inp = scan([path])["inputs"][0]
    eq(inp["encoding"], "utf-16le", "encoding")
    eq(counts(inp), (3, 3, 3), "every row still counts")
    eq(kinds(inp), ["encoding"], "one encoding error")
    eq(inp["errors"][0]["offset"], data.index(b"\x00\xd8"), "offset of the lone surrogate (BOM included)")


def test_malformed_json_line_skipped(tmp):
    lines = ['{"手机号": "1381234567%d"}' % i for i in range(5)]
    lines[2] = '{"手机号": "13812345672", "备注": "unterminated}'
    data = ("\n".join(lines) + "\n").encode()
    path = os.path.join(tmp, "j.jsonl")
    fx.write(path, data)
    inp = scan([path])["inputs"][0]
    eq(inp["format"], "jsonl", "format")
    eq(counts(inp), (4, 4, 4), "the four good lines")
    eq(kinds(inp), ["json"], "one json error")
    eq(inp["errors"][0]["offset"], data.index(lines[2].encode()), "offset of the bad line")


def test_cut_sql_statement(tmp):
    data = ("CREATE TABLE t (`手机号` varchar(11), `备注` text);\n"
            "INSERT INTO t VALUES ('13812345678','a'),('13912345678','b'),('1371234").encode()
    path = os.path.join(tmp, "cut.sql")
    fx.write(path, data)
    inp = scan([path])["inputs"][0]
    eq(inp["format"], "sql", "format")
    eq(counts(inp), (2, 2, 2), "the two whole tuples")
    eq(kinds(inp), ["sql"], "one sql error for the cut tuple")


def test_corrupt_gzip_member_then_next_file(tmp):
    text = "".join("第%d行 138%08d\n" % (i, i) for i in range(20000)).encode()
    data = bytearray(gzip.compress(text))
    mid = len(data) // 2
    data[mid:mid + 8] = b"\xff" * 8
    fx.write(os.path.join(tmp, "a.log.gz"), bytes(data))
    fx.write(os.path.join(tmp, "b.csv"), fx.csv_text().encode())
    r = scan([tmp])
    a, b = r["inputs"]
    # deflate may decode the damaged bytes into garbage for a while before it notices:
    # that garbage can also hold invalid UTF-8
    if "gzip" not in kinds(a) or not set(kinds(a)) <= {"gzip", "encoding"}:
        raise Failure("error kinds %r" % kinds(a))
    off = [e["offset"] for e in a["errors"] if e["kind"] == "gzip"][0]
    if not 0 < off <= len(data):
        raise Failure("offset %d outside the file" % off)
    # damage inside a deflate block may only show at the member's CRC check, after the
    # rest was decoded (with a few garbled bytes, which may hold a newline or two)
    if not 0 < a["records"] <= 20000 + 8:
        raise Failure("records before the damage: %d" % a["records"])
    eq(counts(b), (3, 3, 2), "the next file")


def test_broken_policy_exits_3(tmp):
    d = os.path.join(tmp, "p")
    shutil.copytree(PATTERNS, d)
    with open(os.path.join(d, "policy.yaml"), "a", encoding="utf-8") as f:
        f.write("\nbroken: [unclosed\n")
    fx.write(os.path.join(tmp, "x.csv"), fx.csv_text().encode())
    p = run(["scan", "--patterns", d, os.path.join(tmp, "x.csv")], expect_rc=3)
    if b"policy.yaml:" not in p.stderr:
        raise Failure("stderr does not name policy.yaml:LINE: %r" % p.stderr)
    eq(p.stdout, b"", "nothing scanned, nothing reported")
