"""test_report_check.py - tests/report_check.py refuses what breaks the contract and
accepts what the contract allows: one real report, changed one way at a time. Collected
by run.py (whose scan() already checks every report it parses)."""
import os

import fixtures as fx
from run import Failure, refuses_every_breach, scan
import report_check  # noqa: E402 - tests/, put on sys.path by run.py


def real_report(tmp):
    fx.write(os.path.join(tmp, "p.csv"), fx.csv_text().encode())
    fx.write(os.path.join(tmp, "q.csv"), fx.csv_text().encode())
    return scan([tmp])


def test_report_check_refuses_breaches(tmp):
    good = real_report(tmp)

    def tiers(r):
        return r["inputs"][0]["tiers"]

    breaches = {
        "tier missing": lambda r: tiers(r).pop("art5_4"),
        "count as a float": lambda r: r["totals"].__setitem__("records", float(r["totals"]["records"])),
        "count as a bool": lambda r: r["run"].__setitem__("threads", True),
        "negative count": lambda r: r["inputs"][0].__setitem__("bytes", -1),
        "unknown format": lambda r: r["inputs"][0].__setitem__("format", "xml"),
        "unknown encoding": lambda r: r["inputs"][0].__setitem__("encoding", "latin-1"),
        "unknown compression": lambda r: r["inputs"][0].__setitem__("compression", "bzip2"),
        "unknown level": lambda r: r["verdict"].__setitem__("level", "grave"),
        "unknown error kind": lambda r: r["inputs"][0]["errors"].append(
            {"kind": "oops", "message": "", "offset": 0}),
        "error without offset": lambda r: r["inputs"][0]["errors"].append({"kind": "open", "message": ""}),
        "wrong schema": lambda r: r.__setitem__("schema", "pitally-report/2"),
        "bad md5": lambda r: r["inputs"][0].__setitem__("md5", "xyz"),
        "sample without value": lambda r: r["totals"]["patterns"]["cn_mobile"]["samples"][0].pop("value"),
        # consistency, beyond the schema
        "tiers do not add up": lambda r: tiers(r)["art5_3"].__setitem__("raw", tiers(r)["art5_3"]["raw"] + 1),
        "distinct > raw": lambda r: r["inputs"][0]["pieces"].__setitem__("distinct", r["inputs"][0]["pieces"]["raw"] + 1),
        "totals.records": lambda r: r["totals"].__setitem__("records", r["totals"]["records"] + 1),
        "totals.bytes": lambda r: r["totals"].__setitem__("bytes", r["totals"]["bytes"] - 1),
        "run distinct above the sum": lambda r: (
            r["totals"]["pieces"].__setitem__("distinct", 99),
            r["totals"]["tiers"]["art5_5"].__setitem__("distinct", 99)),
        "ratio": lambda r: r["totals"]["tiers"]["art5_5"].__setitem__("ratio", 0.5),
        "threshold not the policy's": lambda r: r["totals"]["tiers"]["art5_5"].__setitem__("threshold", 50),
        "ground without the count": lambda r: (r["verdict"].__setitem__("level", "serious"),
                                               r["verdict"]["grounds"].append("art5_1_3")),
        "sample from no input": lambda r: r["totals"]["patterns"]["cn_mobile"]["samples"][0].__setitem__(
            "path", "elsewhere.csv"),
        "category not in the policy": lambda r: r["inputs"][0]["categories"].__setitem__("gossip", 0),
    }
    if report_check.problems(good):
        raise Failure("the unchanged report is refused: %r" % report_check.problems(good))
    if not good["totals"]["patterns"]["cn_mobile"]["samples"]:
        raise Failure("the fixture has no mobile sample to break")
    refuses_every_breach(good, breaches)


def test_report_check_allows_extensions(tmp):
    """Extra keys anywhere, and the planned round-2 keys with their documented types."""
    r = real_report(tmp)
    r["extra"] = {"anything": [1, 2]}
    r["run"]["host"] = "examiner-pc"
    inp = r["inputs"][0]
    inp["md5"] = "0" * 32
    inp["sha256"] = "f" * 64
    inp["container"] = "sheet1"
    inp["declared"] = ["accommodation"]
    inp["columns"] = [{"position": 3, "header": "手机号", "fill": 0, "fill_rate": None,
                       "category": "contact", "pattern": "cn_mobile", "pass_rate": None,
                       "decision": "counted", "why": "", "patterns": [], "planned": 1}]
    inp["format"] = "xlsx"
    inp["errors"].append({"kind": "csv", "message": "cut", "offset": 10 ** 12, "line": 7})
    r["totals"]["patterns"]["cn_mobile"]["samples"][0]["line"] = 2
    r["verdict"]["doubt"] = {"pieces": 0}
    found = report_check.problems(r)
    if found:
        raise Failure("extended report refused: %r" % found)
