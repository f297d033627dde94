"""biff.py - writes a minimal .xls for the tests: a BIFF8 workbook stream (BOF, CODEPAGE,
BOUNDSHEET, SST, then per sheet BOF, DIMENSIONS, LABELSST and NUMBER cells, EOF) in an
OLE2 compound file of 512-byte sectors with one stream, Workbook. Written from the
record layouts of the BIFF8 and compound-file specifications; Python has no .xls writer."""
import struct

def rec(t, data):
    return struct.pack("<HH", t, len(data)) + data

def xl_str16(s):   # u16 count, flags, utf-16
    return struct.pack("<HB", len(s), 1) + s.encode("utf-16-le")

def bof(dt):
    return rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 6))

def workbook_stream(sheets, strings):
    """sheets: [(name, [(row, col, value)])], value str (shared string) or float."""
    idx = {s: i for i, s in enumerate(strings)}
    sst = struct.pack("<II", len(strings), len(strings)) + b"".join(xl_str16(s) for s in strings)
    subs = []
    for name, cells in sheets:
        rows = [r for r, _, _ in cells] or [0]
        cols = [c for _, c, _ in cells] or [0]
        body = bof(0x0010) + rec(0x0200, struct.pack("<IIHHH", min(rows), max(rows) + 1,
                                                    min(cols), max(cols) + 1, 0))
        for r, c, v in cells:
            if isinstance(v, str):
                body += rec(0x00FD, struct.pack("<HHHI", r, c, 15, idx[v]))
            else:
                body += rec(0x0203, struct.pack("<HHHd", r, c, 15, v))
        subs.append(body + rec(0x000A, b""))
    def globals_(offsets):
        g = bof(0x0005) + rec(0x0042, struct.pack("<H", 1200))
        for (name, _), off in zip(sheets, offsets):
            g += rec(0x0085, struct.pack("<IHB", off, 0, len(name)) + b"\x01" + name.encode("utf-16-le"))
        g += rec(0x00FC, sst)
        pad = max(0, 4200 - len(g) - len(b"".join(subs)))
        while pad > 0:
            n = min(pad, 1000)
            g += rec(0x005C, b"\x00" * n)          # WRITEACCESS: padding, so the stream is
            pad -= n + 4                           # past the 4096-byte mini-stream cutoff
        return g + rec(0x000A, b"")
    g = globals_([0] * len(sheets))
    offs, pos = [], len(g)
    for b in subs:
        offs.append(pos)
        pos += len(b)
    g = globals_(offs)
    return g + b"".join(subs)

def cfb(stream):
    """An OLE2 compound file (version 3, 512-byte sectors) holding one stream, Workbook."""
    SEC = 512
    n = (len(stream) + SEC - 1) // SEC
    data = stream + b"\x00" * (n * SEC - len(stream))
    fat = [0xFFFFFFFD] + [i + 2 for i in range(n - 1)] + [0xFFFFFFFE, 0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))
    dir_sector = 1 + n
    hdr = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\x00" * 16 + struct.pack(
        "<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, dir_sector, 0, 0x1000,
        0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    hdr += struct.pack("<I", 0) + b"\xFF" * (4 * 108)
    def entry(name, typ, child, start, size):
        nm = (name + "\x00").encode("utf-16-le") if name else b""
        return (nm + b"\x00" * (64 - len(nm)) + struct.pack("<HBB", len(nm), typ, 1) +
                struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child) + b"\x00" * 16 +
                struct.pack("<I", 0) + b"\x00" * 16 + struct.pack("<IQ", start, size))
    d = (entry("Root Entry", 5, 1, 0xFFFFFFFE, 0) + entry("Workbook", 2, 0xFFFFFFFF, 1, len(stream)) +
         entry("", 0, 0xFFFFFFFF, 0, 0) * 2)
    return hdr + struct.pack("<128I", *fat) + data + d

