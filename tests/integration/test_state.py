"""test_state.py - state files, pitally merge and --declare (issues 12 and 13): the
merge of per-file states is the report one scan over all the files gives, state files
are owner-only and refused when corrupt or made with other rules, and a declared
category lifts the pieces of its inputs only. Collected by run.py; counts worked out by
hand from the rows written here."""
import json
import os
import stat

from run import PATTERNS, Failure, counts, eq, fx, run, scan
from shardkit import report_run, same_report

ROWS = {
    # name: rows under a header row (d.csv: a mobile and a remark, no name)
    "a.csv": "姓名,手机号\n张伟,13812345678\n李娜,13912345678\n",
    "b.csv": "姓名,手机号\n张伟,13812345678\n王芳,13700001111\n",
    "c.csv": "姓名,手机号\n王芳,13700001111\n王芳,13700001111\n",
    "d.csv": "手机号,备注\n13612345678,无\n",
}


def write_files(tmp):
    paths = []
    for name, text in sorted(ROWS.items()):
        p = os.path.join(tmp, name)
        fx.write(p, text.encode())
        paths.append(p)
    return paths


def test_merge_equals_one_scan(tmp):
    paths = write_files(tmp)
    whole = scan(paths)
    # 7 records, all pieces; distinct (name, mobile) contents: 张伟/138, 李娜/139,
    # 王芳/137 and the lone 136 mobile = 4; subjects by mobile: 4
    eq(counts(whole["totals"]), (7, 7, 4), "one scan")
    eq(whole["totals"]["subjects"], 4, "subjects")
    eq([i["pieces"]["distinct"] for i in whole["inputs"]], [2, 2, 1, 1], "distinct within each")
    states = []
    key = os.path.join(tmp, "case.key")
    run(["keygen", key])
    for i, p in enumerate(paths):
        st = os.path.join(tmp, "s%d.pst" % i)
        scan([p], "--state", st, "--case-key", key, "-j", str(1 + i % 2))
        eq(stat.S_IMODE(os.stat(st).st_mode), 0o600, "state file owner-only")
        states.append(st)
    merged = report_run(["merge", "--patterns", PATTERNS] + states[::-1][::-1])[0]
    same_report(merged, whole, "the merge of per-file states", "tool")
    # a merge of merges is the same again
    ab, cd = os.path.join(tmp, "ab.pst"), os.path.join(tmp, "cd.pst")
    run(["merge", "--state", ab, "--patterns", PATTERNS, states[0], states[1]])
    run(["merge", "--state", cd, "--patterns", PATTERNS, states[2], states[3]])
    again = report_run(["merge", "--patterns", PATTERNS, ab, cd])[0]
    same_report(again, whole, "merge of merges", "tool")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_case_key(tmp):
    """The state's fingerprints are enciphered under the case key: a key file is made
    owner-only and never overwritten, the same key gives the same state, another key
    another state with the same counts, and states of two keys do not merge."""
    paths = write_files(tmp)
    key, key2 = os.path.join(tmp, "k1"), os.path.join(tmp, "k2")
    out = run(["keygen", key]).stdout.decode()
    text = read(key).decode()
    eq(len(text.strip()), 32, "32 hex digits")
    int(text, 16)
    eq(stat.S_IMODE(os.stat(key).st_mode), 0o600, "key file owner-only")
    if "id " not in out:
        raise Failure("keygen does not say the key id: %r" % out)
    p = run(["keygen", key], expect_rc=1)
    eq(read(key).decode(), text, "an existing key is never overwritten")
    if "exists" not in p.stderr.decode():
        raise Failure("keygen over a key does not say why: %r" % p.stderr)
    run(["keygen", key2])
    a1, a2, b = (os.path.join(tmp, n) for n in ("a1.pst", "a2.pst", "b.pst"))
    scan(paths, "--state", a1, "--case-key", key, "-j", "1")
    scan(paths, "--state", a2, "--case-key", key, "-j", "2")
    scan(paths, "--state", b, "--case-key", key2)
    eq(read(a1) == read(a2), True, "one key, one state, whatever the threads")
    eq(read(a1) == read(b), False, "another key, another state")
    ra = report_run(["merge", "--patterns", PATTERNS, a1])[0]
    rb = report_run(["merge", "--patterns", PATTERNS, b])[0]
    same_report(ra, rb, "the counts do not depend on the key", "tool")
    key_id = out.strip().rsplit("id ", 1)[1]
    eq(ra["run"].get("case_key_id"), key_id, "the merge's run record names the key by its id")
    rs = scan(paths, "--state", os.path.join(tmp, "a3.pst"), "--case-key", key)
    eq(rs["run"].get("case_key_id"), key_id, "the scan's run record names the key by its id")
    if text.strip() in json.dumps(rs):
        raise Failure("the report holds the key itself")
    p = run(["merge", "--json", "-", "--patterns", PATTERNS, a1, b], expect_rc=1)
    msg = p.stderr.decode()
    if b not in msg or "case key" not in msg:
        raise Failure("states of two keys are not refused by name: %r" % msg)
    p = run(["merge", "--json", "-", "--case-key", key2, "--patterns", PATTERNS, a1], expect_rc=1)
    if "case key" not in p.stderr.decode():
        raise Failure("merge --case-key with the wrong key is not refused: %r" % p.stderr)
    run(["merge", "--json", "-", "--case-key", key, "--patterns", PATTERNS, a1, a2])
    # no --case-key: the key is made beside the state, then found there again
    c = os.path.join(tmp, "c.pst")
    p = scan(paths, "--state", c)
    eq(stat.S_IMODE(os.stat(c + ".key").st_mode), 0o600, "default key file owner-only")
    first = read(c)
    scan(paths, "--state", c)
    eq(read(c), first, "the key beside the state is used again")
    bad = os.path.join(tmp, "bad.key")
    fx.write(bad, b"not a key\n")
    p = run(["scan", "--state", c, "--case-key", bad, "--patterns", PATTERNS] + paths, expect_rc=1)
    if bad not in p.stderr.decode() or "hexadecimal" not in p.stderr.decode():
        raise Failure("a bad key file is not named with the reason: %r" % p.stderr)


def test_merge_refuses_bad_states(tmp):
    paths = write_files(tmp)
    good, other = os.path.join(tmp, "good.pst"), os.path.join(tmp, "other.pst")
    scan(paths[:1], "--state", good)
    scan(paths[1:2], "--state", other, "--tier", "contact=art5_4")
    p = run(["merge", "--json", "-", "--patterns", PATTERNS, good, other], expect_rc=1)
    msg = p.stderr.decode()
    if other not in msg or "other patterns" not in msg:
        raise Failure("refusal does not name the file and the reason: %r" % msg)
    with open(good, "rb") as f:
        data = bytearray(f.read())
    bad = os.path.join(tmp, "bad.pst")
    data[len(data) // 2] ^= 1
    fx.write(bad, bytes(data))
    p = run(["merge", "--json", "-", "--patterns", PATTERNS, good, bad], expect_rc=1)
    if "checksum" not in p.stderr.decode():
        raise Failure("a corrupt state is not refused for its checksum: %r" % p.stderr)
    cut = os.path.join(tmp, "cut.pst")
    fx.write(cut, bytes(data[:40]))
    run(["merge", "--json", "-", "--patterns", PATTERNS, cut], expect_rc=1)
    run(["merge", "--json", "-", "--patterns", PATTERNS, os.path.join(tmp, "none.pst")], expect_rc=1)


def test_declare_lifts_its_inputs(tmp):
    hotel = os.path.join(tmp, "hotel")
    os.makedirs(hotel)
    row = "姓名,手机号\n张伟,13812345678\n"
    fx.write(os.path.join(hotel, "guests.csv"), row.encode())
    fx.write(os.path.join(tmp, "x.csv"), row.encode())
    r = scan([hotel, os.path.join(tmp, "x.csv")], "--declare", hotel + "=accommodation")
    by = {os.path.basename(i["path"]): i for i in r["inputs"]}
    eq(by["guests.csv"].get("declared"), ["accommodation"], "declared, not detected")
    eq(by["x.csv"].get("declared"), None, "the other input declares nothing")
    # name + mobile is art5_5; accommodation is art5_4: the declared copy is art5_4
    eq(by["guests.csv"]["tiers"]["art5_4"]["distinct"], 1, "declared input in art5_4")
    eq(by["x.csv"]["tiers"]["art5_5"]["distinct"], 1, "undeclared input in art5_5")
    # one distinct piece in the run, in its most serious tier, whichever input came first
    eq(r["totals"]["pieces"]["distinct"], 1, "one distinct piece")
    eq(r["totals"]["tiers"]["art5_4"]["distinct"], 1, "counted in art5_4")
    eq(r["totals"]["tiers"]["art5_5"]["distinct"], 0, "not also in art5_5")
    # a glob works too, and an unknown category is a usage error naming the categories
    r = scan([os.path.join(tmp, "x.csv")], "--declare", os.path.join(tmp, "*.csv") + "=accommodation")
    eq(r["inputs"][0].get("declared"), ["accommodation"], "glob")
    p = run(["scan", "--patterns", PATTERNS, "--declare", "x=hotelish", tmp], expect_rc=1)
    if "accommodation" not in p.stderr.decode():
        raise Failure("the error does not list the categories: %r" % p.stderr)


def test_custody_hashes_match_hashlib(tmp):
    """MD5 and SHA-256 of every input as read from disk: a plain CSV, a gzip (its
    compressed bytes) and a binary file that is skipped after its first bytes (read to
    its end for the hash); an unreadable input has none."""
    import gzip
    import hashlib
    plain = os.path.join(tmp, "p.csv")
    fx.write(plain, ROWS["a.csv"].encode())
    gz = os.path.join(tmp, "g.csv.gz")
    fx.write(gz, gzip.compress(ROWS["b.csv"].encode() * 1000))
    png = os.path.join(tmp, "i.png")
    fx.write(png, b"\x89PNG\r\n\x1a\n" + os.urandom(300000))
    r = scan([plain, gz, png, os.path.join(tmp, "missing.csv")])
    by = {os.path.basename(i["path"]): i for i in r["inputs"]}
    for name in ("p.csv", "g.csv.gz", "i.png"):
        with open(os.path.join(tmp, name), "rb") as f:
            data = f.read()
        eq(by[name].get("sha256"), hashlib.sha256(data).hexdigest(), name + " sha256")
        eq(by[name].get("md5"), hashlib.md5(data).hexdigest(), name + " md5")
    eq("sha256" in by["missing.csv"], False, "no hash for what was not read")


def test_run_record(tmp):
    """The run record names the command, the rule files with their SHA-256 and every
    override that can change a count, and leaves out those that cannot (-j, --json)."""
    import hashlib
    paths = write_files(tmp)
    r = scan(paths[:1], "--tier", "contact=art5_4", "--professional", "-j", "1")
    run_ = r["run"]
    # scan() passes --patterns (a setting that changes counts, so it is listed too)
    eq(run_["overrides"], ["--patterns " + PATTERNS, "--tier contact=art5_4", "--professional"],
       "overrides as given")
    if "--tier contact=art5_4" not in run_["command"] or paths[0] not in run_["command"]:
        raise Failure("command line not recorded: %r" % run_["command"])
    files = {os.path.basename(f["path"]): f["sha256"] for f in run_["rule_files"]}
    for name in sorted(os.listdir(PATTERNS)):
        if name.endswith(".yaml"):
            with open(os.path.join(PATTERNS, name), "rb") as f:
                eq(files.get(name), hashlib.sha256(f.read()).hexdigest(), "sha256 of " + name)
    if not (run_["started_utc"] <= run_["ended_utc"]):
        raise Failure("start after end: %r" % run_)
    # which code path hashed (issue 14): SHA-NI or not, as the CPU says
    with open("/proc/cpuinfo") as f:
        sha_ni = " sha_ni" in f.read()
    path = run_.get("hash_path", "")
    if "MD5" not in path or ("SHA-NI (" in path) != sha_ni:
        raise Failure("hash_path %r does not match the CPU (sha_ni: %s)" % (path, sha_ni))
    p = run(["scan", "--patterns", PATTERNS, "--tier", "contact=art5_4", paths[0]])
    line = [l for l in p.stdout.decode().splitlines() if l.startswith("Overridden by:")]
    if not line or "--tier contact=art5_4" not in line[0]:
        raise Failure("the text report does not say the policy was overridden")


def test_container_listed_with_its_hashes(tmp):
    """A zip is the item seized: it is listed (status container) with the MD5 and SHA-256
    of its own bytes, beside its members, which carry theirs."""
    import hashlib
    import zipfile
    z = os.path.join(tmp, "seized.zip")
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("a.csv", ROWS["a.csv"])
    r = scan([z])
    by = {i["path"]: i for i in r["inputs"]}
    with open(z, "rb") as f:
        data = f.read()
    eq(by[z]["status"], "container", "the zip itself")
    eq(by[z]["sha256"], hashlib.sha256(data).hexdigest(), "zip sha256")
    eq(by[z]["md5"], hashlib.md5(data).hexdigest(), "zip md5")
    eq(by[z]["records"], 0, "its records are its member's")
    member = by[z + "!/a.csv"]
    eq(member["sha256"], hashlib.sha256(ROWS["a.csv"].encode()).hexdigest(), "member sha256")
    eq(member["records"], 2, "the member's two rows")
