"""test_review.py - pitally review (issue 16): an evidence directory is written by scan,
its files are marked here as an examiner would in Excel or WPS (是/否 and the other
forms, some left empty; one file re-saved as GBK with CRLF, one without its BOM, with
LF, its columns moved and one added, one with its rows sorted another way), and review
must give the numbers worked out here independently: the one-sided Clopper-Pearson
bound by bisection on the exact binomial tail (decimal arithmetic), the floors, and the
verdict by the integer arithmetic of the Interpretation. Edited, shortened and redrawn
samples and a bad mark are refused. Collected by run.py."""
import csv
import hashlib
import io
import json
import math
import os
import random
import shutil
from decimal import Decimal, getcontext
from fractions import Fraction

from run import BIN, PATTERNS, Failure, eq, fx, run, scan

getcontext().prec = 50


def lower_bound(n, x, conf="0.95"):
    """exact one-sided lower Clopper-Pearson bound: P(X >= x | n, p) = 1 - conf"""
    if x == 0:
        return Decimal(0)
    a = 1 - Decimal(conf)
    lo, hi = Decimal(0), Decimal(1)
    for _ in range(80):
        mid = (lo + hi) / 2
        t = sum(math.comb(n, k) * mid ** k * (1 - mid) ** (n - k) for k in range(x, n + 1))
        if t >= a:
            hi = mid
        else:
            lo = mid
    return lo


def tail_exact(n, x, p):
    """P(X >= x | n, p) with p a Fraction: exact"""
    return sum(math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(x, n + 1))


def adjusted_exact(distinct, n, x, alpha=Fraction(1, 20)):
    """floor(distinct x p_L) exactly: the largest a with p_L >= a/distinct, that is with
    P(X >= x | n, a/distinct) <= alpha (the tail grows with p)"""
    if x == 0:
        return 0
    lo, hi = 0, distinct   # P(a = 0) = 0 <= alpha always holds
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if tail_exact(n, x, Fraction(mid, distinct)) <= alpha:
            lo = mid
        else:
            hi = mid - 1
    return lo


def serious(d3, d4, d5):
    """Interpretation Art. 5: a tier at its threshold (50/500/5000), or item (六)
    d3/50 + d4/500 + d5/5000 >= 1, in integers"""
    return d3 >= 50 or d4 >= 500 or d5 >= 5000 or d3 * 500 * 5000 + d4 * 50 * 5000 + d5 * 50 * 500 >= 50 * 500 * 5000


def write_inputs(tmp, n_cards=60, n_health=600, n_people=30):
    """cards: (name, bank card) rows, art5_3 (property); health: (诊断, mobile), art5_4;
    people: (name, mobile), art5_5. All distinct."""
    names = ["张伟", "李娜", "王芳", "刘洋", "陈静"]
    paths = []
    if n_cards:
        cards = [(names[i % 5], fx.bank_card(2000 + i)) for i in range(n_cards)]
        paths.append(os.path.join(tmp, "cards.csv"))
        fx.write(paths[-1], fx.csv_text(cards, ("姓名", "银行卡号")).encode())
    rows = ["诊断,手机号"] + ["高血压,1380000%04d" % i for i in range(n_health)]
    paths.append(os.path.join(tmp, "health.csv"))
    fx.write(paths[-1], ("\n".join(rows) + "\n").encode())
    people = [(names[i % 5], "139%08d" % (22220000 + i)) for i in range(n_people)]
    paths.append(os.path.join(tmp, "people.csv"))
    fx.write(paths[-1], fx.csv_text(people, ("姓名", "手机号")).encode())
    return paths


def read_csv(path, encoding="utf-8-sig"):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def write_csv(path, table, encoding="utf-8-sig", newline="\r\n"):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerows(table)
    with open(path, "wb") as f:
        f.write(buf.getvalue().encode(encoding))


YES = ["是", " Y ", "yes", "1", "TRUE", "y", "Yes", "true"]
NO = ["否", "n", "No", "0", "false", " 否 "]


def mark(table, real, rejected):
    """column 核实 of each data row: the first `real` rows real, the next `rejected` not,
    the rest empty (some with spaces only)"""
    col = table[0].index("核实")
    for i, row in enumerate(table[1:]):
        row[col] = (YES[i % len(YES)] if i < real else NO[i % len(NO)] if i < real + rejected
                    else ("" if i % 2 else "  "))
    return table


def review(ev, *extra, expect_rc=0):
    p = run(["review", ev, "--patterns", PATTERNS] + list(extra), expect_rc=expect_rc)
    return p.stdout.decode(), p.stderr.decode()


def make_evidence(tmp):
    ev = os.path.join(tmp, "ev")
    r = scan(write_inputs(tmp), "--evidence", ev, "--sample", "40")
    eq([r["totals"]["tiers"][t]["distinct"] for t in ("art5_3", "art5_4", "art5_5")], [60, 600, 30],
       "distinct pieces per tier")
    return ev


def mark_all(ev, x4=30):
    """art5_3.csv: 45 real, 10 not, 5 empty; re-saved as UTF-8 without a BOM, LF, the
    column 核实 moved first and a column 备注 added at the end.
    sample_art5_4.csv (40 of 600): x4 real, 4 not, the rest empty; re-saved as GBK, CRLF.
    sample_art5_5.csv (30 of 30, the whole tier): 25 real, 5 not; rows in reverse order."""
    t = mark(read_csv(os.path.join(ev, "art5_3.csv")), 45, 10)
    k = t[0].index("核实")
    t = [[row[k]] + row[:k] + row[k + 1:] + ["备注" if i == 0 else ""] for i, row in enumerate(t)]
    write_csv(os.path.join(ev, "art5_3.csv"), t, encoding="utf-8", newline="\n")
    t = mark(read_csv(os.path.join(ev, "sample_art5_4.csv")), x4, 4)
    eq(len(t) - 1, 40, "sample rows of art5_4")
    write_csv(os.path.join(ev, "sample_art5_4.csv"), t, encoding="gbk")
    t = mark(read_csv(os.path.join(ev, "sample_art5_5.csv")), 25, 5)
    eq(len(t) - 1, 30, "sample rows of art5_5: the whole tier")
    write_csv(os.path.join(ev, "sample_art5_5.csv"), [t[0]] + t[:0:-1])


def test_review_counts_by_hand(tmp):
    ev = make_evidence(tmp)
    mark_all(ev)
    with open(os.path.join(ev, "sample_art5_4.csv"), "rb") as f:
        raw = f.read()
    if raw.startswith(b"\xef\xbb\xbf") or b"\r\n" not in raw:
        raise Failure("the GBK copy is not what the test meant to write")
    out, _ = review(ev, "--json", os.path.join(tmp, "review.json"))
    with open(os.path.join(tmp, "review.json"), encoding="utf-8") as f:
        j = json.load(f)
    tiers = {t["id"]: t for t in j["tiers"]}
    # art5_3: one by one: 45 real, 10 rejected, 5 not reviewed
    t3 = tiers["art5_3"]
    eq((t3["rows"], t3["real"], t3["rejected"], t3["unreviewed"], t3["adjusted"]), (60, 45, 10, 5, 45),
       "art5_3 list")
    # rows 46..60 of the list (data rows 45..59) on lines 47..61 of art5_3.csv
    eq([u["line"] for u in t3["not_confirmed"]], list(range(47, 62)), "lines of the rows not counted")
    eq(t3["not_confirmed"][0]["mark"], NO[45 % len(NO)], "a rejected row's mark as found")
    eq(t3["not_confirmed"][-1]["mark"], "", "an empty mark")
    # art5_4: 30 real of 40 sampled from 600
    t4 = tiers["art5_4"]
    eq((t4["rows"], t4["real"], t4["rejected"], t4["unreviewed"]), (40, 30, 4, 6), "art5_4 marks")
    p = lower_bound(40, 30)
    if abs(Decimal(repr(t4["lower_bound"])) - p) > Decimal("1e-9"):
        raise Failure("lower bound %r, expected %s" % (t4["lower_bound"], p))
    a4 = int((600 * p).to_integral_value(rounding="ROUND_FLOOR"))
    eq(a4, adjusted_exact(600, 40, 30), "the floor two ways (test self-check)")
    eq(t4["adjusted"], a4, "art5_4 adjusted = floor(600 x p_L)")
    eq(t4["encoding"], "gb18030", "the GBK copy is read as GB18030")
    with open(os.path.join(ev, "sample_art5_4.csv"), "rb") as f:
        eq(t4["file_sha256"], hashlib.sha256(f.read()).hexdigest(), "SHA-256 of the review file")
    # art5_5: the sample is the whole tier: its real rows, no bound
    t5 = tiers["art5_5"]
    eq((t5["rows"], t5["real"], t5["rejected"], t5["whole"], t5["adjusted"], t5["lower_bound"]),
       (30, 25, 5, True, 25, None), "art5_5 reviewed whole")
    # verdict: scanned (60, 600, 30): art5_3 and art5_4 reach 50 and 500: serious.
    # verified (45, a4, 25): 45 < 50, a4 < 500, combined 45/50 + a4/500 + 25/5000 >= 1
    if not (a4 < 500 and serious(45, a4, 25)):
        raise Failure("fixture: expected a combined-ratio case, a4 = %d" % a4)
    eq(j["verdict"]["scanned"], {"level": "serious", "grounds": ["art5_1_3", "art5_1_4"]}, "as scanned")
    eq(j["verdict"]["verified"], {"level": "serious", "grounds": ["art5_1_6"]}, "as verified")
    eq(j["confidence"], 0.95, "confidence")
    for want in ("Verdict as scanned:  SERIOUS", "Verdict as verified: SERIOUS", "art5_3.csv:47",
                 "%.6f" % p, " %d\n" % a4):
        if want not in out:
            raise Failure("the text output does not say %r:\n%s" % (want, out))
    zh, _ = review(ev, "--lang", "zh")
    for want in ("核实后结论：情节严重", "第五条第一款第（四）项", "未核实"):
        if want not in zh:
            raise Failure("--lang zh does not say %r:\n%s" % (want, zh))


def test_review_level_drops(tmp):
    """5 real of the 40 art5_4 rows: 45/50 + a4/500 + 25/5000 < 1: none."""
    ev = make_evidence(tmp)
    mark_all(ev, x4=5)
    out, _ = review(ev, "--json", os.path.join(tmp, "r.json"), "--confidence", "0.9")
    with open(os.path.join(tmp, "r.json"), encoding="utf-8") as f:
        j = json.load(f)
    a4 = adjusted_exact(600, 40, 5, alpha=Fraction(1, 10))
    eq(j["tiers"][1]["adjusted"], a4, "art5_4 adjusted at 90%")
    if serious(45, a4, 25):
        raise Failure("fixture: expected the level to drop, a4 = %d" % a4)
    eq(j["verdict"]["verified"], {"level": "none", "grounds": []}, "as verified")
    if "Verdict as verified: none" not in out:
        raise Failure(out)


def test_review_refuses_changed_files_and_bad_marks(tmp):
    ev = make_evidence(tmp)
    mark_all(ev)
    keep = os.path.join(tmp, "keep")
    shutil.copytree(ev, keep)
    s4 = os.path.join(ev, "sample_art5_4.csv")
    # a bad mark on data row 8 of sample_art5_5.csv: line 9
    t = read_csv(os.path.join(ev, "sample_art5_5.csv"))
    t[8][t[0].index("核实")] = "maybe"
    write_csv(os.path.join(ev, "sample_art5_5.csv"), t)
    _, err = review(ev, expect_rc=1)
    if "sample_art5_5.csv:9: mark 'maybe'" not in err:
        raise Failure("a bad mark is not named by file and line:\n" + err)
    shutil.copy(os.path.join(keep, "sample_art5_5.csv"), os.path.join(ev, "sample_art5_5.csv"))
    review(ev)   # back as it was: accepted
    # an edited value
    t = read_csv(s4, encoding="gbk")
    v = t[0].index("values")
    t[3][v] = t[3][v].replace("13800", "13900")
    write_csv(s4, t, encoding="gbk")
    _, err = review(ev, expect_rc=1)
    if "sample_art5_4.csv: the values of a drawn row were changed" not in err:
        raise Failure("an edited row is not refused clearly:\n" + err)
    # a row deleted
    t = read_csv(os.path.join(keep, "sample_art5_4.csv"), encoding="gbk")
    write_csv(s4, t[:-1], encoding="gbk")
    _, err = review(ev, expect_rc=1)
    if "sample_art5_4.csv: 39 rows, but the scan drew 40" not in err:
        raise Failure("a shortened sample is not refused clearly:\n" + err)
    # a sample drawn with another seed
    ev7 = os.path.join(tmp, "ev7")
    scan(write_inputs(os.path.join(tmp)), "--evidence", ev7, "--sample", "40", "--seed", "7")
    shutil.copy(os.path.join(ev7, "sample_art5_4.csv"), s4)
    _, err = review(ev, expect_rc=1)
    if "drawn again" not in err:
        raise Failure("a redrawn sample is not refused clearly:\n" + err)
    # no manifest: not an evidence directory
    os.remove(os.path.join(ev, "manifest.json"))
    review(ev, expect_rc=1)
    review(os.path.join(tmp, "nowhere"), expect_rc=1)
    run(["review"], expect_rc=1)
    run(["review", keep, "--confidence", "1.5"], expect_rc=1)
    # another policy than the scan's: exit 3
    pol = os.path.join(tmp, "policy.yaml")
    with open(os.path.join(PATTERNS, "policy.yaml"), encoding="utf-8") as f:
        text = f.read()
    with open(pol, "w", encoding="utf-8") as f:
        f.write(text.replace("threshold: 500\n", "threshold: 400\n", 1))
    p = run(["review", keep, "--policy", pol], expect_rc=3)
    if "not the policy of the scan" not in p.stderr.decode():
        raise Failure(p.stderr.decode())


def test_review_of_a_masked_copy(tmp):
    """A --mask copy drawn under a case key: its sample_key cells are tags under a key no
    file holds, and review still accepts the file as drawn (marked, re-saved) and refuses
    one drawn under another case key or without one (other rows, none of its tags drawn),
    and a row of this draw moved into another draw. A second run under the same key and
    seed writes the same rows and tags: its file is accepted in place of the first."""
    paths = write_inputs(tmp)
    key, key2 = os.path.join(tmp, "case.key"), os.path.join(tmp, "other.key")
    run(["keygen", key])
    run(["keygen", key2])

    def masked_evidence(name, *extra):
        ev = os.path.join(tmp, name)
        scan(paths, "--evidence", ev, "--sample", "40", "--mask", *extra)
        return ev

    ev = masked_evidence("ev", "--case-key", key)
    eq(manifest_of(ev)["draw"], "case key", "draw")
    s4 = os.path.join(ev, "sample_art5_4.csv")
    t = mark(read_csv(s4), 30, 4)
    write_csv(s4, t, encoding="gbk")
    review(ev)
    again = masked_evidence("again", "--case-key", key, "-j", "2")
    col = t[0].index("核实")
    eq(read_csv(os.path.join(again, "sample_art5_4.csv")),
       [t[0]] + [r[:col] + [""] + r[col + 1:] for r in t[1:]], "the same key and seed: the same file")
    for name, extra in (("other", ("--case-key", key2)), ("nokey", ())):
        other = masked_evidence(name, *extra)
        shutil.copy(os.path.join(other, "sample_art5_4.csv"), s4)
        _, err = review(ev, expect_rc=1)
        if "none of its sample keys was drawn by this scan" not in err:
            raise Failure("a sample drawn %s is not refused clearly:\n%s"
                          % ("under another case key" if extra else "without a case key", err))
    shutil.copy(os.path.join(again, "sample_art5_4.csv"), s4)
    review(ev)
    # one row of another draw in place of a drawn row: named by its tag
    t = read_csv(os.path.join(again, "sample_art5_4.csv"))
    u = read_csv(os.path.join(tmp, "other", "sample_art5_4.csv"))
    drawn = set(r[t[0].index("values")] for r in t[1:])
    foreign = next(r for r in u[1:] if r[u[0].index("values")] not in drawn)
    t[5] = foreign
    write_csv(s4, t)
    _, err = review(ev, expect_rc=1)
    k = u[0].index("sample_key")
    if "sample_art5_4.csv:6: sample_key %s was not drawn by this scan (1 such rows)" % foreign[k] not in err:
        raise Failure("a replaced row is not named:\n" + err)


def manifest_of(ev):
    with open(os.path.join(ev, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def test_review_plan(tmp):
    """--plan on 600 art5_4 and 30 art5_5 pieces, nothing in art5_3, samples of 20:
    keeping 'serious' needs 10 x a4 + a5 >= 5000 (item 六 times 5000), a4 and a5 the
    adjusted counts at x = floor(0.98 n) real of n; a tier of at most n pieces is
    reviewed whole and counts floor(0.98 x its pieces)."""
    ev = os.path.join(tmp, "ev")
    scan(write_inputs(tmp, n_cards=0), "--evidence", ev, "--sample", "20")
    P = Fraction(98, 100)

    def keeps(n):
        x = math.floor(P * n)
        a4 = adjusted_exact(600, n, x) if n < 600 else math.floor(P * 600)
        a5 = adjusted_exact(30, n, x) if n < 30 else math.floor(P * 30)
        return serious(0, a4, a5)

    need = next(n for n in range(0, 601) if keeps(n))
    out, _ = review(ev, "--plan", "--json", os.path.join(tmp, "plan.json"))
    with open(os.path.join(tmp, "plan.json"), encoding="utf-8") as f:
        j = json.load(f)
    eq(j["plan"]["rows_per_sampled_tier"], need, "rows per sampled tier")
    eq(j["plan"]["drawn_enough"], keeps(20), "are the 20 drawn rows enough")
    if ("n = %d" % need) not in out:
        raise Failure(out)
    # at a share of 0.8 the level cannot be kept: floor(0.8 x 600) = 480 and
    # 10 x 480 + 24 < 5000 even reviewing every piece
    out, _ = review(ev, "--plan", "--assume", "0.8")
    if "cannot be kept" not in out:
        raise Failure(out)


def test_review_cells_as_written(tmp):
    """An input named "-cards,x.csv" (relative, from its directory): its cell in the list
    is quoted, with the apostrophe before '-' that keeps a spreadsheet from running it.
    The identity uses the cell as written, so the file read back matches; all 55 rows
    marked 是 and saved as GB18030 with CRLF count 55: serious (55 >= 50)."""
    import subprocess
    cards = [("张伟", fx.bank_card(3000 + i)) for i in range(55)]
    fx.write(os.path.join(tmp, "-cards,x.csv"), fx.csv_text(cards, ("姓名", "银行卡号")).encode())
    p = subprocess.run([BIN, "scan", "--patterns", PATTERNS, "--evidence", "ev", "--", "-cards,x.csv"],
                       cwd=tmp, capture_output=True, timeout=120)
    eq(p.returncode, 0, "scan")
    path = os.path.join(tmp, "ev", "art5_3.csv")
    with open(path, "rb") as f:
        if b"\"'-cards,x.csv\"" not in f.read():
            raise Failure("the input cell is not quoted with its apostrophe")
    t = mark(read_csv(path), 55, 0)
    eq(t[1][0], "'-cards,x.csv", "the cell as read back")
    write_csv(path, t, encoding="gb18030")
    out, _ = review(os.path.join(tmp, "ev"))
    if "Verdict as verified: SERIOUS" not in out or " 55       55       55 " not in out:
        raise Failure(out)


def test_review_html(tmp):
    """--html: the review as a self-contained A4 page, in English and Chinese: both
    verdicts, the tiers with the adjusted counts, the review files' SHA-256 and the rows
    not counted with their values masked (fixture and counts as in
    test_review_counts_by_hand). Rendered in headless Chromium when it is installed."""
    from test_html import render, self_contained
    ev = make_evidence(tmp)
    mark_all(ev)
    out_en, out_zh = os.path.join(tmp, "review.html"), os.path.join(tmp, "review.zh.html")
    review(ev, "--html", out_en)
    review(ev, "--html", out_zh, "--lang", "zh")
    a4 = adjusted_exact(600, 40, 30)
    with open(os.path.join(ev, "sample_art5_4.csv"), "rb") as f:
        sha4 = hashlib.sha256(f.read()).hexdigest()
    listed = read_csv(os.path.join(ev, "art5_3.csv"))
    col = listed[0].index("values")
    cards = [row[col].split("bank_card=")[1].split(";")[0] for row in listed[1:]]
    eq(len(cards), 60, "cards in the list (test self-check)")
    for out, words in ((out_en, ("As scanned", "As verified", "SERIOUS (情节严重)", "not reviewed")),
                       (out_zh, ("扫描结论", "核实后结论", "情节严重", "未核实", 'lang="zh-CN"'))):
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self_contained(html)
        for key in ('id="verdicts"', 'id="chart"', 'id="tiers"', 'id="files"', 'id="unconfirmed"',
                    "<b>%d</b>" % a4, "<b>45</b>", sha4, "art5_1_6") + words:
            if key not in html:
                raise Failure("%s lacks %r" % (os.path.basename(out), key))
        for card in cards:
            if card in html:
                raise Failure("a card number appears unmasked in the review page")
        # the 15 rows not counted (lines 47..61), each card masked as bank_card's mask says:
        # the first 6 and last 4 digits, at most 8 stars between
        for card in cards[45:]:
            masked = "bank_card=%s%s%s" % (card[:6], "*" * min(8, len(card) - 10), card[-4:])
            if masked not in html:
                raise Failure("%s lacks the masked %r" % (os.path.basename(out), masked))
    run(["review", ev, "--plan", "--html", out_en], expect_rc=1)
    return render(tmp, out_zh)
