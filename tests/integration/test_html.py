"""test_html.py - the attachable report (--html, --lang): one self-contained file (no
script, no link, no network reference), with the verdict, the tier chart, the inputs with
their custody hashes and the run record, values masked; in Chinese with --lang zh.
Rendered in headless Chromium (installed by make test's dependency step): a non-blank
screenshot and an A4 PDF. Collected by run.py."""
import hashlib
import os
import re
import shutil
import subprocess
import struct
import zlib
from html import unescape

from run import Failure, eq, fx, scan

# 60 people with a bank card each: 60 distinct art5_3 pieces, 60 / 50 >= 1, below
# 10 x 50: 情节严重 (serious), ground art5_1_3.
def write_cards(tmp):
    rows = [("张伟", fx.bank_card(5000 + i)) for i in range(60)]
    path = os.path.join(tmp, "cards.csv")
    fx.write(path, fx.csv_text(rows, ("姓名", "银行卡号")).encode())
    return path, rows


def self_contained(html):
    for bad in ("<script", "http:", "https:", "src=", "@import", "url(", "<link", "<iframe"):
        if bad in html.lower():
            raise Failure("the HTML report is not self-contained: it has %r" % bad)


def test_html_report(tmp):
    path, rows = write_cards(tmp)
    out_en, out_zh = os.path.join(tmp, "r.html"), os.path.join(tmp, "r.zh.html")
    r = scan([path], "--html", out_en)
    eq(r["verdict"]["level"], "serious", "60 art5_3 pieces")
    scan([path], "--html", out_zh, "--lang", "zh")
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    for out, level in ((out_en, "Serious (情节严重)"), (out_zh, "情节严重")):
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self_contained(html)
        for key in ('id="verdict"', 'id="tiers"', 'id="inputs"', 'id="run"', sha, level, "art5_1_3"):
            if key not in html:
                raise Failure("%s lacks %r" % (os.path.basename(out), key))
        for _, card in rows:
            if card in html:
                raise Failure("a card number appears unmasked in the HTML report")
    with open(out_zh, encoding="utf-8") as f:
        html = f.read()
    for term in ("财产信息", "检材及其哈希值", "运行记录", 'lang="zh-CN"'):
        if term not in html:
            raise Failure("the Chinese report lacks %r" % term)
    return render(tmp, out_zh)


def chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def png_has_ink(png):
    """True when a PNG (8-bit RGB/RGBA, as Chromium writes) has pixels that are not all one
    colour: the page rendered something."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, _, ctype = struct.unpack(">IIBB", data[:10])
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = 4 if ctype == 6 else 3
    stride = 1 + width * bpp
    colours = set()
    for y in range(0, height, max(1, height // 50)):   # filtered bytes differ where pixels do
        line = raw[y * stride + 1:(y + 1) * stride]
        colours.update(line[i:i + bpp] for i in range(0, len(line), bpp * 7))
    return len(colours) > 3


def render(tmp, html):
    exe = chromium()
    if not exe:
        return "TODO chromium not installed: the page was checked, not rendered"
    shot, pdf = os.path.join(tmp, "shot.png"), os.path.join(tmp, "r.pdf")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + os.path.join(tmp, "profile")]
    url = "file://" + os.path.abspath(html)
    subprocess.run([exe] + flags + ["--window-size=1000,1400", "--screenshot=" + shot, url],
                   capture_output=True, timeout=120)
    subprocess.run([exe] + flags + ["--print-to-pdf=" + pdf, "--no-pdf-header-footer", url],
                   capture_output=True, timeout=120)
    with open(shot, "rb") as f:
        if not png_has_ink(f.read()):
            raise Failure("the screenshot of the HTML report is blank")
    with open(pdf, "rb") as f:
        head = f.read(5)
    eq(head, b"%PDF-", "print to PDF")
    eq(os.path.getsize(pdf) > 5000, True, "a PDF with content")
    return None


def html_of(path):
    with open(path, encoding="utf-8") as f:
        html = f.read()
    self_contained(html)
    return html


def section(html, tag_id, close="</table>"):
    """The element with id tag_id, up to its closing tag."""
    start = html.find('id="%s"' % tag_id)
    if start < 0:
        raise Failure("the HTML report lacks id=%r" % tag_id)
    return html[start:html.find(close, start)]


def test_html_shapes_and_subjects(tmp):
    """The record shapes of each input and the subjects by deciding identifier (issue 10),
    as the JSON report has them, in English and in Chinese.
    people.csv: fx.PEOPLE, 2 subjects decided by resident ID (ID_A twice, ID_B).
    chat&log.csv: 发送人 13700000001, 接收人 13700000002, 消息内容 text, twice: two parties and
      a text, so communication_content holds (party: 发送人, 接收人; text: 消息内容); both
      records carry the same two mobiles, so they are 1 subject by mobile whichever of
      the two decides.
    post.csv: 发送人 13700000003 and 消息内容, twice: one party only, so the shape is partial
      (no second party, no direction); 1 subject by mobile.
    Subjects: 2 by resident ID + 2 by mobile = 4."""
    fx.write(os.path.join(tmp, "people.csv"), fx.csv_text().encode())
    fx.write(os.path.join(tmp, "chat&log.csv"),
             "发送人,接收人,消息内容\n13700000001,13700000002,今晚一起吃饭吧\n"
             "13700000001,13700000002,明天见面再聊\n".encode())
    fx.write(os.path.join(tmp, "post.csv"),
             "发送人,消息内容\n13700000003,今晚一起吃饭吧\n13700000003,明天见面再聊\n".encode())
    paths = [os.path.join(tmp, n) for n in ("people.csv", "chat&log.csv", "post.csv")]
    out_en, out_zh = os.path.join(tmp, "r.html"), os.path.join(tmp, "r.zh.html")
    r = scan(paths, "--html", out_en)
    scan(paths, "--html", out_zh, "--lang", "zh")
    eq(r["totals"]["subjects"], 4, "subjects")
    by = {k: v for k, v in r["totals"]["subjects_by"].items() if v}
    eq(by, {"cn_resident_id": 2, "mobile": 2}, "subjects_by")
    shapes = {os.path.basename(i["path"]): i["shapes"] for i in r["inputs"]}
    eq([(s["id"], s["holds"]) for s in shapes["chat&log.csv"]], [("communication_content", True)],
       "chat shapes")
    eq([(s["id"], s["holds"]) for s in shapes["post.csv"]], [("communication_content", False)],
       "post shapes")
    eq(shapes["people.csv"], [], "people: no shape")
    for out, words in ((out_en, ("Subjects: 4", "holds", "partial")),
                       (out_zh, ("信息主体: 4", "成立", "部分具备"))):
        html = html_of(out)
        name = os.path.basename(out)
        subjects = section(html, "subjects", "</p>")
        if words[0] not in subjects:
            raise Failure("%s: %r lacks %r" % (name, subjects, words[0]))
        rows = re.findall(r'<tr><td>([^<]*)</td><td class="n">(\d+)</td></tr>', section(html, "subjects_by"))
        eq(rows, [("cn_resident_id", "2"), ("mobile", "2")], name + ": subjects_by rows, resident ID first")
        table = section(html, "shapes")
        rows = re.findall(r"<tr><td>([^<]*)</td><td>([a-z_]+)<br>.*?</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)
        eq([(p, s) for p, s, _, _ in rows], [(os.path.join(tmp, "chat&amp;log.csv"), "communication_content"),
                                             (os.path.join(tmp, "post.csv"), "communication_content")],
           name + ": one row per shape that holds or is partial, the path escaped")
        chat, post = rows[0], rows[1]
        if not chat[2] == words[1] or "发送人, 接收人" not in chat[3] or "消息内容" not in chat[3]:
            raise Failure("%s: the chat's shape row %r" % (name, chat))
        if not post[2].startswith(words[2]) or "MISSING" not in post[3]:
            raise Failure("%s: the post's shape row %r" % (name, post))
        eq([unescape(w) for _, _, _, w in rows], [s["why"] for s in shapes["chat&log.csv"] + shapes["post.csv"]],
           name + ": the columns by role as in the JSON report")
    if 'lang="zh-CN"' not in html_of(out_zh) or "记录形态" not in html_of(out_zh):
        raise Failure("the Chinese report lacks its heading of record shapes")


def test_html_doubt(tmp):
    """The doubt note (存疑有利于被告) in the HTML report, as in the JSON's totals.doubt.
    codes.csv: 40 rows of 编号 (a 16-digit card-shaped number; the first 19 pass Luhn, the
    other 21 have a wrong check digit) and a mobile. bank_card needs 50% of at least 20
    values to pass in a column (patterns/finance.yaml): 19 of 40 is below, so the column
    counts no card and all 40 rows are art5_5 pieces by their mobile; the 19 valid cards
    would make 19 of them art5_3 under the other reading: doubt art5_5 -> art5_3, 19."""
    rows = []
    for i in range(40):
        card = fx.luhn("62%013d" % (7000000000000 + i))
        if i >= 19:
            card = card[:-1] + str((int(card[-1]) + 1) % 10)
        rows.append((card, "1380000%04d" % i))
    path = os.path.join(tmp, "codes.csv")
    fx.write(path, fx.csv_text(rows, ("编号", "手机")).encode())
    out_en, out_zh = os.path.join(tmp, "r.html"), os.path.join(tmp, "r.zh.html")
    r = scan([path], "--html", out_en)
    scan([path], "--html", out_zh, "--lang", "zh")
    eq([(d["from"], d["to"], d["pieces"], d["pattern"]) for d in r["totals"]["doubt"]],
       [("art5_5", "art5_3", 19, "bank_card")], "JSON doubt")
    for out, why in ((out_en, "in columns where fewer than 50% of the sample pass it"),
                     (out_zh, "所在列的样本中通过率低于50%")):
        table = section(html_of(out), "doubt")
        rows = re.findall(r'<tr><td class="n">(\d+)</td><td>(\S+) → (\S+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', table)
        eq([r[:4] for r in rows], [("19", "art5_5", "art5_3", "bank_card")], os.path.basename(out) + ": doubt rows")
        if why not in rows[0][4]:
            raise Failure("%s: the reason %r lacks %r" % (os.path.basename(out), rows[0][4], why))
    # with no doubt, no doubt section
    fx.write(path, fx.csv_text().encode())
    scan([path], "--html", out_en)
    if 'id="doubt"' in html_of(out_en):
        raise Failure("a doubt section without doubt")
