#!/usr/bin/env python3
"""gen_schemas.py - small synthetic files in the shapes of real systems' exports.

tests/corpus/schemas.yaml lists real-world schemas: the column names as each system
spells them, where they come from, and the tier and categories an examiner would give a
file of that shape (worked out by hand, see each entry's "why"). This module writes one
small file per schema (ROWS records) with plausible synthetic values whose checksums are
computed here, from the standards, independently of pitally: GB 11643 resident IDs, Luhn
bank cards and IMEIs, ISO 3779 VINs, GB 32100 unified social credit codes.

Some values are chosen to be hard on purpose: the 13-digit tracking numbers all start
with 4 and pass Luhn (a Visa-shaped number), the order numbers under order headers
pass Luhn on a UnionPay prefix or the GB 11643 check. None of them may be counted as a
card or an ID.

Usage: gen_schemas.py OUTDIR   writes OUTDIR/<name>.<ext> for every schema.
As a module: load() -> list of schemas; write_all(outdir) -> {file name: schema}.
"""
import json
import os
import random
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_corpus import id_check, luhn_check, vin_check  # noqa: E402

ROWS = 4
TIERS = ("art5_3", "art5_4", "art5_5")
FAMILIES = {
    "hotel", "telecom", "chat", "courier_ecommerce", "bank", "securities", "credit_p2p",
    "hospital", "vehicle_gps", "social_security", "household", "roster", "property_mgmt",
    "forum_game", "app_log",
}

# ---------------------------------------------------------------- checksums not in gen_corpus

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def org_code_check(body8):
    """GB 11714-1997: the organization code's check character (MOD 11, 10 -> X)."""
    def val(c):
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10
    r = 11 - sum(val(c) * w for c, w in zip(body8, ORG_WEIGHTS)) % 11
    return "X" if r == 10 else ("0" if r == 11 else str(r))


def uscc(rng):
    """GB 32100-2015: 9 + 1 (enterprise) + region + GB 11714 code + MOD 31 check."""
    body8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    org = body8 + org_code_check(body8)
    s17 = "91" + rng.choice(["330106", "110105", "440305"]) + org
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(s17, USCC_WEIGHTS))
    return s17 + USCC_ALPHABET[(31 - total % 31) % 31]


def luhn_complete(prefix):
    return prefix + luhn_check(prefix)


# ---------------------------------------------------------------- values

SURNAMES = "王李张刘陈杨赵吴徐孙朱郭罗郑梁韩冯邓曹彭"
GIVEN = "伟娜芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文"
MOBILE_PREFIXES = ["138", "139", "186", "150", "177", "199", "166", "181", "135", "158"]
REGIONS = ["110105", "330106", "440301", "510104", "320102", "420111"]
STREETS = [("浙江省杭州市西湖区", "文三路"), ("广东省深圳市南山区", "科技园路"),
           ("江苏省南京市玄武区", "中山路"), ("四川省成都市武侯区", "人民南路")]
PLATE_PROVINCES = "京沪浙粤苏川鄂湘"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
NE_LETTERS = "ABCDEFGHJK"   # GA 36-2018 (2018 amendment): the energy-type letters of small NEV plates


class Values:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0

    def seq(self):
        self.n += 1
        return self.n

    def name(self):
        return self.r.choice(SURNAMES) + "".join(self.r.choice(GIVEN) for _ in range(self.r.choice((1, 2))))

    def mobile(self):
        return self.r.choice(MOBILE_PREFIXES) + "%08d" % self.r.randrange(10 ** 8)

    def id18(self):
        body = "%s%04d%02d%02d%03d" % (self.r.choice(REGIONS), self.r.randint(1955, 2003),
                                       self.r.randint(1, 12), self.r.randint(1, 28),
                                       self.r.randrange(1000))
        return body + id_check(body)

    def bankcard(self):
        if self.r.random() < 0.5:
            return luhn_complete("622202" + "%09d" % self.r.randrange(10 ** 9))
        return luhn_complete("621700" + "%012d" % self.r.randrange(10 ** 12))

    def track4(self):
        """13 digits starting with 4 that pass Luhn: a Visa-13 look-alike."""
        return luhn_complete("4" + "%11d" % self.r.randrange(10 ** 10, 10 ** 11))

    def order_luhn62(self):
        """19 digits on the UnionPay prefix 62 that pass Luhn: a card look-alike."""
        return luhn_complete("62" + "%016d" % self.r.randrange(10 ** 16))

    def order_idlike(self):
        """18 digits that pass the GB 11643 check: an ID look-alike."""
        return self.id18()

    def vin(self):
        chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        body = "LSV" + "".join(self.r.choice(chars) for _ in range(14))
        return body[:8] + vin_check(body[:8] + "0" + body[9:]) + body[9:]

    def imei(self):
        return luhn_complete("86" + "%012d" % self.r.randrange(10 ** 12))

    def plate(self):
        return self.r.choice(PLATE_PROVINCES) + self.r.choice(PLATE_LETTERS.replace("Q", "")) + \
            "%05d" % self.r.randrange(100000)

    def plate_ne(self):
        """New-energy plate (GA 36-2018): small D..K + letter-or-digit + 4 digits, large 5 digits + D..K."""
        head = self.r.choice(PLATE_PROVINCES) + self.r.choice("ABCDEF")
        if self.r.random() < 0.7:
            return head + self.r.choice(NE_LETTERS) + self.r.choice("ABC0123456789") + \
                "%04d" % self.r.randrange(10000)
        return head + "%05d" % self.r.randrange(100000) + self.r.choice(NE_LETTERS)

    def datetime(self):
        return "2023-%02d-%02d %02d:%02d:%02d" % (self.r.randint(1, 12), self.r.randint(1, 28),
                                                  self.r.randint(0, 23), self.r.randint(0, 59),
                                                  self.r.randint(0, 59))

    def gen(self, kind):
        r = self.r
        if kind.startswith("const:"):
            return kind[6:]
        if kind.startswith("pick:"):
            return r.choice(kind[5:].split("|"))
        fn = KINDS.get(kind)
        if fn is None:
            raise KeyError("unknown value kind %r" % kind)
        return fn(self, r)


def _address(v, r):
    area, road = r.choice(STREETS)
    return "%s%s%d号%d栋%d室" % (area, road, r.randint(1, 999), r.randint(1, 30), r.randint(101, 2505))


KINDS = {
    "seq": lambda v, r: str(v.seq()),
    "blank": lambda v, r: "",
    "name": lambda v, r: v.name(),
    "name_minority": lambda v, r: r.choice(["阿依古丽·买买提", "热依拉·阿不都", "巴特尔·朝鲁"]),
    "gender": lambda v, r: r.choice("男女"),
    "gender_code": lambda v, r: r.choice("12"),
    "ethnicity": lambda v, r: r.choice(["汉族", "回族", "满族"]),
    "ethnicity_code": lambda v, r: r.choice(["01", "03", "08"]),
    "marital": lambda v, r: r.choice(["已婚", "未婚"]),
    "education": lambda v, r: r.choice(["本科", "大专", "硕士研究生"]),
    "relation": lambda v, r: r.choice(["户主", "配偶", "之子", "之女"]),
    "id18": lambda v, r: v.id18(),
    "id_type": lambda v, r: r.choice(["111", "居民身份证"]),
    "birthdate": lambda v, r: "%04d-%02d-%02d" % (r.randint(1955, 2003), r.randint(1, 12), r.randint(1, 28)),
    "birthdate8": lambda v, r: "%04d%02d%02d" % (r.randint(1955, 2003), r.randint(1, 12), r.randint(1, 28)),
    "mobile": lambda v, r: v.mobile(),
    "mobile_intl": lambda v, r: "+86 " + v.mobile(),
    "mobile_bcd12": lambda v, r: "0" + v.mobile(),
    "email": lambda v, r: "user%d%s@%s" % (r.randrange(10 ** 5), r.choice("abxyz"),
                                          r.choice(["163.com", "qq.com", "126.com", "sina.com"])),
    "landline": lambda v, r: "0571-8%07d" % r.randrange(10 ** 7),
    "address": _address,
    "province": lambda v, r: r.choice(["浙江省", "广东省", "江苏省"]),
    "city": lambda v, r: r.choice(["杭州市", "深圳市", "南京市"]),
    "district": lambda v, r: r.choice(["西湖区", "南山区", "玄武区"]),
    "street": lambda v, r: "%s%d号" % (r.choice(["文三路", "科技园路", "中山路"]), r.randint(1, 999)),
    "postcode": lambda v, r: r.choice(["310012", "518057", "210018"]),
    "qq": lambda v, r: str(r.randint(10 ** 7, 3 * 10 ** 9)),
    "wxid": lambda v, r: "wxid_" + "".join(r.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(14)),
    "bankcard": lambda v, r: v.bankcard(),
    "bank_branch": lambda v, r: r.choice(["中国工商银行杭州分行", "招商银行深圳科技园支行", "中国建设银行南京分行"]),
    "amount": lambda v, r: "%d.%02d" % (r.randint(1, 99999), r.randrange(100)),
    "int_small": lambda v, r: str(r.randint(1, 99)),
    "int": lambda v, r: str(r.randint(100, 999999)),
    "datetime": lambda v, r: v.datetime(),
    "date": lambda v, r: "2023-%02d-%02d" % (r.randint(1, 12), r.randint(1, 28)),
    "epoch_ms": lambda v, r: str(r.randint(1600000000000, 1750000000000)),
    "epoch_s": lambda v, r: str(r.randint(1600000000, 1750000000)),
    "bcd_time": lambda v, r: "23%02d%02d%02d%02d%02d" % (r.randint(1, 12), r.randint(1, 28), r.randint(0, 23),
                                                         r.randint(0, 59), r.randint(0, 59)),
    "duration": lambda v, r: str(r.randint(1, 3600)),
    "call_type": lambda v, r: r.choice("123"),
    "call_dir_cn": lambda v, r: r.choice(["主叫", "被叫"]),
    "sms_dir_cn": lambda v, r: r.choice(["发送", "接收"]),
    "disposition": lambda v, r: r.choice(["ANSWERED", "NO ANSWER", "BUSY"]),
    "sip_channel": lambda v, r: "SIP/%d-%08x" % (r.randint(8001, 8099), r.getrandbits(32)),
    "asterisk_uid": lambda v, r: "%d.%d" % (r.randint(1600000000, 1750000000), r.randint(1, 999)),
    "uuid": lambda v, r: "%08x-%04x-4%03x-a%03x-%012x" % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(12),
                                                         r.getrandbits(12), r.getrandbits(48)),
    "hex32": lambda v, r: "%032x" % r.getrandbits(128),
    "sha1": lambda v, r: "%040x" % r.getrandbits(160),
    "bcrypt": lambda v, r: "$2a$10$" + "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./0123456789")
                                               for _ in range(53)),
    "salt6": lambda v, r: "%06x" % r.getrandbits(24),
    "username": lambda v, r: r.choice(["zhangwei", "lina", "xiaoming", "tiger"]) + str(r.randint(10, 9999)),
    "sms_text": lambda v, r: r.choice(["明天下午三点老地方见", "钱已经转给你了，查收一下", "到家了吗？"]),
    "feedback_text": lambda v, r: r.choice(["物流太慢了，希望改进", "商品质量很好，包装也不错"]),
    "order_note": lambda v, r: r.choice(["请尽快发货，谢谢", "不要放快递柜", ""]),
    "shop_name": lambda v, r: r.choice(["阳光便利店", "翠苑生鲜超市"]),
    "chat_text": lambda v, r: r.choice(["周末一起吃饭吧", "合同我发你邮箱了", "孩子今天发烧了，请个假"]),
    "lat": lambda v, r: "%.6f" % r.uniform(22.5, 39.9),
    "lng": lambda v, r: "%.6f" % r.uniform(104.0, 121.5),
    "lat_e6": lambda v, r: str(r.randint(22500000, 39900000)),
    "lng_e6": lambda v, r: str(r.randint(104000000, 121500000)),
    "speed": lambda v, r: str(r.randint(0, 1200)),
    "course": lambda v, r: str(r.randint(0, 359)),
    "altitude": lambda v, r: str(r.randint(0, 800)),
    "alarm": lambda v, r: "0",
    "status_bits": lambda v, r: r.choice(["3", "262147"]),
    "plate": lambda v, r: v.plate(),
    "plate_ne": lambda v, r: v.plate_ne(),
    "plate_color": lambda v, r: r.choice(["1", "2", "5"]),
    "plate_type": lambda v, r: r.choice(["02", "52"]),
    "vin": lambda v, r: v.vin(),
    "engine_no": lambda v, r: "%06d" % r.randrange(10 ** 6),
    "imei": lambda v, r: v.imei(),
    "ip": lambda v, r: "%d.%d.%d.%d" % (r.choice([59, 113, 183, 221]), r.randrange(256), r.randrange(256),
                                        r.randint(1, 254)),
    "hotel": lambda v, r: r.choice(["如家快捷酒店", "汉庭酒店", "锦江之星"]),
    "room": lambda v, r: str(r.randint(101, 1520)),
    "bed": lambda v, r: str(r.randint(1, 6)),
    "dorm_building": lambda v, r: "%d号楼" % r.randint(1, 20),
    "dept_hospital": lambda v, r: r.choice(["心内科", "呼吸内科", "普外科"]),
    "diagnosis": lambda v, r: r.choice(["高血压", "2型糖尿病", "支气管哮喘", "慢性胃炎"]),
    "icd10": lambda v, r: r.choice(["I10", "E11.9", "J45.901", "K29.5"]),
    "inpatient_no": lambda v, r: "ZY%08d" % r.randrange(10 ** 8),
    "record_no": lambda v, r: "%08d" % r.randrange(10 ** 8),
    "vaccine": lambda v, r: r.choice(["乙肝疫苗", "麻腮风疫苗", "百白破疫苗"]),
    "school": lambda v, r: r.choice(["浙江大学", "武汉大学", "四川大学"]),
    "major": lambda v, r: r.choice(["计算机科学与技术", "临床医学", "会计学"]),
    "class": lambda v, r: "%d级%d班" % (r.randint(2019, 2023), r.randint(1, 8)),
    "student_no": lambda v, r: "%d%06d" % (r.randint(2019, 2023), r.randrange(10 ** 6)),
    "student_reg_no": lambda v, r: "G" + v.id18(),
    "company": lambda v, r: r.choice(["杭州某某科技有限公司", "深圳某某贸易有限公司", "南京某某建设集团"]),
    "job": lambda v, r: r.choice(["工程师", "会计", "销售经理"]),
    "dept": lambda v, r: r.choice(["研发部", "财务部", "市场部"]),
    "emp_no": lambda v, r: "E%05d" % r.randrange(10 ** 5),
    "uscc": lambda v, r: uscc(r),
    "stock_acct": lambda v, r: r.choice("A0") + "%09d" % r.randrange(10 ** 9),
    "fund_acct": lambda v, r: "3100%08d" % r.randrange(10 ** 8),
    "futures_investor": lambda v, r: "%08d" % r.randrange(10 ** 8),
    "broker_id": lambda v, r: "9999",
    "loan_amount": lambda v, r: str(r.randint(1, 50) * 1000),
    "overdue_days": lambda v, r: str(r.randint(1, 180)),
    "credit_score": lambda v, r: str(r.randint(350, 950)),
    "credit_grade": lambda v, r: r.choice(["A", "B", "C", "良好"]),
    "track4": lambda v, r: v.track4(),
    "track_sf": lambda v, r: "SF%013d" % r.randrange(10 ** 13),
    "courier": lambda v, r: r.choice(["韵达快递", "中通快递", "申通快递"]),
    "courier_code": lambda v, r: r.choice(["YD", "ZTO", "STO"]),
    "order_luhn62": lambda v, r: v.order_luhn62(),
    "order_idlike": lambda v, r: v.order_idlike(),
    "order_sn": lambda v, r: "2023%02d%02d%05d" % (r.randint(1, 12), r.randint(1, 28), r.randrange(10 ** 5)),
    "goods": lambda v, r: r.choice(["保温杯", "儿童奶粉", "运动鞋", "蓝牙耳机"]),
    "community": lambda v, r: r.choice(["阳光花园", "翠苑一区", "金色家园"]),
    "building": lambda v, r: "%d幢" % r.randint(1, 30),
    "unit": lambda v, r: "%d单元" % r.randint(1, 4),
    "house_room": lambda v, r: str(r.randint(101, 2505)),
    "floor_area": lambda v, r: "%d.%d" % (r.randint(50, 180), r.randrange(10)),
    "house_location": lambda v, r: r.choice(["%d幢%d单元" % (r.randint(1, 30), r.randint(1, 4)), "东区临街"]),
    "url": lambda v, r: "https://m.example.com/item/%d" % r.randrange(10 ** 6),
    "event": lambda v, r: r.choice(["$AppViewScreen", "$AppClick", "submit_order"]),
    "device_model": lambda v, r: r.choice(["MI 9", "HUAWEI P40", "iPhone12,1"]),
    "os": lambda v, r: r.choice(["Android", "iOS"]),
    "app_version": lambda v, r: "%d.%d.%d" % (r.randint(1, 9), r.randint(0, 9), r.randint(0, 20)),
    "nginx_line": lambda v, r: '%s - - [12/Mar/2023:10:%02d:%02d +0800] "GET /api/item?id=%d HTTP/1.1" 200 %d "-" "okhttp/4.9.0"' % (
        KINDS["ip"](v, r), r.randint(0, 59), r.randint(0, 59), r.randrange(10 ** 5), r.randint(100, 9999)),
    "login_status": lambda v, r: r.choice(["0", "1"]),
    "browser": lambda v, r: r.choice(["Chrome 11", "Firefox 10"]),
    "game_role": lambda v, r: r.choice(["战神无双", "小小法师", "风之子"]),
    "game_coins": lambda v, r: str(r.randint(0, 99999)),
    "telecom_plan": lambda v, r: r.choice(["4G飞享套餐58元", "5G智享套餐128元"]),
    "place_cn": lambda v, r: r.choice(["浙江杭州", "广东深圳", "江苏南京"]),
    "fee": lambda v, r: "%d.%02d" % (r.randint(0, 5), r.randrange(100)),
    "msg_type": lambda v, r: "1",
    "bool": lambda v, r: r.choice("01"),
    "ss_status": lambda v, r: r.choice(["正常参保", "暂停缴费"]),
    "ss_person_no": lambda v, r: "%010d" % r.randrange(10 ** 10),
    "unit_no": lambda v, r: "%08d" % r.randrange(10 ** 8),
    "pf_account": lambda v, r: "%012d" % r.randrange(10 ** 12),
    "hh_no": lambda v, r: "%09d" % r.randrange(10 ** 9),
}


# ---------------------------------------------------------------- schemas and files

def load(path=os.path.join(HERE, "schemas.yaml")):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    return doc["schemas"]


def check(schemas):
    """Structural checks of the corpus itself; returns a list of complaints."""
    bad = []
    names = set()
    for s in schemas:
        n = s.get("name", "?")
        for key in ("name", "family", "source", "columns", "expect", "why"):
            if not s.get(key):
                bad.append("%s: no %s" % (n, key))
        if n in names:
            bad.append("%s: duplicate name" % n)
        names.add(n)
        if s.get("family") not in FAMILIES:
            bad.append("%s: unknown family %r" % (n, s.get("family")))
        exp = s.get("expect") or {}
        if exp.get("tier") not in TIERS + (None,):
            bad.append("%s: tier %r" % (n, exp.get("tier")))
        for col in s.get("columns") or []:
            if len(col) != 2 or not (col[1] in KINDS or str(col[1]).startswith(("const:", "pick:"))):
                bad.append("%s: column %r" % (n, col))
    return bad


def rows_of(schema, seed):
    v = Values(seed)
    return [[v.gen(kind) for _, kind in schema["columns"]] for _ in range(schema.get("rows", ROWS))]


def csv_field(s, sep):
    if any(c in s for c in (sep, '"', "\n", "\r")):
        return '"' + s.replace('"', '""') + '"'
    return s


def nest(keys, values):
    """A JSON object from dotted keys: Receiver.Name -> {"Receiver": {"Name": ...}}."""
    obj = {}
    for k, val in zip(keys, values):
        cur = obj
        parts = k.split(".")
        for p in parts[:-1]:
            cur = cur.setdefault(p, {})
        cur[parts[-1]] = val
    return obj


def render(schema, rows):
    """(file extension, bytes) of one schema's file."""
    fmt = schema.get("format", "csv")
    heads = [c[0] for c in schema["columns"]]
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        lines = [sep.join(csv_field(h, sep) for h in heads)]
        lines += [sep.join(csv_field(x, sep) for x in row) for row in rows]
        return fmt, ("\n".join(lines) + "\n").encode()
    if fmt == "jsonl":
        return "jsonl", "".join(json.dumps(nest(heads, row), ensure_ascii=False) + "\n"
                                for row in rows).encode()
    if fmt == "sql":
        table = schema.get("table", schema["name"])
        cols = ",\n".join("  `%s` varchar(255) NOT NULL DEFAULT ''" % h for h in heads)
        tuples = ",".join("(%s)" % ",".join("'%s'" % x.replace("'", "''") for x in row) for row in rows)
        text = "CREATE TABLE `%s` (\n%s\n);\nINSERT INTO `%s` VALUES %s;\n" % (table, cols, table, tuples)
        return "sql", text.encode()
    if fmt == "hash_lines":   # "a # b # c", no header (CSDN-style dumps)
        return "txt", "".join(" # ".join(row) + "\n" for row in rows).encode()
    if fmt == "lines":        # one value per line, no header
        return "log", "".join(row[0] + "\n" for row in rows).encode()
    raise ValueError("%s: unknown format %s" % (schema["name"], fmt))


def write_all(outdir, schemas=None):
    schemas = schemas if schemas is not None else load()
    os.makedirs(outdir, exist_ok=True)
    files = {}
    for i, s in enumerate(schemas):
        ext, data = render(s, rows_of(s, 1000 + i))
        fname = "%s.%s" % (s["name"], ext)
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(data)
        files[fname] = s
    return files


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gen_schemas.py OUTDIR")
    problems = check(load())
    if problems:
        sys.exit("\n".join(problems))
    for name in sorted(write_all(sys.argv[1])):
        print(name)
