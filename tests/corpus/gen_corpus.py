#!/usr/bin/env python3
"""gen_corpus.py - a labelled corpus for pitally: records of every category in several
formats (CSV, TSV, JSON Lines, SQL dump, plain lines), with valid and invalid checksums,
masked values, exact and reformatted duplicates, and a separate set of look-alike noise
records (order numbers, timestamps, amounts, SKUs, UUIDs, hex digests, numbers inside
longer runs, masked and checksum-failing values) that must never become pieces.

The ground truth is computed here, independently of pitally: every field is generated
from a known value, so the generator knows whether it is personal information, its
category, whether it is valid (GB 11643, Luhn, ISO 3779 are implemented below from the
standards) and whether it identifies a person. Per record:
  piece    = some valid identifier field
  tier     = the most serious tier of its valid fields' categories (SPEC 1 table; the
             contested waybill category is item (五) as in the shipped policy)
  identity = frozenset of (category, canonical value) of its valid fields; duplicates
             (exact or reformatted: +86 prefixes, spaced mobiles, upper-case e-mail,
             lower-case x) share it, so distinct = number of different identities.

Usage: gen_corpus.py OUTDIR [SEED]  writes the corpus and OUTDIR/truth.json.
As a module: generate(outdir, seed) -> truth dict (see summarize()).
"""
import json
import os
import random
import sys
import uuid

TIER_OF = {
    "whereabouts": "art5_3", "communication_content": "art5_3", "credit": "art5_3",
    "property": "art5_3",
    "accommodation": "art5_4", "communication_records": "art5_4", "health": "art5_4",
    "transaction": "art5_4", "real_estate": "art5_4", "biometric": "art5_4",
    "identity": "art5_5", "contact": "art5_5", "vehicle": "art5_5", "education": "art5_5",
    "employment": "art5_5", "household": "art5_5", "online_behavior": "art5_5",
    "credentials": "art5_5", "waybill": "art5_5",
}
TIERS = ("art5_3", "art5_4", "art5_5")

# ---------------------------------------------------------------- checksums, from the standards

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def id_check(prefix17):
    """GB 11643-1999: ISO 7064 MOD 11-2."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(prefix17, ID_WEIGHTS)) % 11]


def luhn_check(prefix):
    total = 0
    for i, c in enumerate(reversed(prefix)):
        d = int(c)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


VIN_VALUES = dict(zip("0123456789", range(10)))
VIN_VALUES.update(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9,
                                                   2, 3, 4, 5, 6, 7, 8, 9]))
VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def vin_check(vin17):
    """ISO 3779 / 49 CFR 565: position 9 is the weighted sum mod 11 (10 -> X)."""
    r = sum(VIN_VALUES[c] * w for c, w in zip(vin17, VIN_WEIGHTS)) % 11
    return "X" if r == 10 else str(r)


def wrong(good, alphabet="0123456789"):
    return alphabet[(alphabet.index(good) + 1) % len(alphabet)] if good in alphabet else "0"


# ---------------------------------------------------------------- values

SURNAMES = "王李张刘陈杨赵吴徐孙朱郭罗郑梁韩冯邓曹彭"
GIVEN = "伟娜芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文"
MOBILE_PREFIXES = ["138", "139", "186", "150", "177", "199", "166", "145", "181", "135"]
REGIONS = ["110105", "330106", "440301", "510104", "320102", "420111", "610113", "210102"]
CITIES = [("浙江省", "杭州市", "西湖区", "文三路"), ("广东省", "深圳市", "南山区", "科技园路"),
          ("江苏省", "南京市", "玄武区", "中山路"), ("四川省", "成都市", "武侯区", "人民南路"),
          ("湖北省", "武汉市", "洪山区", "珞喻路")]
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.serial = 0

    def next(self):
        self.serial += 1
        return self.serial

    def name(self):
        return self.r.choice(SURNAMES) + "".join(self.r.choice(GIVEN) for _ in range(self.r.choice((1, 2))))

    def mobile(self):
        return self.r.choice(MOBILE_PREFIXES) + "%08d" % (self.next() * 7919 % 100000000)

    def mobile_render(self, m):
        """A rendering pitally normalizes back to m (digits, last 11)."""
        return self.r.choice([m, m, "+86 %s %s %s" % (m[:3], m[3:7], m[7:]), "0086-" + m,
                              "%s-%s-%s" % (m[:3], m[3:7], m[7:]), "+86" + m])

    def resident_id(self):
        y = self.r.randint(1950, 2004)
        body = "%s%04d%02d%02d%03d" % (self.r.choice(REGIONS), y, self.r.randint(1, 12),
                                       self.r.randint(1, 28), self.next() % 1000)
        return body + id_check(body)

    def bad_resident_id(self):
        good = self.resident_id()
        return good[:17] + wrong(good[17], ID_CHECK)

    def email(self):
        return "user%d.%s@%s" % (self.next(), self.r.choice("abcxyz"),
                                 self.r.choice(["163.com", "qq.com", "126.com", "sina.com"]))

    def bank_card(self):
        if self.r.random() < 0.7:
            body = "622202" + "%09d" % self.r.randrange(10 ** 9)
        else:
            body = "621700" + "%012d" % self.r.randrange(10 ** 12)
        return body + luhn_check(body)

    def bad_bank_card(self):
        good = self.bank_card()
        return good[:-1] + wrong(good[-1])

    def vin(self):
        body = "LSV" + "".join(self.r.choice(VIN_CHARS) for _ in range(14))
        return body[:8] + vin_check(body[:8] + "0" + body[9:]) + body[9:]

    def bad_vin(self):
        good = self.vin()
        return good[:8] + wrong(good[8], "0123456789X") + good[9:]

    def plate(self):
        head = self.r.choice(PROVINCES) + self.r.choice(PLATE_LETTERS.replace("Q", ""))
        kind = self.r.random()
        if kind < 0.2:    # small new-energy: D/F + letter-or-digit + 4 digits
            return head + self.r.choice("DF") + self.r.choice("ABC0123456789") + "%04d" % self.r.randrange(10000)
        if kind < 0.3:    # large new-energy: 5 digits + D/F
            return head + "%05d" % self.r.randrange(100000) + self.r.choice("DF")
        return head + "%05d" % self.r.randrange(100000)

    def address(self):
        p, c, d, road = self.r.choice(CITIES)
        return "%s%s%s%s%d号%d栋%d室" % (p, c, d, road, self.r.randint(1, 999), self.r.randint(1, 30),
                                      self.r.randint(101, 2505))

    def imei(self):
        body = "35" + "%012d" % self.r.randrange(10 ** 12)
        return body + luhn_check(body)

    def date(self, y0=2019, y1=2023):
        return "%04d-%02d-%02d" % (self.r.randint(y0, y1), self.r.randint(1, 12), self.r.randint(1, 28))


# ---------------------------------------------------------------- fields and records

INVALID = "<invalid>"   # canon of a value that fails its check or is masked: not counted


class F:
    """One field: key, text as written, and what it is: category (None: not personal
    information), canonical value (None: the text itself, trimmed; INVALID: fails its
    checksum or is masked, so not counted) and whether it identifies a person."""
    __slots__ = ("key", "text", "cat", "canon", "ident")

    def __init__(self, key, text, cat=None, canon=None, ident=False):
        self.key, self.text, self.cat, self.canon, self.ident = key, text, cat, canon, ident


def truth_of(fields):
    valid = [f for f in fields if f.cat and f.canon is not INVALID]
    piece = any(f.ident for f in valid)
    cats = {f.cat for f in valid}
    tier = min((TIERS.index(TIER_OF[c]) for c in cats), default=None)
    return {"piece": piece, "tier": TIERS[tier] if piece else None,
            "identity": frozenset((f.cat, f.canon) for f in valid)}


def mobile_field(g, key, m=None, masked=False):
    m = m or g.mobile()
    if masked:
        return F(key, m[:3] + "****" + m[7:], "contact", INVALID, True)
    return F(key, g.mobile_render(m), "contact", m, True)


# Each builder returns a list of fields (in the file's column order). Person-like builders
# produce a valid record most of the time and, with the listed odds, invalid variants.

def rec_customer(g):
    rid_ok = g.r.random() > 0.15
    rid = g.resident_id() if rid_ok else g.bad_resident_id()
    masked = g.r.random() < 0.1
    name = g.name()
    keep_name = g.r.random() > 0.2
    fs = [F("姓名", name if keep_name else "", "identity" if keep_name else None, name, True),
          F("身份证号", rid, "identity", rid if rid_ok else INVALID, True),
          mobile_field(g, "手机号", masked=masked)]
    e = g.email()
    fs.append(F("邮箱", e.upper() if g.r.random() < 0.2 else e, "contact", e, True))
    addr = g.address()
    fs.append(F("家庭住址", addr, "contact", addr))
    fs.append(F("性别", g.r.choice("男女"), "identity"))
    return fs


def rec_bank(g):
    ok = g.r.random() > 0.2
    card = g.bank_card() if ok else g.bad_bank_card()
    with_name = g.r.random() > 0.3
    name = g.name()
    bal = "%.2f" % (g.r.randrange(1, 10 ** 7) / 100)
    fs = [F("name", name if with_name else "", "identity" if with_name else None, name, True),
          F("card_no", card, "property", card if ok else INVALID, True),
          F("balance", bal, "property", bal)]
    if g.r.random() < 0.3:
        fs.append(F("overdue_days", str(g.r.randint(1, 300)), "credit"))
    else:
        fs.append(F("remark", "", None))
    return fs


def rec_hotel(g):
    rid = g.resident_id()
    return [F("姓名", g.name(), "identity", None, True), F("证件号码", rid, "identity", rid, True),
            F("酒店名称", g.r.choice(["如家快捷酒店", "汉庭酒店", "锦江之星"]), "accommodation", None),
            F("入住时间", g.date() + " 14:00", "accommodation", None),
            F("房间号", str(g.r.randint(101, 1520)), "accommodation", None)]


def rec_health(g):
    m = g.mobile()
    return [F("patient_name", g.name(), "identity", None, True),
            F("mobile", g.mobile_render(m), "contact", m, True),
            F("diagnosis", g.r.choice(["高血压", "2型糖尿病", "支气管哮喘", "慢性胃炎"]), "health", None),
            F("icd10", g.r.choice(["I10", "E11.9", "J45.901", "K29.5"]), "health", None),
            F("blood_type", g.r.choice(["A", "B", "AB", "O", "A型", "O型 Rh+"]), "health", None)]


def rec_order(g):
    """Waybills: with goods and price a transaction (item 四); without, the contested
    waybill category (item 五 by default)."""
    m = g.mobile()
    fs = [F("收件人", g.name(), "identity", None, True), F("手机", g.mobile_render(m), "contact", m, True),
          F("收货地址", g.address(), "contact", None),
          F("运单号", "SF%013d" % g.r.randrange(10 ** 13), "waybill", None)]
    if g.r.random() < 0.5:
        fs.append(F("商品名称", g.r.choice(["手机壳", "保温杯", "儿童奶粉", "运动鞋"]), "transaction", None))
        fs.append(F("价格", "%d.00" % g.r.randint(9, 999), "transaction", None))
    return fs


def rec_homeowner(g):
    m = g.mobile()
    return [F("业主姓名", g.name(), "identity", None, True), F("联系电话", g.mobile_render(m), "contact", m, True),
            F("小区", g.r.choice(["阳光花园", "翠苑一区", "金色家园"]), "real_estate", None),
            F("楼栋", "%d幢" % g.r.randint(1, 30), "real_estate", None),
            F("房号", str(g.r.randint(101, 2505)), "real_estate", None)]


def rec_vehicle(g):
    ok = g.r.random() > 0.2
    vin = g.vin() if ok else g.bad_vin()
    plate = g.plate()
    with_plate = g.r.random() > 0.25
    fs = [F("车牌号", plate if with_plate else "", "vehicle" if with_plate else None, plate, True),
          F("车架号", vin, "vehicle", vin if ok else INVALID, True),
          F("车型", g.r.choice(["大众朗逸", "丰田卡罗拉", "比亚迪汉EV"]), "vehicle", None)]
    return fs


def rec_track(g):
    m = g.mobile()
    return [F("手机号", g.mobile_render(m), "contact", m, True),
            F("纬度", "%.6f" % g.r.uniform(22, 40), "whereabouts", None),
            F("经度", "%.6f" % g.r.uniform(104, 121), "whereabouts", None),
            F("定位时间", g.date() + " 08:%02d:00" % g.r.randint(0, 59), "whereabouts", None),
            F("LAC", str(g.r.randint(10000, 60000)), "whereabouts", None)]


def rec_call(g):
    a, b = g.mobile(), g.mobile()
    return [F("主叫号码", a, "contact", a, True), F("被叫号码", b, "contact", b, True),
            F("通话时长", str(g.r.randint(1, 3600)), "communication_records", None),
            F("通话时间", g.date() + " 10:00:00", "communication_records", None)]


def rec_sms(g):
    m = g.mobile()
    return [F("手机号", g.mobile_render(m), "contact", m, True),
            F("短信内容", g.r.choice(["您的验证码是%04d" % g.r.randrange(10000), "明天见", "快递已放门口"]),
              "communication_content", None)]


def rec_staff(g):
    m = g.mobile()
    return [F("姓名", g.name(), "identity", None, True), F("手机号", m, "contact", m, True),
            F("学历", g.r.choice(["本科", "硕士", "大专"]), "education", None),
            F("毕业院校", g.r.choice(["浙江大学", "武汉大学", "四川大学"]), "education", None),
            F("工作单位", g.r.choice(["某某科技有限公司", "某某银行"]), "employment", None),
            F("籍贯", g.r.choice(["浙江杭州", "湖北武汉", "四川成都"]), "household", None)]


def rec_account(g):
    """Accounts: username + password (账号密码), sign-up IP, an IMEI valid or not."""
    user = "player%d" % g.next()
    pw_masked = g.r.random() < 0.1
    pw = "pw%06d" % g.r.randrange(10 ** 6)
    imei_ok = g.r.random() > 0.2
    imei = g.imei()
    if not imei_ok:
        imei = imei[:-1] + wrong(imei[-1])
    fs = [F("username", user, "credentials", user),
          F("password", "******" if pw_masked else pw, "credentials", INVALID if pw_masked else pw, True),
          F("reg_ip", "10.%d.%d.%d" % (g.r.randrange(256), g.r.randrange(256), g.r.randrange(1, 255)),
            "online_behavior", None),
          F("imei", imei, "online_behavior", imei if imei_ok else INVALID, True)]
    return fs


def finish(fields):
    """Fill in canonical values left to the text; an empty field is no information."""
    for f in fields:
        if f.canon is None:
            f.canon = f.text.strip()
        if not f.text.strip():
            f.cat = None
    return fields


# ---------------------------------------------------------------- free-text lines

def rec_text(g):
    """A line of chat or notes with identifiers embedded in text, or a combo line."""
    kind = g.r.random()
    if kind < 0.22:   # combo line (撞库): e-mail:password
        e, pw = g.email(), "Pw%05d" % g.r.randrange(10 ** 5)
        line = "%s:%s" % (e, pw)
        return line, [F(None, e, "contact", e, True), F(None, line, "credentials", line, True)]
    if kind < 0.45:
        m = g.mobile()
        return "客户说明天再联系，手机%s，谢谢" % m, [F(None, m, "contact", m, True)]
    if kind < 0.65:
        n, rid, m = g.name(), g.resident_id(), g.mobile()
        return ("姓名：%s，身份证号：%s，电话：%s" % (n, rid.lower(), m),
                [F(None, n, "identity", n, True), F(None, rid, "identity", rid, True),
                 F(None, m, "contact", m, True)])
    if kind < 0.8:
        rid = g.bad_resident_id()
        return "证件号 %s 核验未通过" % rid, [F(None, rid, "identity", INVALID, True)]
    if kind < 0.9:
        p = g.plate()
        return "车辆 %s 于今日驶离停车场" % p, [F(None, p, "vehicle", p, True)]
    m = g.mobile()
    return "手机 %s****%s 已注销" % (m[:3], m[7:]), [F(None, m, "contact", INVALID, True)]


# ---------------------------------------------------------------- noise (look-alikes)

def noise_value(g):
    """One look-alike that is not personal information."""
    k = g.r.randrange(16)
    r = g.r
    if k == 0:
        return "2023%02d%02d%08d" % (r.randint(1, 12), r.randint(1, 28), r.randrange(10 ** 8))  # order no
    if k == 1:
        return "%d%017d" % (r.randint(1, 3), r.randrange(10 ** 17))         # 18-digit platform order
    if k == 2:
        return str(r.randint(1600000000, 1750000000))                      # epoch seconds
    if k == 3:
        return str(r.randint(1600000000000, 1750000000000))                # epoch ms
    if k == 4:
        return "2023-%02d-%02d %02d:%02d:%02d" % (r.randint(1, 12), r.randint(1, 28), r.randint(0, 23),
                                                   r.randint(0, 59), r.randint(0, 59))
    if k == 5:
        return "%s%08d.%02d" % (r.choice(MOBILE_PREFIXES), r.randrange(10 ** 8), r.randrange(100))  # amount
    if k == 6:
        return "SKU-%s%08d" % (r.choice("EGDSP"), r.randrange(10 ** 8))    # SKU with a passport-like tail
    if k == 7:
        return "%s%08d" % (r.choice("EG"), r.randrange(10 ** 8))          # bare code like a passport
    if k == 8:
        return str(uuid.UUID(int=r.getrandbits(128), version=4))
    if k == 9:
        return "%032x" % r.getrandbits(128)                                 # md5
    if k == 10:
        return "%064x" % r.getrandbits(256)                                 # sha-256
    if k == 11:
        return "%05d%s" % (r.randrange(10 ** 5), Gen(r.random()).resident_id())  # ID inside a longer run
    if k == 12:
        return "%s%08d%03d" % (r.choice(MOBILE_PREFIXES), r.randrange(10 ** 8), r.randrange(1000))  # 14 digits
    if k == 13:
        m = r.choice(MOBILE_PREFIXES) + "%08d" % r.randrange(10 ** 8)
        return m[:3] + "****" + m[7:]                                      # masked mobile
    if k == 14:
        return Gen(r.random()).bad_resident_id()                           # failing GB 11643
    return r.choice(["version:v%d.%d.%d" % (r.randint(0, 9), r.randint(0, 9), r.randint(0, 9)),
                     "url:http://example.com/a%d" % r.randrange(1000), "status:ok",
                     "v%d.%d.%d-build%d" % (r.randint(0, 9), r.randint(0, 9), r.randint(0, 9), r.randrange(999)),
                     "6222%04d****%04d" % (r.randrange(10 ** 4), r.randrange(10 ** 4))])


# ---------------------------------------------------------------- writers

def csv_quote(s, sep):
    if any(c in s for c in (sep, '"', "\n", "\r")):
        return '"' + s.replace('"', '""') + '"'
    return s


def write_table(path, rows, sep):
    head = [f.key for f in rows[0]]
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(sep.join(head) + "\n")
        for fs in rows:
            out.write(sep.join(csv_quote(f.text, sep) for f in fs) + "\n")


def write_jsonl(path, rows, rng):
    with open(path, "w", encoding="utf-8") as out:
        for fs in rows:
            items = [(f.key, f.text) for f in fs]
            rng.shuffle(items)   # key order does not change the piece
            obj = {}
            for k, v in items:
                if k == "mobile" or k == "手机":
                    obj.setdefault("contact", {})[k] = v   # nested: flattened to contact.mobile
                else:
                    obj[k] = v
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def write_sql(path, rows, table):
    cols = [f.key for f in rows[0]]
    with open(path, "w", encoding="utf-8") as out:
        out.write("-- MySQL dump\nDROP TABLE IF EXISTS `%s`;\nCREATE TABLE `%s` (\n" % (table, table))
        out.write(",\n".join("  `%s` varchar(64) DEFAULT NULL" % c for c in cols) + "\n) ENGINE=InnoDB;\n")
        for k in range(0, len(rows), 50):
            tuples = ["(" + ",".join("'%s'" % f.text.replace("'", "''") for f in fs) + ")"
                      for fs in rows[k:k + 50]]
            out.write("INSERT INTO `%s` VALUES %s;\n" % (table, ",".join(tuples)))


# ---------------------------------------------------------------- the corpus

FILES = [  # name, builder, records, format
    ("customers.csv", rec_customer, 500, "csv"),
    ("bank.sql", rec_bank, 400, "sql"),
    ("hotel.tsv", rec_hotel, 200, "tsv"),
    ("health.jsonl", rec_health, 200, "jsonl"),
    ("orders.jsonl", rec_order, 300, "jsonl"),
    ("homeowners.csv", rec_homeowner, 200, "csv"),
    ("vehicles.csv", rec_vehicle, 250, "csv"),
    ("tracks.csv", rec_track, 150, "csv"),
    ("calls.csv", rec_call, 150, "csv"),
    ("sms.jsonl", rec_sms, 150, "jsonl"),
    ("staff.csv", rec_staff, 150, "csv"),
    ("accounts.sql", rec_account, 250, "sql"),
]
N_TEXT = 400
N_NOISE_LINES = 1200
N_NOISE_CSV = 800


def with_duplicates(g, rows, share=0.12):
    """Append re-renderings of earlier records: the same information, so the same
    identity (mobiles re-rendered with +86 or spaces, e-mail case changed)."""
    out = list(rows)
    for _ in range(int(len(rows) * share)):
        src = g.r.choice(rows)
        dup = []
        for f in src:
            text = f.text
            if f.cat == "contact" and f.canon and f.canon.isdigit() and len(f.canon) == 11 and f.ident:
                text = g.mobile_render(f.canon)
            elif f.cat == "contact" and f.canon and "@" in f.canon:
                text = f.canon.upper() if g.r.random() < 0.5 else f.canon
            dup.append(F(f.key, text, f.cat, f.canon, f.ident))
        out.insert(g.r.randrange(len(out) + 1), dup)
    return out


def summarize(records):
    t = {"records": len(records), "raw": 0, "distinct": 0,
         "tiers": {x: {"raw": 0, "distinct": 0} for x in TIERS}}
    seen = set()
    for rec in records:
        if not rec["piece"]:
            continue
        t["raw"] += 1
        t["tiers"][rec["tier"]]["raw"] += 1
        if rec["identity"] not in seen:
            seen.add(rec["identity"])
            t["distinct"] += 1
            t["tiers"][rec["tier"]]["distinct"] += 1
    return t


def generate(outdir, seed=20240517):
    g = Gen(seed)
    os.makedirs(outdir, exist_ok=True)
    corpus = os.path.join(outdir, "corpus")
    noise = os.path.join(outdir, "noise")
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(noise, exist_ok=True)
    truth = {"files": {}, "noise_records": 0}
    every = []
    for name, build, n, fmt in FILES:
        rows = [finish(build(g)) for _ in range(n)]
        rows = with_duplicates(g, rows)
        path = os.path.join(corpus, name)
        if fmt == "csv":
            write_table(path, rows, ",")
        elif fmt == "tsv":
            write_table(path, rows, "\t")
        elif fmt == "jsonl":
            write_jsonl(path, rows, g.r)
        else:
            write_sql(path, rows, name.split(".")[0])
        recs = [truth_of(fs) for fs in rows]
        every += recs
        truth["files"][name] = summarize(recs)
    # free text and combo lines, with repeated lines as duplicates
    lines, recs = [], []
    for _ in range(N_TEXT):
        line, fs = rec_text(g)
        lines.append(line)
        recs.append(truth_of(fs))
    for _ in range(N_TEXT // 10):
        k = g.r.randrange(len(lines))
        lines.append(lines[k])
        recs.append(recs[k])
    with open(os.path.join(corpus, "chat.log"), "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    every += recs
    truth["files"]["chat.log"] = summarize(recs)
    truth["totals"] = summarize(every)
    # noise: look-alikes only, in free text and in a CSV with neutral column names
    noise_lines = ["备注 %s 已处理" % noise_value(g) if g.r.random() < 0.5 else noise_value(g)
                   for _ in range(N_NOISE_LINES)]
    with open(os.path.join(noise, "noise.log"), "w", encoding="utf-8") as out:
        out.write("\n".join(noise_lines) + "\n")
    with open(os.path.join(noise, "noise.csv"), "w", encoding="utf-8") as out:
        out.write("code,ref,ts,note\n")
        for _ in range(N_NOISE_CSV):
            out.write(",".join(csv_quote(noise_value(g), ",") for _ in range(4)) + "\n")
    truth["noise_records"] = N_NOISE_LINES + N_NOISE_CSV
    with open(os.path.join(outdir, "truth.json"), "w", encoding="utf-8") as out:
        json.dump({k: v for k, v in truth.items()}, out, ensure_ascii=False, indent=1)
    return truth


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: gen_corpus.py OUTDIR [SEED]")
    t = generate(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20240517)
    print(json.dumps(t["totals"], indent=1))
