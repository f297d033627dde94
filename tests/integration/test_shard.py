"""test_shard.py - scan --shard K/N and the engine recipes of contrib/shard (issue 12):
N shards given the same paths list every input exactly once (archive members shared
out, error entries included, empty shards exit 0), their merge is the report of one
scan, the GNU parallel recipe runs for real, the Slurm scripts and the Kubernetes
manifests are checked (and their commands run with the engine's variables set by
hand), bad K/N is a usage error. Collected by run.py; every count and every
assignment below is worked out by hand from the files written here."""
import collections
import gzip
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import zipfile

from run import BIN, PATTERNS, ROOT, Failure, check_report, eq, fx, run
from shardkit import report_run, same_dirs, same_report

CONTRIB = os.path.join(ROOT, "contrib", "shard")
HEAD = "姓名,手机号\n"                     # 6 + 1 + 9 + 1 = 17 bytes


def rows(prefix, names, first):
    """one row per name, mobiles prefix + 8 digits counting from first: 16 bytes a row
    (a 3-byte name, a comma, 11 digits, a newline)"""
    return "".join("%s,%s%08d\n" % (n, prefix, first + i) for i, n in enumerate(names))


def member_csv(prefix, first, n):
    return HEAD + rows(prefix, "甲乙丙丁"[:n], first)


def write_case(tmp):
    """The case directory, in the walk's (byte-wise) order:
      app.db      SQLite, tables t1 (1 row), t2 (2 rows), t3 (1 row)    shared database
      arc.tar.gz  m1.csv (1 row), m2.csv (2 rows)                      shared archive
      arc.zip     m1.csv (1 row), m2.csv (2 rows), m3.csv (1 row)      shared archive
      big.csv     6 rows: 17 + 6 * 16 = 113 bytes
      dangling.csv  a symlink to nothing: unreadable (cannot stat), 0 bytes
      dup.csv     a symlink to big.csv: a duplicate, not read, 0 bytes
      empty.csv   0 bytes: no records
      fifo        a FIFO in a directory: skipped, 0 bytes
      mid.csv     3 rows: 17 + 3 * 16 = 65 bytes
      plain.zip   a CSV (2 rows) named like an archive: shared by name, but the shard
                  that lists it reads it whole (no shard finds members in it)
      small.csv   1 row: 17 + 16 = 33 bytes
      tiny.txt    one line with a mobile: 12 bytes
    Records: 4 (db) + 6 + 3 + 1 + 1 + 2 (plain.zip) + 1 + 2 (tar) + 1 + 2 + 1 (zip) = 24."""
    case = os.path.join(tmp, "case")
    os.makedirs(case)
    fx.write(os.path.join(case, "big.csv"), (HEAD + rows("138", "一二三四五六", 1)).encode())
    fx.write(os.path.join(case, "mid.csv"), (HEAD + rows("139", "一二三", 1)).encode())
    fx.write(os.path.join(case, "small.csv"), (HEAD + rows("137", "一", 1)).encode())
    fx.write(os.path.join(case, "tiny.txt"), b"13600000001\n")
    fx.write(os.path.join(case, "empty.csv"), b"")
    fx.write(os.path.join(case, "plain.zip"), (HEAD + rows("135", "一二", 1)).encode())
    os.symlink("big.csv", os.path.join(case, "dup.csv"))
    os.symlink("missing.csv", os.path.join(case, "dangling.csv"))
    os.mkfifo(os.path.join(case, "fifo"))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, text in (("m1.csv", member_csv("133", 1, 1)), ("m2.csv", member_csv("133", 2, 2))):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    fx.write(os.path.join(case, "arc.tar.gz"), gzip.compress(buf.getvalue()))
    db = sqlite3.connect(os.path.join(case, "app.db"))
    for table, first, n in (("t1", 1, 1), ("t2", 2, 2), ("t3", 4, 1)):
        db.execute('CREATE TABLE %s ("姓名" TEXT, "手机号" TEXT)' % table)
        db.executemany("INSERT INTO %s VALUES (?, ?)" % table,
                       [("甲乙丙丁"[i], "134%08d" % (first + i)) for i in range(n)])
    db.commit()
    db.close()
    with zipfile.ZipFile(os.path.join(case, "arc.zip"), "w") as z:
        z.writestr("m1.csv", member_csv("132", 1, 1))
        z.writestr("m2.csv", member_csv("132", 2, 2))
        z.writestr("m3.csv", member_csv("132", 4, 1))
    for name, size in (("big.csv", 113), ("mid.csv", 65), ("small.csv", 33), ("tiny.txt", 12)):
        eq(os.path.getsize(os.path.join(case, name)), size, "size of " + name)
    return case


# every entry of one scan over the case, in its order, with its records
WHOLE = [("app.db!/t1", 1), ("app.db!/t2", 2), ("app.db!/t3", 1), ("app.db", 0),
         ("arc.tar.gz!/m1.csv", 1), ("arc.tar.gz!/m2.csv", 2), ("arc.tar.gz", 0),
         ("arc.zip!/m1.csv", 1), ("arc.zip!/m2.csv", 2), ("arc.zip!/m3.csv", 1), ("arc.zip", 0),
         ("big.csv", 6), ("dangling.csv", 0), ("dup.csv", 0), ("empty.csv", 0), ("fifo", 0),
         ("mid.csv", 3), ("plain.zip", 2), ("small.csv", 1), ("tiny.txt", 1)]


def entries(report, case):
    return [(i["path"][len(case) + 1:], i["records"]) for i in report["inputs"]]


def scan_shard(case, k, n, key, state=None, expect_rc=0):
    args = ["scan", "--patterns", PATTERNS, "--progress", "never",
            "--shard", "%d/%d" % (k, n), "--case-key", key]
    if state:
        args += ["--state", state]
    report, _, p = report_run(args + [case], expect_rc=expect_rc)
    return report, p.stderr.decode()


def keygen(tmp):
    key = os.path.join(tmp, "case.key")
    run(["keygen", key])
    return key


def merge(states):
    return report_run(["merge", "--patterns", PATTERNS, "--"] + states)[0]


def whole_scan(case):
    report = report_run(["scan", "--patterns", PATTERNS, "--progress", "never", case])[0]
    eq(entries(report, case), WHOLE, "one scan over the case")
    return report


def test_shard_assignment_by_hand(tmp):
    """N = 3. Files by size, each to the least loaded shard: big 113 -> 1, mid 65 -> 2,
    small 33 -> 3, tiny 12 -> 3 (33 < 65 < 113); the 0-byte entries (dangling, dup,
    empty, fifo) -> 3 (45 is now the least). Archives and databases named as such, in
    turn: app.db -> 1, arc.tar.gz -> 2, arc.zip -> 3, plain.zip -> 1; member (table) i of
    one owned by shard o goes to (o - 1 + i) mod 3 + 1: db t1 -> 1, t2 -> 2, t3 -> 3;
    tar m1 -> 2, m2 -> 3; zip m1 -> 3, m2 -> 1, m3 -> 2. Records: 11, 7 and 6."""
    case = write_case(tmp)
    key = keygen(tmp)
    want = {
        1: [("app.db!/t1", 1), ("app.db", 0), ("arc.zip!/m2.csv", 2), ("big.csv", 6),
            ("plain.zip", 2)],
        2: [("app.db!/t2", 2), ("arc.tar.gz!/m1.csv", 1), ("arc.tar.gz", 0), ("arc.zip!/m3.csv", 1),
            ("mid.csv", 3)],
        3: [("app.db!/t3", 1), ("arc.tar.gz!/m2.csv", 2), ("arc.zip!/m1.csv", 1), ("arc.zip", 0),
            ("dangling.csv", 0), ("dup.csv", 0), ("empty.csv", 0), ("fifo", 0), ("small.csv", 1),
            ("tiny.txt", 1)],
    }
    for k in (1, 2, 3):
        report, _ = scan_shard(case, k, 3, key)
        eq(entries(report, case), want[k], "shard %d/3" % k)
        eq(report["run"]["overrides"].count("--shard %d/3" % k), 1, "run record of shard %d" % k)
        statuses = dict((i["path"][len(case) + 1:], i["status"]) for i in report["inputs"])
        kinds = dict((i["path"][len(case) + 1:], [e["kind"] for e in i["errors"]])
                     for i in report["inputs"])
        if k == 3:
            eq([statuses[n] for n in ("dangling.csv", "dup.csv", "empty.csv", "fifo")],
               ["unreadable", "not read", "no records", "not read"], "error entries in shard 3")
            eq([kinds[n] for n in ("dangling.csv", "dup.csv", "empty.csv", "fifo")],
               [["open"], ["duplicate"], [], ["skipped"]], "their errors")
        eq(report["totals"]["records"], {1: 11, 2: 7, 3: 6}[k], "records of shard %d" % k)
        for name in ("app.db", "arc.tar.gz", "arc.zip"):
            if name in statuses:
                eq(statuses[name], "container", name + " listed by its owner")


def test_shards_cover_every_input_once(tmp):
    """N = 1..5: over the N shards every entry of one scan is listed exactly once, and
    their merge is the whole report."""
    case = write_case(tmp)
    key = keygen(tmp)
    whole = whole_scan(case)
    eq(whole["totals"]["records"], 24, "records of one scan")
    for n in range(1, 6):
        seen = collections.Counter()
        states = []
        for k in range(1, n + 1):
            st = os.path.join(tmp, "s%d-%d.pst" % (n, k))
            states.append(st)
            report, _ = scan_shard(case, k, n, key, state=st)
            eq(stat.S_IMODE(os.stat(st).st_mode), 0o600, "state owner-only")
            seen.update(entries(report, case))
        eq(sorted(seen.items()), sorted((e, 1) for e in WHOLE), "entries over %d shards" % n)
        merged = merge(states[::-1] if n % 2 else states)   # states in any order
        same_report(merged, whole, "the merge of %d shards" % n)


def test_empty_shards(tmp):
    """A file of 3 rows and a dangling symlink, 3 shards: a.csv -> 1, the 0-byte
    unreadable link -> 2 (shards 2 and 3 at 0 bytes: the lower), shard 3 gets nothing.
    Shards 2 and 3 give no record and exit 0 all the same, saying so; the merge of all
    three is the one scan (3 records)."""
    case = os.path.join(tmp, "one")
    os.makedirs(case)
    fx.write(os.path.join(case, "a.csv"), (HEAD + rows("138", "一二三", 1)).encode())
    os.symlink("nowhere.csv", os.path.join(case, "b.csv"))
    key = keygen(tmp)
    states = []
    for k in (1, 2, 3):
        st = os.path.join(tmp, "e%d.pst" % k)
        states.append(st)
        report, err = scan_shard(case, k, 3, key, state=st)
        eq([i["path"][len(case) + 1:] for i in report["inputs"]], [[], ["a.csv"], ["b.csv"], []][k],
           "inputs of shard %d/3" % k)
        said = "shard %d/3: no input of this part gave a record" % k in err
        eq(said, k != 1, "shard %d/3 says its part gave no record" % k)
    whole = report_run(["scan", "--patterns", PATTERNS, case])[0]
    eq(whole["totals"]["records"], 3, "records")
    same_report(merge(states), whole, "merge with empty shards")


def test_shard_usage_errors(tmp):
    path = os.path.join(tmp, "a.csv")
    fx.write(path, (HEAD + rows("138", "一", 1)).encode())
    for bad in ("0/3", "4/3", "3", "a/b", "1/0", "2/", "/2", "1/2x", "-1/2", "1//2",
                "1/65537", "01/2", ""):
        p = run(["scan", "--patterns", PATTERNS, "--shard", bad, path], expect_rc=1)
        if "shard" not in p.stderr.decode():
            raise Failure("--shard %r: the message does not name the option: %r" % (bad, p.stderr))
    p = run(["scan", "--patterns", PATTERNS, "--shard", "1/2", "-"], expect_rc=1, stdin=b"x\n")
    if "standard input" not in p.stderr.decode():
        raise Failure("--shard with stdin: %r" % p.stderr)
    run(["merge", "--patterns", PATTERNS, "--shard", "1/2", path], expect_rc=1)
    run(["scan", "--patterns", PATTERNS, "--shard"], expect_rc=1)


def test_gnu_parallel_recipe(tmp):
    """contrib/shard/parallel.sh with 4 shards (GNU parallel, for real), on a case
    directory whose path has a blank: the merged report is the one scan's."""
    if not shutil.which("parallel"):
        raise Failure("GNU parallel is not installed (Debian package parallel, make test installs it)")
    case = write_case(os.path.join(tmp, "the case"))
    out = os.path.join(tmp, "out")
    env = dict(os.environ, PITALLY=BIN, PITALLY_OPTS="--patterns " + PATTERNS, PITALLY_SCAN_OPTS="-j 1")
    p = subprocess.run([os.path.join(CONTRIB, "parallel.sh"), "4", out, case], env=env,
                       capture_output=True, timeout=300)
    if p.returncode != 0:
        raise Failure("parallel.sh: exit %d: %s" % (p.returncode, p.stderr.decode()[-800:]))
    eq(stat.S_IMODE(os.stat(out).st_mode), 0o700, "OUTDIR owner-only")
    for k in range(1, 5):
        eq(stat.S_IMODE(os.stat(os.path.join(out, "shard-%d.pst" % k)).st_mode), 0o600, "state")
        with open(os.path.join(out, "shard-%d.json" % k), encoding="utf-8") as f:
            eq("--shard %d/4" % k in json.load(f)["run"]["overrides"], True, "shard %d's run record" % k)
    with open(os.path.join(out, "report.json"), encoding="utf-8") as f:
        merged = json.load(f)
    check_report(merged)
    whole = whole_scan(case)
    same_report(merged, whole, "parallel.sh 4 shards, merged")



def luhn(body):
    """body with its Luhn check digit appended"""
    total = 0
    for i, d in enumerate(reversed(body)):
        v = int(d) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return body + str((10 - total % 10) % 10)


def test_gnu_parallel_recipe_evidence(tmp):
    """PITALLY_EVIDENCE=1: the recipe's shards keep their evidence and the merge writes
    OUTDIR/evidence, file for file the directory of one scan --evidence under the same
    case key (the list is the case's art5_3 pieces, so it holds rows: checked too)."""
    if not shutil.which("parallel"):
        raise Failure("GNU parallel is not installed (Debian package parallel, make test installs it)")
    case = write_case(os.path.join(tmp, "the case"))
    # and a file of art5_3 pieces: a bank card (Luhn-valid) beside an amount is property
    with open(os.path.join(case, "cards.csv"), "w", encoding="utf-8") as f:
        f.write("姓名,银行卡号,金额\n")
        for i in range(30):
            f.write("张%s,%s,%d.50\n" % ("一二三四五六七八九十"[i % 10], luhn("62220200%07d" % i), 100 + i))
    out = os.path.join(tmp, "out")
    env = dict(os.environ, PITALLY=BIN, PITALLY_OPTS="--patterns " + PATTERNS,
               PITALLY_SCAN_OPTS="-j 1", PITALLY_EVIDENCE="1")
    p = subprocess.run([os.path.join(CONTRIB, "parallel.sh"), "4", out, case], env=env,
                       capture_output=True, timeout=300)
    if p.returncode != 0:
        raise Failure("parallel.sh: exit %d: %s" % (p.returncode, p.stderr.decode()[-800:]))
    merged_ev = os.path.join(out, "evidence")
    eq(stat.S_IMODE(os.stat(merged_ev).st_mode), 0o700, "the merged evidence is owner-only")
    whole_ev = os.path.join(tmp, "whole.ev")
    whole = report_run(["scan", "--patterns", PATTERNS, "--progress", "never",
                        "--case-key", os.path.join(out, "case.key"), "--evidence", whole_ev, case])[0]
    same_dirs(whole_ev, merged_ev, "parallel.sh evidence")
    with open(os.path.join(merged_ev, "art5_3.csv"), encoding="utf-8-sig") as f:
        listed = sum(1 for _ in f) - 1
    # 30 records of cards.csv, each a distinct card beside an amount: 30 art5_3 pieces;
    # write_case's files hold none
    eq(listed, 30, "rows of art5_3.csv")
    eq(whole["totals"]["tiers"]["art5_3"]["distinct"], 30, "art5_3 distinct of one scan")

def fake_path(tmp):
    """a directory with `pitally` in it, for the scripts that call it by name"""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    if not os.path.exists(os.path.join(bindir, "pitally")):
        os.symlink(BIN, os.path.join(bindir, "pitally"))
    return bindir + os.pathsep + os.environ.get("PATH", "")


def test_slurm_scripts(tmp):
    """bash -n (sbatch --test-only where Slurm is installed), then the array script run
    as tasks 1..3 of --array=1-3 with Slurm's variables set by hand, and the merge
    script after them: the one scan's report."""
    scripts = [os.path.join(CONTRIB, s) for s in ("slurm-array.sbatch", "slurm-merge.sbatch")]
    for s in scripts:
        p = subprocess.run(["bash", "-n", s], capture_output=True)
        eq(p.returncode, 0, "bash -n %s: %s" % (s, p.stderr.decode()))
        with open(s, encoding="utf-8") as f:
            text = f.read()
        if "#SBATCH" not in text:
            raise Failure(s + " has no #SBATCH line")
    with open(scripts[0], encoding="utf-8") as f:
        if "#SBATCH --array=" not in f.read():
            raise Failure("slurm-array.sbatch has no #SBATCH --array")
    if shutil.which("sbatch"):
        for s in scripts:
            subprocess.run(["sbatch", "--test-only", s], check=True, capture_output=True, timeout=60)
    case = write_case(tmp)
    casedir = os.path.join(tmp, "c17")
    os.makedirs(casedir, mode=0o700)
    key = os.path.join(casedir, "case.key")
    run(["keygen", key])
    env = dict(os.environ, PATH=fake_path(tmp), CASE=casedir, DATA=case,
               PITALLY_OPTS="--patterns " + PATTERNS, SLURM_ARRAY_TASK_COUNT="3",
               SLURM_ARRAY_TASK_MIN="1", SLURM_ARRAY_TASK_MAX="3", SLURM_CPUS_PER_TASK="1")
    for k in (1, 2, 3):
        env["SLURM_ARRAY_TASK_ID"] = str(k)
        p = subprocess.run(["bash", scripts[0]], env=env, capture_output=True, timeout=120)
        eq(p.returncode, 0, "array task %d: %s" % (k, p.stderr.decode()[-600:]))
    bad = dict(env, SLURM_ARRAY_TASK_MIN="2")   # --array=2-3: not 1-N
    p = subprocess.run(["bash", scripts[0]], env=bad, capture_output=True, timeout=60)
    eq(p.returncode, 1, "an array that is not 1-N")
    del env["SLURM_ARRAY_TASK_ID"]
    p = subprocess.run(["bash", scripts[1]], env=dict(env, SHARDS="3"), capture_output=True, timeout=120)
    eq(p.returncode, 0, "merge script: %s" % p.stderr.decode()[-600:])
    with open(os.path.join(casedir, "report.json"), encoding="utf-8") as f:
        merged = json.load(f)
    same_report(merged, whole_scan(case), "Slurm tasks merged")


def k8s_command(doc):
    c = doc["spec"]["template"]["spec"]["containers"][0]
    eq(c["command"], ["/bin/sh", "-c"], "container command")
    env = dict((e["name"], e["value"]) for e in c.get("env", []))
    return c["args"][0], env


def test_k8s_manifests(tmp):
    """The manifests parse as YAML with the fields an Indexed Job needs; their shell
    commands, with the mounts moved into tmp, run as completion indexes 0..3 and then
    the merge: the one scan's report. (kubectl --dry-run=client needs an API server to
    discover the kinds, so it is not run here.)"""
    import yaml
    with open(os.path.join(CONTRIB, "k8s-indexed-job.yaml"), encoding="utf-8") as f:
        job = yaml.safe_load(f)
    with open(os.path.join(CONTRIB, "k8s-merge-job.yaml"), encoding="utf-8") as f:
        mjob = yaml.safe_load(f)
    for d in (job, mjob):
        eq((d["apiVersion"], d["kind"]), ("batch/v1", "Job"), "kind")
        eq(d["spec"]["template"]["spec"]["restartPolicy"], "Never", "restartPolicy")
    spec = job["spec"]
    eq(spec["completionMode"], "Indexed", "completionMode")
    eq(spec["parallelism"] <= spec["completions"], True, "parallelism")
    cmd, env = k8s_command(job)
    mcmd, menv = k8s_command(mjob)
    eq(env["SHARDS"], str(spec["completions"]), "SHARDS is completions")
    eq(menv["SHARDS"], str(spec["completions"]), "the merge's SHARDS")
    for word in ("JOB_COMPLETION_INDEX", "--shard", "--case-key", "--state"):
        if word not in cmd:
            raise Failure("the shard command lacks " + word)
    mounts = dict((m["name"], m["mountPath"])
                  for m in spec["template"]["spec"]["containers"][0]["volumeMounts"])
    eq(sorted(mounts.values()), ["/case", "/evidence", "/key"], "mounts")
    case = write_case(tmp)
    casedir, keydir = os.path.join(tmp, "casevol"), os.path.join(tmp, "keyvol")
    os.makedirs(casedir)
    os.makedirs(keydir)
    run(["keygen", os.path.join(keydir, "case.key")])

    def local(c):
        return c.replace("/evidence", case).replace("/case/", casedir + "/").replace("/key/", keydir + "/")
    path = fake_path(tmp)
    for i in range(spec["completions"]):
        p = subprocess.run(["/bin/sh", "-c", local(cmd)], capture_output=True, timeout=120,
                           env=dict(os.environ, PATH=path, JOB_COMPLETION_INDEX=str(i), **env))
        eq(p.returncode, 0, "index %d: %s" % (i, p.stderr.decode()[-600:]))
    p = subprocess.run(["/bin/sh", "-c", local(mcmd).replace("pitally merge", "pitally merge --patterns " + PATTERNS)],
                       capture_output=True, timeout=120, env=dict(os.environ, PATH=path, **menv))
    eq(p.returncode, 0, "merge: %s" % p.stderr.decode()[-600:])
    with open(os.path.join(casedir, "report.json"), encoding="utf-8") as f:
        merged = json.load(f)
    same_report(merged, whole_scan(case), "Indexed Job merged")


def test_merge_checks_the_shards_fit(tmp):
    """A state of a shard says which shard of which collection it is: merge refuses a
    shard given twice, a shard of another division or of a collection that changed, a
    shard with a whole scan, and a merge lacking shards unless --partial; a --partial
    merge and the missing shard then merge into the whole."""
    case = os.path.join(tmp, "case")
    os.makedirs(case)
    for name, prefix in (("a.csv", "138"), ("b.csv", "139"), ("c.csv", "137")):
        fx.write(os.path.join(case, name), (HEAD + rows(prefix, "一二", 1)).encode())
    key = os.path.join(tmp, "case.key")
    run(["keygen", key])

    def shard(k, n, name):
        st = os.path.join(tmp, name)
        run(["scan", "--patterns", PATTERNS, "--progress", "never", "--shard", "%d/%d" % (k, n),
             "--case-key", key, "--state", st, case])
        return st

    def merge(*args, rc=0):
        return run(["merge", "--patterns", PATTERNS, "--json", "-"] + list(args), expect_rc=rc)

    s1, s2, s3 = shard(1, 3, "s1.pst"), shard(2, 3, "s2.pst"), shard(3, 3, "s3.pst")
    whole = json.loads(merge(s1, s2, s3).stdout)
    eq(whole["totals"]["records"], 6, "three files of two rows")
    msg = merge(s1, s2, rc=1).stderr.decode()
    if "1 of the 3 shards are missing (3)" not in msg or "--partial" not in msg:
        raise Failure("a merge lacking shard 3 is not refused by name: %r" % msg)
    ab = os.path.join(tmp, "ab.pst")
    p = run(["merge", "--patterns", PATTERNS, "--partial", "--state", ab, s1, s2])
    if "missing (3)" not in p.stderr.decode():
        raise Failure("a --partial merge does not say what it lacks: %r" % p.stderr)
    again = json.loads(merge(ab, s3).stdout)
    eq(again["totals"], whole["totals"], "a partial merge and the last shard: the whole")
    msg = merge(s1, s2, s1, rc=1).stderr.decode()
    if "shard 1/3 is given twice" not in msg:
        raise Failure("a shard given twice is not refused: %r" % msg)
    other_n = shard(1, 2, "h1.pst")
    msg = merge(other_n, s2, s3, rc=1).stderr.decode()
    if "another division" not in msg:
        raise Failure("shards of two divisions are not refused: %r" % msg)
    with open(os.path.join(case, "c.csv"), "a", encoding="utf-8") as f:
        f.write("三,13700000009\n")   # the collection changed before shard 3 started
    late = shard(3, 3, "late.pst")
    msg = merge(s1, s2, late, rc=1).stderr.decode()
    if late not in msg or "another collection" not in msg:
        raise Failure("a shard of a changed collection is not refused by name: %r" % msg)
    solo = os.path.join(tmp, "solo.pst")
    run(["scan", "--patterns", PATTERNS, "--progress", "never", "--case-key", key, "--state",
         solo, os.path.join(case, "a.csv")])
    msg = merge(s1, solo, rc=1).stderr.decode()
    if "whole scan" not in msg:
        raise Failure("a shard and a whole scan are not refused: %r" % msg)
    # the whole collection merged is a whole: it merges with another scan's state
    merge(os.path.join(tmp, "s1.pst"), s2, s3, "--state", os.path.join(tmp, "all.pst"))
    run(["merge", "--patterns", PATTERNS, "--json", "-", os.path.join(tmp, "all.pst"), solo])
    run(["scan", "--patterns", PATTERNS, "--partial", case], expect_rc=1)
