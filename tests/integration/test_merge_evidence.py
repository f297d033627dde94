"""test_merge_evidence.py - pitally merge --evidence (issue 12 with issue 11): the states of
4 shards scanned with --state and --evidence merge into the evidence directory one scan
over everything writes, file for file and byte for byte (the directory holds no run
record: the manifests name no time or host); so does a merge of merges; and a merge that
cannot prove its sample, or lacks what it needs, is refused naming the state. Collected
by run.py; every count and every row below is worked out by hand from the files written
here."""
import csv
import json
import os

from run import PATTERNS, Failure, eq, fx, run
from shardkit import same_dirs

NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静"]   # 6 bytes each in UTF-8
OPTS = ["--patterns", PATTERNS, "--progress", "never"]


def write_case(tmp):
    """The collection, in the walk's (byte-wise) order, with its tiers:
      a.csv  20 bank cards (property: art5_3), cards 1000..1019.
             20 + 20 * 24 = 500 bytes ("姓名,银行卡号" + LF is 20, a row 6+1+16+1 = 24)
      b.csv  30 (name, mobile, goods): transaction, art5_4. 17+... = 854 bytes
      c.csv  40 (name, mobile) rows: art5_5. 17 + 40 * 19 = 777 bytes
      d.csv  10 cards: a.csv's rows 6..10 again (cards 1005..1009), then 5 new (2000..2004).
             20 + 10 * 24 = 260 bytes
      e.csv  declared property (--declare): c.csv's row 4 again (raised from art5_5 to
             art5_3 here), then 2 new people. 17 + 3 * 19 = 74 bytes
    Shards by size, largest first, each to the least loaded (docs/shards.md): b (854) ->
    1, c (777) -> 2, a (500) -> 3, d (260) -> 4, e (74) -> 4 (260 is the least). So the
    repeated cards are listed by shards 3 and 4, and the raised piece is art5_5 in shard
    2 and art5_3 in shard 4.
    Distinct: art5_3 = 20 (a) + 5 (d's new) + 3 (e) = 28; art5_4 = 30; art5_5 = 40 - 1
    (the raised one) = 39."""
    case = os.path.join(tmp, "case")
    cards = [(NAMES[i % 5], fx.bank_card(1000 + i)) for i in range(20)]
    fx.write(os.path.join(case, "a.csv"), fx.csv_text(cards, ("姓名", "银行卡号")).encode())
    buys = [(NAMES[i % 5], "139%08d" % (100 + i), "手机%d" % i) for i in range(30)]
    fx.write(os.path.join(case, "b.csv"), fx.csv_text(buys, ("姓名", "手机号", "商品")).encode())
    people = [(NAMES[i % 5], "138%08d" % (200 + i)) for i in range(40)]
    fx.write(os.path.join(case, "c.csv"), fx.csv_text(people, ("姓名", "手机号")).encode())
    more = cards[5:10] + [(NAMES[0], fx.bank_card(2000 + i)) for i in range(5)]
    fx.write(os.path.join(case, "d.csv"), fx.csv_text(more, ("姓名", "银行卡号")).encode())
    declared = [people[3], (NAMES[1], "137%08d" % 1), (NAMES[2], "137%08d" % 2)]
    fx.write(os.path.join(case, "e.csv"), fx.csv_text(declared, ("姓名", "手机号")).encode())
    for name, size in (("a", 500), ("b", 854), ("c", 777), ("d", 260), ("e", 74)):
        eq(os.path.getsize(os.path.join(case, name + ".csv")), size, name + ".csv size")
    key = os.path.join(tmp, "case.key")
    fx.write(key, b"000102030405060708090a0b0c0d0e0f\n")
    os.chmod(key, 0o600)
    return case, key, people


def declare(case):
    return ["--declare", os.path.join(case, "e.csv") + "=property"]


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def scan_shards(tmp, case, key, prefix, *extra, evidence=True):
    """The 4 shards, -j3 with small chunks; returns the state paths."""
    states = []
    for k in range(1, 5):
        st = os.path.join(tmp, "%s%d.pst" % (prefix, k))
        ev = ["--evidence", os.path.join(tmp, "%s%d.ev" % (prefix, k))] if evidence else []
        p = run(["scan"] + OPTS + ["--json", "-", "--case-key", key, "--shard", "%d/4" % k,
                                   "--state", st, "-j", "3", "--chunk-size", "64"]
                + ev + declare(case) + list(extra) + [case])
        scanned = sorted(os.path.basename(i["path"]) for i in json.loads(p.stdout)["inputs"])
        eq(scanned, [["b.csv"], ["c.csv"], ["a.csv"], ["d.csv", "e.csv"]][k - 1],
           "shard %d's inputs" % k)
        states.append(st)
    return states


def whole(tmp, case, key, name, *extra):
    ev = os.path.join(tmp, name)
    run(["scan"] + OPTS + ["--json", os.path.join(tmp, name + ".json"), "--case-key", key,
                           "-j", "1", "--evidence", ev] + declare(case) + list(extra) + [case])
    return ev


def merge(tmp, key, name, states, *extra, expect_rc=0):
    ev = os.path.join(tmp, name)
    p = run(["merge"] + OPTS + ["--json", os.path.join(tmp, name + ".json"), "--case-key", key,
                                "--evidence", ev] + list(extra) + states, expect_rc=expect_rc)
    return ev, p.stderr.decode()


def test_merge_equals_one_scan(tmp):
    case, key, people = write_case(tmp)
    one = whole(tmp, case, key, "one", "--sample", "5")
    states = scan_shards(tmp, case, key, "s", "--sample", "5")
    merged, _ = merge(tmp, key, "merged", states)   # the states' --sample 5, seed 0
    same_dirs(one, merged, "merge of 4 shards")
    listed = rows(os.path.join(merged, "art5_3.csv"))
    eq(len(listed), 28, "art5_3 rows: its distinct count")
    where = [(os.path.basename(x["input"]), int(x["line"])) for x in listed]
    # a.csv lines 2..21; d.csv only its 5 new cards (lines 7..11: the repeats on lines
    # 2..6 were listed in a.csv, by shard 3, earlier than shard 4's rows); all of e.csv
    expect = [("a.csv", n) for n in range(2, 22)] + [("d.csv", n) for n in range(7, 12)]
    eq(where, expect + [("e.csv", 2), ("e.csv", 3), ("e.csv", 4)], "the list's rows")
    raised = "cn_mobile=" + people[3][1]
    if raised not in listed[25]["values"]:
        raise Failure("the raised piece is listed where it was raised: %r" % listed[25])
    s5 = rows(os.path.join(merged, "sample_art5_5.csv"))
    eq(len(s5), 5, "--sample 5 of the 39 art5_5 pieces")
    for x in s5:
        eq(os.path.basename(x["input"]), "c.csv", "art5_5 pieces are c.csv's")
        if raised in x["values"]:
            raise Failure("a piece raised to art5_3 is still in the art5_5 sample")
    s4 = rows(os.path.join(merged, "sample_art5_4.csv"))
    eq(len(s4), 5, "--sample 5 of the 30 art5_4 pieces")
    eq({os.path.basename(x["input"]) for x in s4}, {"b.csv"}, "art5_4 pieces are b.csv's")
    with open(os.path.join(merged, "manifest.json"), encoding="utf-8") as f:
        m = json.load(f)
    eq([(t["id"], t["distinct"], t["rows"]) for t in m["tiers"]],
       [("art5_3", 28, 28), ("art5_4", 30, 5), ("art5_5", 39, 5)], "manifest tiers")
    # a bottom-N draw: the 5 drawn are among the 10 a sample of 10 draws
    ten = whole(tmp, case, key, "ten", "--sample", "10")
    ten_values = {x["values"] for x in rows(os.path.join(ten, "sample_art5_5.csv"))}
    if not {x["values"] for x in s5} <= ten_values:
        raise Failure("the merged sample of 5 is not the bottom of the sample of 10")
    # the states given in another order change nothing
    again, _ = merge(tmp, key, "again", states[::-1])
    same_dirs(one, again, "merge of the states in reverse order")


def test_merge_of_merges_and_mask(tmp):
    case, key, _ = write_case(tmp)
    one = whole(tmp, case, key, "one", "--sample", "4", "--seed", "9")
    states = scan_shards(tmp, case, key, "s", "--sample", "4", "--seed", "9")
    # two partial merges without --evidence keep the sections; their merge writes the
    # directory, and its merged state once more
    m12, m34 = os.path.join(tmp, "m12.pst"), os.path.join(tmp, "m34.pst")
    run(["merge"] + OPTS + ["--json", os.devnull, "--partial", "--state", m12] + states[:2])
    run(["merge"] + OPTS + ["--json", os.devnull, "--partial", "--state", m34] + states[2:])
    top = os.path.join(tmp, "top.pst")
    tree, _ = merge(tmp, key, "tree", [m34, m12], "--state", top)
    same_dirs(one, tree, "merge of two merges")
    again, _ = merge(tmp, key, "again", [top])
    same_dirs(one, again, "the merged state merged alone")
    # a smaller sample than the shards drew: the 2 smallest of pools of 16 are proven
    two = whole(tmp, case, key, "two", "--sample", "2", "--seed", "9")
    smaller, _ = merge(tmp, key, "smaller", states, "--sample", "2")
    same_dirs(two, smaller, "merge --sample 2 of shards drawn with --sample 4")
    # --mask on the merge masks as --mask on the scan (keyed by the case key: same rows)
    masked_one = whole(tmp, case, key, "masked_one", "--sample", "4", "--seed", "9", "--mask")
    masked, _ = merge(tmp, key, "masked", states, "--mask")
    same_dirs(masked_one, masked, "merge --mask")
    if fx.bank_card(1000) in open(os.path.join(masked, "art5_3.csv"), encoding="utf-8-sig").read():
        raise Failure("merge --mask wrote a card number as found")


def test_merge_evidence_refusals(tmp):
    case, key, _ = write_case(tmp)
    states = scan_shards(tmp, case, key, "s", "--sample", "2")
    # pool of 4 x 2 = 8 candidates per tier; b.csv's shard (1) has 30 art5_4 pieces, so
    # its pool ends below the 30: a sample of 50 from the merge cannot be proven
    _, err = merge(tmp, key, "big", states, "--sample", "50", expect_rc=1)
    if states[0] not in err or "art5_4" not in err or "run out" not in err:
        raise Failure("the refusal names the state and the tier: %r" % err)
    # another seed than the shards' draws another sample: refused
    _, err = merge(tmp, key, "seed", states, "--seed", "3", expect_rc=1)
    if "seed" not in err:
        raise Failure("a seed other than the shards' is refused: %r" % err)
    # a shard scanned without --evidence has no evidence section
    plain = scan_shards(tmp, case, key, "p", "--sample", "2", evidence=False)
    _, err = merge(tmp, key, "plain", states[:3] + plain[3:], expect_rc=1)
    if plain[3] not in err or "no evidence" not in err:
        raise Failure("a state without evidence is named: %r" % err)
    # a merged state of such a shard has none either, and says so
    mixed = os.path.join(tmp, "mixed.pst")
    p = run(["merge"] + OPTS + ["--json", os.devnull, "--state", mixed] + states[:3] + plain[3:])
    if "no evidence section" not in p.stderr.decode():
        raise Failure("merge --state says the merged state has no evidence: %r" % p.stderr)
    _, err = merge(tmp, key, "mixed", [mixed], expect_rc=1)
    # without the case key (none given, none beside the first state) the tags cannot be made
    p = run(["merge"] + OPTS + ["--json", os.devnull, "--evidence", os.path.join(tmp, "nokey")]
            + states, expect_rc=1)
    if "case key" not in p.stderr.decode():
        raise Failure("merge --evidence without the case key: %r" % p.stderr)
    # nothing half-written is left where a refusal happened
    for name in ("big", "plain", "mixed"):
        d = os.path.join(tmp, name)
        left = [n for n in os.listdir(d) if not n.startswith(".")] if os.path.isdir(d) else []
        eq(left, [], name + ": no evidence file after a refusal")


def test_raised_piece_leaves_the_merged_sample(tmp):
    """--sample 40: every one of the 39 art5_5 pieces is drawn (shard 2 keeps all 40 of
    c.csv as candidates: its pool is 160), so the sample holds exactly the tier. The
    piece raised in shard 4 is among shard 2's art5_5 candidates; the merge must drop it
    by its merged tier, art5_3: 39 rows, none of them c.csv's line 5 (row 4)."""
    case, key, people = write_case(tmp)
    one = whole(tmp, case, key, "one", "--sample", "40")
    states = scan_shards(tmp, case, key, "s", "--sample", "40")
    merged, _ = merge(tmp, key, "merged", states)
    same_dirs(one, merged, "merge of 4 shards, the whole tier drawn")
    s5 = rows(os.path.join(merged, "sample_art5_5.csv"))
    eq(len(s5), 39, "the whole art5_5 tier")
    eq(sorted(int(x["line"]) for x in s5), [n for n in range(2, 42) if n != 5],
       "c.csv's lines but the raised row's")


def test_merge_of_whole_scans(tmp):
    """Not shards: two whole scans, of a.csv c.csv and of d.csv e.csv. Whole scans are of
    different collections, so a merge lists the first's inputs, then the second's
    (docs/shards.md, Merge order): a, c, d, e. The directory equals one scan of the paths
    in that order: d.csv's 5 repeated cards are listed from a.csv, the piece e.csv raises
    leaves c.csv's art5_5 sample; 28 rows, as in the shards."""
    case, key, _ = write_case(tmp)
    paths = [os.path.join(case, n) for n in ("a.csv", "c.csv", "d.csv", "e.csv")]
    ev = os.path.join(tmp, "one")
    run(["scan"] + OPTS + ["--json", os.devnull, "--case-key", key, "--evidence", ev, "--sample", "3"]
        + declare(case) + paths)
    states = []
    for name, part in (("first", paths[:2]), ("second", paths[2:])):
        st = os.path.join(tmp, name + ".pst")
        run(["scan"] + OPTS + ["--json", os.devnull, "--case-key", key, "--state", st,
                               "--evidence", os.path.join(tmp, name), "--sample", "3"]
            + declare(case) + part)
        states.append(st)
    merged, _ = merge(tmp, key, "merged", states)
    same_dirs(ev, merged, "merge of two whole scans")
    eq(len(rows(os.path.join(merged, "art5_3.csv"))), 28, "art5_3 rows")


def bad_card(i):
    """fx.bank_card(i) with its Luhn check digit changed: matched, and rejected"""
    good = fx.bank_card(i)
    return good[:-1] + str((int(good[-1]) + 1) % 10)


def test_rejected_rows_merge(tmp):
    """rejected.csv keeps the first 20 rejected values of each pattern in input order.
    f1.csv holds 15 cards failing Luhn (lines 2..16), f2.csv 15 more (lines 2..16) and
    2 more rows, so it is the larger (20 + 17 * 24 = 428 bytes against 20 + 15 * 24 =
    380): shard 1 of 2 scans f2, shard 2 scans f1. Each shard keeps its own 15; the
    merge must keep f1's 15 and the first 5 of f2 (lines 2..6), as one scan does."""
    case = os.path.join(tmp, "case")
    f1 = [(NAMES[i % 5], bad_card(3000 + i)) for i in range(15)]
    f2 = [(NAMES[i % 5], bad_card(4000 + i)) for i in range(15)]
    f2 += [(NAMES[0], fx.bank_card(5000)), (NAMES[1], fx.bank_card(5001))]
    fx.write(os.path.join(case, "f1.csv"), fx.csv_text(f1, ("姓名", "银行卡号")).encode())
    fx.write(os.path.join(case, "f2.csv"), fx.csv_text(f2, ("姓名", "银行卡号")).encode())
    key = os.path.join(tmp, "case.key")
    fx.write(key, b"0f0e0d0c0b0a09080706050403020100\n")
    one = os.path.join(tmp, "one")
    run(["scan"] + OPTS + ["--json", os.devnull, "--case-key", key, "--evidence", one, case])
    states = []
    for k in (1, 2):
        st = os.path.join(tmp, "r%d.pst" % k)
        run(["scan"] + OPTS + ["--json", os.devnull, "--case-key", key, "--shard", "%d/2" % k,
                               "--state", st, "--evidence", os.path.join(tmp, "r%d" % k), case])
        states.append(st)
        own = rows(os.path.join(tmp, "r%d" % k, "rejected.csv"))
        eq(len(own), 15, "shard %d keeps its 15 rejected cards" % k)
    merged, _ = merge(tmp, key, "merged", states)
    same_dirs(one, merged, "rejected rows merged")
    got = [(os.path.basename(x["input"]), int(x["line"])) for x in rows(os.path.join(merged, "rejected.csv"))]
    eq(got, [("f1.csv", n) for n in range(2, 17)] + [("f2.csv", n) for n in range(2, 7)],
       "the first 20 rejected cards in input order")
