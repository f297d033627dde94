"""test_packaging.py - pitally as a Debian citizen and as a new user meets it (issue 15):
the man page renders without a warning and documents every option of `pitally -h`, as
the bash and zsh completions do; the completions complete commands, options, values and
the category names of the policy in force; `make install-files` puts every file in its
place; the .deb (contrib/debian/build-deb.sh, as `make deb` runs it) depends on the
runtime libraries only and, unpacked into a scratch root, runs from there with its
patterns; `pitally --version` tells the commit, the rule-file digests and the library
versions; and the command line's errors say what is wrong, once. Collected by run.py.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

from run import BIN, PATTERNS, ROOT, Failure, eq, run, scan
import fixtures as fx

MAN = os.path.join(ROOT, "docs", "pitally.1")
BASH = os.path.join(ROOT, "contrib", "completion", "pitally.bash")
ZSH = os.path.join(ROOT, "contrib", "completion", "_pitally")
BUILD_DEB = os.path.join(ROOT, "contrib", "debian", "build-deb.sh")


def sh(args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 300)
    return subprocess.run(args, **kw)


def need(tool, pkg):
    if not shutil.which(tool):
        raise Failure("%s is missing: make test installs %s (TEST_PKGS)" % (tool, pkg))


def man_warnings(path):
    """What man (groff under it) says on stderr while rendering the page, as Debian's
    lintian checks a manual page."""
    need("man", "man-db")
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
    p = sh(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", path], env=env)
    return p.returncode, p.stderr.decode(errors="replace")


def man_text(path):
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="200", MAN_KEEP_FORMATTING="")
    p = sh(["man", "-l", path], env=env)
    eq(p.returncode, 0, "man -l %s exit" % path)
    # plain text: no overstrike, and U+2010/U+2212 as the '-' a user types
    text = re.sub(r".\x08", "", p.stdout.decode())
    return text.replace("\u2010", "-").replace("\u2212", "-")


def help_long_options():
    """Every --long-option named in `pitally -h`."""
    out = run(["-h"]).stdout.decode()
    opts = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", out)))
    # the usage text names about 28 options: a parse that finds few is broken
    if len(opts) < 25 or "--json" not in opts or "--max-record" not in opts:
        raise Failure("found only %r in -h" % opts)
    return opts


def policy_categories(policy):
    """The keys of the policy's categories: mapping, read independently of the
    completion scripts' awk."""
    cats, on = [], False
    for line in open(policy, encoding="utf-8"):
        if line.startswith("categories:"):
            on = True
            continue
        if line[:1] not in (" ", "#", "\n", ""):
            on = False
        m = re.match(r"  ([A-Za-z0-9_]+):", line)
        if on and m:
            cats.append(m.group(1))
    return cats


# ---------------------------------------------------------------- man page

def test_man_page_renders_without_warnings(tmp):
    rc, err = man_warnings(MAN)
    eq((rc, err), (0, ""), "man --warnings on docs/pitally.1")
    text = man_text(MAN)
    for section in ("NAME", "SYNOPSIS", "COMMANDS", "OPTIONS", "EXIT STATUS", "ENVIRONMENT",
                    "FILES", "EXAMPLES"):
        if not re.search(r"^%s$" % section, text, re.M):
            raise Failure("man page lacks the %s section" % section)
    for cmd in ("scan", "merge", "patterns", "explain", "verify"):
        if not re.search(r"^\s+%s\b" % cmd, text, re.M):
            raise Failure("man page does not document the %s command" % cmd)
    # the exit statuses of docs/exit-codes.md
    codes = re.findall(r"^\| (\d+) \|", open(os.path.join(ROOT, "docs", "exit-codes.md"),
                                               encoding="utf-8").read(), re.M)
    exit_part = text.split("EXIT STATUS", 1)[1].split("ENVIRONMENT", 1)[0]
    for c in codes:
        if not re.search(r"^\s+%s\s" % c, exit_part, re.M):
            raise Failure("exit status %s of docs/exit-codes.md is not in the man page" % c)
    # the check sees a broken page: an unknown macro and an unknown escape
    bad = os.path.join(tmp, "bad.1")
    with open(MAN, encoding="utf-8") as f:
        page = f.read()
    with open(bad, "w", encoding="utf-8") as f:
        f.write(page.replace(".SH EXAMPLES\n", ".SH EXAMPLES\n.XY nonsense\nbad \\q escape\n"))
    rc, err = man_warnings(bad)
    if not err:
        raise Failure("a page with an unknown macro and escape renders without a warning")


def test_every_help_option_in_man_page_and_completions(tmp):
    opts = help_long_options()
    with open(MAN, encoding="utf-8") as f:
        man_src = f.read().replace("\\-", "-")
    man_rendered = man_text(MAN)
    bash = open(BASH, encoding="utf-8").read()
    zsh = open(ZSH, encoding="utf-8").read()
    for where, text in (("docs/pitally.1", man_src), ("the rendered man page", man_rendered),
                        ("the bash completion", bash), ("the zsh completion", zsh)):
        missing = [o for o in opts if not re.search(re.escape(o) + r"(?![\w-])", text)]
        if missing:
            raise Failure("%s lacks %s (in pitally -h)" % (where, ", ".join(missing)))
    # and the other way: an option the completions offer is one pitally documents
    for where, text in (("bash", bash), ("zsh", zsh)):
        offered = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", text)) - {"--help"}
        extra = sorted(offered - set(opts))
        eq(extra, [], "options the %s completion offers that pitally -h does not name" % where)


# ---------------------------------------------------------------- completion

def complete(words, tmp, env_path=None):
    """COMPREPLY of the bash completion for the command line `words` (the last one is
    being completed), split as bash splits it: '=' is a word of its own."""
    need("bash", "bash")
    line = " ".join(words)
    comp = []
    for w in words:
        if "=" in w and not w.startswith("-"):
            head, tail = w.split("=", 1)
            comp += [head, "="] + ([tail] if tail else [])
        else:
            comp.append(w)
    script = (
        'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));\n'
        'COMP_LINE="$LINE"; COMP_POINT=${#COMP_LINE}; _pitally; printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = dict(os.environ, LINE=line,
               PATH=os.path.dirname(BIN) + os.pathsep + (env_path or os.environ["PATH"]))
    env.pop("PITALLY_PATTERNS", None)
    p = sh(["bash", "-c", script, "bash", BASH] + comp, env=env, cwd=ROOT)
    if p.returncode != 0:
        raise Failure("completion of %r: exit %d: %s" % (line, p.returncode, p.stderr.decode()))
    return [w for w in p.stdout.decode().split("\n") if w]


def test_bash_completion(tmp):
    if os.path.basename(BIN) != "pitally":
        raise Failure("the completion calls `pitally`; the binary is %s" % BIN)
    cats = policy_categories(os.path.join(PATTERNS, "policy.yaml"))
    if len(cats) < 10 or "property" not in cats:
        raise Failure("policy categories read as %r" % cats)
    cases = [
        (["pitally", "sc"], ["scan"]),
        (["pitally", "scan", "--ti"], ["--tier"]),
        (["pitally", "scan", "--form"], ["--format"]),
        (["pitally", "scan", "--format", "j"], ["jsonl"]),
        (["pitally", "scan", "--lang", ""], ["en", "zh"]),
        (["pitally", "patterns", "--"], ["--check", "--help", "--patterns", "--policy"]),
        (["pitally", "scan", "--tier", "prop"], ["property="]),
        (["pitally", "scan", "--tier", "property=art5_"], ["art5_3", "art5_4", "art5_5"]),
        (["pitally", "scan", "--tier", "property="], ["=art5_3", "=art5_4", "=art5_5"]),
        (["pitally", "scan", "--declare", "dumps/=hea"], ["health"]),
        (["pitally", "scan", "--tier", ""], sorted(c + "=" for c in cats)),
        (["pitally", "scan", "tests/fixtures/de"], ["tests/fixtures/demo"]),
        (["pitally", "scan", "--", "--x"], []),
    ]
    for words, want in cases:
        eq(sorted(complete(words, tmp)), sorted(want), "completion of %r" % " ".join(words))
    # the categories come from the policy in force at completion time: --patterns DIR
    custom = os.path.join(tmp, "rules")
    os.makedirs(custom)
    with open(os.path.join(PATTERNS, "policy.yaml"), encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(custom, "policy.yaml"), "w", encoding="utf-8") as f:
        f.write(text.replace("\ncategories:\n", "\ncategories:\n  zz_custom_cat: art5_5\n", 1))
    got = complete(["pitally", "scan", "--patterns", custom, "--tier", "zz"], tmp)
    eq(got, ["zz_custom_cat="], "category of --patterns DIR's policy")


def test_zsh_completion_parses(tmp):
    need("zsh", "zsh")
    p = sh(["zsh", "-n", ZSH])
    eq((p.returncode, p.stderr.decode()), (0, ""), "zsh -n _pitally")
    # a broken copy is caught
    bad = os.path.join(tmp, "_bad")
    with open(bad, "w") as f:
        f.write(open(ZSH).read().replace("  esac\n}", "  esac\n", 1))
    if sh(["zsh", "-n", bad]).returncode == 0:
        raise Failure("zsh -n accepts a completion with an unclosed function")
    # its helpers, run by zsh: the categories and tiers of the policy in force (the one
    # `pitally --version` names, or --patterns DIR's), as the completion would offer them
    custom = os.path.join(tmp, "rules")
    os.makedirs(custom)
    with open(os.path.join(PATTERNS, "policy.yaml"), encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(custom, "policy.yaml"), "w", encoding="utf-8") as f:
        f.write(text.replace("\ncategories:\n", "\ncategories:\n  zz_custom_cat: art5_5\n", 1))
    env = dict(os.environ, PATH=os.path.dirname(BIN) + os.pathsep + os.environ["PATH"])
    env.pop("PITALLY_PATTERNS", None)
    script = ('autoload -U compinit; compinit -u -d "$2/zcompdump"; source "$1" 2>/dev/null\n'
              'words=(pitally scan --tier x); _pitally_categories; print -- --; _pitally_tiers\n'
              'print -- --; words=(pitally scan --patterns "$3" --tier x); _pitally_categories\n')
    p = sh(["zsh", "-f", "-c", script, "zsh", ZSH, tmp, custom], env=env)
    parts = p.stdout.decode().split("--\n")
    cats = policy_categories(os.path.join(PATTERNS, "policy.yaml"))
    eq(len(parts), 3, "zsh helper output: %r %r" % (p.stdout[:200], p.stderr[:300]))
    eq(parts[0].split(), cats, "zsh: categories of the installed policy")
    eq(parts[1].split(), ["art5_3", "art5_4", "art5_5"], "zsh: tiers")
    eq(parts[2].split(), ["zz_custom_cat"] + cats, "zsh: categories of --patterns DIR")


# ---------------------------------------------------------------- install, .deb

def test_install_files(tmp):
    dest = os.path.join(tmp, "dest")
    p = sh(["make", "--no-print-directory", "-s", "install-files", "DESTDIR=" + dest,
            "PREFIX=/usr/local", "INSTALL_BIN=" + BIN], cwd=ROOT)
    eq(p.returncode, 0, "make install-files: %s" % p.stderr.decode()[-500:])
    docs = sorted(f for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    want = (["bin/pitally", "share/man/man1/pitally.1",
             "share/bash-completion/completions/pitally",
             "share/zsh/site-functions/_pitally",
             "share/doc/pitally/pitally-report.schema.json", "share/doc/pitally/README.md"] +
            ["share/doc/pitally/" + d for d in docs] +
            ["share/pitally/patterns/" + f for f in os.listdir(PATTERNS) if f.endswith(".yaml")])
    for rel in want:
        if not os.path.isfile(os.path.join(dest, "usr/local", rel)):
            raise Failure("make install does not install %s" % rel)
    if not os.access(os.path.join(dest, "usr/local/bin/pitally"), os.X_OK):
        raise Failure("installed binary is not executable")


def build_deb(tmp):
    need("dpkg-deb", "dpkg")
    version = re.search(r'#define PT_VERSION "([^"]+)"',
                        open(os.path.join(ROOT, "include/pitally/common.h")).read()).group(1)
    p = sh(["sh", BUILD_DEB, BIN, version, os.path.join(tmp, "out")], cwd=ROOT)
    eq(p.returncode, 0, "build-deb.sh: %s" % p.stderr.decode()[-800:])
    deb = p.stdout.decode().strip().splitlines()[-1]
    if not os.path.isfile(deb):
        raise Failure("no .deb at %r" % deb)
    return deb, version


def test_deb_installs_and_runs_from_a_scratch_root(tmp):
    need("dpkg-shlibdeps", "dpkg-dev")
    deb, version = build_deb(tmp)
    field = lambda f: sh(["dpkg-deb", "-f", deb, f]).stdout.decode().strip()  # noqa: E731
    eq(field("Package"), "pitally", "Package")
    eq(field("Version"), version, "Version")
    depends = [d.strip().split(" ")[0] for d in field("Depends").split(",")]
    # the runtime libraries the binary links, by their Debian names; no -dev package
    for pkg in ("libc6", "libpcre2-8-0", "libyaml-0-2", "zlib1g", "libxxhash0", "libssl3"):
        if pkg not in depends:
            raise Failure("Depends lacks %s: %r" % (pkg, depends))
    if os.path.exists(os.path.join(os.path.dirname(BIN), ".inflate-isal")) and \
            "libisal2" not in depends:
        raise Failure("an ISA-L build's Depends lacks libisal2: %r" % depends)
    dev = [d for d in depends if d.endswith("-dev") or d in ("gcc", "make", "python3")]
    eq(dev, [], "build-only packages in Depends")

    root = os.path.join(tmp, "root")
    eq(sh(["dpkg", "-x", deb, root]).returncode, 0, "dpkg -x")
    for rel in ("usr/bin/pitally", "usr/share/pitally/patterns/policy.yaml",
                "usr/share/man/man1/pitally.1.gz", "usr/share/doc/pitally/pitally-report.schema.json",
                "usr/share/bash-completion/completions/pitally",
                "usr/share/zsh/vendor-completions/_pitally"):
        if not os.path.isfile(os.path.join(root, rel)):
            raise Failure("the .deb lacks /%s" % rel)
    rc, err = man_warnings(os.path.join(root, "usr/share/man/man1/pitally.1.gz"))
    eq((rc, err), (0, ""), "the packaged man page renders")

    exe = os.path.join(root, "usr", "bin", "pitally")
    env = dict(os.environ)
    env.pop("PITALLY_PATTERNS", None)
    installed = os.path.join(os.path.realpath(root), "usr", "share", "pitally", "patterns")
    p = sh([exe, "--version"], env=env)
    eq(p.returncode, 0, "installed pitally --version")
    out = p.stdout.decode()
    if not out.startswith("pitally %s\n" % version):
        raise Failure("--version starts %r" % out[:60])
    if "patterns: %s\n" % installed not in out:
        raise Failure("--version does not use the packaged patterns %s:\n%s" % (installed, out))

    data = os.path.join(tmp, "data", "p.csv")
    fx.write(data, fx.csv_text().encode())
    p = sh([exe, "scan", "--json", "-", "--progress", "never", data], env=env, cwd=tmp)
    eq(p.returncode, 0, "installed pitally scan: %s" % p.stderr.decode()[-500:])
    r = json.loads(p.stdout)
    inp = r["inputs"][0]
    # fixtures.PEOPLE: 3 rows, the third repeats the first: 3 records, 3 raw, 2 distinct
    eq((inp["records"], inp["pieces"]["raw"], inp["pieces"]["distinct"]), (3, 3, 2),
       "records/raw/distinct from the installed binary")
    eq(r["totals"]["subjects"], 2, "subjects")
    eq(os.path.realpath(r["run"]["patterns_dir"]), installed, "run.patterns_dir")


# ---------------------------------------------------------------- --version

def test_version_names_commit_digests_and_libraries(tmp):
    out = run(["--version"]).stdout.decode()
    lines = out.splitlines()
    version = re.search(r'#define PT_VERSION "([^"]+)"',
                        open(os.path.join(ROOT, "include/pitally/common.h")).read()).group(1)
    eq(lines[0], "pitally " + version, "first line")
    commit_h = os.path.join(os.path.dirname(BIN), "gen", "commit.h")
    want = re.search(r'"(.*)"', open(commit_h).read()).group(1)
    if "commit: %s" % want not in lines:
        raise Failure("--version lacks the commit %s:\n%s" % (want, out))
    env = dict(os.environ, PITALLY_PATTERNS=PATTERNS)
    out = sh([BIN, "--version"], env=env).stdout.decode()
    for name in sorted(os.listdir(PATTERNS)):
        if name.endswith(".yaml"):
            digest = hashlib.sha256(open(os.path.join(PATTERNS, name), "rb").read()).hexdigest()
            if not re.search(r"^\s+%s\s+%s$" % (digest, re.escape(name)), out, re.M):
                raise Failure("--version lacks %s with SHA-256 %s:\n%s" % (name, digest, out))
    # the same digests as a report's run record
    fx.write(os.path.join(tmp, "p.csv"), fx.csv_text().encode())
    r = scan([os.path.join(tmp, "p.csv")])
    for f in r["run"]["rule_files"]:
        if f["sha256"] not in out:
            raise Failure("run record digest of %s is not in --version" % f["path"])

    # library versions, each against what Debian (dpkg) or Python (the same shared
    # library) says, not against an earlier run
    def deb_version(pkg):
        p = sh(["dpkg-query", "-W", "-f", "${Version}", pkg])
        return re.sub(r"^\d+:", "", p.stdout.decode()).split("-")[0] if p.returncode == 0 else None

    import ssl
    import zlib
    expect = ["  zlib %s" % zlib.ZLIB_RUNTIME_VERSION, "  " + ssl.OPENSSL_VERSION]
    for pkg, label in (("libpcre2-8-0", "PCRE2"), ("libyaml-0-2", "libyaml"),
                       ("libxxhash0", "xxHash")):
        v = deb_version(pkg)
        if v:
            expect.append("  %s %s" % (label, v))
    for e in expect:
        if not any(line.startswith(e) for line in out.splitlines()):
            raise Failure("--version lacks %r:\n%s" % (e, out))
    isal = os.path.exists(os.path.join(os.path.dirname(BIN), ".inflate-isal"))
    if ("  gzip inflate: %s" % ("isa-l" if isal else "zlib")) not in out:
        raise Failure("--version names the wrong inflate backend:\n%s" % out)
    env["PITALLY_INFLATE"] = "zlib"
    out = sh([BIN, "--version"], env=env).stdout.decode()
    if "  gzip inflate: zlib" not in out:
        raise Failure("PITALLY_INFLATE=zlib is not reflected in --version:\n%s" % out)


# ---------------------------------------------------------------- friendlier CLI

def test_help_stdin_and_double_dash(tmp):
    out = run(["-h"]).stdout.decode()
    if not re.search(r"PATH may be - \(standard input\)", out) or "explain -- -0123" not in out:
        raise Failure("-h does not document - and --:\n" + out[:400])
    p = run(["explain", "--patterns", PATTERNS, "--", "-0123"])
    if 'value: "-0123"' not in p.stdout.decode():
        raise Failure("explain -- -0123: %r" % p.stdout[:200])
    p = run(["explain", "--patterns", PATTERNS, "-0123"], expect_rc=1)
    err = p.stderr.decode().splitlines()
    eq(err[0], "pitally: unknown option '-0' (a PATH or VALUE that starts with - goes after --)",
       "first stderr line")
    eq(sum(1 for line in err if line.startswith("pitally:")), 1, "messages")


def test_option_value_missing_or_unknown(tmp):
    cases = [
        (["scan", "--json"], "pitally: --json needs FILE or - (standard output)"),
        (["scan", "x", "-j"], "pitally: -j needs N (worker threads)"),
        (["scan", "x", "--tier"], "pitally: --tier needs CATEGORY=TIER"),
        (["scan", "--mask=yes", "x"], "pitally: --mask takes no value"),
        (["scan", "--no-such-option", "x"],
         "pitally: unknown or ambiguous option '--no-such-option' "
         "(a PATH or VALUE that starts with - goes after --)"),
    ]
    for args, first in cases:
        p = run(args, expect_rc=1)
        err = p.stderr.decode()
        eq(err.splitlines()[0], first, "pitally %s" % " ".join(args))
        for wrong in ("requires an argument", "unrecognized option", "invalid option"):
            if wrong in err:
                raise Failure("pitally %s: getopt's own message %r" % (" ".join(args), wrong))


def test_tier_error_prefix_once(tmp):
    path = os.path.join(tmp, "p.csv")
    fx.write(path, fx.csv_text().encode())
    for spec in ("nosuch=art5_3", "identity", "identity=art9"):
        p = run(["scan", "--patterns", PATTERNS, "--tier", spec, path], expect_rc=1)
        err = p.stderr.decode().strip()
        eq(len(err.splitlines()), 1, "--tier %s: one line" % spec)
        eq(err.count("--tier"), 1, "--tier %s: prefix count in %r" % (spec, err))
        if spec.split("=")[0] not in err:
            raise Failure("--tier %s: message does not name it: %r" % (spec, err))


def test_progress_names_file_k_of_n(tmp):
    d = os.path.join(tmp, "dump")
    fx.write(os.path.join(d, "a.csv"), fx.csv_text().encode())
    fx.write(os.path.join(d, "b.csv"), fx.csv_text().encode())
    p = run(["scan", "--patterns", PATTERNS, "--progress", "always", "--json", os.devnull, d])
    err = p.stderr.decode()
    if not re.search(r"file 1 of 2 \S*a\.csv", err):
        raise Failure("progress does not name the file and 'file 1 of 2': %r" % err[:300])


def test_quiet_build_rules(tmp):
    """A build prints '  CC      FILE' lines; V=1 the compiler command."""
    b = os.path.join(tmp, "b")
    obj = os.path.join(b, "obj", "src", "util", "common.o")
    for v, want, unwanted in (("0", "  CC      " + obj, "-Wall"), ("1", "-Wall", "  CC      ")):
        p = sh(["make", "--no-print-directory", "BUILD=" + b, "V=" + v, obj], cwd=ROOT)
        eq(p.returncode, 0, "make V=%s: %s" % (v, p.stderr.decode()[-300:]))
        out = p.stdout.decode()
        if want not in out or unwanted in out:
            raise Failure("make V=%s printed %r" % (v, out))
        os.remove(obj)
