"""test_evidence.py - the evidence directory (issue 11): the list of the most serious
tier has exactly its distinct count as rows, with the values and lines as written here;
the samples of the other tiers are the same for -j1 and -j2, for a repeated seed and
for the inputs in another order, and bounded by --sample; files are owner-only, --mask
masks, and a directory that is not empty is refused. Collected by run.py; counts worked
out by hand from the rows written here."""
import csv
import io
import os
import stat

from run import PATTERNS, Failure, eq, fx, run, scan

# cards.csv: 30 rows of (name, bank card), the last 5 repeating the first 5: 30 records,
# 25 distinct art5_3 pieces (a bank card is property, item 三).
# people.csv: 60 rows of (name, mobile) with distinct mobiles: 60 distinct art5_5 pieces.
NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静"]


def write_inputs(tmp):
    cards = [(NAMES[i % 5], fx.bank_card(1000 + i)) for i in range(25)]
    cards += cards[:5]
    people = [(NAMES[i % 5], "139%08d" % (12340000 + i)) for i in range(60)]
    a, b = os.path.join(tmp, "cards.csv"), os.path.join(tmp, "people.csv")
    fx.write(a, fx.csv_text(cards, ("姓名", "银行卡号")).encode())
    fx.write(b, fx.csv_text(people, ("姓名", "手机号")).encode())
    return a, b, cards, people


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_list_has_the_tier_distinct_count(tmp):
    a, b, cards, _ = write_inputs(tmp)
    ev = os.path.join(tmp, "ev")
    r = scan([a, b], "--evidence", ev, "--sample", "10")
    eq(r["totals"]["tiers"]["art5_3"]["distinct"], 25, "art5_3 distinct")
    listed = rows(os.path.join(ev, "art5_3.csv"))
    eq(len(listed), 25, "one row per distinct art5_3 piece")
    # the rows are the first 25 card rows, in order, on lines 2..26 of cards.csv
    eq([int(x["line"]) for x in listed], list(range(2, 27)), "line numbers")
    for x, (name, card) in zip(listed, cards):
        if "bank_card=" + card not in x["values"] or name not in x["values"]:
            raise Failure("row does not carry the values as found: %r" % x)
        eq(x["input"], a, "input path")
        eq(x["核实"], "", "review column left empty")
    sample = rows(os.path.join(ev, "sample_art5_5.csv"))
    eq(len(sample), 10, "--sample 10 of 60")
    eq(rows(os.path.join(ev, "sample_art5_4.csv")), [], "no art5_4 pieces")
    eq(stat.S_IMODE(os.stat(ev).st_mode), 0o700, "directory owner-only")
    for name in os.listdir(ev):
        eq(stat.S_IMODE(os.stat(os.path.join(ev, name)).st_mode), 0o600, name + " owner-only")
    with open(os.path.join(ev, "art5_3.csv"), "rb") as f:
        eq(f.read(3), b"\xef\xbb\xbf", "UTF-8 BOM for Excel and WPS")


def sample_keys(tmp, name, paths, *extra):
    ev = os.path.join(tmp, name)
    scan(paths, "--evidence", ev, "--sample", "10", *extra)
    return [(x["values"], x["sample_key"]) for x in rows(os.path.join(ev, "sample_art5_5.csv"))]


def test_sample_is_reproducible(tmp):
    a, b, _, _ = write_inputs(tmp)
    one = sample_keys(tmp, "j1", [a, b], "-j", "1")
    eq(sample_keys(tmp, "j2", [a, b], "-j", "2", "--chunk-size", "64"), one, "-j2, small chunks")
    eq(sample_keys(tmp, "again", [a, b], "-j", "1"), one, "same seed")
    eq(sorted(sample_keys(tmp, "swapped", [b, a])), sorted(one), "inputs in another order")
    other = sample_keys(tmp, "seed7", [a, b], "--seed", "7")
    if sorted(other) == sorted(one):
        raise Failure("another seed drew the same 10 of 60 (chance about 1 in 7.5e10)")
    # the sample is the 10 smallest keys among all 60 pieces: keys are sorted hex
    keys = [k for _, k in one]
    everyone = sample_keys(tmp, "all", [a, b], "--sample", "100")
    eq(len(everyone), 60, "a sample larger than the tier holds every piece")
    eq(sorted(keys), sorted(k for _, k in everyone)[:10], "bottom 10 by keyed hash")


def test_mask_and_refusals(tmp):
    a, _, cards, _ = write_inputs(tmp)
    ev = os.path.join(tmp, "masked")
    scan([a], "--evidence", ev, "--mask")
    first = rows(os.path.join(ev, "art5_3.csv"))[0]["values"]
    if cards[0][1] in first:
        raise Failure("--mask left the card number whole: %r" % first)
    p = run(["scan", "--patterns", PATTERNS, "--evidence", ev, a], expect_rc=4)
    if "not empty" not in p.stderr.decode():
        raise Failure("a used evidence directory is not refused clearly: %r" % p.stderr)


def test_verify_reproduces_and_names_a_change(tmp):
    """pitally verify: an unchanged run is reproduced (exit 0); after one input changes,
    the report names that input's hash and the counts that moved (exit 1). The scan ran
    in tmp with relative paths, verify runs from elsewhere: the recorded directory holds."""
    import subprocess
    from run import BIN
    a, b, _, _ = write_inputs(tmp)
    report = os.path.join(tmp, "report.json")
    run(["keygen", os.path.join(tmp, "case.key")])
    p = subprocess.run([BIN, "scan", "--patterns", PATTERNS, "--json", report, "-j", "2",
                        "--state", "s.pst", "--case-key", "case.key",
                        "cards.csv", "people.csv"], cwd=tmp, capture_output=True, timeout=120)
    eq(p.returncode, 0, "scan")
    # the outputs and the key file are not needed to verify: the rerun leaves them out
    os.remove(os.path.join(tmp, "case.key"))
    os.remove(os.path.join(tmp, "s.pst"))
    p = run(["verify", report])
    out = p.stdout.decode()
    if "reproduced" not in out or "NOT" in out:
        raise Failure("an unchanged run is not reproduced:\n" + out)
    with open(b, "a", encoding="utf-8") as f:
        f.write("赵六,13900000001\n")   # one more art5_5 piece in people.csv
    p = run(["verify", report], expect_rc=1)
    out = p.stdout.decode()
    for expected in ("input people.csv: SHA-256 was", "input people.csv.records: was 60, is now 61",
                     "NOT reproduced"):
        if expected not in out:
            raise Failure("verify does not say %r:\n%s" % (expected, out))
    if "cards.csv: SHA-256" in out:
        raise Failure("the unchanged input is named as changed:\n" + out)
    run(["verify", os.path.join(tmp, "missing.json")], expect_rc=1)
