"""test_columns.py - column-level evidence (issue 10): a column is judged from its values.

bank_card has column_evidence {min_pass_percent: 50, min_sample: 20} (patterns/
finance.yaml): in a column where fewer than 50% of at least 20 card-shaped values of the
input's sample (the records of its first 64 KiB of text after the header, the last one
left out unless that is the whole input) pass Luhn, bank_card counts nothing for the
whole input; what it would have counted is the doubt note (存疑有利于被告).

Every number below is worked out from how the fixture is built (fixtures.py computes
Luhn itself), never taken from a run. Collected by run.py."""
import json
import os

import fixtures as fx
from run import PATTERNS, Failure, eq, run, scan, tier


def card(i):
    """A 16-digit UnionPay-shaped number (62 + 13 digits + Luhn digit) that passes Luhn."""
    return fx.luhn("62%013d" % (7000000000000 + i))


def not_card(i):
    """The same shape with a wrong check digit: matches the bank_card regex, fails Luhn."""
    good = card(i)
    return good[:-1] + str((int(good[-1]) + 1) % 10)


def mobile(i):
    return "1380000%04d" % i


def write_csv(path, head, rows):
    fx.write(path, ("\n".join([",".join(head)] + [",".join(r) for r in rows]) + "\n").encode())


def column(inp, header):
    for c in inp["columns"]:
        if c["header"] == header:
            return c
    raise Failure("no column %r in %r" % (header, [c["header"] for c in inp["columns"]]))


def cell(col, pattern):
    for p in col["patterns"]:
        if p["id"] == pattern:
            return p
    raise Failure("no %s in column %r" % (pattern, col["header"]))


def doubt(obj):
    return [(d["from"], d["to"], d["pieces"], d["pattern"]) for d in obj["doubt"]]


def waybill_rows(n_long, n_pass):
    """A waybill list under the neutral header 编号: rows alternate a 13-digit tracking
    number starting with 4 (never a bank_card match: its Visa alternatives need 16 or 19
    digits, and bank_card_13 needs a card column) and a 16-digit one of card shape, of
    which the first n_pass pass Luhn; every row has a distinct mobile."""
    rows = []
    for i in range(2 * n_long):
        if i % 2 == 0:
            rows.append((fx.luhn("4%011d" % (31000000000 + i)), mobile(i)))
        else:
            k = i // 2
            rows.append((card(k) if k < n_pass else not_card(k), mobile(i)))
    return rows


def test_waybill_numbers_are_not_cards(tmp):
    # 1,000 rows: 500 of 13 digits (no bank_card match), 500 of 16 digits of card shape,
    # 50 of them passing Luhn: 10% < 50% of 500 >= 20 sampled values, so 编号 is not a
    # card column. All 1,000 rows are one piece each, by the mobile, in art5_5 (item 五);
    # the 50 rows with a passing number would be art5_3 (property) under the other
    # reading: the doubt note says 50 pieces art5_5 -> art5_3. (The whole file, 29 KB,
    # is its own sample: 1,000 x 29 bytes.)
    path = os.path.join(tmp, "waybill.csv")
    write_csv(path, ("编号", "手机"), waybill_rows(500, 50))
    r = scan([path])
    inp = r["inputs"][0]
    eq(tier(inp, "art5_3"), (0, 0), "art5_3: no property")
    eq(tier(inp, "art5_5"), (1000, 1000), "art5_5: every row by its mobile")
    eq(r["totals"]["patterns"]["bank_card"]["matched"], 0, "bank_card matched")
    eq(r["totals"]["patterns"]["bank_card"]["rejected"], 450, "bank_card rejected (Luhn)")
    eq(inp["categories"]["property"], 0, "property records")
    c = column(inp, "编号")
    eq((c["position"], c["fill"], c["fill_rate"], c["category"], c["decision"]),
       (1, 1000, 1, None, "disabled"), "编号: position, fill, rate, category, decision")
    b = cell(c, "bank_card")
    eq((b["matches"], b["checked"], b["passed"], b["accepted"], b["decision"],
        b["sample_checked"], b["sample_passed"]),
       (500, 500, 50, 0, "disabled", 500, 50), "编号 bank_card counts")
    eq(c["pass_rate"], 0.1, "pass rate 50/500")
    m = column(inp, "手机")
    eq((m["category"], m["pattern"], m["decision"]), ("contact", "cn_mobile", "counted"), "手机")
    eq(doubt(inp), [("art5_5", "art5_3", 50, "bank_card")], "input doubt")
    eq(inp["doubt"][0]["column"], "编号", "doubt column")
    eq(doubt(r["totals"]), [("art5_5", "art5_3", 50, "bank_card")], "totals doubt")
    eq(r["verdict"]["level"], "none", "1,000 art5_5 pieces: below 5,000")
    # the text report says so too
    text = run(["scan", "--patterns", PATTERNS, "--progress", "never", path]).stdout.decode()
    for want in ("Doubt (存疑有利于被告", "50 pieces art5_5 -> art5_3", "#1 编号",
                 "bank_card disabled: 50 of 500"):
        if want not in text:
            raise Failure("text report lacks %r" % want)


def test_real_card_column_still_counts(tmp):
    # 200 rows under the same neutral header, every number a valid card: 200 of 200 pass,
    # the column is kept (enabled) and all 200 rows are art5_3 pieces; no doubt.
    path = os.path.join(tmp, "cards.csv")
    write_csv(path, ("编号", "手机"), [(card(i), mobile(i)) for i in range(200)])
    r = scan([path])
    inp = r["inputs"][0]
    eq(tier(inp, "art5_3"), (200, 200), "art5_3")
    eq(tier(inp, "art5_5"), (0, 0), "art5_5")
    c = column(inp, "编号")
    eq((c["category"], c["pattern"], c["decision"], c["pass_rate"]),
       ("property", "bank_card", "counted", 1), "编号")
    eq(cell(c, "bank_card")["decision"], "enabled", "judged on 200 >= 20 values")
    eq(inp["doubt"], [], "no doubt")
    eq(r["totals"]["doubt"], [], "no doubt in the totals")
    eq(r["verdict"]["level"], "serious", "200 >= 50 art5_3 pieces")


def mixed(tmp, name, n, n_pass):
    path = os.path.join(tmp, name)
    write_csv(path, ("编号", "手机"),
              [(card(i) if i < n_pass else not_card(i), mobile(i)) for i in range(n)])
    return scan([path])["inputs"][0]


def test_threshold_boundary(tmp):
    # 40 values, 20 pass: 20 x 100 = 2,000 is not below 40 x 50 = 2,000: kept; the 20
    # rows with a valid card are art5_3, the other 20 art5_5.
    inp = mixed(tmp, "half.csv", 40, 20)
    eq((tier(inp, "art5_3"), tier(inp, "art5_5")), ((20, 20), (20, 20)), "20 of 40: kept")
    eq(cell(column(inp, "编号"), "bank_card")["decision"], "enabled", "20 of 40")
    eq(inp["doubt"], [], "no doubt at 50%")
    # 40 values, 19 pass: 1,900 < 2,000: disabled; all 40 rows art5_5, 19 in doubt.
    inp = mixed(tmp, "below.csv", 40, 19)
    eq((tier(inp, "art5_3"), tier(inp, "art5_5")), ((0, 0), (40, 40)), "19 of 40: disabled")
    eq(doubt(inp), [("art5_5", "art5_3", 19, "bank_card")], "19 pieces in doubt")
    # 19 values, 1 passes: below the minimum sample of 20, so not judged: each value
    # alone, as before: the one valid card is art5_3.
    inp = mixed(tmp, "few.csv", 19, 1)
    eq((tier(inp, "art5_3"), tier(inp, "art5_5")), ((1, 1), (18, 18)), "19 values: not judged")
    eq(cell(column(inp, "编号"), "bank_card")["decision"], "not_judged", "19 < 20")
    eq(inp["doubt"], [], "no doubt")


def big_rows():
    """5,000 rows of 29 bytes (16 + 1 + 11 + newline). The first 2,000: one number in ten
    passes Luhn (i % 10 == 0: 200 of them); rows 2,000 to 4,999 are all valid cards
    (3,000). The sample is the first 64 KiB after the 14-byte header: 65,536 / 29 =
    2,259 whole rows and a cut one, left out: 200 + 259 = 459 of 2,259 pass, 20% < 50%:
    disabled for the whole input, the valid cards after the sample included."""
    return [(card(i) if i >= 2000 or i % 10 == 0 else not_card(i), mobile(i))
            for i in range(5000)]


def test_sample_decides_for_the_whole_input(tmp):
    path = os.path.join(tmp, "big.csv")
    write_csv(path, ("编号", "手机"), big_rows())
    eq(os.path.getsize(path), 14 + 5000 * 29, "file size as computed")
    r = scan([path])
    inp = r["inputs"][0]
    eq(tier(inp, "art5_3"), (0, 0), "art5_3")
    eq(tier(inp, "art5_5"), (5000, 5000), "art5_5")
    b = cell(column(inp, "编号"), "bank_card")
    eq((b["checked"], b["passed"], b["accepted"], b["sample_checked"], b["sample_passed"]),
       (5000, 3200, 0, 2259, 459), "whole-input and sample counts")
    eq(doubt(inp), [("art5_5", "art5_3", 3200, "bank_card")], "doubt 200 + 3,000")


def without_run(r):
    r = dict(r)
    r.pop("run", None)
    return json.dumps(r, sort_keys=True)


def test_columns_same_for_any_threads_and_chunks(tmp):
    # the same report, columns and doubt included, with 1 or 2 workers and 1 MiB or
    # 4 KiB chunks (a few hundred chunks committed in order)
    path = os.path.join(tmp, "big.csv")
    write_csv(path, ("编号", "手机"), big_rows())
    jpath = os.path.join(tmp, "big.jsonl")
    fx.write(jpath, "".join(json.dumps({"no": n, "tel": m}) + "\n"
                            for n, m in big_rows()).encode())
    base = without_run(scan([path, jpath], "-j", "1"))
    for extra in (("-j", "2"), ("-j", "2", "--chunk-size", "4096"),
                  ("-j", "1", "--chunk-size", "4096")):
        eq(without_run(scan([path, jpath], *extra)) == base, True,
           "report with %s equals -j 1" % " ".join(extra))


def test_empty_cell_keeps_the_next_field_in_its_column(tmp):
    # 60 rows of 姓名,银行卡号,手机 where only every third row (i % 3 == 0: 20 rows) has a
    # card and the others an empty cell there. The readers give no empty field, so a
    # mobile after an empty card cell is the record's second field, not its third: its
    # column is still 手机, at the header's third position. Expected: three columns, one
    # per header, at consecutive positions; fills 60, 20 and 60; the same report for 1
    # MiB, 4 KiB and 64-byte chunks and 1 or 2 workers (the column of a position was
    # once the first key seen there in each chunk).
    path = os.path.join(tmp, "gaps.csv")
    rows = [("王%s" % "伟芳娜敏静丽强磊军洋"[i % 10], card(i) if i % 3 == 0 else "", mobile(i))
            for i in range(60)]
    write_csv(path, ("姓名", "银行卡号", "手机"), rows)
    base = scan([path], "-j", "1")
    cols = base["inputs"][0]["columns"]
    eq(sorted(c["header"] for c in cols), sorted(["姓名", "银行卡号", "手机"]), "one column a header")
    first = column(base["inputs"][0], "姓名")["position"]
    eq(column(base["inputs"][0], "银行卡号")["position"], first + 1, "card column's position")
    eq(column(base["inputs"][0], "手机")["position"], first + 2, "mobile column's position")
    eq([column(base["inputs"][0], h)["fill"] for h in ("姓名", "银行卡号", "手机")], [60, 20, 60],
       "fills")
    eq(cell(column(base["inputs"][0], "手机"), "cn_mobile")["accepted"], 60, "mobiles accepted")
    for extra in (("-j", "2"), ("-j", "1", "--chunk-size", "4096"),
                  ("-j", "2", "--chunk-size", "64")):
        eq(without_run(scan([path], *extra)) == without_run(base), True,
           "report with %s equals -j 1" % " ".join(extra))


def test_json_key_path_column_and_doubt_from_none(tmp):
    # JSON Lines: the column is the key path "ref" (no position). 100 records with only a
    # card-shaped number and a plain word: no other identifier, so no piece at all. 10
    # pass Luhn (10% of 100): disabled; under the other reading those 10 records would
    # be art5_3 pieces: doubt from none to art5_3, 10.
    path = os.path.join(tmp, "refs.jsonl")
    fx.write(path, "".join(json.dumps({"ref": card(i) if i % 10 == 0 else not_card(i),
                                       "kind": "parcel"}) + "\n"
                           for i in range(100)).encode())
    r = scan([path])
    inp = r["inputs"][0]
    eq(inp["pieces"], {"raw": 0, "distinct": 0}, "no pieces")
    c = column(inp, "ref")
    eq((c["position"], c["decision"]), (None, "disabled"), "ref: a key path, disabled")
    eq(doubt(inp), [("none", "art5_3", 10, "bank_card")], "doubt from none")


def test_explain_judges_several_values_as_a_column(tmp):
    # 25 card-shaped values under 编号, the first 3 valid: 3 of 25 = 12% < 50%, and
    # 25 >= 20 checked: disabled, 3 passing values would be doubt. 19 values (2 valid):
    # fewer than 20 checked, not judged.
    vals = [card(i) if i < 3 else not_card(i) for i in range(25)]
    out = run(["explain", "--header", "编号", "--patterns", PATTERNS] + vals).stdout.decode()
    for want in ('column "编号", judged from its 25 values', "25 matched, 25 checked, 3 passed",
                 "12% pass bank_card, below 50% of at least 20: disabled",
                 "its 3 passing values would be doubt"):
        if want not in out:
            raise Failure("explain lacks %r:\n%s" % (want, out[-1500:]))
    vals = [card(i) if i < 2 else not_card(i) for i in range(19)]
    out = run(["explain", "--header", "编号", "--patterns", PATTERNS] + vals).stdout.decode()
    if "19 matched, 19 checked, 2 passed; fewer than 20 checked: not judged" not in out:
        raise Failure("explain of 19 values:\n%s" % out[-1500:])


def test_explain_names_column_evidence(tmp):
    out = run(["explain", card(1), "--header", "编号", "--patterns", PATTERNS]).stdout.decode()
    for want in ("column-level evidence", "fewer than 50%", "at least 20", "64 KiB"):
        if want not in out:
            raise Failure("explain lacks %r:\n%s" % (want, out[-1500:]))


# ---------------------------------------------------------------- record shapes (issue 10)

def test_explain_record_names_its_shapes(tmp):
    """explain --record: a WeChat message row (talker, isSend, content) is two parties
    and text, so communication_content holds and the record is art5_3; the same text
    with one phone number is partial: art5_5, and the text is named as doubt."""
    out = run(["explain", "--patterns", PATTERNS, "--record", "talker=wxid_abcdef123456",
               "isSend=1", "content=周末一起吃饭吧"]).stdout.decode()
    for word in ("communication_content (", "HOLDS", "party: talker", "text: content",
                 "rule message_text", "tier: art5_3"):
        if word not in out:
            raise Failure("explain --record of a chat row lacks %r:\n%s" % (word, out))
    out = run(["explain", "--patterns", PATTERNS, "--record", "mobile=13812345678",
               "content=物流太慢了希望改进"]).stdout.decode()
    for word in ("partial", "party: mobile", "MISSING: 0 of 1 columns", "tier: art5_5",
                 "doubt: message_text", "tier art5_3"):
        if word not in out:
            raise Failure("explain --record of a feedback row lacks %r:\n%s" % (word, out))
    p = run(["explain", "--patterns", PATTERNS, "--record", "no-equals-sign"], expect_rc=1)
    if b"HEADER=VALUE" not in p.stderr:
        raise Failure("a field without = is not refused by name: %r" % p.stderr)


def test_shapes_and_their_doubt_in_the_report(tmp):
    """A call log (number, date, duration, type: Android's CallLog columns) is a
    communication record in every row: 3 pieces in art5_4, the shape named in
    inputs[].shapes with its columns. A shop list with coordinates and created_at
    (bookkeeping, no fix time): whereabouts is partial, the 2 rows stay in art5_5 and the
    doubt note moves them to art5_3 under the other reading."""
    calls = os.path.join(tmp, "calls.csv")
    with open(calls, "w", encoding="utf-8") as f:
        f.write("number,date,duration,type\n13812345678,1690000000000,65,1\n"
                "13912345678,1690000100000,0,3\n13712345678,1690000200000,300,2\n")
    shops = os.path.join(tmp, "shops.csv")
    with open(shops, "w", encoding="utf-8") as f:
        f.write("phone,lat,lng,created_at\n13812345678,30.274084,120.155070,2023-01-02 08:15:30\n"
                "13912345678,31.230416,121.473701,2023-01-03 09:00:00\n")
    r = scan([calls, shops])
    by = {os.path.basename(i["path"]): i for i in r["inputs"]}
    c, s = by["calls.csv"], by["shops.csv"]
    eq(tier(c, "art5_4"), (3, 3), "call log art5_4 (raw, distinct)")
    eq(c["categories"]["communication_records"], 3, "call log records with communication_records")
    held = [x for x in c["shapes"] if x["holds"]]
    eq([x["id"] for x in held], ["communication_record"], "shapes holding in the call log")
    for col in ("counterpart: number", "direction_code: type", "time: date", "duration: duration"):
        if col not in held[0]["why"]:
            raise Failure("call log shape why %r lacks %r" % (held[0]["why"], col))
    eq(tier(s, "art5_5"), (2, 2), "shops art5_5")
    eq(tier(s, "art5_3"), (0, 0), "shops art5_3")
    eq([(x["id"], x["holds"]) for x in s["shapes"]], [("whereabouts", False)], "shops' shapes")
    eq([(d["from"], d["to"], d["pieces"], d["pattern"]) for d in s["doubt"]],
       [("art5_5", "art5_3", 2, "geo_coordinate")], "shops' doubt")


def test_shape_rows_without_their_account_for_any_threads_and_chunks(tmp):
    """A statement of 5,000 rows (card, 交易金额, phone) is the shape property (an amount
    beside a card). Rows i % 7 == 0 (i = 0..4999: 715 rows) carry a card failing Luhn:
    no account in that row, so the amount is a transaction there (art5_4) and doubt
    (-> art5_3); the other 4,285 rows are art5_3 by their cards. The sample is the first
    64 KiB only; every row after it is judged the same, with 1 or 2 threads and any
    chunk size."""
    path = os.path.join(tmp, "statement.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("卡号,交易金额,手机\n")
        for i in range(5000):
            card = fx.bank_card(i)
            if i % 7 == 0:
                card = card[:-1] + str((int(card[-1]) + 1) % 10)
            f.write("%s,%d.%02d,1391%07d\n" % (card, i % 900 + 1, i % 100, i))
    if os.path.getsize(path) < 2 * 65536:
        raise Failure("setup: the file should be well past the 64 KiB sample")
    for extra in (["-j", "1", "--chunk-size", "65536"], ["-j", "2"]):
        r = scan([path], *extra)
        inp = r["inputs"][0]
        eq(tier(inp, "art5_3"), (4285, 4285), "art5_3 with %s" % extra)
        eq(tier(inp, "art5_4"), (715, 715), "art5_4 with %s" % extra)
        eq([(d["from"], d["to"], d["pieces"], d["pattern"]) for d in inp["doubt"]],
           [("art5_4", "art5_3", 715, "account_amount")], "doubt with %s" % extra)
        eq([(s["id"], s["holds"]) for s in inp["shapes"]], [("property", True)],
           "shapes with %s" % extra)
