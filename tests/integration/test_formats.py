"""test_formats.py - data in the forms it is seized in (issue 9): JSON documents (arrays,
wrapped arrays, Elasticsearch and mongoexport output), pg_dump COPY blocks, SQL Server and
Oracle scripts, title rows above a CSV header. Every fixture is built here and its counts
worked out from how it was built; each is also scanned in small chunks, which must not
change a count. Collected by run.py."""
import gzip
import json
import os

from run import counts, eq, fx, scan, strip_run, tier

# fx.PEOPLE: 张伟/ID_A/13812345678 twice and 李娜/ID_B/13912345678 once. As records of any
# format: 3 records, each a piece (name + resident ID + mobile), 2 distinct, 2 subjects.
PEOPLE_COUNTS = (3, 3, 2)
CHUNKS = ("64", "1000", "1048576")


def person(row):
    name, rid, mobile = row
    return {fx.HEAD[0]: name, fx.HEAD[1]: rid, fx.HEAD[2]: mobile}


def kinds(inp):
    return [e["kind"] for e in inp["errors"]]


def scan_chunked(paths, *extra):
    """Scan at every chunk size of CHUNKS; the reports must be the same. Returns one."""
    reports = [scan(paths, "--chunk-size", c, "-j", "2", *extra) for c in CHUNKS]
    for c, r in zip(CHUNKS[1:], reports[1:]):
        eq(strip_run(r), strip_run(reports[0]), "report with %s-byte chunks vs %s" % (c, CHUNKS[0]))
    return reports[-1]


def by_name(report):
    return {os.path.basename(i["path"]): i for i in report["inputs"]}


# ---------------------------------------------------------------- JSON documents

def json_documents(tmp):
    people = [person(r) for r in fx.PEOPLE]
    mongo = [{"_id": {"$oid": "65a1b2c3d4e5f6a7b8c9d0%02x" % i}, fx.HEAD[0]: p[fx.HEAD[0]],
              fx.HEAD[1]: p[fx.HEAD[1]], fx.HEAD[2]: {"$numberLong": p[fx.HEAD[2]]}}
             for i, p in enumerate(people)]
    docs = {
        "array.json": json.dumps(people, ensure_ascii=False, indent=2),
        "oneline.json": json.dumps(people, ensure_ascii=False),
        "api.json": json.dumps({"code": 0, "msg": "ok", "data": {"total": 3, "list": people}},
                               ensure_ascii=False),
        "es.json": json.dumps({"took": 4, "timed_out": False, "hits": {
            "total": {"value": 3}, "max_score": 1.0,
            "hits": [{"_index": "users", "_id": str(i), "_score": 1.0, "_source": p}
                     for i, p in enumerate(people)]}}, ensure_ascii=False, indent=2),
        "mongo.json": json.dumps(mongo, ensure_ascii=False),
        # pretty-printed objects one after another (jq output)
        "stream.json": "".join(json.dumps(p, ensure_ascii=False, indent=1) + "\n" for p in people),
    }
    for name, text in docs.items():
        fx.write(os.path.join(tmp, name), text.encode())
    return sorted(docs)


def test_json_documents(tmp):
    names = json_documents(tmp)
    r = scan_chunked([tmp])
    got = by_name(r)
    eq(sorted(got), names, "inputs")
    for name, inp in got.items():
        eq(inp["format"], "json", name + " format")
        eq(counts(inp), PEOPLE_COUNTS, name + " records/raw/distinct")
        eq(inp["categories"]["identity"], 3, name + " identity (name and ID)")
        eq(inp["errors"], [], name + " errors")
    n = len(names)
    eq(counts(r["totals"]), (3 * n, 3 * n, 2), "the same two people in every document")
    eq(r["totals"]["subjects"], 2, "subjects")


def test_mongoexport_lines(tmp):
    """mongoexport's default output, one object per line with extended JSON ($oid,
    $numberLong; their keys are checked in test_formats.c): read as JSON Lines."""
    lines = ['{"_id":{"$oid":"65a1b2c3d4e5f6a7b8c9d0%02x"},"%s":"%s","%s":"%s","%s":{"$numberLong":"%s"}}'
             % ((i,) + sum(zip(fx.HEAD, r), ())) for i, r in enumerate(fx.PEOPLE)]
    fx.write(os.path.join(tmp, "users.json"), ("\n".join(lines) + "\n").encode())
    inp = scan_chunked([os.path.join(tmp, "users.json")])["inputs"][0]
    eq(inp["format"], "jsonl", "format")
    eq(counts(inp), PEOPLE_COUNTS, "records/raw/distinct")
    eq(inp["categories"]["contact"], 3, "contact: the three mobiles")


def test_json_long_single_line(tmp):
    """20000 objects on one line, 30 or so bytes each (600 KB), bare and wrapped, read
    with a 64 KiB record cap and 4 KiB chunks: cut between objects, never whole. Each
    object has its own mobile 13800000000 + i: 20000 pieces, all distinct."""
    n = 20000
    objs = ",".join('{"手机号":"138%08d"}' % i for i in range(n))
    fx.write(os.path.join(tmp, "bare.json"), ("[" + objs + "]").encode())
    fx.write(os.path.join(tmp, "wrapped.json"), ('{"code":0,"data":{"rows":[' + objs + ']}}').encode())
    r = scan([tmp], "--chunk-size", "4096", "--max-record", "65536", "-j", "2")
    for name, inp in by_name(r).items():
        eq(inp["format"], "json", name + " format")
        eq(inp["errors"], [], name + " errors (no record_too_long)")
        eq(counts(inp), (n, n, n), name + " records/raw/distinct")
    eq(r["totals"]["pieces"]["distinct"], n, "the same mobiles in both")


def test_json_damaged(tmp):
    """A document cut inside its fifth object, and one with garbage between objects."""
    objs = ['{"手机号": "1381234567%d"}' % i for i in range(5)]
    whole = "[\n" + ",\n".join(objs) + "\n]\n"
    fifth = whole.index(objs[4])
    cut = whole[:fifth + 10]
    fx.write(os.path.join(tmp, "cut.json"), cut.encode())
    inp = scan_chunked([os.path.join(tmp, "cut.json")])["inputs"][0]
    eq(inp["format"], "json", "format")
    eq(counts(inp), (4, 4, 4), "the four whole objects")
    eq(kinds(inp), ["json"], "one json error")
    eq(inp["errors"][0]["offset"], len(cut[:fifth].encode()), "offset of the cut object")

    junk = "[\n" + ",\n".join(objs[:2]) + ",\n#### 这不是JSON ####\n" + ",\n".join(objs[2:]) + "\n]\n"
    data = junk.encode()
    fx.write(os.path.join(tmp, "junk.json"), data)
    inp = scan_chunked([os.path.join(tmp, "junk.json")])["inputs"][0]
    eq(counts(inp), (5, 5, 5), "every object around the garbage")
    eq(kinds(inp), ["json"], "one json error")
    eq(inp["errors"][0]["offset"], data.index(b"####"), "offset of the garbage")


def test_json_object_over_record_cap(tmp):
    """100 objects on one line, each its own mobile; the 51st holds a 300 KB string, more
    than the 64 KiB record cap: it is cut (record_too_long, and json errors for its
    pieces), the other 99 all count, the 50 after it too."""
    objs = ['{"手机号":"138%08d","tags":["a","b"]}' % i for i in range(100)]
    objs[50] = '{"手机号":"13800000050","blob":"%s","tags":["c"]}' % ("x" * 300000)
    data = ("[" + ",".join(objs) + "]").encode()
    fx.write(os.path.join(tmp, "huge.json"), data)
    inp = scan([os.path.join(tmp, "huge.json")], "--chunk-size", "4096", "--max-record", "65536")["inputs"][0]
    eq(counts(inp), (99, 99, 99), "records/raw/distinct")
    # the cut object's 300,000 bytes are in no record, more than half of the ~304 KB
    eq(sorted(set(kinds(inp))), ["json", "mostly_no_records", "record_too_long"], "error kinds")
    at = data.index(objs[50].encode())
    cut = [e for e in inp["errors"] if e["kind"] != "mostly_no_records"]   # that one is at 0
    eq([e["offset"] for e in cut[:2]], [at, at], "the cut object's offset, twice")


# ---------------------------------------------------------------- pg_dump

def pg_dump(people, cards):
    """pg_dump plain format: users by COPY with a column list (\\N for a missing note,
    a note with escapes), then cards by COPY without one (columns from CREATE TABLE)."""
    rows = []
    for i, (name, rid, mobile) in enumerate(people):
        note = "\\N" if i % 2 else "第%d位\\t备注\\\\x" % i
        rows.append("%d\t%s\t%s\t%s\t%s\n" % (i + 1, name, rid, mobile, note))
    card_rows = "".join("%d\t客户%d\t%s\n" % (i, i, c) for i, c in enumerate(cards))
    return ("--\n-- PostgreSQL database dump\n--\n\n"
            "SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n\n"
            "CREATE TABLE public.users (\n    id integer NOT NULL,\n    \"%s\" text,\n"
            "    \"%s\" character varying(18),\n    \"%s\" character varying(11),\n"
            "    note text\n);\n\n"
            "CREATE TABLE public.cards (\n    id integer,\n    \"姓名\" text,\n    \"银行卡号\" text\n);\n\n"
            "COPY public.users (id, \"%s\", \"%s\", \"%s\", note) FROM stdin;\n%s\\.\n\n"
            "COPY public.cards FROM stdin;\n%s\\.\n\n"
            "ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);\n"
            % (fx.HEAD + fx.HEAD + ("".join(rows), card_rows)))


def test_pg_dump_copy(tmp):
    cards = [fx.bank_card(i) for i in range(2)]
    path = os.path.join(tmp, "dump.sql")
    fx.write(path, pg_dump(fx.PEOPLE, cards).encode())
    inp = scan_chunked([path])["inputs"][0]
    eq(inp["format"], "sql", "format")
    # 3 people (2 distinct) + 2 card rows, each card a piece of its own
    eq(counts(inp), (5, 5, 4), "records/raw/distinct")
    eq(tier(inp, "art5_3"), (2, 2), "art5_3: the two cards")
    eq(inp["categories"]["property"], 2, "property: the two cards")
    eq(inp["errors"], [], "errors")


def test_pg_dump_cut_inside_copy(tmp):
    """1000 rows, each its own mobile; the dump cut in the middle of row 600: the 599
    rows before count, an sql error names the offset of row 600."""
    people = [("用户%d" % i, fx.resident_id("11010519491231%03d" % i), "138%08d" % i)
              for i in range(1000)]
    text = pg_dump(people, [])
    row600 = text.index("\n600\t") + 1
    cut = text[:row600 + 8]
    path = os.path.join(tmp, "cut.sql")
    fx.write(path, cut.encode())
    inp = scan_chunked([path])["inputs"][0]
    eq(counts(inp), (599, 599, 599), "the whole rows before the cut")
    eq(kinds(inp), ["sql"], "one sql error")
    eq(inp["errors"][0]["offset"], len(cut[:row600].encode()), "offset of the cut row")


# ---------------------------------------------------------------- SQL Server, Oracle

def test_mssql_utf16_and_oracle(tmp):
    """An SSMS script (UTF-16LE with BOM, [names], N'...', GO, no ';') and an Oracle SQL
    Developer export ("NAMES", to_date(...) values): the three people each."""
    h = fx.HEAD
    inserts = "".join(
        "INSERT [dbo].[Customer] ([Id], [%s], [%s], [%s], [Created]) VALUES "
        "(%d, N'%s', N'%s', N'%s', CAST(N'2020-01-01T00:00:00.000' AS DateTime))\n"
        % (h + (i + 1,) + r) for i, r in enumerate(fx.PEOPLE))
    ms = ("USE [crm]\nGO\n/****** Object:  Table [dbo].[Customer] ******/\n"
          "SET ANSI_NULLS ON\nGO\nCREATE TABLE [dbo].[Customer](\n\t[Id] [int] IDENTITY(1,1) NOT NULL,\n"
          "\t[%s] [nvarchar](50) NULL,\n\t[%s] [nvarchar](18) NULL,\n\t[%s] [nvarchar](11) NULL,\n"
          "\t[Created] [datetime] NULL\n) ON [PRIMARY]\nGO\nSET IDENTITY_INSERT [dbo].[Customer] ON\n"
          % h + inserts + "SET IDENTITY_INSERT [dbo].[Customer] OFF\nGO\n")
    fx.write(os.path.join(tmp, "ms.sql"), b"\xff\xfe" + ms.replace("\n", "\r\n").encode("utf-16-le"))
    ora = ("REM INSERTING into CRM.CUSTOMER\nSET DEFINE OFF;\n" + "".join(
        "Insert into CRM.CUSTOMER (\"%s\",\"%s\",\"%s\",BIRTH) values ('%s','%s','%s',"
        "to_date('01-JAN-90','DD-MON-RR'));\n" % (h + r) for r in fx.PEOPLE))
    fx.write(os.path.join(tmp, "ora.sql"), ora.encode())
    got = by_name(scan_chunked([tmp]))
    eq(got["ms.sql"]["encoding"], "utf-16le", "ms.sql encoding")
    for name, inp in got.items():
        eq(inp["format"], "sql", name + " format")
        eq(counts(inp), PEOPLE_COUNTS, name + " records/raw/distinct")
        eq(inp["categories"]["identity"], 3, name + " identity")
        eq(inp["errors"], [], name + " errors")


# ---------------------------------------------------------------- title rows

def test_title_rows_above_header(tmp):
    """An exported report: a title, a date line and a blank line above the header. The
    title lines are no records, the header names the columns."""
    text = "客户名单（2023年）\n导出日期：2023-01-05\n\n" + fx.csv_text()
    fx.write(os.path.join(tmp, "report.csv"), text.encode())
    merged = "客户名单,,\n" + fx.csv_text()            # a spreadsheet's merged title cell
    fx.write(os.path.join(tmp, "merged.csv"), merged.encode())
    for name, inp in by_name(scan_chunked([tmp])).items():
        eq(inp["format"], "csv", name + " format")
        eq(counts(inp), PEOPLE_COUNTS, name + " records/raw/distinct (titles are no records)")
        eq(inp["categories"]["identity"], 3, name + " identity")
        eq(inp["errors"], [], name + " errors")


# ---------------------------------------------------------------- labelled blocks

def test_labelled_blocks(tmp):
    """One person per block of "label：value" lines, a blank line between blocks (and a
    CRLF file with two blank lines and a label with a half-width colon). Each block is
    one record: the three people again, and a block with a card number alone."""
    h = fx.HEAD
    blocks = ["%s：%s\n%s：%s\n%s：%s\n" % (h[0], r[0], h[1], r[1], h[2], r[2]) for r in fx.PEOPLE]
    text = "\n".join(blocks)
    fx.write(os.path.join(tmp, "people.txt"), text.encode())
    crlf = ("\r\n\r\n".join(b.replace("\n", "\r\n") for b in blocks) +
            "\r\n银行卡号: %s\r\n备注：无\r\n" % fx.bank_card(3))
    fx.write(os.path.join(tmp, "crlf.txt"), crlf.encode())
    got = by_name(scan_chunked([tmp]))
    for name, inp in got.items():
        eq(inp["format"], "blocks", name + " format")
        eq(inp["errors"], [], name + " errors")
    eq(counts(got["people.txt"]), PEOPLE_COUNTS, "people.txt records/raw/distinct")
    eq(got["people.txt"]["categories"]["identity"], 3, "people.txt identity")
    # the three people and one more block: the card, a piece of its own
    eq(counts(got["crlf.txt"]), (4, 4, 3), "crlf.txt records/raw/distinct")
    eq(tier(got["crlf.txt"], "art5_3"), (1, 1), "crlf.txt art5_3: the card")


# ---------------------------------------------------------------- line numbers

def sample_lines(report, pattern="cn_resident_id"):
    return [s.get("line") for s in report["totals"]["patterns"][pattern]["samples"]]


def line_fixtures():
    """name -> (bytes, the lines where the three people's records start), each worked
    out from how the text is built. The resident-ID samples are one per record, so they
    name the three records' lines."""
    h, p = fx.HEAD, fx.PEOPLE
    rows = [",".join(r) for r in p]
    # a title and a blank line above the header (lines 1-2, header 3); the first
    # record's quoted note spans lines 4-5
    csv = "客户名单\n\n%s,备注\n%s,\"第一行\n第二行\"\n%s,\n%s,\n" % (",".join(h), *rows)
    # the first two newlines doubled: header 1, blank 2, person 3, blank 4, people 5, 6
    tsv = fx.csv_text(sep="\t").replace("\n", "\n\n", 2)
    jsonl = "\n" + fx.jsonl_text()                           # a blank first line: 2, 3, 4
    # indent=2: "[" on line 1, then each object "{", 3 keys, "}," = 5 lines: 2, 7, 12
    doc = json.dumps([person(r) for r in p], ensure_ascii=False, indent=2)
    cols = "(`%s`,`%s`,`%s`)" % h
    sql = ("CREATE TABLE t (`%s` text, `%s` text, `%s` text);\n" % h +
           "INSERT INTO t %s VALUES\n('%s','%s','%s'),\n('%s','%s','%s');\n" % ((cols,) + p[0] + p[1]) +
           "\nINSERT INTO t %s VALUES ('%s','%s','%s');\n" % ((cols,) + p[2]))   # 3, 4, 6
    dump = pg_dump(p, [])
    copy_lines = [dump[:dump.index("\n%d\t" % i) + 1].count("\n") + 1 for i in (1, 2, 3)]
    blocks = "\n".join("%s：%s\n%s：%s\n%s：%s\n" % (h[0], r[0], h[1], r[1], h[2], r[2])
                       for r in p)                            # 4-line blocks: 1, 5, 9
    lines = "开头一行\n%s 张伟\n\n\n李娜 %s\n%s\n" % (p[0][1], p[1][1], p[2][1])   # 2, 5, 6
    crlf = fx.csv_text().replace("\n", "\r\n")               # header 1: 2, 3, 4
    return {"a.csv": (csv.encode(), [4, 6, 7]), "b.tsv": (tsv.encode(), [3, 5, 6]),
            "c.jsonl": (jsonl.encode(), [2, 3, 4]), "d.json": (doc.encode(), [2, 7, 12]),
            "e.sql": (sql.encode(), [3, 4, 6]), "f.sql": (dump.encode(), copy_lines),
            "g.txt": (blocks.encode(), [1, 5, 9]), "h.log": (lines.encode(), [2, 5, 6]),
            "i.csv": (crlf.encode("utf-16-le"), [2, 3, 4]),
            "j.csv.gz": (gzip.compress(crlf.encode("gb18030")), [2, 3, 4])}


def test_sample_lines_every_format(tmp):
    """Samples say the 1-based line where their record starts in its file, whatever the
    format, encoding, compression or chunk size (issue 9: where an examiner can look)."""
    for name, (data, lines) in line_fixtures().items():
        path = os.path.join(tmp, name)
        fx.write(path, data)
        r = scan_chunked([path])
        eq(sample_lines(r), lines, name + " sample lines")
        offsets = [s["offset"] for s in r["totals"]["patterns"]["cn_resident_id"]["samples"]]
        eq(offsets, sorted(offsets), name + " offsets in order, next to the lines")


def test_sample_lines_sqlite(tmp):
    """A database table is read as CSV text: its header is line 1, row k is line k+1."""
    import sqlite3
    path = os.path.join(tmp, "app.db")
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (姓名 TEXT, 身份证号 TEXT, 手机号 TEXT)")
    db.executemany("INSERT INTO users VALUES (?, ?, ?)", fx.PEOPLE)
    db.commit()
    db.close()
    eq(sample_lines(scan([path])), [2, 3, 4], "rows 1-3 of users")


def test_error_line(tmp):
    """A record-level error names its line too: a broken JSON Lines object on line 3."""
    text = fx.jsonl_text().split("\n")
    text.insert(2, '{"姓名": "坏')
    path = os.path.join(tmp, "bad.jsonl")
    fx.write(path, "\n".join(text).encode())
    inp = scan_chunked([path])["inputs"][0]
    eq([(e["kind"], e.get("line")) for e in inp["errors"]], [("json", 3)], "json error on line 3")


# ---------------------------------------------------------------- never silent

def test_most_bytes_in_no_record(tmp):
    """Records that cover less than half of an input's text, with at least 4 KiB outside
    them, give a mostly_no_records entry naming the format; the records still count.
    A dump whose comment is 9000 bytes of 'x' and a JSON document whose records sit next
    to an 8000-byte string: the 3 people's records are far smaller than that."""
    comment = "/* " + "x" * 9000 + " */\n"
    dump = (comment + fx.sql_text()).encode()
    fx.write(os.path.join(tmp, "dump.sql"), dump)
    doc = json.dumps({"meta": {"readme": "x" * 8000}, "data": [person(r) for r in fx.PEOPLE]},
                     ensure_ascii=False).encode()
    fx.write(os.path.join(tmp, "api.json"), doc)
    got = by_name(scan_chunked([tmp]))
    for name, data, fmt in (("dump.sql", dump, "sql"), ("api.json", doc, "json")):
        inp = got[name]
        eq(counts(inp), PEOPLE_COUNTS, name + " records/raw/distinct still count")
        eq(kinds(inp), ["mostly_no_records"], name + " error kinds")
        msg = inp["errors"][0]["message"]
        # the whole file is text (UTF-8, no BOM, not compressed): its size is the total
        if ("of the %d bytes" % len(data)) not in msg or ("read as %s" % fmt) not in msg:
            raise AssertionError("%s message: %r" % (name, msg))


def test_covered_inputs_have_no_such_entry(tmp):
    """The usual shapes stay quiet: a 300-row CSV (every line but the header is a record),
    a double-spaced chat log (the blank lines are a third of its bytes), and a small
    MySQL dump whose schema outweighs its 3 tuples but is under 4 KiB."""
    rows = [("用户%d" % i, fx.resident_id("11010519491231%03d" % i), "138%08d" % i)
            for i in range(300)]
    fx.write(os.path.join(tmp, "big.csv"), fx.csv_text(rows).encode())
    fx.write(os.path.join(tmp, "chat.log"),
             "".join("%s 说 %s\n\n" % (r[0], r[2]) for r in rows).encode())
    fx.write(os.path.join(tmp, "small.sql"), fx.sql_text().encode())
    for name, inp in by_name(scan([tmp])).items():
        eq(inp["errors"], [], name + " errors")


def test_sample_lines_xlsx_rows(tmp):
    """A sheet's lines are its Excel row numbers: test_containers' people sheet (header on
    row 1, people on rows 2, 3 and 5, row 4 empty), and a sheet whose header is on row 3
    and whose row 4 holds a cell with a line break (rows 4, 6 and 7: the break takes the
    line of the missing row 5)."""
    from test_containers import STRINGS, inline, people_sheet, row, xlsx
    h, p = fx.HEAD, fx.PEOPLE
    lower = (row(3, inline("A3", h[0]), inline("B3", h[1]), inline("C3", "备注")) +
             row(4, inline("A4", p[0][0]), inline("B4", p[0][1]), inline("C4", "第一行&#10;第二行")) +
             row(6, inline("A6", p[1][0]), inline("B6", p[1][1])) +
             row(7, inline("A7", p[2][0]), inline("B7", p[2][1])))
    for name, sheets, lines in (("a.xlsx", [("客户信息", people_sheet())], [2, 3, 5]),
                                ("b.xlsx", [("名单", lower)], [4, 6, 7])):
        path = os.path.join(tmp, name)
        xlsx(path, sheets, STRINGS)
        r = scan([path])
        eq(sample_lines(r), lines, name + " sample lines")


def test_sample_lines_xls_rows(tmp):
    """The same for .xls: a header on row 1, rows 2 and 3 empty, 张伟 on row 4 with a
    two-line note, rows 5 and 6 empty, 李娜 on row 7 (the note's break takes row 5's
    line): samples at lines 4 and 7."""
    import biff
    sheets = [("S", [(0, 0, "姓名"), (0, 1, "手机号"), (0, 2, "备注"),
                     (3, 0, "张伟"), (3, 1, 13812345678.0), (3, 2, "第一行\n第二行"),
                     (6, 0, "李娜"), (6, 1, 13912345678.0)])]
    path = os.path.join(tmp, "gaps.xls")
    fx.write(path, biff.cfb(biff.workbook_stream(sheets, ["姓名", "手机号", "备注", "张伟",
                                                          "第一行\n第二行", "李娜"])))
    r = scan([path])
    sheet = [i for i in r["inputs"] if i["path"].endswith("gaps.xls!/S")]
    eq(len(sheet), 1, "the sheet is an input")
    eq(counts(sheet[0]), (2, 2, 2), "two records")
    eq(sample_lines(r, "cn_mobile"), [4, 7], "sample lines are Excel rows")
