"""test_nightly.py - nightly jobs (issue 12): scan --baseline PREV.pst says what is new
since the last night's state, --fail-on sets exit status 5, --quiet prints nothing but
errors, --summary appends one JSON line per run. Collected by run.py; every expected
count is worked out in the comments from the rows written here.

The two nights (names and mobiles under a 姓名,手机号 header: each row one piece of
identity + contact, art5_5, its subject the mobile):
  night 1  a.csv  张伟 138…, 李娜 139…
           b.csv  王芳 137…
           c.csv  136… (a mobile under 手机号, remark 无)
  night 2  a.csv  the same bytes                        -> unchanged
           b.csv  王芳 137…, 赵磊 13655556666            -> changed
           c.csv  removed                               -> gone
           d.csv  孙丽 135…, 张伟 138… (as in a.csv)      -> new
           and --declare b.csv=accommodation: b's pieces count in art5_4.
"""
import json
import os
import stat
import subprocess

from run import BIN, PATTERNS, Failure, check_report, eq, fx, run, scan

NIGHT1 = {
    "a.csv": "姓名,手机号\n张伟,13812345678\n李娜,13912345678\n",
    "b.csv": "姓名,手机号\n王芳,13700001111\n",
    "c.csv": "手机号,备注\n13612345678,无\n",
}
NIGHT2 = {
    "a.csv": NIGHT1["a.csv"],
    "b.csv": "姓名,手机号\n王芳,13700001111\n赵磊,13655556666\n",
    "d.csv": "姓名,手机号\n孙丽,13522223333\n张伟,13812345678\n",
}
TIERS = ("art5_3", "art5_4", "art5_5")


def lay_out(data, files):
    os.makedirs(data, exist_ok=True)
    for name in os.listdir(data):
        os.remove(os.path.join(data, name))
    for name, text in files.items():
        fx.write(os.path.join(data, name), text.encode())


def first_night(tmp):
    """Night 1 scanned into n1.pst (its case key made beside it): (data dir, state)."""
    data, n1 = os.path.join(tmp, "data"), os.path.join(tmp, "n1.pst")
    lay_out(data, NIGHT1)
    r = scan([data], "--state", n1)
    # 4 records, 4 distinct pieces in art5_5, 4 subjects (4 mobiles)
    eq(r["totals"]["tiers"]["art5_5"]["distinct"], 4, "night 1 art5_5")
    return data, n1


def tier_changes(b):
    return {t: (b["tiers"][t]["new"], b["tiers"][t]["raised"]) for t in TIERS}


def test_baseline_second_night(tmp):
    data, n1 = first_night(tmp)
    lay_out(data, NIGHT2)
    n2, log = os.path.join(tmp, "n2.pst"), os.path.join(tmp, "nightly.jsonl")
    declare = os.path.join(data, "b.csv") + "=accommodation"
    r = scan([data], "--baseline", n1, "--state", n2, "--declare", declare, "--summary", log)
    b = r["baseline"]
    eq(b["path"], n1, "baseline path as given")
    eq(len(b["sha256"]), 64, "baseline sha256")
    p = lambda name: os.path.join(data, name)  # noqa: E731
    eq(b["inputs"], {"new": 1, "changed": 1, "gone": 1, "unchanged": 1, "unhashed": 0},
       "inputs by kind")
    eq(b["paths"], {"new": [p("d.csv")], "changed": [p("b.csv")], "gone": [p("c.csv")],
                    "unhashed": []}, "paths by kind")
    # pieces: 王芳/137 was art5_5 and is art5_4 now (declared): raised into art5_4;
    # 赵磊/136555 is new, in art5_4; 孙丽/135 is new in art5_5; 张伟 in d.csv is the piece
    # of a.csv (same name and mobile), not new; 李娜 and 张伟 unchanged; c.csv's piece gone
    eq(tier_changes(b), {"art5_3": (0, 0), "art5_4": (1, 1), "art5_5": (1, 0)}, "tiers")
    eq(b["pieces_new"], 2, "pieces new")
    eq(b["subjects_new"], 2, "subjects new (136555…, 135…)")
    # the baseline changes what the report says: it is in the run record's overrides
    if "--baseline " + n1 not in r["run"]["overrides"]:
        raise Failure("run.overrides lacks --baseline: %r" % r["run"]["overrides"])
    # tonight's state got the baseline's key beside it, so it can be tomorrow's baseline
    with open(n1 + ".key") as f1, open(n2 + ".key") as f2:
        eq(f2.read(), f1.read(), "the case key copied beside the new state")
    eq(stat.S_IMODE(os.stat(n2 + ".key").st_mode), 0o600, "copied key owner-only")

    # night 3, nothing changed and no --declare: b's pieces are back in art5_5, a less
    # serious tier than n2 has them in: neither new nor raised
    r3 = scan([data], "--baseline", n2, "--summary", log, "-j", "1")
    eq(r3["baseline"]["inputs"], {"new": 0, "changed": 0, "gone": 0, "unchanged": 3,
                                  "unhashed": 0}, "night 3 inputs")
    eq(tier_changes(r3["baseline"]), {t: (0, 0) for t in TIERS}, "night 3 tiers")
    eq(r3["baseline"]["subjects_new"], 0, "night 3 subjects")

    # the summary log: one line per run, night 2 then night 3
    with open(log, encoding="utf-8") as f:
        lines = f.read().splitlines()
    eq(len(lines), 2, "summary lines")
    s2, s3 = (json.loads(x) for x in lines)
    eq(s2["schema"], "pitally-summary/1", "summary schema")
    eq((s2["command"], s2["completed"]), ("scan", True), "summary command")
    for key in ("time_utc", "host", "version", "command_line"):
        if not s2[key]:
            raise Failure("summary %s empty" % key)
    # night 2: 3 inputs, 6 records; distinct: 张伟, 李娜, 孙丽 in art5_5, 王芳, 赵磊 in art5_4
    eq((s2["inputs"], s2["inputs_scanned"], s2["inputs_unscanned"], s2["records"]), (3, 3, 0, 6),
       "summary inputs and records")
    eq(s2["distinct"], {"art5_3": 0, "art5_4": 2, "art5_5": 3}, "summary distinct")
    eq((s2["pieces_raw"], s2["pieces_distinct"], s2["subjects"]), (6, 5, 5), "summary pieces")
    eq((s2["level"], s2["exit"]), ("none", 0), "summary verdict and exit")
    eq(s2["baseline"]["pieces_new"], {"art5_3": 0, "art5_4": 1, "art5_5": 1}, "summary new")
    eq(s2["baseline"]["pieces_raised"], {"art5_3": 0, "art5_4": 1, "art5_5": 0}, "summary raised")
    eq((s2["baseline"]["inputs_new"], s2["baseline"]["inputs_changed"],
        s2["baseline"]["inputs_gone"], s2["baseline"]["inputs_unchanged"]), (1, 1, 1, 1),
       "summary inputs by kind")
    eq(s3["baseline"]["path"], n2, "night 3 baseline in the summary")


def test_baseline_text_and_merge(tmp):
    """The text report has the section; merge --baseline compares the merged states."""
    data, n1 = first_night(tmp)
    lay_out(data, NIGHT2)
    text = run(["scan", "--patterns", PATTERNS, "--progress", "never", "--baseline", n1,
                data]).stdout.decode()
    for want in ("Since the baseline " + n1, "1 new, 1 changed, 1 gone, 1 unchanged",
                 "gone      " + os.path.join(data, "c.csv")):
        if want not in text:
            raise Failure("text report lacks %r" % want)
    # night 2 as two shards' states under n1's key, merged against n1: a.csv + b.csv and
    # d.csv; without --declare every piece is art5_5: new 赵磊 and 孙丽, nothing raised
    key = n1 + ".key"
    s1, s2 = os.path.join(tmp, "s1.pst"), os.path.join(tmp, "s2.pst")
    scan([os.path.join(data, "a.csv"), os.path.join(data, "b.csv")], "--state", s1,
         "--case-key", key)
    scan([os.path.join(data, "d.csv")], "--state", s2, "--case-key", key)
    p = run(["merge", "--json", "-", "--patterns", PATTERNS, "--baseline", n1, s1, s2])
    m = json.loads(p.stdout)
    check_report(m)
    # the shards name the files directly, night 1 through the directory: same paths
    eq(m["baseline"]["inputs"], {"new": 1, "changed": 1, "gone": 1, "unchanged": 1,
                                 "unhashed": 0}, "merge inputs")
    eq(tier_changes(m["baseline"]), {"art5_3": (0, 0), "art5_4": (0, 0), "art5_5": (2, 0)},
       "merge tiers")


def test_baseline_refused(tmp):
    """A baseline of another case key, other rules, without its key, corrupt or missing is
    refused with exit 1 before anything is scanned or written."""
    data, n1 = first_night(tmp)
    out = os.path.join(tmp, "out.json")

    def refused(args, words):
        p = run(["scan", "--patterns", PATTERNS, "--progress", "never", "--json", out] + args
                + [data], expect_rc=1)
        err = p.stderr.decode()
        for w in words:
            if w not in err:
                raise Failure("stderr lacks %r: %s" % (w, err))
        if os.path.exists(out):
            raise Failure("a refused baseline still wrote a report")

    other = os.path.join(tmp, "other.key")
    run(["keygen", other])
    refused(["--baseline", n1, "--case-key", other],
            ["--baseline " + n1, "another case key", "give --case-key FILE of the baseline"])
    # a --tier override changes the rules digest
    refused(["--baseline", n1, "--tier", "contact=art5_4"],
            [n1, "other patterns or another policy"])
    # a state with no key beside it (made with --case-key elsewhere)
    lone = os.path.join(tmp, "lone.pst")
    scan([data], "--state", lone, "--case-key", other)
    refused(["--baseline", lone], ["no case key beside it", "give --case-key FILE of the baseline"])
    # with --state and no key beside either: no new key is made for it
    refused(["--baseline", lone, "--state", os.path.join(tmp, "x.pst")], ["nor beside the state"])
    if os.path.exists(os.path.join(tmp, "x.pst.key")):
        raise Failure("a refused run made a key beside its state")
    with open(n1, "rb") as f:
        fx.write(os.path.join(tmp, "cut.pst"), f.read()[:-3])
    fx.write(os.path.join(tmp, "cut.pst.key"), open(n1 + ".key", "rb").read())
    refused(["--baseline", os.path.join(tmp, "cut.pst")], ["corrupt or truncated"])
    refused(["--baseline", os.path.join(tmp, "missing.pst")], ["missing.pst"])
    # the summary line of a refused run: not completed, its exit status
    log = os.path.join(tmp, "refused.jsonl")
    refused(["--baseline", n1, "--case-key", other, "--summary", log], ["another case key"])
    with open(log) as f:
        s = json.loads(f.read())
    eq((s["command"], s["completed"], s["exit"]), ("scan", False, 1), "refused run's summary")
    # merge: states of another key than the baseline's
    s = os.path.join(tmp, "s.pst")
    scan([data], "--state", s, "--case-key", other)
    p = run(["merge", "--patterns", PATTERNS, "--baseline", n1, s], expect_rc=1)
    if b"another case key" not in p.stderr:
        raise Failure("merge --baseline of another key: %s" % p.stderr.decode())


def test_fail_on(tmp):
    """--fail-on: 5 when the verdict reaches the level, 0 below it; 2 and 4 come first."""
    a = os.path.join(tmp, "a.csv")
    fx.write(a, NIGHT1["a.csv"].encode())
    base = ["scan", "--patterns", PATTERNS, "--progress", "never", "--quiet"]
    # 2 art5_5 pieces: far below every threshold; income decides (item 七: CNY 5,000
    # is serious, ten times that especially serious)
    run(base + ["--fail-on", "serious", a], expect_rc=0)
    run(base + ["--income", "5000", "--fail-on", "serious", a], expect_rc=5)
    run(base + ["--income", "4999", "--fail-on", "serious", a], expect_rc=0)
    run(base + ["--income", "5000", "--fail-on", "especially_serious", a], expect_rc=0)
    run(base + ["--income", "50000", "--fail-on", "especially_serious", a], expect_rc=5)
    run(base + ["--income", "50000", "--fail-on", "serious", a], expect_rc=5)
    run(base + ["--fail-on", "grave", a], expect_rc=1)
    # precedence: nothing scanned (2), a report not written (4) before the level
    run(base + ["--income", "5000", "--fail-on", "serious", os.path.join(tmp, "nope.csv")],
        expect_rc=2)
    run(base + ["--income", "5000", "--fail-on", "serious", "--json",
                os.path.join(tmp, "no", "dir", "r.json"), a], expect_rc=4)
    run(base + ["--income", "5000", "--fail-on", "serious", "--summary",
                os.path.join(tmp, "no", "dir", "s.jsonl"), a], expect_rc=4)
    # merge: the same rule
    st = os.path.join(tmp, "a.pst")
    scan([a], "--state", st)
    run(["merge", "--patterns", PATTERNS, "--quiet", "--income", "5000", "--fail-on", "serious",
         st], expect_rc=5)
    # the summary line carries the exit status
    log = os.path.join(tmp, "s.jsonl")
    run(base + ["--income", "5000", "--fail-on", "serious", "--summary", log, a], expect_rc=5)
    with open(log) as f:
        s = json.loads(f.read())
    eq((s["level"], s["exit"]), ("serious", 5), "summary of a --fail-on run")
    # pitally verify reruns such a scan without the nightly options: reproduced (exit 0,
    # not the rerun's 5), and no second summary line
    rep = os.path.join(tmp, "r.json")
    run(base + ["--income", "5000", "--fail-on", "serious", "--summary", log, "--json", rep, a],
        expect_rc=5)
    run(["verify", rep], expect_rc=0)
    with open(log) as f:
        eq(len(f.read().splitlines()), 2, "summary lines after verify")


def test_quiet(tmp):
    """--quiet: nothing on stdout or stderr, except errors: an input that gave no record
    is still named on stderr (never silent); --json - still writes the report."""
    a = os.path.join(tmp, "a.csv")
    fx.write(a, NIGHT1["a.csv"].encode())
    p = run(["scan", "--patterns", PATTERNS, "--quiet", a])
    eq((p.stdout, p.stderr), (b"", b""), "quiet scan output")
    png = os.path.join(tmp, "a.png")
    fx.write(png, b"\x89PNG\r\n\x1a\n" + bytes(200))
    p = run(["scan", "--patterns", PATTERNS, "--quiet", a, png])
    eq(p.stdout, b"", "quiet stdout with a skipped file")
    err = p.stderr.decode()
    eq(err.count("\n"), 1, "one line on stderr: %r" % err)
    if png not in err:
        raise Failure("the skipped file is not named: %r" % err)
    p = run(["scan", "--patterns", PATTERNS, "--quiet", "--json", "-", a])
    r = json.loads(p.stdout)
    check_report(r)
    eq(r["totals"]["records"], 2, "quiet --json - report")
    eq(p.stderr, b"", "quiet --json - stderr")
    # --summary - : the line on stderr, alone
    p = run(["scan", "--patterns", PATTERNS, "--quiet", "--summary", "-", a])
    eq(p.stdout, b"", "summary to stderr: stdout")
    s = json.loads(p.stderr)
    eq((s["records"], s["exit"]), (2, 0), "summary on stderr")


def test_summary_concurrent_appends(tmp):
    """Several processes appending to one summary file: every line whole."""
    a = os.path.join(tmp, "a.csv")
    fx.write(a, NIGHT1["a.csv"].encode())
    log = os.path.join(tmp, "all.jsonl")
    procs = [subprocess.Popen([BIN, "scan", "--patterns", PATTERNS, "--quiet", "--summary", log,
                               "-j", "1", a]) for _ in range(6)]
    eq([p.wait(timeout=120) for p in procs], [0] * 6, "exit statuses")
    with open(log, encoding="utf-8") as f:
        lines = f.read().split("\n")
    eq(lines[-1], "", "the file ends with a newline")
    eq(len(lines) - 1, 6, "one line per process")
    for line in lines[:-1]:
        eq(json.loads(line)["records"], 2, "each line whole")
