#!/usr/bin/env python3
"""csv2xlsx.py - the records of a bench CSV as .xlsx workbooks, for the xlsx rows of run.sh.

    csv2xlsx.py CSV OUT.xlsx [--sheet-rows N]   one workbook; a new sheet every N records
    csv2xlsx.py CSV OUTDIR --books N             N workbooks of equal record counts, one
                                                 sheet each, named book-000000.xlsx, ...

Every sheet starts with the CSV's header row, and every cell is an inline string holding the
CSV field as it is (`t="inlineStr"`, as streaming writers such as XlsxWriter's
constant_memory mode write them): the sheets hold the CSV's records and text exactly, so
pitally must count the same. No cell is a number, so no 18-digit ID loses its digits.
Excel's limit is 1,048,576 rows a sheet, hence --sheet-rows (default 1,000,000).

Deflate level 1 keeps generation quick; the reader's cost is inflate plus XML either way.
Written with zipfile's streaming writer: no part is held in memory.
"""
import csv
import os
import sys
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>')
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
SHEET_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def column_letters(n):
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


class Book:
    """One workbook being written: sheets are streamed one after the other."""

    def __init__(self, path, header):
        self.zip = zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.path = path
        self.header = header
        self.row_format = {}   # fields in a row -> its str.format template
        self.sheets = 0
        self.part = None
        self.pending = []
        self.row = 0

    def new_sheet(self):
        self.end_sheet()
        self.sheets += 1
        self.part = self.zip.open("xl/worksheets/sheet%d.xml" % self.sheets, "w")
        self.part.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         '<worksheet xmlns="%s"><sheetData>' % MAIN_NS).encode())
        self.row = 0
        self.add_row(self.header)

    def template(self, n):
        """'<row r="{0}"><c r="A{0}" t="inlineStr"><is><t>{1}</t></is></c>...</row>'"""
        t = self.row_format.get(n)
        if t is None:
            t = '<row r="{0}">%s</row>' % "".join(
                '<c r="%s{0}" t="inlineStr"><is><t>{%d}</t></is></c>' % (column_letters(i), i + 1)
                for i in range(n))
            t = self.row_format[n] = t
        return t

    def add_row(self, fields):
        self.row += 1
        # one escape of the whole row (fields never hold NUL) instead of one per field
        cells = escape("\0".join(fields)).split("\0")
        self.pending.append(self.template(len(cells)).format(self.row, *cells))
        if len(self.pending) >= 2000:
            self.flush()

    def flush(self):
        self.part.write("".join(self.pending).encode())
        self.pending = []

    def end_sheet(self):
        if self.part:
            self.flush()
            self.part.write(b"</sheetData></worksheet>")
            self.part.close()
            self.part = None

    def close(self):
        self.end_sheet()
        n = range(1, self.sheets + 1)
        self.zip.writestr("[Content_Types].xml", CONTENT_TYPES_HEAD + "".join(
            '<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="%s"/>' % (i, SHEET_TYPE)
            for i in n) + "</Types>")
        self.zip.writestr("_rels/.rels", ROOT_RELS)
        self.zip.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="%s" xmlns:r="%s"><sheets>' % (MAIN_NS, REL_NS)) + "".join(
            '<sheet name="Sheet%d" sheetId="%d" r:id="rId%d"/>' % (i, i, i) for i in n)
            + "</sheets></workbook>")
        self.zip.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">')
            + "".join('<Relationship Id="rId%d" Type="%s" Target="worksheets/sheet%d.xml"/>'
                      % (i, SHEET_REL_TYPE, i) for i in n) + "</Relationships>")
        self.zip.close()
        os.replace(self.path + ".tmp", self.path)


def one_book(csv_path, out, sheet_rows):
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        book = Book(out, next(rows))
        book.new_sheet()
        in_sheet = 0
        for fields in rows:
            if in_sheet == sheet_rows:
                book.new_sheet()
                in_sheet = 0
            book.add_row(fields)
            in_sheet += 1
        book.close()


def many_books(csv_path, out_dir, books):
    with open(csv_path, newline="", encoding="utf-8") as f:
        records = sum(1 for _ in f) - 1   # the bench CSV has no line breaks inside fields
    per = max(1, -(-records // books))
    os.makedirs(out_dir, exist_ok=True)
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows)
        book, k = None, 0
        for i, fields in enumerate(rows):
            if i % per == 0:
                if book:
                    book.close()
                book = Book(os.path.join(out_dir, "book-%06d.xlsx" % k), header)
                book.new_sheet()
                k += 1
            book.add_row(fields)
        if book:
            book.close()


def main(argv):
    if len(argv) == 3:
        one_book(argv[1], argv[2], 1000000)
    elif len(argv) == 5 and argv[3] == "--sheet-rows":
        one_book(argv[1], argv[2], int(argv[4]))
    elif len(argv) == 5 and argv[3] == "--books":
        many_books(argv[1], argv[2], int(argv[4]))
    else:
        sys.stderr.write(__doc__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
