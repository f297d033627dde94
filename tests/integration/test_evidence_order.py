"""test_evidence_order.py - the list of the most serious tier on a multi-chunk input: the
workers format its rows and the commit writes them (issue 11), so a row lost, repeated
or written out of order between chunks would show here. Two inputs of 300 card rows,
cut into chunks of about 1 KiB (a dozen chunks each), scanned with -j1, -j2 and -j4:
the files must be byte for byte the same, and the rows exactly those worked out below,
in input order. And a piece raised into the list by --declare (tier_raised): listed where
it was raised, taken out of the sample of its old tier. Collected by run.py."""
import csv
import json
import os

from run import Failure, eq, fx, run, scan

NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静"]
ROWS = 300


def card_row(k):
    """Row k of the card rows: the name goes with the card, so that a repeated row is
    the same piece."""
    return (NAMES[k % 5], fx.bank_card(k))


def write_inputs(tmp):
    # a.csv, row i (file line i + 2): card k = i, except every tenth row (i % 10 == 9),
    # which repeats row i - 5 of a.csv: a piece already listed.
    a_keys = [i if i % 10 != 9 else i - 5 for i in range(ROWS)]
    # b.csv, row i: card 1000 + i, except every tenth row, which repeats row i - 4 of
    # a.csv ((i - 4) % 10 == 5, a row of its own there): listed with a.csv, not again.
    b_keys = [1000 + i if i % 10 != 9 else i - 4 for i in range(ROWS)]
    a, b = os.path.join(tmp, "a.csv"), os.path.join(tmp, "b.csv")
    fx.write(a, fx.csv_text([card_row(k) for k in a_keys], ("姓名", "银行卡号")).encode())
    fx.write(b, fx.csv_text([card_row(k) for k in b_keys], ("姓名", "银行卡号")).encode())
    # listed: every row with i % 10 != 9 of a.csv, then of b.csv: 270 + 270 = 540
    want = [(a, i + 2, a_keys[i]) for i in range(ROWS) if i % 10 != 9]
    want += [(b, i + 2, b_keys[i]) for i in range(ROWS) if i % 10 != 9]
    return a, b, want


def test_list_rows_same_for_any_thread_count(tmp):
    a, b, want = write_inputs(tmp)
    eq(len(want), 540, "rows worked out")
    files, digests = {}, {}
    for j in ("1", "2", "4"):
        ev = os.path.join(tmp, "ev" + j)
        r = scan([a, b], "-j", j, "--chunk-size", "1024", "--evidence", ev, "--sample", "5")
        eq(r["totals"]["tiers"]["art5_3"]["distinct"], 540, "art5_3 distinct (-j%s)" % j)
        with open(os.path.join(ev, "art5_3.csv"), "rb") as f:
            files[j] = f.read()
        with open(os.path.join(ev, "manifest.json"), encoding="utf-8") as f:
            digests[j] = json.load(f)["tiers"][0]["content_sha256"]
    for j in ("2", "4"):
        if files[j] != files["1"]:
            raise Failure("art5_3.csv of -j%s differs from that of -j1" % j)
        eq(digests[j], digests["1"], "content_sha256 of -j%s" % j)
    with open(os.path.join(tmp, "ev1", "art5_3.csv"), encoding="utf-8-sig", newline="") as f:
        listed = list(csv.DictReader(f))
    eq(len(listed), len(want), "one row per distinct piece")
    for n, (x, (path, line, k)) in enumerate(zip(listed, want)):
        name, card = card_row(k)
        got = (x["input"], int(x["line"]), "bank_card=" + card in x["values"], name in x["values"])
        eq(got, (path, line, True, True), "row %d of the list" % (n + 1))


def test_piece_raised_by_declare_moves_to_the_list(tmp):
    # p.csv: 10 rows (name, mobile), distinct: art5_5 pieces (identity and contact).
    # q.csv, declared property (art5_3): rows 3..5 of p.csv again, then 2 new rows. Its
    # 5 pieces are art5_3: the 3 seen in p.csv are raised (listed now, where q.csv has
    # them, and taken out of the art5_5 sample), the 2 new ones are new. So the list is
    # q.csv lines 2..6, and the art5_5 sample (asked 100, so all of the tier) is the
    # other 7 rows of p.csv: lines 2, 3 and 7..11.
    people = [(NAMES[i % 5], "139%08d" % (55500000 + i)) for i in range(10)]
    p, q = os.path.join(tmp, "p.csv"), os.path.join(tmp, "q.csv")
    fx.write(p, fx.csv_text(people, ("姓名", "手机号")).encode())
    q_rows = people[2:5] + [(NAMES[0], "13700000001"), (NAMES[1], "13700000002")]
    fx.write(q, fx.csv_text(q_rows, ("姓名", "手机号")).encode())
    files = {}
    for j in ("1", "2"):
        ev = os.path.join(tmp, "ev" + j)
        r = scan([p, q], "-j", j, "--chunk-size", "64", "--declare", q + "=property",
                 "--evidence", ev, "--sample", "100")
        eq(r["totals"]["tiers"]["art5_3"]["distinct"], 5, "art5_3 distinct (-j%s)" % j)
        with open(os.path.join(ev, "art5_3.csv"), "rb") as f:
            files[j] = f.read()
        with open(os.path.join(ev, "art5_3.csv"), encoding="utf-8-sig", newline="") as f:
            listed = [(x["input"], int(x["line"])) for x in csv.DictReader(f)]
        eq(listed, [(q, n) for n in range(2, 7)], "the list (-j%s)" % j)
        with open(os.path.join(ev, "sample_art5_5.csv"), encoding="utf-8-sig", newline="") as f:
            drawn = [(x["input"], int(x["line"])) for x in csv.DictReader(f)]
        eq(drawn, [(p, n) for n in (2, 3, 7, 8, 9, 10, 11)], "the art5_5 sample (-j%s)" % j)
    if files["1"] != files["2"]:
        raise Failure("art5_3.csv of -j2 differs from that of -j1")


def draw_over_a_large_tier(tmp, name, *extra):
    """A sampled tier with far more pieces than its pool (--sample 5: a pool of 20): the
    workers let a piece drop its values once its draw key is past the theta the commit
    published, which depends on timing; the sample must not. 600 rows of a name and a
    mobile (identity and contact: art5_5, a sampled tier), row i (line i + 2) with mobile
    139 followed by i in 8 digits, each a piece of its own. Every drawn row must carry its
    own line's mobile (a row whose values were dropped would carry none), and the rows
    must be the same for -j1, -j2 and -j4 and for chunks of 256 bytes or one chunk (-j1
    with one chunk drops nothing: its one chunk is classified before any commit).
    Returns the rows drawn and the manifest's draw."""
    p = os.path.join(tmp, "m.csv")
    rows = [(NAMES[i % 5], "139%08d" % i) for i in range(600)]
    fx.write(p, fx.csv_text(rows, ("姓名", "手机号")).encode())
    drawn = {}
    for j, chunk in (("1", "1048576"), ("1", "256"), ("2", "256"), ("4", "256")):
        ev = os.path.join(tmp, "ev-%s-%s-%s" % (name, j, chunk))
        scan([p], "-j", j, "--chunk-size", chunk, "--evidence", ev, "--sample", "5", *extra)
        with open(os.path.join(ev, "sample_art5_5.csv"), encoding="utf-8-sig", newline="") as f:
            got = [(int(x["line"]), x["values"]) for x in csv.DictReader(f)]
        eq(len(got), 5, "sample rows (%s, -j%s, chunks of %s)" % (name, j, chunk))
        for line, values in got:
            if "cn_mobile=139%08d" % (line - 2) not in values:
                raise Failure("line %d drawn without its mobile: %r" % (line, values))
        drawn[(j, chunk)] = got
    for key, got in drawn.items():
        eq(got, drawn[("1", "1048576")], "the sample (%s) of -j%s, chunks of %s" % ((name,) + key))
    with open(os.path.join(ev, "manifest.json"), encoding="utf-8") as f:
        return drawn[("1", "1048576")], json.load(f)["draw"]


def test_sample_over_a_large_tier_same_for_any_thread_count(tmp):
    _, draw = draw_over_a_large_tier(tmp, "seed")
    eq(draw, "seed", "an unmasked draw without a case key")


def test_keyed_sample_over_a_large_tier_same_for_any_thread_count(tmp):
    """The same under a case key (the draw examiners use): the workers encipher each
    fingerprint on a context of their own and drop values early as the seed-only draw
    does. Two keys: each draw is the same for any thread count and chunk size (above);
    the draw says it was keyed."""
    for name in ("k1", "k2"):
        key = os.path.join(tmp, name + ".key")
        run(["keygen", key])
        _, draw = draw_over_a_large_tier(tmp, name, "--case-key", key)
        eq(draw, "case key", "the draw under --case-key")
