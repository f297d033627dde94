"""test_bigjson.py - a JSON document far larger than memory is read as a stream (issue 9,
Done when: "a 1 GB one-line JSON array"). The document is generated on the fly and piped
into `pitally scan -`, so no gigabyte ever lands on disk; the test checks the counts worked
out below and the child's peak resident set against the budget of SPEC section 6 (64 MiB
+ 32 bytes per distinct piece). Few distinct pieces (100 people repeated), so the peak
measures the reader, not the sets of fingerprints.

Under the sanitizer builds (tests/run.sh runs the suite against build/asan and build/tsan
too) the documents are sized down and the memory bound is not checked: shadow memory and
the slowdown say nothing about the plain program. Collected by run.py."""
import json
import os
import subprocess
import threading

from run import BIN, PATTERNS, Failure, check_report, counts, eq, fx, tier

GiB = 1 << 30
MiB = 1 << 20

# 100 people, j = 0..99: a name (surname j % 10, given name j // 10: all 100 differ), a
# resident ID (birth day j % 28 + 1, sequence j: all differ, check digit per GB 11643), a
# mobile 1391234jjjj, and for j < 20 a bank card (Luhn). A record with a card is one
# art5_3 piece (property); the others are one art5_5 piece (identity + contact). The
# note (备注) is 200 letters that match no pattern: it makes records longer, hence fewer
# of them per gigabyte, without adding information.
PEOPLE = 100
WITH_CARD = 20
SURNAMES, GIVEN = "张王李赵刘陈杨黄周吴", "伟芳娜敏静丽强磊军洋"


def person(j):
    obj = {"姓名": SURNAMES[j % 10] + GIVEN[j // 10],
           "身份证号": fx.resident_id("110105199001%02d%03d" % (j % 28 + 1, j)),
           "手机号": "1391234%04d" % j}
    if j < WITH_CARD:
        obj["银行卡号"] = fx.bank_card(j)
    obj["备注"] = "abcdefghij" * 20
    return obj


# one block: the 100 people as array elements, comma-separated, no whitespace, no newline
BLOCK = ",".join(json.dumps(person(j), ensure_ascii=False, separators=(",", ":"))
                 for j in range(PEOPLE)).encode()


def document(blocks, head=b"[", tail=b"]"):
    """The pieces of head + BLOCK x blocks (comma-separated) + tail, about 1 MiB at a time
    (a pipe takes it as fast as the reader drains it); and the total byte count."""
    per_write = max(1, MiB // len(BLOCK))

    def pieces():
        yield head
        left = blocks
        while left:
            n = min(per_write, left)
            # a comma before every block but the document's first
            lead = b"" if left == blocks else b","
            yield lead + b",".join([BLOCK] * n)
            left -= n
        yield tail

    size = len(head) + blocks * len(BLOCK) + (blocks - 1) + len(tail)
    return pieces(), size


def blocks_for(size):
    """The fewest blocks whose array is at least size bytes."""
    return -(-(size - 2 + 1) // (len(BLOCK) + 1))


def scan_pipe(tmp, pieces, *extra):
    """pitally scan - with the pieces written to its stdin; returns the report and the
    child's peak RSS in bytes. os.wait4 gives this child's own rusage: run.py is one
    long-lived process, and its RUSAGE_CHILDREN peak would be the largest of every child
    it ever waited for (Chromium in test_html among them)."""
    out = os.path.join(tmp, "report.json")
    err = open(os.path.join(tmp, "stderr"), "w+b")
    args = [BIN, "scan", "--json", out, "--patterns", PATTERNS, "--progress", "never",
            "-j", "2"] + list(extra) + ["-"]
    child = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
    watchdog = threading.Timer(900, child.kill)     # a hung reader must not hang the suite
    watchdog.start()
    try:
        try:
            for piece in pieces:
                child.stdin.write(piece)
            child.stdin.close()
        except BrokenPipeError:
            pass                                    # the exit status below says why
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    finally:
        watchdog.cancel()
    if child.returncode != 0:
        err.seek(0)
        raise Failure("pitally scan -: exit %d\nstderr: %s" % (
            child.returncode, err.read().decode(errors="replace")[-800:]))
    err.close()
    with open(out, encoding="utf-8") as f:
        report = json.load(f)
    check_report(report)
    return report, usage.ru_maxrss * 1024            # Linux gives kilobytes


def check_counts(report, blocks, size, what):
    """blocks x 100 records, each a piece; 100 distinct pieces and subjects (each person's
    resident ID decides); 20 of every 100 records art5_3, 80 art5_5. The verdict: 20 / 50 +
    80 / 5000 = 0.416 < 1 and no tier reaches its threshold: none."""
    inp = report["inputs"][0]
    eq((inp["path"], inp["format"], inp["bytes"]), ("-", "json", size), what + ": input")
    eq(inp["errors"], [], what + ": errors")
    n = blocks * PEOPLE
    eq(counts(inp), (n, n, PEOPLE), what + ": records/raw/distinct")
    eq(tier(inp, "art5_3"), (blocks * WITH_CARD, WITH_CARD), what + ": art5_3")
    eq(tier(inp, "art5_5"), (blocks * (PEOPLE - WITH_CARD), PEOPLE - WITH_CARD), what + ": art5_5")
    eq(tier(inp, "art5_4"), (0, 0), what + ": art5_4")
    eq(report["totals"]["subjects"], PEOPLE, what + ": subjects")
    eq(report["totals"]["subjects_by"]["cn_resident_id"], PEOPLE, what + ": subjects by ID")
    eq(report["verdict"]["level"], "none", what + ": verdict")


def memory_bound(report):
    """SPEC section 6: peak memory <= 64 MiB + 32 bytes per distinct piece. 64 MiB is the
    fixed allowance (patterns and their JIT code, the chunks in flight); with 100 distinct
    pieces the second term is 3,200 bytes, so the bound is in effect the fixed part."""
    return 64 * MiB + 32 * report["totals"]["pieces"]["distinct"]


def check_memory(report, rss, what):
    bound = memory_bound(report)
    if rss > bound:
        raise Failure("%s: peak RSS %.1f MiB over the bound %.1f MiB" % (what, rss / MiB, bound / MiB))


def test_one_line_json_array_of_1gib(tmp):
    """[{...},{...},...] on one line of at least 1 GiB (3,569,700 records), after the same
    array of 16 MiB. Besides the budget, the peak must not grow with the document: with
    -j2 the reader's pool is 2 x 2 + 4 = 8 chunks of 1 MiB, all cycled through by the 16
    MiB document already, so the 1 GiB peak may exceed the 16 MiB one only by allocator
    slack (8 MiB allowed; a leak of 3 bytes a record would be 10 MiB)."""
    blocks = blocks_for(16 * MiB)
    pieces, size = document(blocks)
    report, small_rss = scan_pipe(tmp, pieces)
    check_counts(report, blocks, size, "16 MiB array")
    if fx.sanitized(BIN):
        return "skipped under sanitizers: 16 MiB instead of 1 GiB, peak memory not checked"
    blocks = blocks_for(GiB)
    pieces, size = document(blocks)
    report, rss = scan_pipe(tmp, pieces)
    check_counts(report, blocks, size, "1 GiB array")
    check_memory(report, rss, "1 GiB array")
    if rss > small_rss + 8 * MiB:
        raise Failure("peak RSS grows with the document: %.1f MiB at 16 MiB, %.1f MiB at 1 GiB"
                      % (small_rss / MiB, rss / MiB))
    return None


def test_wrapped_json_array_of_128mib(tmp):
    """{"code":0,"msg":"ok","data":[...],"total":N} of 128 MiB on one line: the records
    are the objects of the wrapped array only; the keys around it are no records."""
    small = fx.sanitized(BIN)
    blocks = blocks_for(4 * MiB if small else 128 * MiB)
    head = b'{"code":0,"msg":"ok","data":['
    tail = b'],"total":%d}' % (blocks * PEOPLE)
    pieces, size = document(blocks, head, tail)
    report, rss = scan_pipe(tmp, pieces)
    check_counts(report, blocks, size, "wrapped array")
    if small:
        return "skipped under sanitizers: 4 MiB instead of 128 MiB, peak memory not checked"
    check_memory(report, rss, "wrapped array")
    return None
