"""fixtures.py - builds test inputs whose counts are known by construction.

Checksums are computed here independently of pitally (GB 11643 and Luhn written from
their standards), so an expected count never comes from the program under test.
"""
import gzip
import json
import os

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def resident_id(prefix17):
    """GB 11643-1999: ISO 7064 MOD 11-2 check character."""
    s = sum(int(c) * w for c, w in zip(prefix17, ID_WEIGHTS))
    return prefix17 + ID_CHECK[s % 11]


def bad_resident_id(prefix17):
    good = resident_id(prefix17)
    wrong = "0" if good[-1] != "0" else "1"
    return prefix17 + wrong


def luhn(prefix):
    """Append the Luhn check digit."""
    total = 0
    for i, c in enumerate(reversed(prefix)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def bank_card(i):
    return luhn("622202" + "%09d" % i)


# Two people; the first appears twice: 3 records, 3 raw pieces, 2 distinct, 2 subjects.
ID_A = "11010519491231002X"          # the example of GB 11643 itself
ID_B = resident_id("44030119900307123")
assert resident_id("11010519491231002") == ID_A
PEOPLE = [("张伟", ID_A, "13812345678"), ("李娜", ID_B, "13912345678"),
          ("张伟", ID_A, "13812345678")]
HEAD = ("姓名", "身份证号", "手机号")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def csv_text(rows=PEOPLE, head=HEAD, sep=","):
    return "\n".join(sep.join(r) for r in [head] + list(rows)) + "\n"


def jsonl_text(rows=PEOPLE):
    out = []
    for name, rid, mobile in rows:
        out.append(json.dumps({HEAD[0]: name, HEAD[1]: rid, "contact": {HEAD[2]: mobile}},
                              ensure_ascii=False))
    return "\n".join(out) + "\n"


def sql_text(rows=PEOPLE):
    cols = "".join("  `%s` varchar(32) DEFAULT NULL,\n" % h for h in HEAD)
    tuples = ",".join("(%d,'%s','%s','%s')" % (i + 1, *r) for i, r in enumerate(rows[:2]))
    last = "(3,'%s','%s','%s')" % rows[2]
    return ("-- MySQL dump 10.13\n/*!40101 SET NAMES utf8mb4 */;\n"
            "DROP TABLE IF EXISTS `users`;\n"
            "CREATE TABLE `users` (\n  `id` int NOT NULL,\n" + cols +
            "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n"
            "INSERT INTO `users` VALUES " + tuples + ";\n"
            "INSERT INTO `users` VALUES " + last + ";\n")


def mixed_dir(root):
    """The same three records in every format, encoding and compression: each input has
    3 records, 3 raw pieces, 2 distinct; across the directory still 2 distinct."""
    text = csv_text()
    files = {
        "a.csv": text.encode(),
        "b.tsv": csv_text(sep="\t").encode(),
        "c.jsonl": jsonl_text().encode(),
        "d.sql": sql_text().encode(),
        "e.txt": csv_text(sep="----").encode(),
        "f.csv.gz": gzip.compress(text.encode()),
        "g.csv": text.encode("gb18030"),
        "h.csv": ("\ufeff" + text).encode("utf-16-le"),
        "i.csv": text.replace("\n", "\r\n").encode(),
        "j.txt": csv_text(sep="|").encode("utf-8-sig"),
        # two gzip members split inside a multi-byte character (bgzip cuts anywhere)
        "k.csv.gz": gzip.compress(text.encode()[:31]) + gzip.compress(text.encode()[31:]),
        "l.csv": ("\ufeff" + text).encode("utf-16-be"),
    }
    for name, data in files.items():
        write(os.path.join(root, name), data)
    return sorted(files)


def sanitized(binary):
    """True when binary is a sanitizer build (tests/run.sh also runs the suite against
    build/asan/pitally and build/tsan/pitally): the runtime leaves its init symbol in the
    executable. Such a build runs several times slower and uses shadow memory, so tests of
    size and peak memory size themselves down there."""
    with open(binary, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__tsan_init" in data
