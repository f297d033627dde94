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


def sample_values(tmp, name, paths, *extra):
    return [v for v, _ in sample_keys(tmp, name, paths, *extra)]


def test_sample_is_reproducible(tmp):
    """The rows drawn depend only on the pieces and the seed (the sample_key written is a
    tag under a key of that directory, so it is not compared here)."""
    a, b, _, _ = write_inputs(tmp)
    one = sample_values(tmp, "j1", [a, b], "-j", "1")
    eq(sample_values(tmp, "j2", [a, b], "-j", "2", "--chunk-size", "64"), one, "-j2, small chunks")
    eq(sample_values(tmp, "again", [a, b], "-j", "1"), one, "same seed")
    eq(sorted(sample_values(tmp, "swapped", [b, a])), sorted(one), "inputs in another order")
    other = sample_values(tmp, "seed7", [a, b], "--seed", "7")
    if sorted(other) == sorted(one):
        raise Failure("another seed drew the same 10 of 60 (chance about 1 in 7.5e10)")
    # a bottom-N sample: the 10 smallest are among the 30 smallest, and --sample 100
    # holds every piece
    thirty = sample_values(tmp, "thirty", [a, b], "--sample", "30")
    eq(len(thirty), 30, "--sample 30 of 60")
    missing = [v for v in one if v not in thirty]
    eq(missing, [], "the 10 drawn are among the 30 drawn with the same seed")
    everyone = sample_values(tmp, "all", [a, b], "--sample", "100")
    eq(len(everyone), 60, "a sample larger than the tier holds every piece")


def manifest_of(ev):
    import json
    with open(os.path.join(ev, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def test_sample_keys_say_nothing_of_the_values(tmp):
    """A sample_key written must not be computable from the values and the public
    parameters (inputs, seed, options): else a --mask copy is unmasked by hashing all ten
    billion mobile numbers. So two runs that differ only in a secret the files do not
    hold (a random key per directory; the case key) write different keys; and under
    --mask the rows drawn depend on a secret too (which rows fall in a public bottom-N
    narrows each masked value's 10^4 readings down to about one)."""
    a, b, _, _ = write_inputs(tmp)
    # no case key, unmasked: the same rows (drawn by the seed), keys with nothing in common
    one, two = sample_keys(tmp, "one", [a, b]), sample_keys(tmp, "two", [a, b])
    eq([v for v, _ in two], [v for v, _ in one], "same seed, same rows")
    common = set(k for _, k in one) & set(k for _, k in two)
    eq(common, set(), "keys shared by two directories of the same seed and inputs")
    eq(manifest_of(os.path.join(tmp, "one"))["draw"], "seed", "draw of an unmasked run")
    # no case key, --mask: a one-off draw: other rows and other keys each time
    m1, m2 = sample_keys(tmp, "m1", [a, b], "--mask"), sample_keys(tmp, "m2", [a, b], "--mask")
    if sorted(v for v, _ in m1) == sorted(v for v, _ in m2):
        raise Failure("two --mask runs without a case key drew the same 10 of 60 (chance about "
                      "1 in 7.5e10): the draw is public")
    eq(set(k for _, k in m1) & set(k for _, k in m2), set(), "keys shared by two --mask runs")
    eq(manifest_of(os.path.join(tmp, "m1"))["draw"], "one-off key", "draw of --mask")
    # a case key: the same key and seed give the same rows and keys, masked or not (the
    # copy that leaves the lab holds the lab's rows); another key, other rows and keys
    k1, k2 = os.path.join(tmp, "k1.key"), os.path.join(tmp, "k2.key")
    run(["keygen", k1])
    run(["keygen", k2])
    lab = sample_keys(tmp, "lab", [a, b], "--case-key", k1)
    out = sample_keys(tmp, "out", [a, b], "--case-key", k1, "--mask")
    eq([k for _, k in out], [k for _, k in lab], "keys of the masked copy and of the lab copy")
    masked = [v for v, _ in out]
    for (v, _), mv in zip(lab, masked):
        mobile = v.split("cn_mobile=")[1]
        if mobile in mv or mv.split("cn_mobile=")[1] != mobile[:3] + "****" + mobile[-4:]:
            raise Failure("masked row %r is not lab row %r masked" % (mv, v))
    eq(sample_keys(tmp, "lab_again", [a, b], "--case-key", k1, "-j", "2"), lab,
       "the same case key and seed, -j2")
    eq(manifest_of(os.path.join(tmp, "out"))["draw"], "case key", "draw with a case key")
    other = sample_keys(tmp, "other_key", [a, b], "--case-key", k2, "--mask")
    if sorted(v for v, _ in other) == sorted(masked):
        raise Failure("another case key drew the same 10 of 60 (chance about 1 in 7.5e10)")
    eq(set(k for _, k in other) & set(k for _, k in out), set(), "keys shared by two case keys")
    # the manifest lists exactly the keys of the file, and the case key is in no file
    eq(sorted(manifest_of(os.path.join(tmp, "out"))["tiers"][2]["sample_keys"]),
       sorted(k for _, k in out), "manifest.json sample_keys")
    with open(k1, encoding="ascii") as f:
        secret = f.read().strip()
    for name in os.listdir(os.path.join(tmp, "out")):
        with open(os.path.join(tmp, "out", name), "rb") as f:
            if secret.encode() in f.read().lower():
                raise Failure("the case key is written in " + name)


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


def test_rejected_csv(tmp):
    """rejected.csv: the first 20 rejected values of each pattern, where and why, masked.
    Row 3 (line 3) has an ID failing its check character and a masked mobile; rows
    5..29 (lines 5..29) 25 more failing IDs: 26 rejected IDs, of which lines 3 and
    5..23 are the first 20; one rejected mobile."""
    good = fx.resident_id("11010519491231002")          # fx.ID_A
    bad = [fx.bad_resident_id("11010519491231%03d" % i) for i in range(100, 126)]
    people = [("张伟", good, "13812345678"), ("李娜", bad[0], "139****5678"),
              ("王芳", fx.ID_B, "13700000000")]
    people += [("用户%d" % i, bad[i], "136%08d" % i) for i in range(1, 26)]
    text = fx.csv_text(people)
    path = os.path.join(tmp, "ids.csv")
    fx.write(path, text.encode())
    ev = os.path.join(tmp, "ev")
    r = scan([path], "--evidence", ev)
    eq(r["totals"]["patterns"]["cn_resident_id"]["rejected"], 26, "rejected IDs in the report")
    got = rows(os.path.join(ev, "rejected.csv"))
    ids = [x for x in got if x["pattern"] == "cn_resident_id"]
    eq([int(x["line"]) for x in ids], [3] + list(range(5, 24)), "the first 20 by position")
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line.encode()) + 1)
    eq([int(x["offset"]) for x in ids], [starts[n - 1] for n in [3] + list(range(5, 24))],
       "offsets of those rows")
    first = ids[0]
    eq((first["input"], first["member"], first["category"]), (path, "", "identity"), "where, what")
    # fx.bad_resident_id puts '0' where the right check character is not '0', else '1'
    want = fx.resident_id(bad[0][:17])[-1]
    eq(first["reason"], "fails gb11643: checksum mismatch: check char '%s', expected '%s'"
       % (bad[0][-1], want), "the reason, without the birth date")
    mobiles = [x for x in got if x["pattern"] == "cn_mobile"]
    eq([(int(x["line"]), x["reason"]) for x in mobiles],
       [(3, "masked copy: matches the masked form of cn_mobile")], "the masked mobile")
    with open(os.path.join(ev, "rejected.csv"), encoding="utf-8-sig") as f:
        whole = f.read()
    for b in bad:
        if b in whole:
            raise Failure("rejected.csv holds a whole ID: %s" % b)
    if not first["value"].startswith("cn_resident_id=110") or "*" not in first["value"]:
        raise Failure("value not masked as text: %r" % first["value"])
    ev2 = os.path.join(tmp, "ev2")   # the same rows for any thread count and chunk size
    scan([path], "--evidence", ev2, "-j", "2", "--chunk-size", "64")
    eq(rows(os.path.join(ev2, "rejected.csv")), got, "rejected.csv with -j2 and 64-byte chunks")


def test_columns_csv_and_manifest(tmp):
    """columns.csv: one row per column of each input (cards.csv: 姓名, 银行卡号;
    people.csv: 姓名, 手机号), every cell filled; the manifests name both new files with
    the SHA-256 of their bytes; sample keys start with a letter (Excel keeps them text)."""
    import hashlib
    import json
    a, b, _, _ = write_inputs(tmp)
    ev = os.path.join(tmp, "ev")
    scan([a, b], "--evidence", ev, "--sample", "10")
    got = rows(os.path.join(ev, "columns.csv"))
    eq([(x["input"], x["column"], x["header"], x["category"], x["pattern"], x["fill_rate"],
         x["decision"]) for x in got],
       [(a, "1", "姓名", "identity", "cn_name", "1.0000", "counted"),
        (a, "2", "银行卡号", "property", "bank_card", "1.0000", "counted"),
        (b, "1", "姓名", "identity", "cn_name", "1.0000", "counted"),
        (b, "2", "手机号", "contact", "cn_mobile", "1.0000", "counted")], "columns")
    eq(got[1]["pass_rate"], "1.0000", "every card passes bank_card")
    with open(os.path.join(ev, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    for entry in manifest["files"]:
        with open(os.path.join(ev, entry["file"]), "rb") as f:
            eq(entry["sha256"], hashlib.sha256(f.read()).hexdigest(), entry["file"] + " SHA-256")
    eq([(e["file"], e["rows"]) for e in manifest["files"]],
       [("rejected.csv", 0), ("columns.csv", 4)], "files in manifest.json")
    with open(os.path.join(ev, "manifest.txt"), encoding="utf-8") as f:
        text = f.read()
    for entry in manifest["files"]:
        if entry["sha256"] not in text:
            raise Failure("manifest.txt does not give the SHA-256 of " + entry["file"])
    keys = [x["sample_key"] for x in rows(os.path.join(ev, "sample_art5_5.csv"))]
    eq(len(keys), 10, "sample keys")
    for k in keys:
        if not (k[0] == "k" and len(k) == 17 and all(c in "0123456789abcdef" for c in k[1:])):
            raise Failure("sample_key %r is not k + 16 hex digits" % k)


def identity(cells):
    """a row's identity as docs/review.md defines it: SHA-256 over its identifying cells
    as a CSV reader gets them back, each as LENGTH:BYTES, (LENGTH in UTF-8 bytes)"""
    import hashlib
    text = b"".join(b"%d:%s," % (len(c.encode()), c.encode()) for c in cells)
    return hashlib.sha256(text).hexdigest()


def content_digest(ids):
    import hashlib
    return hashlib.sha256("".join(i + "\n" for i in sorted(ids)).encode()).hexdigest()


def test_content_digests_by_hand(tmp):
    """manifest.json's content_sha256 of every file, worked out here from the rows as read
    back: the list's identity cells are input, member, line and values, a sample's its
    values. The samples draw 5 of 60 pieces with a pool of 20 (4 x --sample), so rows
    enter the pool and are pushed out of it again (their identities are made only for the
    rows kept: this checks those are the rows written). Addresses with a comma make half
    of the values cells quoted (the people with an even i), the others not; both kinds
    must be among the 5 drawn of each run below for the check to cover them, so it is
    asserted for the union of three seeds."""
    a, _, _, _ = write_inputs(tmp)
    people = [(NAMES[i % 5], "139%08d" % (12350000 + i),
               '"北京市海淀区中关村大街%d号,3栋"' % (i + 1) if i % 2 == 0 else "北京市海淀区中关村大街%d号3栋" % (i + 1))
              for i in range(60)]   # csv_text joins the cells as they are: the quotes are written here
    b = os.path.join(tmp, "people.csv")
    fx.write(b, fx.csv_text(people, ("姓名", "手机号", "地址")).encode())
    kinds = set()
    for seed in ("0", "1", "2"):
        ev = os.path.join(tmp, "ev" + seed)
        scan([a, b], "--evidence", ev, "--sample", "5", "--seed", seed)
        tiers = {t["id"]: t for t in manifest_of(ev)["tiers"]}
        listed = rows(os.path.join(ev, "art5_3.csv"))
        eq(len(listed), 25, "listed rows")
        eq(tiers["art5_3"]["content_sha256"],
           content_digest([identity([x["input"], x["member"], x["line"], x["values"]]) for x in listed]),
           "content_sha256 of art5_3.csv, seed " + seed)
        drawn = 0
        for t in ("art5_4", "art5_5"):
            sample = rows(os.path.join(ev, "sample_%s.csv" % t))
            drawn += len(sample)
            kinds |= {"," in x["values"] for x in sample}
            eq(tiers[t]["content_sha256"], content_digest([identity([x["values"]]) for x in sample]),
               "content_sha256 of sample_%s.csv, seed %s" % (t, seed))
        eq(drawn, 5, "5 of the 60 people drawn (their tier is one of the two)")
    eq(kinds, {True, False}, "quoted and unquoted values cells among the rows drawn")
