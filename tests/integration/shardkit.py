"""shardkit.py - what the shard, merge and state tests share (test_shard.py,
test_shard_split.py, test_merge_evidence.py, test_state.py): a run of pitally whose JSON
report is loaded and checked against the contract (docs/pitally-report.schema.json and
tests/report_check.py), the text report less its Run section, a report less its run
record as comparable text, and two evidence directories compared file for file. Not a
test module (run.py collects test_*.py)."""
import json
import os

from run import Failure, check_report, eq, run


def report_run(args, json_to="-", expect_rc=0, stdin=None):
    """pitally args[0] --json json_to args[1:]: (the JSON report, checked against the
    contract; the text report less its Run section, None when the JSON went to stdout;
    the process). json_to "-": the JSON is stdout."""
    p = run([args[0], "--json", json_to] + list(args[1:]), expect_rc=expect_rc, stdin=stdin)
    if json_to == "-":
        try:
            report = json.loads(p.stdout)
        except ValueError:
            raise Failure("stdout is not one JSON document: %r" % p.stdout[:300])
        text = None
    else:
        with open(json_to, encoding="utf-8") as f:
            report = json.load(f)
        text = strip_text(p.stdout)
    check_report(report)
    return report, text, p


def strip_text(out):
    """the text report (bytes of stdout) less its Run section, which names the run"""
    text = out.decode("utf-8")
    return text[:text.index("Run:")] if "Run:" in text else text


def comparable(report, *also):
    """the report less its run record (and the keys also names) as canonical JSON text:
    two reports of the same tally give the same text whatever made them (a scan, a merge
    of states) and whenever; the text tells 1 from 1.0, as a consumer would"""
    r = dict(report)
    for key in ("run",) + also:
        r.pop(key, None)
    return json.dumps(r, sort_keys=True, ensure_ascii=False)


def first_difference(a, b):
    """the first top-level key in which two comparable() texts differ, with both values
    (cut short), for a failure message"""
    x, y = json.loads(a), json.loads(b)
    for key in sorted(set(x) | set(y)):
        if x.get(key) != y.get(key):
            return "%r:\n%s\n%s" % (key, json.dumps(x.get(key), ensure_ascii=False)[:1500],
                                    json.dumps(y.get(key), ensure_ascii=False)[:1500])
    return "(the same keys and values, in another form)\n%s\n%s" % (a[:800], b[:800])


def same_report(got, want, what, *also):
    """got and want are the same report less run (and also): else a failure naming what"""
    a, b = comparable(got, *also), comparable(want, *also)
    if a != b:
        raise Failure("%s: the report differs in %s" % (what, first_difference(a, b)))


def same_dirs(a, b, what):
    """evidence directory b holds exactly a's files, byte for byte"""
    names = sorted(os.listdir(a))
    eq(sorted(os.listdir(b)), names, what + ": the files")
    for n in names:
        with open(os.path.join(a, n), "rb") as f, open(os.path.join(b, n), "rb") as g:
            if f.read() != g.read():
                raise Failure("%s: %s differs from the single scan's" % (what, n))
