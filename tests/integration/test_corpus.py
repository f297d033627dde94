"""test_corpus.py - the real-world schemas of tests/corpus/schemas.yaml (issue 10), one test
each: a small synthetic file in the schema's shape (tests/corpus/gen_schemas.py computes
every checksum itself) must come out in the tier and with the categories worked out by hand
in the corpus. Above all, no schema may be counted in a tier above its expected one: an
over-count fails even for a known gap. A known gap (an answer that needs a pipeline change)
that still lands lower than expected is reported as "ok # TODO reason".

All files are scanned in one run (the per-input report has each file's tiers and
categories); the result is kept for the tests of the same binary. Collected by run.py."""
import atexit
import os
import shutil
import sys
import tempfile

from run import BIN, ROOT, TIERS, Failure, scan

sys.path.insert(0, os.path.join(ROOT, "tests", "corpus"))
import gen_schemas  # noqa: E402

SCHEMAS = gen_schemas.load()
_scanned = {}


def _report():
    """{file name: (schema, input report)} of one scan of every schema's file."""
    if BIN not in _scanned:
        d = tempfile.mkdtemp(prefix="pitally-corpus-")
        atexit.register(shutil.rmtree, d, True)
        files = gen_schemas.write_all(d, SCHEMAS)
        r = scan([d], "-j", "2")
        by_name = {os.path.basename(i["path"]): i for i in r["inputs"]}
        _scanned[BIN] = {f: (s, by_name.get(f)) for f, s in files.items()}
    return _scanned[BIN]


def _input_of(schema):
    for s, inp in _report().values():
        if s is schema:
            if inp is None:
                raise Failure("%s: not in the report" % schema["name"])
            return inp
    raise Failure("%s: no file written" % schema["name"])


def _highest_tier(inp):
    for t in TIERS:
        if inp["tiers"][t]["raw"]:
            return t
    return None


def check_schema(schema):
    name = schema["name"]
    exp = schema["expect"]
    want = exp.get("tier")
    rows = schema.get("rows", gen_schemas.ROWS)
    inp = _input_of(schema)
    if inp["errors"]:
        raise Failure("%s: input errors %r" % (name, inp["errors"]))
    if inp["records"] != rows:
        raise Failure("%s: %d records, %d written (header not recognised?)" % (name, inp["records"], rows))
    # the explicit over-count assertion: nothing in a tier above the expected one
    above = TIERS if want is None else TIERS[:TIERS.index(want)]
    for t in above:
        if inp["tiers"][t]["raw"]:
            raise Failure("%s: OVER-COUNT: %d pieces in %s, expected %s at most (categories %s)" % (
                name, inp["tiers"][t]["raw"], t, want or "no piece", sorted(_cats(inp))))
    got_tier = _highest_tier(inp)
    if schema.get("gap"):
        if got_tier == want and inp["tiers"][want]["raw"] == rows:
            return None   # the gap is closed: the next step is to drop its gap entry
        return "TODO known gap (%s, %s expected): %s" % (got_tier or "no piece", want, schema["gap"])
    if want is not None and inp["tiers"][want]["raw"] != rows:
        raise Failure("%s: %d of %d records in %s (tiers %s, categories %s)" % (
            name, inp["tiers"][want]["raw"], rows, want,
            {t: inp["tiers"][t]["raw"] for t in TIERS}, sorted(_cats(inp))))
    got = _cats(inp)
    need = set(exp.get("categories") or [])
    may = set(schema.get("may") or exp.get("may") or [])
    if not need <= got:
        raise Failure("%s: categories %s lack %s" % (name, sorted(got), sorted(need - got)))
    if not got <= need | may:
        raise Failure("%s: unexpected categories %s (expected %s, may %s)" % (
            name, sorted(got - need - may), sorted(need), sorted(may)))
    return None


def _cats(inp):
    return {c for c, n in inp["categories"].items() if n}


def _make(schema):
    def test(tmp):
        return check_schema(schema)
    return test


for _s in SCHEMAS:
    globals()["test_schema_" + _s["name"]] = _make(_s)


def test_corpus_is_labelled(tmp):
    """At least 60 schemas, every source family of issue 10, each with its source and
    reasoning; known gaps stay few."""
    problems = gen_schemas.check(SCHEMAS)
    if problems:
        raise Failure("; ".join(problems))
    if len(SCHEMAS) < 60:
        raise Failure("%d schemas, at least 60 wanted" % len(SCHEMAS))
    missing = gen_schemas.FAMILIES - {s["family"] for s in SCHEMAS}
    if missing:
        raise Failure("no schema of %s" % sorted(missing))
    gaps = [s["name"] for s in SCHEMAS if s.get("gap")]
    if len(gaps) * 8 > len(SCHEMAS):
        raise Failure("%d known gaps of %d schemas: too many" % (len(gaps), len(SCHEMAS)))


# ---------------------------------------------------------------- single values (issue 10 gaps)

# (column, value, patterns that must accept it, patterns that must not, tier of the record
# or None for no piece). Vectors: see tests/unit/test_validators.c for the checksums.
VALUE_CASES = [
    # new-energy plates with every energy letter of GA 36-2018 (small and large)
    ("车牌号", "粤BK12345", {"cn_plate"}, set(), "art5_5"),
    ("车牌号", "粤BA12345", {"cn_plate"}, set(), "art5_5"),
    ("车牌号", "粤B12345G", {"cn_plate"}, set(), "art5_5"),
    # mobile segments: 148 and 1746 are not public mobile numbers, 147 and 1740 0-5 are
    ("手机", "14812345678", set(), {"cn_mobile"}, None),
    ("手机", "17461234567", set(), {"cn_mobile"}, None),
    ("手机", "14712345678", {"cn_mobile"}, set(), "art5_5"),
    ("手机", "17400123456", {"cn_mobile"}, set(), "art5_5"),
    # JT/T 808 terminal phone number, BCD[6]
    ("终端手机号", "013812345678", {"cn_mobile_padded"}, {"cn_mobile"}, "art5_5"),
    # names with a CJK full stop, with two middle dots
    ("姓名", "张三。", {"cn_name_punct"}, set(), "art5_5"),
    ("姓名", "阿卜杜·热合曼·买买提", {"cn_name"}, set(), "art5_5"),
    # IMEI 6-2-6-1
    ("imei", "490154-20-323751-8", {"imei"}, set(), "art5_5"),
    # USCC printed in groups; 123456789012345678 fails the GB 11714 check inside
    ("统一社会信用代码", "9111 0108 5513 8508 2Q", {"uscc"}, set(), None),
    ("统一社会信用代码", "123456789012345678", set(), {"uscc"}, None),
    # landline without a separator, postal code, both only under their columns
    ("联系电话", "057188886666", {"cn_landline_compact"}, set(), None),
    ("邮编", "310012", {"postal_code"}, set(), None),
    # Hong Kong, Taiwan, the 2023 foreign permanent resident ID
    ("身份证号", "A123456(3)", {"hk_id"}, {"hk_id_by_header"}, "art5_5"),
    ("身份证号", "A123456(4)", set(), {"hk_id", "hk_id_by_header"}, None),
    ("身份证号", "A123456789", {"tw_id"}, set(), "art5_5"),
    ("证件号码", "911840198001010013", {"cn_resident_id"}, set(), "art5_5"),
    # look-alikes under a header naming another kind: neither card nor ID
    ("单号", "4530968280174", {"waybill_by_header"}, {"bank_card", "bank_card_13"}, None),
    ("订单号", "11010519491231002X", set(), {"cn_resident_id"}, None),
    ("订单编号", "6222021234567894", {"order_no_by_header"}, {"bank_card"}, None),
    # ... but a 13-digit Visa number in a card column is a card
    ("卡号", "4530968280174", {"bank_card_13"}, set(), "art5_3"),
    ("会员卡号", "4530968280174", set(), {"bank_card", "bank_card_13"}, None),
    # whole words
    ("话费余额", "35.20", set(), {"property_by_header"}, None),
    ("房屋位置", "3幢2单元", {"real_estate_by_header"}, {"whereabouts_by_header"}, None),
    # a payment password is property (item 三) as well as 账号密码; masked, nothing
    ("支付密码", "135790", {"payment_password", "password"}, set(), "art5_3"),
    ("pay_pwd", "******", set(), {"payment_password", "password"}, None),
    # an account name alone is an online identifier, not credentials, and no piece
    ("账号", "zhangwei88", {"account_name"}, set(), None),
    # x10^6 integer latitude: a coordinate alone, without its pair and the time of the fix,
    # is no track (the record shape whereabouts, patterns/shapes.yaml)
    ("纬度", "30274084", set(), {"geo_coordinate_e6"}, None),
    ("gps_mileage", "12345678", set(), {"geo_coordinate", "geo_coordinate_e6"}, None),
]


def test_issue10_value_cases(tmp):
    """Each value alone in its column (a one-column CSV): which patterns accept it, and the
    tier of its record."""
    bad = []
    for i, (col, val, must, must_not, tier) in enumerate(VALUE_CASES):
        path = os.path.join(tmp, "v%02d.csv" % i)
        with open(path, "w", encoding="utf-8") as f:
            f.write("%s\n%s\n" % (col, val))
        r = scan([path], "--format", "csv", "--header", "yes")
        pats = r["totals"]["patterns"]
        got = {p for p, c in pats.items() if c["matched"]}
        inp = r["inputs"][0]
        got_tier = _highest_tier(inp)
        what = "%s=%r" % (col, val)
        if not must <= got:
            bad.append("%s: %s did not accept it (accepted: %s)" % (what, sorted(must - got), sorted(got)))
        if got & must_not:
            bad.append("%s: %s accepted it" % (what, sorted(got & must_not)))
        if got_tier != tier:
            bad.append("%s: record in %s, expected %s" % (what, got_tier, tier))
    if bad:
        raise Failure("; ".join(bad))


def test_business_purchase_verdict_follows_its_note(tmp):
    """Art. 6 (--business-purchase): 5,000 distinct item (五) pieces are serious under
    Art. 5 (art5_1_5) but not by themselves under Art. 6; a profit of CNY 50,000 (--income)
    is, on the ground art6_1_1; 49,999 is not."""
    path = os.path.join(tmp, "customers.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("姓名,手机号\n")
        for i in range(5000):
            f.write("张伟,139%08d\n" % (i * 7919 % 10 ** 8))
    r = scan([path])
    if r["totals"]["tiers"]["art5_5"]["distinct"] != 5000:
        raise Failure("setup: %r distinct art5_5 pieces" % r["totals"]["tiers"]["art5_5"])
    if (r["verdict"]["level"], r["verdict"]["grounds"]) != ("serious", ["art5_1_5"]):
        raise Failure("without the flag: %r" % r["verdict"])
    r = scan([path], "--business-purchase")
    if r["verdict"]["level"] != "none" or r["verdict"]["grounds"]:
        raise Failure("Art. 6, no profit: %r" % r["verdict"])
    r = scan([path], "--business-purchase", "--income", "50000")
    if (r["verdict"]["level"], r["verdict"]["grounds"]) != ("serious", ["art6_1_1"]):
        raise Failure("Art. 6, profit 50,000: %r" % r["verdict"])
    r = scan([path], "--business-purchase", "--income", "49999")
    if r["verdict"]["level"] != "none":
        raise Failure("Art. 6, profit 49,999: %r" % r["verdict"])


# ---------------------------------------------------------------- subjects by identifier

def test_subjects_say_which_identifier_decided(tmp):
    """subjects count people by their strongest identifier (resident ID, else mobile, else
    e-mail); totals.subjects_by says which decided. a.csv: ID1+M1+E1 -> ID1; M1+E2 -> M1;
    M2 -> M2; E3 -> E3; ID1+M3 -> ID1 again: 4 subjects (1 ID, 2 mobile, 1 e-mail).
    b.csv: M2 (seen in a) and ID2: the run has ID1, ID2, M1, M2, E3 = 2 + 2 + 1 = 5.
    A merge of the two inputs' states says the same."""
    import json
    from run import run
    import fixtures as fx
    id1, id2 = fx.resident_id("11010519491231002"), fx.resident_id("33010619800101123")
    a, b = os.path.join(tmp, "a.csv"), os.path.join(tmp, "b.csv")
    with open(a, "w", encoding="utf-8") as f:
        f.write("身份证号,手机,邮箱\n%s,13812345678,e1@qq.com\n,13812345678,e2@qq.com\n"
                ",13912345678,\n,,e3@qq.com\n%s,13712345678,\n" % (id1, id1))
    with open(b, "w", encoding="utf-8") as f:
        f.write("身份证号,手机\n,13912345678\n%s,\n" % id2)
    r = scan([a, b])
    want = {"cn_resident_id": 2, "mobile": 2, "email": 1}
    got = {k: v for k, v in r["totals"]["subjects_by"].items() if v}
    if got != want or r["totals"]["subjects"] != 5:
        raise Failure("subjects %d by %r, expected 5 by %r" % (r["totals"]["subjects"], got, want))
    if list(r["totals"]["subjects_by"])[:2] != ["cn_resident_id", "hk_id"]:
        raise Failure("subjects_by not in rank order: %r" % list(r["totals"]["subjects_by"]))
    one = scan([a])
    eq_by = {k: v for k, v in one["totals"]["subjects_by"].items() if v}
    if eq_by != {"cn_resident_id": 1, "mobile": 2, "email": 1}:
        raise Failure("a.csv alone: %r" % eq_by)
    states = []
    key = os.path.join(tmp, "case.key")
    run(["keygen", key])
    for i, p in enumerate((a, b)):
        st = os.path.join(tmp, "s%d.state" % i)
        scan([p], "--state", st, "--case-key", key)
        states.append(st)
    m = json.loads(run(["merge", "--json", "-", "--patterns", os.path.join(ROOT, "patterns")]
                       + states).stdout)
    if m["totals"]["subjects_by"] != r["totals"]["subjects_by"]:
        raise Failure("merged %r, one scan %r" % (m["totals"]["subjects_by"], r["totals"]["subjects_by"]))
    text = run(["scan", "--patterns", os.path.join(ROOT, "patterns"), "--progress", "never", a, b]).stdout.decode()
    if "Subjects by the identifier that decided: 2 cn_resident_id, 2 mobile, 1 email" not in text:
        raise Failure("the text report lacks the subjects line:\n%s" % text[-1500:])
