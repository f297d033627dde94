"""test_shard_split.py - a huge text file split into parts under scan --shard (issue 12,
docs/shards.md "A huge text file split into parts"): the shards each scan some parts of
one file, cut at record boundaries (quote-aware), and pitally merge joins the parts into
one input, so that the merged report is one scan's, byte for byte less `run`. The
threshold is lowered with --split-above so that a small file splits. Every count below
is worked out by hand from the files written here."""
import gzip
import os

from run import PATTERNS, Failure, eq, refuses_every_breach, run
from shardkit import comparable, first_difference, report_run, same_dirs

def nominal_cut(size, p, parts):
    """src/fileio/shard.c: part p starts at p/parts of the size"""
    return size // parts * p + size % parts * p // parts


# ---- the CSV: rows of a fixed length whose third field is quoted over two lines ----

HEAD = "编号,手机号,备注\n"   # 6 + 1 + 9 + 1 + 6 + 1 = 24 bytes (编号 备注 手机号: 3 bytes a character)
K = 40                       # the letters on each line of the quoted field
ROW = 23 + 2 * K             # n%05d (6) , (1) mobile (11) , (1) " a*K \n b*K " \n: 103 bytes
DISTINCT_MOBILES = 800
EMAILS = 4                   # the last 4 rows also hold an e-mail address


def row(i, n_rows, pad):
    """row i of n_rows; the last one padded with pad letters, to move the cut points"""
    note = "a" * K + "\n" + "b" * K
    if i == n_rows - 1:
        note += "c" * pad
    if i >= n_rows - EMAILS:
        note += " e%05d@example.com" % i
    return 'n%05d,138%08d,"%s"\n' % (i, i % DISTINCT_MOBILES, note)


def inside_quote(offset):
    """Is byte offset of the CSV inside a quoted field, before its newline (where a cut
    that ignored quotes would end a record in the middle of one)?"""
    at = (offset - len(HEAD.encode())) % ROW
    return 20 <= at <= 20 + K   # the opening quote is byte 19 of a row, its newline 20 + K


def csv_text(n_rows, pad):
    return HEAD + "".join(row(i, n_rows, pad) for i in range(n_rows))


def pick_rows():
    """The first number of rows from 2400 on, and padding of the last row, whose nominal
    cuts (2, 3 and 4 parts: the file splits into N parts for N shards, being nearly all
    the bytes) all fall inside a quoted field before its newline: every part boundary has
    to be found past a quote's newline. The rows before the last are 103 bytes, the last
    4 hold 19 bytes more (" e%05d@example.com"), the last pad more."""
    for n in range(2400, 2600):
        for pad in range(400):
            size = len(HEAD.encode()) + ROW * n + EMAILS * 19 + pad
            cuts = [nominal_cut(size, p, parts) for parts in (2, 3, 4) for p in range(1, parts)]
            if all(inside_quote(c) for c in cuts):
                assert len(csv_text(n, pad).encode()) == size
                return n, pad
    raise Failure("no row count puts every cut inside a quote")


# ---- running shards and merges ----

def keygen(tmp):
    key = os.path.join(tmp, "case.key")
    if not os.path.exists(key):
        run(["keygen", key])
    return ["--case-key", key]


def common(tmp):
    return ["--patterns", PATTERNS, "--progress", "never"] + keygen(tmp)


def whole_scan(tmp, paths, *extra):
    """one scan's JSON report and text report (less its Run section)"""
    report, text, _ = report_run(["scan"] + common(tmp) + list(extra) + paths,
                                 os.path.join(tmp, "whole.json"))
    return report, text


def shard_states(tmp, paths, n, tag, *extra, split="4096", texts=None):
    """scan --shard K/N for every K, each saving its state; returns the state paths and
    the shards' own JSON reports (and appends their text reports to texts)"""
    states, reports = [], []
    for k in range(1, n + 1):
        st = os.path.join(tmp, "%s.%d-%d.pst" % (tag, k, n))
        js = os.path.join(tmp, "%s.%d-%d.json" % (tag, k, n))
        report, text, _ = report_run(["scan", "--shard", "%d/%d" % (k, n), "--split-above", split,
                                      "--state", st] + common(tmp) + list(extra) + paths, js)
        reports.append(report)
        if texts is not None:
            texts.append(text)
        states.append(st)
    return states, reports


def merge(tmp, states, *extra):
    report, text, _ = report_run(["merge"] + common(tmp) + list(extra) + states,
                                 os.path.join(tmp, "merged.json"))
    return report, text


def entries_of(reports, path):
    """(shard, records) of every entry of path in the shards' own reports"""
    return [(k + 1, i["records"]) for k, r in enumerate(reports) for i in r["inputs"]
            if i["path"] == path]


def same_as_whole(what, merged, whole):
    a, b = comparable(merged[0]), comparable(whole[0])
    if a != b:
        raise Failure("%s: the JSON report differs from one scan's in %s" % (
            what, first_difference(a, b)))
    if merged[1] != whole[1]:
        raise Failure("%s: the text report differs from one scan's:\n%s\n---\n%s" % (
            what, merged[1][:3000], whole[1][:3000]))


# ---- the tests ----

def write_csv_case(tmp):
    other = os.path.join(tmp, "other.csv")
    with open(other, "w", encoding="utf-8") as f:
        f.write("手机号\n13900000001\n")                 # 10 + 12 = 22 bytes, 1 record
    n, pad = pick_rows()
    big = os.path.join(tmp, "big.csv")
    with open(big, "w", encoding="utf-8") as f:
        f.write(csv_text(n, pad))
    return big, other, n


def test_split_csv_equals_one_scan(tmp):
    """big.csv: a header and n rows of 103 bytes (the last 4 longer, with an e-mail),
    each with a field quoted over two lines; every nominal cut for 2, 3 and 4 parts falls
    inside such a field. As N = 2, 3, 4 shards (with other.csv, 1 record) the file goes
    in N parts, one per shard, and the merge equals one scan."""
    big, other, n = write_csv_case(tmp)
    paths = [big, other]
    whole = whole_scan(tmp, paths)
    w = {i["path"]: i for i in whole[0]["inputs"]}
    # by hand: n records; one piece each (the mobile; with the e-mail, the pair); the
    # mobiles repeat every 800 rows, so n - 4 rows hold 800 distinct pieces, and the 4
    # rows with an e-mail one each (a pair no other row has): 804 distinct, all contact
    # (art5_5), raw n. other.csv: 1 record, 1 piece of another mobile.
    eq(w[big]["records"], n, "records of big.csv")
    eq(w[big]["pieces"], {"raw": n, "distinct": DISTINCT_MOBILES + EMAILS}, "pieces of big.csv")
    eq(w[big]["tiers"]["art5_5"], {"raw": n, "distinct": DISTINCT_MOBILES + EMAILS},
       "art5_5 of big.csv")
    eq(whole[0]["totals"]["pieces"], {"raw": n + 1, "distinct": DISTINCT_MOBILES + EMAILS + 1},
       "total pieces")
    # the e-mails are in the last rows, so their samples are those of the last part:
    # row i < n - 4 starts at byte 24 + 103 i, the rows after it 19 bytes longer each (the
    # e-mail), all on line 2 + 2 i (the header is line 1, every row before takes two lines)
    samples = whole[0]["totals"]["patterns"]["email"]["samples"]
    first = n - EMAILS
    eq([(s["offset"], s["line"]) for s in samples],
       [(24 + ROW * i + 19 * (i - first), 2 + 2 * i) for i in range(first, first + 3)],
       "e-mail samples (offset, line)")
    for shards in (2, 3, 4):
        states, reports = shard_states(tmp, paths, shards, "csv")
        parts = entries_of(reports, big)
        # N parts of about size / N each, one per shard (longest first, each to the
        # least loaded shard), other.csv with the shard that got the smallest part
        eq(sorted(k for k, _ in parts), list(range(1, shards + 1)), "shards holding a part (N=%d)" % shards)
        eq(sum(r for _, r in parts), n, "records of the parts (N=%d)" % shards)
        merged = merge(tmp, states)
        same_as_whole("N=%d" % shards, merged, whole)
        # and given in another order
        merged = merge(tmp, states[::-1])
        same_as_whole("N=%d, states reversed" % shards, merged, whole)


def expected_parts(size, n_rows, parts):
    """By hand, for big.csv in `parts` parts: each part's text range and records. Every
    nominal cut p/parts of the size falls inside the quoted field of some row r (pick_rows:
    one of the 103-byte rows, which start at byte 24 + 103 r), so part p starts where row
    r + 1 does: the first record boundary after the cut, the quote closed. Part 1 starts
    at 0 with the header, the last ends at the end of the file, and a part's records are
    the rows between its start and the next part's."""
    first_rows = [0]
    for p in range(1, parts):
        r = (nominal_cut(size, p, parts) - len(HEAD.encode())) // ROW
        eq(r + 1 < n_rows - EMAILS, True, "cut %d/%d among the 103-byte rows" % (p, parts))
        first_rows.append(r + 1)
    starts = [0] + [len(HEAD.encode()) + ROW * r for r in first_rows[1:]]
    ranges = list(zip(starts, starts[1:] + [size]))
    records = [b - a for a, b in zip(first_rows, first_rows[1:] + [n_rows])]
    return ranges, records


def placed_parts(size, parts, shards):
    """The shard of each part, by hand (docs/shards.md): the parts are placed longest
    first (nominal sizes; ties by part number), each to the least loaded shard, lowest on
    a tie. With as many parts as shards, all at 0 bytes at first, the i-th placed goes to
    shard i."""
    sizes = [nominal_cut(size, p + 1, parts) - nominal_cut(size, p, parts) for p in range(parts)]
    order = sorted(range(parts), key=lambda p: (-sizes[p], p))
    eq(parts, shards, "one part per shard")
    return dict((p, i + 1) for i, p in enumerate(order))


def test_split_parts_marked_in_shard_reports(tmp):
    """Issue 12: a shard's own report names a part of a split file with the file's path,
    so it says which part it is: JSON part (from 1), parts and part_offsets, the text
    report's inputs table and the HTML table "part k of P" with the text's byte range.
    big.csv as N = 3 and 4 shards: each shard holds the part worked out by hand, the
    ranges tile the file (UTF-8 without a BOM: the text is the file's bytes) and the
    records add up to n. The last part holds the file's bytes and hashes. A --partial
    merge keeps the parts (and their marks, through the state); the whole merge and one
    scan carry no mark. report_check refuses a broken mark."""
    import hashlib
    import report_check
    big, other, n = write_csv_case(tmp)
    paths = [big, other]
    size = os.path.getsize(big)
    with open(big, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    whole = whole_scan(tmp, paths)
    eq([("part" in i, "parts" in i, "part_offsets" in i) for i in whole[0]["inputs"]],
       [(False, False, False)] * 2, "one scan marks no part")
    for shards in (3, 4):
        texts = []
        states, reports = shard_states(tmp, paths, shards, "mark", texts=texts)
        ranges, records = expected_parts(size, n, shards)
        shard_of = placed_parts(size, shards, shards)
        eq(sum(records), n, "the parts' records by hand (N=%d)" % shards)
        got = {}
        for k, report in enumerate(reports, 1):
            for i in report["inputs"]:
                if i["path"] != big:
                    eq("part" in i, False, "other.csv is whole (shard %d/%d)" % (k, shards))
                    continue
                p = i["part"] - 1
                eq(k, shard_of[p], "the shard of part %d/%d" % (i["part"], shards))
                eq((i["parts"], i["part_offsets"], i["records"]),
                   (shards, list(ranges[p]), records[p]), "part %d/%d" % (i["part"], shards))
                last = p == shards - 1
                eq((i["bytes"], i.get("sha256")), (size, sha) if last else (0, None),
                   "bytes and hash of part %d/%d" % (i["part"], shards))
                got[p] = i
                a, b = ranges[p]
                line = "%s (part %d of %d, text bytes %s to %s)" % (big, p + 1, shards,
                                                                   "{:,}".format(a), "{:,}".format(b))
                if line not in texts[k - 1]:
                    raise Failure("shard %d/%d's text report lacks %r:\n%s" % (
                        k, shards, line, texts[k - 1][:2000]))
        eq(sorted(got), list(range(shards)), "every part once over the shards (N=%d)" % shards)
        offsets = [got[p]["part_offsets"] for p in range(shards)]
        eq(offsets[0][0], 0, "part 1 starts at 0")
        eq([b[0] for b in offsets[1:]], [a[1] for a in offsets[:-1]], "each part starts where the one before ends")
        eq(offsets[-1][1], size, "the last part ends at the end of the file")
        eq(sum(got[p]["records"] for p in range(shards)), n, "records over the parts")
        merged = merge(tmp, states)
        same_as_whole("N=%d" % shards, merged, whole)
        eq([("part" in i) for i in merged[0]["inputs"]], [False, False], "the merge marks no part")
        if "(part " in merged[1]:
            raise Failure("the merged text report marks a part")
    # N = 4: the HTML of the shard of part 2, in English and in Chinese
    ranges, _ = expected_parts(size, n, 4)
    k = placed_parts(size, 4, 4)[1]
    for lang, mark in (("en", "part 2 of 4, text bytes %d to %d"), ("zh", "第 2 部分，共 4 部分，文本字节 %d 至 %d")):
        html = os.path.join(tmp, "part2.%s.html" % lang)
        p = run(["scan", "--shard", "%d/4" % k, "--split-above", "4096", "--html", html,
                 "--lang", lang] + common(tmp) + paths)
        with open(html, encoding="utf-8") as f:
            if mark % ranges[1] not in f.read():
                raise Failure("the HTML (%s) of shard %d/4 lacks %r" % (lang, k, mark % ranges[1]))
        if lang == "zh" and "（第 2 部分，共 4 部分，文本字节 %s 至 %s）" % tuple(
                "{:,}".format(x) for x in ranges[1]) not in p.stdout.decode():
            raise Failure("the Chinese text report of shard %d/4 lacks the mark" % k)
    # a --partial merge of the shards of parts 1 and 2 (of 4) keeps those parts, marked as
    # they were
    held = [placed_parts(size, 4, 4)[p] - 1 for p in (0, 1)]
    st = os.path.join(tmp, "half.pst")
    half, text = merge(tmp, [states[k] for k in held], "--partial", "--state", st)
    own = [i for k in held for i in reports[k]["inputs"] if i["path"] == big]
    kept = [i for i in half["inputs"] if i["path"] == big]
    eq([(i["part"], i["parts"], i["part_offsets"], i["records"]) for i in kept],
       sorted((i["part"], i["parts"], i["part_offsets"], i["records"]) for i in own),
       "the parts a --partial merge keeps")
    again = merge(tmp, [st], "--partial")
    same_as_whole("the --partial merge's state merged again", again, (half, text))
    # the checker refuses a broken mark
    breaches = {
        "part past parts": lambda r: r["inputs"][0].__setitem__("part", 5),
        "parts of 1": lambda r: r["inputs"][0].__setitem__("parts", 1),
        "part without parts": lambda r: r["inputs"][0].pop("parts"),
        "part 1 not from 0": lambda r: r["inputs"][0]["part_offsets"].__setitem__(0, 5),
        "offsets backwards": lambda r: r["inputs"][1].__setitem__("part_offsets", [10 ** 9, 1]),
        "overlapping parts": lambda r: r["inputs"][1]["part_offsets"].__setitem__(
            0, r["inputs"][0]["part_offsets"][1] - 1),
        "a part twice": lambda r: r["inputs"][1].__setitem__("part", 1),
        "offsets without part": lambda r: (r["inputs"][0].pop("part"), r["inputs"][0].pop("parts")),
    }
    eq([(i["path"], i.get("part")) for i in half["inputs"]][:2], [(big, 1), (big, 2)],
       "the --partial merge lists parts 1 and 2 first")
    eq(report_check.problems(half), [], "the --partial merge's report keeps the contract")
    refuses_every_breach(half, breaches)


def test_split_partial_merges(tmp):
    """A tree of merges: shards 1+2 and 3+4 of 4 merged with --partial (each holding two
    of the four parts of big.csv: they stay parts, with their key sets), then the two
    merged states: the whole, equal to one scan. Also 1+3 with 2+4 (parts not adjacent)."""
    big, other, n = write_csv_case(tmp)
    paths = [big, other]
    whole = whole_scan(tmp, paths)
    states, _ = shard_states(tmp, paths, 4, "tree")
    for a, b in (((0, 1), (2, 3)), ((0, 2), (1, 3)), ((3,), (0, 1, 2))):
        left, right = os.path.join(tmp, "left.pst"), os.path.join(tmp, "right.pst")
        merge(tmp, [states[i] for i in a], "--partial", "--state", left)
        merge(tmp, [states[i] for i in b], "--partial", "--state", right)
        same_as_whole("merge of %s and %s" % (a, b), merge(tmp, [left, right]), whole)


def test_split_jsonl_errors_in_a_later_part(tmp):
    """big.jsonl: n lines of {"id":i,"mobile":...}, one broken line near the end (in the
    last part for 2, 3 and 4 parts). Its error names the whole file's line."""
    lines = []
    for i in range(3000):
        lines.append('{"id":%d,"mobile":"138%08d","note":"%s"}\n' % (i, i % 500, "x" * 40))
    bad = 2900
    lines[bad] = '{"id":2900,"mobile":\n'   # not JSON: an error, not a record
    big = os.path.join(tmp, "big.jsonl")
    with open(big, "w", encoding="utf-8") as f:
        f.write("".join(lines))
    other = os.path.join(tmp, "other.jsonl")
    with open(other, "w", encoding="utf-8") as f:
        f.write('{"mobile":"13900000001"}\n')
    paths = [big, other]
    whole = whole_scan(tmp, paths)
    w = {i["path"]: i for i in whole[0]["inputs"]}
    # 2999 records (line 2901 is broken); mobiles repeat every 500 lines: 500 distinct
    eq(w[big]["records"], 2999, "records of big.jsonl")
    eq(w[big]["pieces"]["distinct"], 500, "distinct pieces of big.jsonl")
    offset = sum(len(l) for l in lines[:bad])
    size = sum(len(l) for l in lines)
    eq(offset > nominal_cut(size, 3, 4), True, "the broken line is in the last part")
    errs = [(e["kind"], e["line"]) for e in w[big]["errors"]]
    eq(errs, [("json", bad + 1)], "the error and its line")
    for shards in (2, 3, 4):
        states, reports = shard_states(tmp, paths, shards, "jsonl")
        eq(len(entries_of(reports, big)), shards, "parts of big.jsonl (N=%d)" % shards)
        same_as_whole("JSONL, N=%d" % shards, merge(tmp, states), whole)


def test_split_skips_gzip_and_sql(tmp):
    """A gzip file and a SQL dump go whole to one shard whatever their size; a SQL dump
    under another name is split by the table, but the head says SQL: part 0 is the whole
    file, the other parts are empty entries, and the merge still equals one scan."""
    text = "".join("INSERT INTO t VALUES ('n%d', '138%08d');\n" % (i, i % 300) for i in range(2000))
    sql = os.path.join(tmp, "dump.sql")
    with open(sql, "w", encoding="utf-8") as f:
        f.write("CREATE TABLE t (name TEXT, mobile TEXT);\n" + text)
    gz = os.path.join(tmp, "big.csv.gz")
    with open(gz, "wb") as f:
        f.write(gzip.compress(("手机号\n" + "".join("138%08d\n" % (i % 300) for i in range(5000))).encode(), 1))
    hidden = os.path.join(tmp, "dump.txt")   # SQL under a name the table cannot tell
    with open(hidden, "w", encoding="utf-8") as f:
        f.write("CREATE TABLE u (name TEXT, mobile TEXT);\n" + text.replace("INTO t", "INTO u"))
    for path in (sql, gz, hidden):
        paths = [path]
        whole = whole_scan(tmp, paths)
        states, reports = shard_states(tmp, paths, 3, "whole", split="1")
        entries = entries_of(reports, path)
        if path == hidden:
            # split by the table (3 parts), but read as SQL: 2000 records in part 0
            eq(sorted(r for _, r in entries), [0, 0, 2000], "%s: parts' records" % path)
        else:
            eq(len(entries), 1, "%s goes whole to one shard" % path)
        same_as_whole(path, merge(tmp, states), whole)


def test_split_evidence_equals_one_scan(tmp):
    """scan --shard --evidence splits no file (merge --evidence could not join the parts'
    evidence): big.csv goes whole to one shard, and merge --evidence writes one scan's
    directory, file for file."""
    big, other, n = write_csv_case(tmp)
    paths = [big, other]
    whole_ev = os.path.join(tmp, "whole.ev")
    whole = whole_scan(tmp, paths, "--evidence", whole_ev)
    states, reports = [], []
    for k in (1, 2, 3):   # each shard with an evidence directory of its own
        st = os.path.join(tmp, "ev.%d.pst" % k)
        js = os.path.join(tmp, "ev.%d.json" % k)
        report, _, _ = report_run(["scan", "--shard", "%d/3" % k, "--split-above", "1", "--state", st,
                                   "--evidence", os.path.join(tmp, "ev%d" % k)] + common(tmp) + paths, js)
        reports.append(report)
        states.append(st)
    eq(len(entries_of(reports, big)), 1, "big.csv is not split under --evidence")
    merged_ev = os.path.join(tmp, "merged.ev")
    merged = merge(tmp, states, "--evidence", merged_ev)
    same_as_whole("--evidence", merged, whole)
    same_dirs(whole_ev, merged_ev, "merge --evidence")


def test_split_above_usage(tmp):
    """--split-above takes a number of bytes, and belongs to scan --shard."""
    path = os.path.join(tmp, "a.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("手机号\n13900000001\n")
    run(["scan", "--split-above", "100", path], expect_rc=1)
    run(["scan", "--shard", "1/2", "--split-above", "0", path], expect_rc=1)
    run(["scan", "--shard", "1/2", "--split-above", "x", path], expect_rc=1)


def test_merge_keeps_record_shapes(tmp):
    """cards.csv: 姓名,银行卡号,金额 with 300 rows of a Luhn-valid card beside an amount:
    the record shape `property` holds for it (an account and an amount column), which
    the reports list under the input's shapes. A state keeps the shapes (version 7;
    version 6 lost them): one scan's state merged alone, and the file split into 2
    parts, give one scan's report."""
    from run import fx
    cards = os.path.join(tmp, "cards.csv")
    with open(cards, "w", encoding="utf-8") as f:
        f.write("姓名,银行卡号,金额\n")
        for i in range(300):
            f.write("张%s,%s,%d.50\n" % ("一二三四五六七八九十"[i % 10], fx.luhn("62220200%07d" % i), 100 + i))
    other = os.path.join(tmp, "other.csv")
    with open(other, "w", encoding="utf-8") as f:
        f.write("手机号\n13900000001\n")
    paths = [cards, other]
    whole = whole_scan(tmp, paths)
    shapes = [(s["id"], s["holds"]) for s in whole[0]["inputs"][0]["shapes"]]
    eq(shapes, [("property", True)], "shapes of cards.csv")
    st = os.path.join(tmp, "one.pst")
    run(["scan", "--state", st] + common(tmp) + paths)
    same_as_whole("one scan's state", merge(tmp, [st]), whole)
    states, reports = shard_states(tmp, paths, 2, "shapes", split="1")
    eq(len(entries_of(reports, cards)), 2, "parts of cards.csv")
    same_as_whole("2 shards", merge(tmp, states), whole)
