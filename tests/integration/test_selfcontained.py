"""test_selfcontained.py - a clone is the whole product: no file of the tree refers to
a path outside it (a sibling checkout such as the spec's folder beside the clone, a ../.. that climbs above the
top of the tree, an absolute path on the machine the tree was developed on). Collected
by run.py.

The files checked are those git tracks plus the untracked ones it does not ignore (the
whole tree less build/ and .git when there is no git). Binary files and the fuzz seed
corpora (inputs, never paths that are followed) are left out.
"""
import os
import re
import subprocess

from run import ROOT, Failure

SELF = os.path.relpath(os.path.abspath(__file__), ROOT)
SKIP_DIRS = ("build/", ".git/", "tests/fuzz/corpus/")

# (what, regex). The ".." patterns are written so that this file does not match itself.
FORBIDDEN = [
    ("a sibling checkout (the spec's folder beside the clone)", re.compile(r"\.\.[/\\]sha" r"red\b")),
    ("a sibling checkout joined from parts (\"..\", \"shared\")",
     re.compile(r"""['"]\.\.['"]\s*,\s*['"]shared['"]""")),
    ("an absolute path of the development machine", re.compile(r"(?<![\w.~-])/work(?=[/\s'\"`)]|$)")),
]
# A relative path that starts with ../ (not the tail of another path, as in
# "/../patterns" appended to the binary's directory).
RELATIVE = re.compile(r"(?<![\w./-])((?:\.\./)+)([\w.-]*)")


def tree_files(root):
    """Paths (relative to root) of the files to check."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True).stdout
        names = sorted(set(n.decode() for n in out.split(b"\0") if n))
    except (OSError, subprocess.CalledProcessError):
        names = []
        for d, subdirs, files in os.walk(root):
            rel = os.path.relpath(d, root)
            if rel == ".":
                subdirs[:] = [s for s in subdirs if s not in ("build", ".git")]
            names += [os.path.normpath(os.path.join(rel, f)) for f in files]
        names.sort()
    return [n for n in names if not n.startswith(SKIP_DIRS) and os.path.isfile(os.path.join(root, n))]


def escapes(root, start, dots):
    """True when the ../ run `dots`, followed from directory start, leaves root."""
    target = os.path.normpath(os.path.join(start, dots))
    return os.path.relpath(target, root).startswith("..")


def references_outside(root, skip=()):
    """[(file, line number, what, text)] of every reference to a path outside root."""
    root = os.path.abspath(root)
    found = []
    for name in tree_files(root):
        if name in skip:
            continue
        with open(os.path.join(root, name), "rb") as f:
            data = f.read()
        if b"\0" in data:
            continue   # binary
        text = data.decode("utf-8", errors="replace")
        here = os.path.dirname(os.path.join(root, name))
        for no, line in enumerate(text.splitlines(), 1):
            for what, rx in FORBIDDEN:
                if rx.search(line):
                    found.append((name, no, what, line.strip()))
            for m in RELATIVE.finditer(line):
                # ambiguous whether a path is meant from the file's directory (an
                # #include) or from the top of the tree (a script run by make): a
                # reference is outside when it leaves the tree either way
                if escapes(root, here, m.group(1)) and escapes(root, root, m.group(1)):
                    found.append((name, no, "a ../ that climbs out of the tree", line.strip()))
    return found


def test_no_reference_outside_the_tree(tmp):
    found = references_outside(ROOT, skip=(SELF,))
    if found:
        raise Failure("references to paths outside the tree:\n" + "\n".join(
            "%s:%d: %s: %s" % f for f in found[:30]))


def test_selfcontained_check_catches_references(tmp):
    """The check itself, on a small tree: each kind of outside reference is found, and the
    inside ones the real tree uses (an #include two levels up, a path appended to the
    binary's directory) are not."""
    def put(rel, text):
        path = os.path.join(tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    dots = "../"
    bad = {
        "Makefile": "check:\n\tpython3 " + dots + "shared/contract/x.py\n",
        "tests/run.py": 'CHECKER = os.path.join(ROOT, "..", "shared", "x.py")\n',
        "tests/unit/t.c": '#include "' + dots * 3 + 'elsewhere/x.h"\n',
        "README.md": "The contract is at " + dots * 2 + "SPEC.md.\n",
        "docs/a.md": "see " + "/wo" + "rk/main/README.md\n",
    }
    good = {
        "tests/unit/ok.c": '#include "' + dots * 2 + 'src/x.h"\n',
        "src/datadir.c": 'static const char *rel[] = {"/' + dots * 2 + 'patterns"};\n',
        "docs/b.md": "Counts work/s, workers in /usr/local, paths like a/../b.\n",
        "src/x.h": "\n",
    }
    for rel, text in list(bad.items()) + list(good.items()):
        put(rel, text)
    put("build/junk.txt", dots + "shared\n")   # build/ is not part of the tree
    found = references_outside(tmp)
    files = sorted(set(f[0] for f in found))
    if files != sorted(bad):
        raise Failure("flagged %s, expected %s; found: %r" % (files, sorted(bad), found))
