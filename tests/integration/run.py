#!/usr/bin/env python3
"""run.py - end-to-end tests: scan generated inputs with the pitally binary given as the
first argument and assert on the JSON report. Prints "ok NAME" / "not ok NAME" per test
(tests/run.sh counts them). Every expected number is worked out in the comments from how
the fixture was built, not taken from an earlier run.
"""
import copy
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures as fx  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PATTERNS = os.path.join(ROOT, "patterns")
CHECKER = os.path.join(ROOT, "tests", "report_check.py")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import report_check  # noqa: E402
TIERS = ("art5_3", "art5_4", "art5_5")


class Failure(Exception):
    pass


def eq(actual, expected, what):
    if actual != expected:
        raise Failure("%s: got %r, expected %r" % (what, actual, expected))


def run(args, expect_rc=0, stdin=None):
    p = subprocess.run([BIN] + args, capture_output=True, input=stdin, timeout=120)
    if expect_rc is not None and p.returncode != expect_rc:
        raise Failure("pitally %s: exit %d, expected %d\nstderr: %s" % (
            " ".join(args), p.returncode, expect_rc, p.stderr.decode(errors="replace")[-800:]))
    return p


def scan(paths, *extra, expect_rc=0, stdin=None):
    p = run(["scan", "--json", "-", "--patterns", PATTERNS, "--progress", "never"] + list(extra)
            + list(paths), expect_rc=expect_rc, stdin=stdin)
    try:
        report = json.loads(p.stdout)
    except ValueError:
        raise Failure("stdout is not one JSON document: %r" % p.stdout[:300])
    check_report(report)
    return report


def check_report(report):
    """Every report a test parses keeps the contract: docs/pitally-report.schema.json and
    the consistency rules of tests/report_check.py."""
    try:
        found = report_check.problems(report)
    except report_check.MissingModule as e:
        raise Failure(str(e))
    if found:
        raise Failure("the report breaks the contract:\n" + "\n".join(found[:20]))


def refuses_every_breach(report, breaches):
    """report_check must refuse each copy of report broken by one of breaches (a dict of
    name -> function that breaks a report in place)."""
    accepted = []
    for name, breach in breaches.items():
        r = copy.deepcopy(report)
        breach(r)
        if not report_check.problems(r):
            accepted.append(name)
    if accepted:
        raise Failure("report_check accepts reports with: %s" % ", ".join(accepted))


def counts(obj):
    """(records, raw, distinct) of an input or of the totals"""
    return obj["records"], obj["pieces"]["raw"], obj["pieces"]["distinct"]


def tier(obj, t):
    return obj["tiers"][t]["raw"], obj["tiers"][t]["distinct"]


# ---------------------------------------------------------------- formats

def test_csv_with_header(tmp):
    path = os.path.join(tmp, "p.csv")
    fx.write(path, fx.csv_text().encode())
    r = scan([path])
    inp = r["inputs"][0]
    eq(inp["format"], "csv", "format")
    # 3 data rows (the header is not a record), all pieces, the third repeats the first
    eq(counts(inp), (3, 3, 2), "records/raw/distinct")
    eq(tier(inp, "art5_5"), (3, 2), "art5_5 (identity and contact only)")
    eq(tier(inp, "art5_3"), (0, 0), "art5_3")
    eq(r["totals"]["subjects"], 2, "subjects: two resident IDs")
    eq(inp["categories"]["identity"], 3, "identity records")
    eq(inp["categories"]["contact"], 3, "contact records")
    eq(r["verdict"]["level"], "none", "3 pieces are far below 5000")


def test_every_format_encoding_compression(tmp):
    names = fx.mixed_dir(tmp)
    r = scan([tmp])
    got = [os.path.basename(i["path"]) for i in r["inputs"]]
    eq(got, names, "inputs in sorted order")
    expect = {
        "a.csv": ("csv", "utf-8", "none"), "b.tsv": ("tsv", "utf-8", "none"),
        "c.jsonl": ("jsonl", "utf-8", "none"), "d.sql": ("sql", "utf-8", "none"),
        "e.txt": ("delimited", "utf-8", "none"), "f.csv.gz": ("csv", "utf-8", "gzip"),
        "g.csv": ("csv", "gb18030", "none"), "h.csv": ("csv", "utf-16le", "none"),
        "i.csv": ("csv", "utf-8", "none"), "j.txt": ("delimited", "utf-8", "none"),
        "k.csv.gz": ("csv", "utf-8", "gzip"), "l.csv": ("csv", "utf-16be", "none"),
    }
    for inp in r["inputs"]:
        name = os.path.basename(inp["path"])
        eq((inp["format"], inp["encoding"], inp["compression"]), expect[name], name + " detection")
        eq(counts(inp), (3, 3, 2), name + " records/raw/distinct")
        eq(inp["categories"]["identity"], 3, name + " identity (name and ID)")
        eq(inp["errors"], [], name + " errors")
    n = len(names)
    # the same two people everywhere: totals deduplicate across inputs
    eq(counts(r["totals"]), (3 * n, 3 * n, 2), "totals")
    eq(r["totals"]["subjects"], 2, "subjects")


def test_csv_quoting(tmp):
    path = os.path.join(tmp, "q.csv")
    rows = ['姓名,地址备注,手机号',
            '张伟,"北京市,朝阳区 ""望京"" 路1号",13812345678',
            '李娜,"第一行\n第二行, 13700000000 不算另一条",13912345678',
            '王芳,plain,13612345678']
    fx.write(path, ("\r\n".join(rows) + "\r\n").encode())
    r = scan([path])
    inp = r["inputs"][0]
    eq(inp["format"], "csv", "format")
    # 3 records: the quoted newline does not start a record; all have a mobile
    eq(counts(inp), (3, 3, 3), "records/raw/distinct")


def test_lines_free_text(tmp):
    path = os.path.join(tmp, "chat.log")
    text = ("请联系13812345678谢谢\n"
            "\n"
            "no personal data on this line\n"
            "身份证 %s 已核验\n"
            "订单号 2023111512345678901234 不是手机号\n" % fx.ID_B)
    fx.write(path, text.encode())
    r = scan([path])
    inp = r["inputs"][0]
    eq(inp["format"], "lines", "format")
    # 4 non-empty lines; the mobile and the ID embedded in text make 2 pieces; the long
    # order number holds 11-digit runs but no token boundary around them
    eq(counts(inp), (4, 2, 2), "records/raw/distinct")


def test_stdin(tmp):
    r = scan(["-"], stdin=fx.csv_text().encode())
    eq(counts(r["inputs"][0]), (3, 3, 2), "stdin records/raw/distinct")
    eq(r["inputs"][0]["path"], "-", "path")


# ---------------------------------------------------------------- rejections

def test_masked_and_bad_checksum_rejected(tmp):
    path = os.path.join(tmp, "m.csv")
    bad = fx.bad_resident_id("44030119900307123")
    # no name column: a name under a name header is an identifier by itself
    rows = ["身份证号,手机号,备注",
            "3301**********1234,138****5678,x",     # both masked: not a piece
            "%s,,y" % bad,                          # checksum fails: not a piece
            "%s,13612345678,z" % fx.ID_A]           # a piece
    fx.write(path, ("\n".join(rows) + "\n").encode())
    r = scan([path])
    eq(counts(r["inputs"][0]), (3, 1, 1), "records/raw/distinct")
    pats = r["totals"]["patterns"]
    rejected = sum(v["rejected"] for v in pats.values())
    # the masked ID, the masked mobile and the bad checksum
    if rejected < 3:
        raise Failure("rejected values: %d, expected at least 3 (%r)" % (rejected, pats))


# ---------------------------------------------------------------- verdict

def cards_csv(path, n, start=0):
    rows = ["姓名,银行卡号"] + ["客户%d,%s" % (i, fx.bank_card(start + i)) for i in range(n)]
    fx.write(path, ("\n".join(rows) + "\n").encode())


def test_threshold_49_vs_50(tmp):
    cards_csv(os.path.join(tmp, "49.csv"), 49)
    r = scan([os.path.join(tmp, "49.csv")])
    eq(tier(r["totals"], "art5_3"), (49, 49), "art5_3 pieces (bank cards are property)")
    eq(r["verdict"]["level"], "none", "49 < 50")
    cards_csv(os.path.join(tmp, "50.csv"), 50)
    r = scan([os.path.join(tmp, "50.csv")])
    eq(r["verdict"]["level"], "serious", "50 >= 50")
    eq(r["verdict"]["grounds"], ["art5_1_3"], "grounds")
    eq(r["totals"]["tiers"]["art5_3"]["threshold"], 50, "threshold")


def test_combined_ratio_exactly_one(tmp):
    cards_csv(os.path.join(tmp, "cards.csv"), 30)
    rows = ["诊断,手机号"] + ["高血压,1380000%04d" % i for i in range(200)]
    fx.write(os.path.join(tmp, "health.csv"), ("\n".join(rows) + "\n").encode())
    r = scan([tmp])
    eq(tier(r["totals"], "art5_3"), (30, 30), "art5_3")
    eq(tier(r["totals"], "art5_4"), (200, 200), "art5_4 (health)")
    # 30/50 + 200/500 = 0.6 + 0.4 = 1: serious by combination only
    eq(r["verdict"]["level"], "serious", "level")
    eq(r["verdict"]["grounds"], ["art5_1_6"], "grounds")
    eq(r["verdict"]["combined_ratio"], 1.0, "combined ratio")


def test_professional_halves(tmp):
    cards_csv(os.path.join(tmp, "25.csv"), 25)
    r = scan([os.path.join(tmp, "25.csv")])
    eq(r["verdict"]["level"], "none", "25 < 50")
    r = scan([os.path.join(tmp, "25.csv")], "--professional")
    eq(r["verdict"]["level"], "serious", "25 >= 50/2")
    eq(r["verdict"]["grounds"], ["art5_1_3", "art5_1_8"], "grounds")
    eq(r["totals"]["tiers"]["art5_3"]["threshold"], 25, "threshold in force")
    eq(r["policy"]["professional"], True, "policy.professional")


def test_especially_serious_and_income(tmp):
    cards_csv(os.path.join(tmp, "500.csv"), 500)
    r = scan([os.path.join(tmp, "500.csv")])
    eq(r["verdict"]["level"], "especially_serious", "500 = 10 x 50")
    if "art5_2_3" not in r["verdict"]["grounds"]:
        raise Failure("grounds %r lack art5_2_3" % r["verdict"]["grounds"])
    fx.write(os.path.join(tmp, "empty.csv"), b"")
    # an empty input alone: nothing could be scanned (exit 2), but the income ground
    # of item (7) stands on its own
    r = scan([os.path.join(tmp, "empty.csv")], "--income", "5000", expect_rc=2)
    eq(r["verdict"]["level"], "serious", "income 5000")
    eq(r["verdict"]["grounds"], ["art5_1_7"], "grounds")
    eq(r["policy"]["income_cny"], 5000, "income in policy")


def test_tier_override(tmp):
    cards_csv(os.path.join(tmp, "c.csv"), 3)
    r = scan([os.path.join(tmp, "c.csv")], "--tier", "property=art5_5")
    eq(tier(r["totals"], "art5_3"), (0, 0), "art5_3 after override")
    eq(tier(r["totals"], "art5_5"), (3, 3), "art5_5 after override")
    if "property" not in r["policy"]["tiers"]["art5_5"]["categories"]:
        raise Failure("policy.tiers.art5_5.categories lacks property")
    run(["scan", "--patterns", PATTERNS, "--tier", "nosuch=art5_3", os.path.join(tmp, "c.csv")],
        expect_rc=1)


# ---------------------------------------------------------------- contract, determinism

def strip_run(report):
    report = dict(report)
    report.pop("run")
    return json.dumps(report, sort_keys=True)


def test_threads_agree(tmp):
    fx.mixed_dir(tmp)
    cards_csv(os.path.join(tmp, "z.csv"), 300)
    one = scan([tmp], "-j", "1")
    many = scan([tmp], "-j", "4", "--chunk-size", "64")
    eq(strip_run(many), strip_run(one), "report with -j4 and 64-byte chunks vs -j1")
    eq(many["run"]["threads"], 4, "run.threads")


def test_contract_checker(tmp):
    fx.mixed_dir(tmp)
    out = os.path.join(tmp, "report.json")
    p = run(["scan", "--json", out, "--patterns", PATTERNS, "--progress", "never", tmp])
    if b"art5_5" not in p.stdout:
        raise Failure("text report on stdout lacks the tier table: %r" % p.stdout[:300])
    c = subprocess.run([sys.executable, CHECKER, out], capture_output=True, text=True)
    eq(c.returncode, 0, "checker exit (%s)" % c.stdout.strip())
    if "report ok" not in c.stdout:
        raise Failure("checker: " + c.stdout)
    r = json.load(open(out, encoding="utf-8"))
    check_report(r)
    for where in [r["totals"]] + r["inputs"]:
        for t in TIERS:
            if t not in where["tiers"]:
                raise Failure("tier %s missing" % t)
    leftovers = [f for f in os.listdir(tmp) if ".tmp" in f]
    eq(leftovers, [], "temporary report files left behind")


# ---------------------------------------------------------------- errors, exit codes

def test_exit_codes(tmp):
    missing = os.path.join(tmp, "nope.csv")
    r = scan([missing], expect_rc=2)
    eq(r["inputs"][0]["errors"][0]["kind"], "open", "error kind")
    run(["scan"], expect_rc=1)
    run(["scan", "--no-such-option", missing], expect_rc=1)
    fx.write(os.path.join(tmp, "ok.csv"), fx.csv_text().encode())
    r = scan([missing, os.path.join(tmp, "ok.csv")])          # one readable: exit 0
    eq(counts(r["totals"]), (3, 3, 2), "the readable input still counts")
    bad = os.path.join(tmp, "badpatterns")
    os.makedirs(bad)
    shutil.copy(os.path.join(PATTERNS, "policy.yaml"), bad)
    fx.write(os.path.join(bad, "broken.yaml"),
             b"set: broken\npatterns:\n  - id: x\n    category: identity\n"
             b"    identifier: true\n    value: '([0-9]'\n")
    p = run(["scan", "--patterns", bad, os.path.join(tmp, "ok.csv")], expect_rc=3)
    if b"broken.yaml:" not in p.stderr:
        raise Failure("stderr does not name the broken file: %r" % p.stderr)
    run(["patterns", "--check", "--patterns", bad], expect_rc=3)
    run(["patterns", "--check", "--patterns", PATTERNS], expect_rc=0)


def test_truncated_gzip_keeps_prefix(tmp):
    lines = "".join("第%d行 联系电话 138%08d\n" % (i, i) for i in range(5000)).encode()
    data = gzip.compress(lines)
    cut = data[: len(data) // 2]
    path = os.path.join(tmp, "cut.log.gz")
    fx.write(path, cut)
    fx.write(os.path.join(tmp, "next.csv"), fx.csv_text().encode())
    # what zlib can recover from the cut stream, counted independently
    prefix = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut)
    whole_lines = prefix.count(b"\n")
    r = scan([tmp])
    inp = [i for i in r["inputs"] if i["path"].endswith("cut.log.gz")][0]
    kinds = [e["kind"] for e in inp["errors"]]
    eq(kinds, ["gzip"], "error kinds")
    if not whole_lines <= inp["records"] <= whole_lines + 1:
        raise Failure("records %d, expected %d (+1 partial)" % (inp["records"], whole_lines))
    nxt = [i for i in r["inputs"] if i["path"].endswith("next.csv")][0]
    eq(counts(nxt), (3, 3, 2), "the next file is scanned")


def test_many_chunks_count_every_record(tmp):
    """Every record of a file many chunks long is read, whatever the chunk size and
    format: 20000 records, each with its own mobile (13800000000 + i)."""
    n = 20000
    mobiles = ["138%08d" % i for i in range(n)]
    files = {
        "big.csv": "手机号,备注\n" + "".join("%s,第%d条\n" % (m, i) for i, m in enumerate(mobiles)),
        "big.jsonl": "".join('{"手机号": "%s", "备注": "第%d条"}\n' % (m, i) for i, m in enumerate(mobiles)),
        "big.sql": "CREATE TABLE t (`手机号` varchar(11), `备注` text);\n" + "".join(
            "INSERT INTO t VALUES %s;\n" % ",".join("('%s','x')" % m for m in mobiles[k:k + 100])
            for k in range(0, n, 100)),
        "big.log": "".join("第%d条 请联系 %s 谢谢\n" % (i, m) for i, m in enumerate(mobiles)),
    }
    for name, text in files.items():
        fx.write(os.path.join(tmp, name), text.encode())
    for chunk in ("4096", "1048576"):
        r = scan([tmp], "--chunk-size", chunk, "-j", "2")
        for inp in r["inputs"]:
            what = "%s with %s-byte chunks" % (os.path.basename(inp["path"]), chunk)
            eq(inp["errors"], [], what + ": errors")
            eq(counts(inp), (n, n, n), what + ": records/raw/distinct")
        eq(r["totals"]["pieces"]["distinct"], n, "the same mobiles in four formats")


def test_awkward_paths(tmp):
    """A directory holding a FIFO, a symlink loop to itself, a symlink to its parent
    directory, an empty file and one good CSV: the good file is scanned once, the others
    are listed with their errors, and the run exits 0."""
    d = os.path.join(tmp, "case")
    os.makedirs(d)
    fx.write(os.path.join(d, "good.csv"), fx.csv_text().encode())
    fx.write(os.path.join(d, "empty.csv"), b"")
    os.mkfifo(os.path.join(d, "pipe"))
    os.symlink("self", os.path.join(d, "self"))
    os.symlink("..", os.path.join(d, "up"))           # walks back into tmp and so into d
    r = scan([d])
    by_name = {os.path.relpath(i["path"], d): i for i in r["inputs"]}
    # up/ leads to tmp, whose only entry is case/, the directory being walked: the
    # loop is cut there and listed (never silent), so nothing is reached twice
    eq(list(by_name), ["empty.csv", "good.csv", "pipe", "self", "up/case"], "inputs, in sorted order")
    eq([e["kind"] for e in by_name["up/case"]["errors"]], ["skipped"], "loop cut, listed")
    if "symlink loop" not in by_name["up/case"]["errors"][0]["message"]:
        raise Failure("the loop's entry does not say why: %r" % by_name["up/case"]["errors"])
    eq(counts(by_name["good.csv"]), (3, 3, 2), "good.csv")
    eq(counts(by_name["empty.csv"]), (0, 0, 0), "empty.csv")
    eq(by_name["empty.csv"]["errors"], [], "empty file is no error")
    eq([e["kind"] for e in by_name["pipe"]["errors"]], ["skipped"], "FIFO listed, not read")
    eq([e["kind"] for e in by_name["self"]["errors"]], ["open"], "symlink loop")
    eq(counts(r["totals"]), (3, 3, 2), "totals")


def test_only_unreadable_exits_2(tmp):
    os.mkfifo(os.path.join(tmp, "pipe"))
    r = scan([tmp], expect_rc=2)
    eq([e["kind"] for e in r["inputs"][0]["errors"]], ["skipped"], "error kind")


def test_report_write_failures(tmp):
    src = os.path.join(tmp, "ok.csv")
    fx.write(src, fx.csv_text().encode())
    base = ["scan", "--patterns", PATTERNS, "--progress", "never", src, "--json"]
    p = run(base + [os.path.join(tmp, "no", "such", "dir", "r.json")], expect_rc=4)
    if b"no/such/dir/r.json" not in p.stderr:
        raise Failure("stderr does not name the report path: %r" % p.stderr)
    eq(os.path.exists(os.path.join(tmp, "no")), False, "nothing created")
    run(base + ["/dev/full"], expect_rc=4)                 # ENOSPC on write
    run(base + ["/dev/null"], expect_rc=0)                 # a device is written, not replaced
    eq(os.path.exists("/dev/null") and not os.path.isfile("/dev/null"), True, "/dev/null intact")
    # an existing report is replaced whole, never left half-written
    target = os.path.join(tmp, "r.json")
    fx.write(target, b"old")
    run(base + [target])
    replaced = json.load(open(target, encoding="utf-8"))
    check_report(replaced)
    eq(replaced["schema"], "pitally-report/1", "replaced report")
    eq([f for f in os.listdir(tmp) if ".tmp" in f], [], "no temporary files left")


def test_explain(tmp):
    p = run(["explain", "--patterns", PATTERNS, fx.ID_A])
    out = p.stdout.decode()
    for word in ("identity", "gb11643"):
        if word not in out:
            raise Failure("explain output lacks %r:\n%s" % (word, out))


# ---------------------------------------------------------------- patterns (issue 3)

def test_patterns_check_names_file_and_line(tmp):
    """Every kind of pattern error stops `patterns --check` (exit 3) with FILE:LINE: the
    line of the offending key, counted here from the text written."""
    cases = [
        ("bad_regex.yaml", "set: t\npatterns:\n  - id: x\n    category: identity\n"
                           "    value: '(?<!\\d)1[3-9'\n", 5, "regex"),
        ("bad_validator.yaml", "set: t\npatterns:\n  - id: x\n    category: identity\n"
                               "    value: '\\d+'\n    validator: crc99\n", 6, "unknown validator"),
        ("bad_category.yaml", "set: t\npatterns:\n  - id: x\n    value: '\\d+'\n"
                              "    category: gossip\n", 5, "unknown category"),
        ("bad_header.yaml", "set: t\npatterns:\n  - id: x\n    category: identity\n"
                            "    requires_header: true\n    header: '(unclosed'\n", 6, "header"),
    ]
    for name, text, line, word in cases:
        d = os.path.join(tmp, name.split(".")[0])
        os.makedirs(d)
        shutil.copy(os.path.join(PATTERNS, "policy.yaml"), d)
        fx.write(os.path.join(d, name), text.encode())
        p = run(["patterns", "--check", "--patterns", d], expect_rc=3)
        err = p.stderr.decode()
        where = "%s:%d:" % (name, line)
        if where not in err or word not in err:
            raise Failure("%s: stderr %r lacks %r and %r" % (name, err, where, word))


def test_explain_says_why(tmp):
    """explain names the rule (file:line), the validator's verdict and the tier."""
    out = run(["explain", "--patterns", PATTERNS, "--header", "卡号", fx.bank_card(7)]).stdout.decode()
    for word in ("bank_card", "finance.yaml:", "Luhn checksum ok", "art5_3", "identifier: yes"):
        if word not in out:
            raise Failure("explain of a card lacks %r:\n%s" % (word, out))
    bad = fx.bank_card(7)[:-1] + str((int(fx.bank_card(7)[-1]) + 1) % 10)
    out = run(["explain", "--patterns", PATTERNS, bad]).stdout.decode()
    for word in ("rejected", "Luhn checksum fails", "tier: none"):
        if word not in out:
            raise Failure("explain of a failing card lacks %r:\n%s" % (word, out))


def test_labelled_corpus(tmp):
    """tests/corpus/gen_corpus.py writes every category in CSV/TSV/JSONL/SQL/lines with
    valid and invalid checksums, masked values, duplicates and look-alike noise, and
    computes the truth itself. Tier piece counts (raw, distinct) must be within 2% of the
    truth; noise records (their own inputs) must give fewer than 0.5% false pieces."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "corpus"))
    import gen_corpus
    truth = gen_corpus.generate(tmp)
    r = scan([os.path.join(tmp, "corpus")], "-j", "2")
    want = truth["totals"]
    eq(r["totals"]["records"], want["records"], "corpus records")
    for t in TIERS:
        for kind in ("raw", "distinct"):
            got, exp = r["totals"]["tiers"][t][kind], want["tiers"][t][kind]
            if abs(got - exp) > 0.02 * exp:
                raise Failure("%s %s: %d pieces, truth %d (more than 2%% off)" % (t, kind, got, exp))
    for inp in r["inputs"]:
        name = os.path.basename(inp["path"])
        exp = truth["files"][name]
        if abs(inp["pieces"]["raw"] - exp["raw"]) > 0.02 * exp["raw"]:
            raise Failure("%s: %d raw pieces, truth %d" % (name, inp["pieces"]["raw"], exp["raw"]))
    n = scan([os.path.join(tmp, "noise")])
    eq(n["totals"]["records"], truth["noise_records"], "noise records")
    false_pieces = n["totals"]["pieces"]["raw"]
    if false_pieces * 1000 >= 5 * truth["noise_records"]:
        raise Failure("%d false pieces in %d noise records (>= 0.5%%)" % (
            false_pieces, truth["noise_records"]))


def collect_tests():
    """test_* functions of this file and of every tests/integration/test_*.py module
    (which import what they need from run.py)."""
    import glob
    import importlib
    found = dict((n, f) for n, f in globals().items() if n.startswith("test_") and callable(f))
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "test_*.py"))):
        mod = importlib.import_module(os.path.splitext(os.path.basename(path))[0])
        for n, f in vars(mod).items():
            if n.startswith("test_") and callable(f):
                found["%s.%s" % (mod.__name__, n)] = f
    return sorted(found.items())


def main():
    # run.py BIN [SUBSTRING...]: only the tests whose name holds one of the substrings
    wanted = sys.argv[2:]
    tests = [(n, f) for n, f in collect_tests() if not wanted or any(w in n for w in wanted)]
    if not tests:
        print("run.py: no test name holds %s" % " or ".join(map(repr, wanted)))
        return 1
    failed = 0
    for name, fn in tests:
        tmp = tempfile.mkdtemp(prefix="pitally-it-")
        try:
            note = fn(tmp)   # a test may return a note: "TODO ..." for a known gap
            print("ok " + name + (" # " + note if isinstance(note, str) and note else ""))
        except Exception as e:  # noqa: BLE001 - any exception is a failed test
            failed += 1
            print("not ok " + name)
            # test modules raise run.Failure, a twin of this __main__.Failure
            failure = type(e).__name__ == "Failure"
            detail = str(e) if failure else traceback.format_exc()
            for line in detail.splitlines():
                print("#   " + line)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()
    print("# %d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
