#!/usr/bin/env python3
"""report_check.py - checks a pitally JSON report against its published schema,
docs/pitally-report.schema.json (JSON Schema draft 2020-12), and then the consistency
rules a schema cannot express: counts that must add up, distinct <= raw, totals that are
the sum of the inputs, thresholds and ratios that agree with the policy, grounds that
agree with the counts.

usage: python3 tests/report_check.py REPORT.json...
  prints "report ok" and exits 0, or prints the problems and exits 1.

It checks shape and internal consistency, not whether the counts are right (the tests
do that). The integration tests import it (problems(report)) to check every report they
parse. Needs the jsonschema module (Debian: python3-jsonschema, installed by `make deps`).
"""
import json
import os
import sys
from fractions import Fraction

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                           "pitally-report.schema.json")
MAX_SHOWN = 20

_validator = None


class MissingModule(RuntimeError):
    pass


def validator():
    """The Draft 2020-12 validator of the schema, built once; the schema is itself checked."""
    global _validator
    if _validator is None:
        try:
            from jsonschema import Draft202012Validator, validators
        except ImportError:
            raise MissingModule("report_check: the Python module jsonschema is missing for %s "
                                "(Debian: apt-get install python3-jsonschema, or `make deps`)"
                                % sys.executable)
        with open(SCHEMA_PATH, encoding="utf-8") as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
        # JSON Schema counts 3.0 as an integer; a count written as 3.0 breaks consumers
        # that parse integers, so here an integer is a JSON number without a fraction
        # part or exponent (what Python's json gives as int), never a bool.
        strict = Draft202012Validator.TYPE_CHECKER.redefine(
            "integer", lambda _, x: isinstance(x, int) and not isinstance(x, bool))
        _validator = validators.extend(Draft202012Validator, type_checker=strict)(schema)
    return _validator


def where(path):
    """JSON path of a schema error, e.g. inputs[0].errors[1].kind"""
    out = "report"
    for p in path:
        out += "[%d]" % p if isinstance(p, int) else "." + str(p)
    return out


def exact(x):
    """A number of the report as an exact fraction (a float is read as its decimal text)."""
    return Fraction(x) if isinstance(x, int) else Fraction(repr(x))


def check_counts(obj, w, tier_ids, category_ids, out):
    """pieces, tiers and categories of one input or of the totals."""
    p, tiers = obj["pieces"], obj["tiers"]
    if p["distinct"] > p["raw"]:
        out.append("%s.pieces: distinct %d > raw %d" % (w, p["distinct"], p["raw"]))
    if p["raw"] > obj["records"]:
        out.append("%s: %d pieces in %d records" % (w, p["raw"], obj["records"]))
    if set(tiers) != tier_ids:
        out.append("%s.tiers: ids %s, the policy has %s" % (w, sorted(tiers), sorted(tier_ids)))
    for t, c in tiers.items():
        if c["distinct"] > c["raw"]:
            out.append("%s.tiers.%s: distinct %d > raw %d" % (w, t, c["distinct"], c["raw"]))
    for kind in ("raw", "distinct"):
        s = sum(c[kind] for c in tiers.values())
        if s != p[kind]:
            out.append("%s: tier %s counts add to %d, pieces.%s is %d" % (w, kind, s, kind, p[kind]))
    cats = obj["categories"]
    if set(cats) != category_ids:
        out.append("%s.categories: %s differ from the policy's categories %s" % (
            w, sorted(set(cats) ^ category_ids), sorted(category_ids)))
    for c, n in cats.items():
        if n > obj["records"]:
            out.append("%s.categories.%s: %d records of %d" % (w, c, n, obj["records"]))


def check_policy(r, out):
    """Tier ids and categories of the policy in force; each category in exactly one tier."""
    tiers = r["policy"]["tiers"]
    seen = {}
    for t, pt in tiers.items():
        for c in pt["categories"]:
            if c in seen:
                out.append("policy.tiers: category %s in both %s and %s" % (c, seen[c], t))
            seen[c] = t
    return set(tiers), set(seen)


def check_inputs(r, tier_ids, category_ids, out):
    for i, inp in enumerate(r["inputs"]):
        w = "inputs[%d]" % i
        check_counts(inp, w, tier_ids, category_ids, out)
        if not inp["readable"]:
            if inp["records"] or inp["pieces"]["raw"]:
                out.append("%s: not readable, yet %d records" % (w, inp["records"]))
            if not inp["errors"]:
                out.append("%s: not readable and no error says why" % w)
        for e in inp["errors"]:
            if e.get("line", 1) > e["offset"] + 1:
                out.append("%s.errors: line %d after offset %d" % (w, e["line"], e["offset"]))
        offsets = [e["offset"] for e in inp["errors"]]
        if offsets != sorted(offsets):
            out.append("%s.errors: not in offset order %s" % (w, offsets))


def check_parts(r, out):
    """A part of a split file (a shard's report): part with parts, 1 <= part <= parts, its
    text range forward and from 0 for part 1; parts of one file in one report are
    distinct, all of the same count, and in part order their ranges do not overlap."""
    of_file = {}
    for i, inp in enumerate(r["inputs"]):
        w = "inputs[%d]" % i
        if ("part" in inp) != ("parts" in inp) or ("part_offsets" in inp and "part" not in inp):
            out.append("%s: part, parts and part_offsets go together (part %r, parts %r)" % (
                w, inp.get("part"), inp.get("parts")))
            continue
        if "part" not in inp:
            continue
        if inp["part"] > inp["parts"]:
            out.append("%s: part %d of %d" % (w, inp["part"], inp["parts"]))
        rng = inp.get("part_offsets")
        if rng and rng[0] > rng[1]:
            out.append("%s.part_offsets: %d > %d" % (w, rng[0], rng[1]))
        if rng and inp["part"] == 1 and rng[0] != 0:
            out.append("%s.part_offsets: part 1 starts at %d, not 0" % (w, rng[0]))
        of_file.setdefault(inp["path"], []).append((inp["part"], inp["parts"], rng, w))
    for path, parts in of_file.items():
        if len({n for _, n, _, _ in parts}) > 1 or len({k for k, _, _, _ in parts}) < len(parts):
            out.append("%s: parts %s of one file" % (parts[0][3], [(k, n) for k, n, _, _ in parts]))
            continue
        ranges = [(rng, w) for _, _, rng, w in sorted(parts, key=lambda x: x[0]) if rng]
        for (a, _), (b, w) in zip(ranges, ranges[1:]):
            if a[1] > b[0]:
                out.append("%s.part_offsets: starts at %d, before the end of an earlier part (%d)"
                           % (w, b[0], a[1]))


def check_totals(r, tier_ids, out):
    tot, inputs = r["totals"], r["inputs"]
    for key in ("records", "bytes"):
        s = sum(x[key] for x in inputs)
        if tot[key] != s:
            out.append("totals.%s is %d, the inputs add to %d" % (key, tot[key], s))
    if tot["pieces"]["raw"] != sum(x["pieces"]["raw"] for x in inputs):
        out.append("totals.pieces.raw differs from the sum over inputs")
    for c, n in tot["categories"].items():
        s = sum(x["categories"].get(c, 0) for x in inputs)
        if n != s:
            out.append("totals.categories.%s is %d, the inputs add to %d" % (c, n, s))
    # distinct across the run: at least the largest input's, at most their sum
    per_input = [x["pieces"] for x in inputs]
    lo = max([x["distinct"] for x in per_input] or [0])
    hi = sum(x["distinct"] for x in per_input)
    if not lo <= tot["pieces"]["distinct"] <= hi:
        out.append("totals.pieces.distinct %d outside [%d, %d] (largest input, sum of inputs)"
                   % (tot["pieces"]["distinct"], lo, hi))
    # by tier: a piece counts in the most serious tier any of its occurrences had, so a
    # tier's run count is at most the inputs' sum for that tier, and the tiers from the
    # most serious down to any tier hold at least what the largest input has there
    cum_run, cum_inputs = 0, [0] * len(inputs)
    for t in r["policy"]["tiers"]:   # the policy's order: most serious first
        c = tot["tiers"][t]
        tier_of = [x["tiers"].get(t, {"raw": 0, "distinct": 0}) for x in inputs]
        if c["raw"] != sum(x["raw"] for x in tier_of):
            out.append("totals.tiers.%s.raw differs from the sum over inputs" % t)
        hi = sum(x["distinct"] for x in tier_of)
        if c["distinct"] > hi:
            out.append("totals.tiers.%s.distinct %d above the inputs' sum %d" % (t, c["distinct"], hi))
        cum_run += c["distinct"]
        cum_inputs = [a + x["distinct"] for a, x in zip(cum_inputs, tier_of)]
        if cum_run < max(cum_inputs or [0]):
            out.append("totals.tiers up to %s: %d distinct, fewer than an input's %d"
                       % (t, cum_run, max(cum_inputs)))
    if tot["subjects"] > tot["pieces"]["distinct"]:
        out.append("totals.subjects %d > distinct pieces %d" % (tot["subjects"], tot["pieces"]["distinct"]))


def check_columns(r, tier_ids, out):
    """The columns view and the doubt note: counts that nest, doubt that adds up."""
    names = set(tier_ids) | {"none"}
    summed = {}
    for i, inp in enumerate(r["inputs"]):
        w = "inputs[%d]" % i
        for k, col in enumerate(inp.get("columns", [])):
            cw = "%s.columns[%d]" % (w, k)
            if col["fill"] > inp["records"]:
                out.append("%s: fill %d > records %d" % (cw, col["fill"], inp["records"]))
            for p in col["patterns"]:
                if not p["accepted"] <= p["passed"] <= p["checked"] <= p["matches"]:
                    out.append("%s.%s: not accepted <= passed <= checked <= matches" % (cw, p["id"]))
                if p["decision"] == "disabled" and p["accepted"]:
                    out.append("%s.%s: disabled, yet %d accepted" % (cw, p["id"], p["accepted"]))
            if (col["decision"] == "disabled") != any(p["decision"] == "disabled" for p in col["patterns"]):
                out.append("%s: decision %s disagrees with its patterns" % (cw, col["decision"]))
        for d in inp.get("doubt", []):
            if d["from"] not in names or d["to"] not in names or d["from"] == d["to"]:
                out.append("%s.doubt: from %s to %s" % (w, d["from"], d["to"]))
            elif d["from"] != "none" and d["pieces"] > inp["tiers"][d["from"]]["raw"]:
                out.append("%s.doubt: %d pieces from %s, which has %d raw" % (
                    w, d["pieces"], d["from"], inp["tiers"][d["from"]]["raw"]))
            key = (d["from"], d["to"], d["pattern"])
            summed[key] = summed.get(key, 0) + d["pieces"]
    total = {(d["from"], d["to"], d["pattern"]): d["pieces"] for d in r["totals"].get("doubt", [])}
    if total != summed:
        out.append("totals.doubt %r is not the inputs' doubt summed %r" % (total, summed))


def check_patterns(r, out):
    paths = [x["path"] for x in r["inputs"]]
    index = {p: i for i, p in reversed(list(enumerate(paths)))}
    for pid, pc in r["totals"]["patterns"].items():
        w = "totals.patterns.%s" % pid
        if len(pc["samples"]) > pc["matched"]:
            out.append("%s: %d samples of %d matched" % (w, len(pc["samples"]), pc["matched"]))
        for s in pc["samples"]:
            if s["path"] not in index:
                out.append("%s: sample path %r is none of the inputs" % (w, s["path"]))
        if len(set(paths)) == len(paths):
            pos = [(index.get(s["path"], -1), s["offset"]) for s in pc["samples"]]
            if pos != sorted(pos):
                out.append("%s: samples not in input/offset order" % w)
        check_lines(pc["samples"], w, out)


def check_lines(samples, w, out):
    """A line is at most the offset + 1 (each newline before it is a byte), and within one
    input a later offset is never on an earlier line."""
    last = {}
    for s in samples:
        if "line" not in s:
            continue
        if s["line"] > s["offset"] + 1:
            out.append("%s: sample line %d after offset %d" % (w, s["line"], s["offset"]))
        prev = last.get(s["path"])
        if prev and prev[0] <= s["offset"] and prev[1] > s["line"]:
            out.append("%s: sample lines go back (%r then %r)" % (w, prev, (s["offset"], s["line"])))
        last[s["path"]] = (s["offset"], s["line"])


def check_verdict(r, out):
    """Thresholds and ratios agree with the policy; the grounds with the counts (exactly)."""
    pol, tot, v = r["policy"]["tiers"], r["totals"]["tiers"], r["verdict"]
    combined = Fraction(0)
    counted = Fraction(0)   # without the tiers Art. 6 takes out (--business-purchase)
    for t, c in tot.items():
        if t not in pol:
            continue
        if c["threshold"] != pol[t]["threshold"]:
            out.append("totals.tiers.%s.threshold %r, policy.tiers.%s.threshold %r" % (
                t, c["threshold"], t, pol[t]["threshold"]))
        share = Fraction(c["distinct"]) / exact(c["threshold"])
        combined += share
        covered = pol[t].get("art6_covered", False)
        if not covered:
            counted += share
        if abs(c["ratio"] - float(share)) > 1e-6 * max(1.0, float(share)):
            out.append("totals.tiers.%s.ratio %r, distinct/threshold is %.6f" % (t, c["ratio"], float(share)))
        reached = share >= 1 and not covered
        named = pol[t]["ground"] in v["grounds"]
        if reached != named:
            out.append("verdict.grounds %s %s, yet %s has %d distinct pieces for a threshold of %r" % (
                v["grounds"], "lacks " + pol[t]["ground"] if reached else "names " + pol[t]["ground"],
                t, c["distinct"], c["threshold"]))
    if abs(v["combined_ratio"] - float(combined)) > 1e-6 * max(1.0, float(combined)):
        out.append("verdict.combined_ratio %r, the tier ratios add to %.6f" % (v["combined_ratio"], float(combined)))
    if counted >= 1 and v["level"] == "none":
        out.append("verdict.level none with a combined ratio of %s >= 1" % float(counted))
    if (v["level"] == "none") != (not v["grounds"]):
        out.append("verdict.level %s with grounds %s" % (v["level"], v["grounds"]))


def check_baseline(r, tier_ids, out):
    """--baseline: the counts by kind are the paths listed, the inputs of this run are
    each new, changed, unchanged or unhashed, and what is new fits in the run's counts."""
    b = r.get("baseline")
    if b is None:
        return
    for kind, paths in b["paths"].items():
        if kind in b["inputs"] and b["inputs"][kind] != len(paths):
            out.append("baseline.inputs.%s is %d, baseline.paths.%s lists %d" % (
                kind, b["inputs"][kind], kind, len(paths)))
    present = sum(b["inputs"][k] for k in ("new", "changed", "unchanged", "unhashed"))
    if present != len(r["inputs"]):
        out.append("baseline.inputs: new + changed + unchanged + unhashed is %d, the run has %d inputs"
                   % (present, len(r["inputs"])))
    paths = {x["path"] for x in r["inputs"]}
    for kind in ("new", "changed", "unhashed"):
        for p in b["paths"].get(kind, []):
            if p not in paths:
                out.append("baseline.paths.%s names %r, not an input of the run" % (kind, p))
    if set(b["tiers"]) != set(tier_ids):
        out.append("baseline.tiers %s, the policy's tiers %s" % (sorted(b["tiers"]), sorted(tier_ids)))
    added = 0
    for t, c in b["tiers"].items():
        run = r["totals"]["tiers"].get(t, {"distinct": 0})["distinct"]
        if c["new"] + c["raised"] > run:
            out.append("baseline.tiers.%s: %d new + %d raised, the run has %d distinct there"
                       % (t, c["new"], c["raised"], run))
        added += c["new"]
    if b["pieces_new"] != added:
        out.append("baseline.pieces_new is %d, the tiers' new add to %d" % (b["pieces_new"], added))
    if b["subjects_new"] > r["totals"]["subjects"]:
        out.append("baseline.subjects_new %d > totals.subjects %d" % (b["subjects_new"], r["totals"]["subjects"]))


def problems(report):
    """Every breach found in a parsed report (empty: the report is ok)."""
    errs = sorted(validator().iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))
    out = ["%s: %s" % (where(e.absolute_path), e.message) for e in errs]
    if out:   # the consistency checks below rely on the shape
        return out
    tier_ids, category_ids = check_policy(report, out)
    check_inputs(report, tier_ids, category_ids, out)
    check_parts(report, out)
    check_counts(report["totals"], "totals", tier_ids, category_ids, out)
    check_totals(report, tier_ids, out)
    check_columns(report, tier_ids, out)
    check_patterns(report, out)
    check_verdict(report, out)
    check_baseline(report, tier_ids, out)
    return out


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().split("\n\n")[1])
        return 1
    bad = 0
    for path in argv[1:]:
        try:
            with open(path, encoding="utf-8") as f:
                report = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: cannot read a JSON document: %s" % (path, e))
            bad += 1
            continue
        try:
            found = problems(report)
        except MissingModule as e:
            print(e)
            return 1
        if found:
            bad += 1
            prefix = path + ": " if len(argv) > 2 else ""
            for p in found[:MAX_SHOWN]:
                print(prefix + p)
            print("%sreport breaks the contract: %d problem(s)" % (prefix, len(found)))
    if bad:
        return 1
    print("report ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
