"""test_cli.py - command-line overrides of detection (--header, --format, --delimiter,
--encoding), defaults (threads), progress and the text report. Collected by run.py."""
import json
import os
import subprocess

import fixtures as fx
from run import BIN, PATTERNS, Failure, check_report, counts, eq, run, scan


def test_header_no_makes_first_row_a_record(tmp):
    path = os.path.join(tmp, "p.csv")
    fx.write(path, fx.csv_text().encode())
    r = scan([path], "--header", "no")
    # the column-name row becomes a record without identifiers; the names lose their
    # header context, but IDs and mobiles are identifiers by value: 3 pieces, 2 distinct
    eq(counts(r["inputs"][0]), (4, 3, 2), "records/raw/distinct")
    eq(r["inputs"][0]["categories"]["identity"], 3, "identity from the IDs alone")


def test_format_lines_forced(tmp):
    path = os.path.join(tmp, "p.csv")
    fx.write(path, fx.csv_text().encode())
    r = scan([path], "--format", "lines")
    eq(r["inputs"][0]["format"], "lines", "format")
    # every non-empty line is a record, the header line too; the third line repeats the first
    eq(counts(r["inputs"][0]), (4, 3, 2), "records/raw/distinct")


def test_delimiter_forced(tmp):
    path = os.path.join(tmp, "p.txt")
    fx.write(path, "手机号;备注,逗号\n13812345678;a,b\n13912345678;c,d\n".encode())
    r = scan([path], "--delimiter", ";")
    inp = r["inputs"][0]
    eq(inp["format"], "delimited", "format")
    eq(counts(inp), (2, 2, 2), "records/raw/distinct")


def test_encoding_forced(tmp):
    text = fx.csv_text()
    fx.write(os.path.join(tmp, "le.csv"), text.encode("utf-16-le"))   # no BOM
    r = scan([os.path.join(tmp, "le.csv")], "--encoding", "utf-16le")
    eq(r["inputs"][0]["encoding"], "utf-16le", "encoding")
    eq(counts(r["inputs"][0]), (3, 3, 2), "utf-16le records/raw/distinct")
    fx.write(os.path.join(tmp, "gb.csv"), text.encode("gb18030"))
    r = scan([os.path.join(tmp, "gb.csv")], "--encoding", "gbk")
    eq(r["inputs"][0]["encoding"], "gb18030", "gbk is read as gb18030")
    eq(counts(r["inputs"][0]), (3, 3, 2), "gb18030 records/raw/distinct")
    run(["scan", "--encoding", "latin9", os.path.join(tmp, "gb.csv")], expect_rc=1)


def test_default_threads_is_online_cpus(tmp):
    path = os.path.join(tmp, "p.csv")
    fx.write(path, fx.csv_text().encode())
    r = scan([path])
    eq(r["run"]["threads"], os.cpu_count(), "run.threads")


def test_progress_always_on_stderr(tmp):
    path = os.path.join(tmp, "big.log")
    fx.write(path, "".join("第%d行 138%08d\n" % (i, i) for i in range(200000)).encode())
    p = run(["scan", "--patterns", PATTERNS, "--progress", "always", "--chunk-size", "65536",
             "-j", "1", path])
    err = p.stderr.decode()
    if "MB/s" not in err or "records/s" not in err:
        raise Failure("no progress line on stderr: %r" % err[:200])
    p = run(["scan", "--patterns", PATTERNS, path])      # auto, stderr not a terminal
    eq(p.stderr, b"", "no progress when stderr is not a terminal")


def test_text_report(tmp):
    cards = os.path.join(tmp, "cards.csv")
    rows = ["姓名,银行卡号"] + ["客户%d,%s" % (i, fx.bank_card(i)) for i in range(60)]
    fx.write(cards, ("\n".join(rows) + "\n").encode())
    out = run(["scan", "--patterns", PATTERNS, cards]).stdout.decode()
    # 60 distinct art5_3 pieces against 50: serious by item (三), ratio 60/50 = 1.2
    for want in ("情节严重", "art5_1_3", "art5_3", "1.2", cards):
        if want not in out:
            raise Failure("text report lacks %r:\n%s" % (want, out))


def test_json_stdout_is_only_json(tmp):
    path = os.path.join(tmp, "p.csv")
    fx.write(path, fx.csv_text().encode())
    p = subprocess.run([BIN, "scan", "--json", "-", "--patterns", PATTERNS, path],
                       capture_output=True)
    eq(p.returncode, 0, "exit")
    eq(p.stdout.lstrip()[:1], b"{", "stdout starts with the JSON document")
    eq(p.stdout.rstrip()[-1:], b"}", "and ends with it")
    check_report(json.loads(p.stdout))


def test_max_output_stops_a_bomb(tmp):
    """4 MiB of identical 24-byte lines gzipped to a few KiB; --max-output 1 MiB stops it
    with a gzip_bomb error. The lines read before the stop still count: at least the
    1 MiB / 24 whole lines before the cap, at most one 256 KiB read buffer more."""
    line = "请回电 13812345678 谢谢\n".encode()
    eq(len(line), 29, "line length")
    path = os.path.join(tmp, "bomb.log.gz")
    fx.write(path, __import__("gzip").compress(line * (4 * 1024 * 1024 // len(line))))
    r = scan([path], "--max-output", str(1 << 20))
    inp = r["inputs"][0]
    eq([e["kind"] for e in inp["errors"]], ["gzip_bomb"], "error kinds")
    low, high = (1 << 20) // len(line), ((1 << 20) + (256 << 10)) // len(line) + 1
    if not low <= inp["records"] <= high:
        raise Failure("records %d not in [%d, %d]" % (inp["records"], low, high))
    eq(inp["pieces"]["distinct"], 1, "one distinct piece however often repeated")
    r = scan([path])                          # the defaults let 4 MiB through
    eq(r["inputs"][0]["errors"], [], "no error under the default limits")
    eq(r["inputs"][0]["records"], 4 * 1024 * 1024 // len(line), "every line")


def test_binary_scan_reads_anyway(tmp):
    path = os.path.join(tmp, "odd.bin")
    fx.write(path, b"\x89PNG\r\n\x1a\n" + "\n请回电 13812345678\n".encode())
    r = scan([path], expect_rc=2)   # the only input skipped: nothing could be scanned
    eq([e["kind"] for e in r["inputs"][0]["errors"]], ["binary"], "skipped by default")
    # the JSON alone says so too, not only the exit status: a note in the verdict
    notes = r["verdict"]["notes"]
    eq(len(notes), 1, "one note")
    if not notes[0].startswith("nothing could be scanned"):
        raise Failure("verdict note %r" % notes[0])
    r = scan([path], "--binary", "scan")
    eq(r["verdict"]["notes"], [], "a record was read: no such note")
    # read as text: the magic's 0x89 byte is invalid UTF-8, replaced and reported
    eq([e["kind"] for e in r["inputs"][0]["errors"]], ["encoding"], "read as text")
    eq(r["inputs"][0]["pieces"]["raw"], 1, "the mobile after the magic bytes counts")
    run(["scan", "--binary", "maybe", path], expect_rc=1)


def test_business_purchase_note(tmp):
    path = os.path.join(tmp, "p.csv")
    fx.write(path, fx.csv_text().encode())
    r = scan([path])
    eq(r["verdict"].get("notes", []), [], "no note without the flag")
    r = scan([path], "--business-purchase")
    notes = r["verdict"]["notes"]
    eq(len(notes), 1, "one note")
    if "Art. 6" not in notes[0] or "50,000" not in notes[0]:
        raise Failure("note does not cite Art. 6 and its CNY 50,000: %r" % notes[0])
    eq(r["policy"]["business_purchase"], True, "policy.business_purchase")


def test_samples_point_at_the_records(tmp):
    """The JSON lists, for each pattern, its first matches masked, with the path and the
    offset of their record: the three rows start after the header line, then after each
    row (byte lengths of the lines as written)."""
    text = fx.csv_text()
    path = os.path.join(tmp, "p.csv")
    fx.write(path, text.encode())
    lines = [l + "\n" for l in text.split("\n")[:-1]]
    starts = [len(lines[0].encode())]
    for l in lines[1:-1]:
        starts.append(starts[-1] + len(l.encode()))
    r = scan([path])
    mobile = r["totals"]["patterns"]["cn_mobile"]["samples"]
    eq([s["offset"] for s in mobile], starts, "offsets of the three rows")
    eq({s["path"] for s in mobile}, {path}, "path")
    ids = r["totals"]["patterns"]["cn_resident_id"]["samples"]
    for s, (_, rid, _) in zip(ids, fx.PEOPLE):
        if "*" not in s["value"] or s["value"][:1] != rid[:1] or s["value"][-1:] != rid[-1:]:
            raise Failure("sample %r does not mask %s" % (s["value"], rid))
        if rid in s["value"]:
            raise Failure("sample shows the whole ID")
    # the same samples whatever the thread count and chunking
    r2 = scan([path], "-j", "3", "--chunk-size", "64")
    eq(r2["totals"]["patterns"], r["totals"]["patterns"], "samples with -j3 and 64-byte chunks")


def test_combo_list_keeps_its_credentials(tmp):
    # A combo list (撞库): account:password on every line. Read as delimited text, the
    # password column would be a bare value and the lines would count as e-mail
    # addresses only; read as lines, each is an account password (账号密码, Art. 1).
    # 5 lines, the 5th repeats the 1st: 5 raw pieces, 4 distinct, every line credentials.
    path = os.path.join(tmp, "combo.txt")
    lines = ["zhangwei@qq.com:Pw12345", "lisi88@163.com:abc123456", "13812345678:qwerty12",
             "wangwu@sina.com:pass!word", "zhangwei@qq.com:Pw12345"]
    fx.write(path, ("\n".join(lines) + "\n").encode())
    r = scan([path])
    inp = r["inputs"][0]
    eq(inp["format"], "lines", "format")
    eq(counts(inp), (5, 5, 4), "records/raw/distinct")
    eq(inp["categories"]["credentials"], 5, "credentials records")
    eq(r["totals"]["patterns"]["credential_combo"]["matched"], 5, "combo matches")
    # the same lines with "----" and a user name and a QQ number as accounts
    path2 = os.path.join(tmp, "dashes.txt")
    fx.write(path2, "zhangsan----pass123\n123456789----abc456\nli@x.cn----p@ss\n".encode())
    r = scan([path2])
    eq(r["inputs"][0]["format"], "lines", "format (----)")
    eq(r["inputs"][0]["categories"]["credentials"], 3, "credentials records (----)")
    # key:value text stays delimited
    path3 = os.path.join(tmp, "kv.txt")
    fx.write(path3, "name:Tom\nage:12\ncity:Beijing\n".encode())
    eq(scan([path3])["inputs"][0]["format"], "delimited", "key:value text")
