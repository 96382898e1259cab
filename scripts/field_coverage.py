#!/usr/bin/env python3
"""Field coverage of spelunk against security_content's data source specification.

Each security_content data source (``data_sources/*.yml``) names a
``sourcetype``, a ``source``, one real event (``example_log``) and the
``fields`` Splunk plus the vendor add-on extract from such an event. This
script replays every example through spelunk::

    spelunk run '*' -e EXAMPLE --sourcetype ST --source SRC -o json [passthrough]

and counts which of the listed fields come out present in the first
resulting event. A field whose value is the empty string counts as present:
Splunk lists such fields (97 of the 103 JSON keys with an empty value in the
data sources' example events are in their field lists; the other 6 are
emptied by the add-on's own calculated fields), so a data source's list
names them. ``--no-empty`` counts only non-empty values (a string other than
"", or a multivalue field with a non-empty value). It prints one line per data source (name, sourcetype,
found/listed, missing fields), a summary per sourcetype, and the overall
percentage. Errors are reported per data source and counted as 0 found.

Some examples are cut short in the yml itself (an XML event without
``</Event>``, a classic Windows event that is only its date line, JSON that
stops mid-object): the fields after the cut cannot come out of any
extraction. Such data sources are marked ``CUT`` and a second overall line
gives the coverage over the complete examples only.

Usage::

    scripts/field_coverage.py [--data-sources DIR] [--bin PATH] [--only ST]...
        [--json] [--app DIR]... [--props PATH]... [-l PATH]... [--show-missing N]
        [--no-empty]

``--app``, ``--props`` and ``-l``/``--lookups`` are passed to ``spelunk run``
as given (``--app`` needs a spelunk that has the app-folder loader). Examples
are written to a temporary directory that is removed afterwards; nothing else
is written.

Needs Python 3.8+ and PyYAML (``pip install pyyaml``). The default data
sources folder is ``../shared/corpus/security_content/data_sources`` relative
to the crate root; when it is absent the script says so and exits 0.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import OrderedDict

try:
    import yaml
except ImportError:  # pragma: no cover - environment dependent
    sys.exit("field_coverage.py needs PyYAML: pip install pyyaml")

CRATE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DS = os.path.join(CRATE, "..", "shared", "corpus", "security_content", "data_sources")
DEFAULT_BIN = os.path.join(CRATE, "target", "release", "spelunk")
# Whether a field whose value is "" counts as present (--no-empty turns it off).
COUNT_EMPTY = True


def present(value):
    """Whether a JSON output value counts as a present, non-empty field."""
    if value is None:
        return False
    if isinstance(value, list):
        return any(present(v) for v in value)
    return COUNT_EMPTY or str(value) != ""


CLASSIC_DATE_LINE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M$")


def cut_short(example):
    """Why an example_log is cut short, or None when it looks complete."""
    text = example.strip()
    if text.startswith("<Event") and "</Event>" not in text:
        return "XML event without </Event>"
    if CLASSIC_DATE_LINE.match(text):
        return "only the date line of a Windows event"
    if text.startswith("{"):
        try:
            json.loads(text.splitlines()[0])
        except ValueError:
            return "JSON that does not parse"
    return None


def load_sources(folder):
    """Yields (file name, parsed yml) for every data source, in name order."""
    for name in sorted(os.listdir(folder)):
        if not name.endswith((".yml", ".yaml")):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            try:
                doc = yaml.safe_load(f)
            except yaml.YAMLError as e:
                yield name, {"_error": "unreadable yml: %s" % e}
                continue
        yield name, doc or {}


def run_one(binary, tmpdir, name, doc, passthrough, timeout):
    """Runs spelunk on one example. Returns (event dict or None, error or None)."""
    path = os.path.join(tmpdir, os.path.splitext(name)[0] + ".log")
    example = doc["example_log"]
    with open(path, "w", encoding="utf-8") as f:
        f.write(example if example.endswith("\n") else example + "\n")
    cmd = [binary, "run", "*", "-e", path, "-o", "json"]
    if doc.get("sourcetype"):
        cmd += ["--sourcetype", str(doc["sourcetype"])]
    if doc.get("source"):
        cmd += ["--source", str(doc["source"])]
    cmd += passthrough
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out after %ss" % timeout
    except OSError as e:
        return None, "cannot run %s: %s" % (binary, e)
    if proc.returncode != 0:
        msg = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        return None, "exit %d: %s" % (proc.returncode, msg[0] if msg else "")
    try:
        rows = json.loads(proc.stdout or "[]")
    except ValueError as e:
        return None, "output is not JSON: %s" % e
    if not rows:
        stderr = proc.stderr.strip().splitlines()
        return None, "no event read" + (": " + stderr[0] if stderr else "")
    return rows[0], None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-sources", default=DEFAULT_DS, help="folder of data source ymls")
    ap.add_argument("--bin", default=DEFAULT_BIN, help="spelunk binary (default target/release/spelunk)")
    ap.add_argument("--only", action="append", default=[], metavar="SOURCETYPE",
                    help="only data sources of this sourcetype (repeatable, case-sensitive)")
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    ap.add_argument("--app", action="append", default=[], metavar="DIR", help="passed to spelunk run")
    ap.add_argument("--props", action="append", default=[], metavar="PATH", help="passed to spelunk run")
    ap.add_argument("-l", "--lookups", action="append", default=[], metavar="PATH", help="passed to spelunk run")
    ap.add_argument("--show-missing", type=int, default=12, metavar="N",
                    help="missing fields listed per data source in text output (0: all)")
    ap.add_argument("--no-empty", action="store_true",
                    help="do not count fields whose value is the empty string (counted by default)")
    ap.add_argument("--count-empty", action="store_true",
                    help="count fields whose value is the empty string (the default; kept for old command lines)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per data source")
    args = ap.parse_args()
    global COUNT_EMPTY
    COUNT_EMPTY = not args.no_empty

    if not os.path.isdir(args.data_sources):
        print("skipped: no data sources folder at %s" % os.path.normpath(args.data_sources))
        return 0
    if not os.path.exists(args.bin):
        sys.exit("no spelunk binary at %s (cargo build --release, or --bin PATH)" % args.bin)

    passthrough = []
    for d in args.app:
        passthrough += ["--app", d]
    for p in args.props:
        passthrough += ["--props", p]
    for p in args.lookups:
        passthrough += ["-l", p]

    results = []
    skipped = []
    with tempfile.TemporaryDirectory(prefix="field_coverage_") as tmpdir:
        for name, doc in load_sources(args.data_sources):
            if "_error" in doc:
                results.append({"file": name, "name": name, "sourcetype": None, "listed": 0,
                                "found": 0, "missing": [], "error": doc["_error"]})
                continue
            st = doc.get("sourcetype")
            if args.only and st not in args.only:
                continue
            fields = [str(f) for f in (doc.get("fields") or [])]
            if not doc.get("example_log") or not fields:
                skipped.append({"file": name, "sourcetype": st,
                                "reason": "no example_log" if not doc.get("example_log") else "no fields"})
                continue
            event, error = run_one(args.bin, tmpdir, name, doc, passthrough, args.timeout)
            event = event or {}
            found = [f for f in fields if present(event.get(f))]
            missing = [f for f in fields if not present(event.get(f))]
            results.append({"file": name, "name": doc.get("name", name), "sourcetype": st,
                            "source": doc.get("source"), "listed": len(fields), "found": len(found),
                            "missing": missing, "error": error,
                            "cut": cut_short(str(doc["example_log"]))})

    by_st = OrderedDict()
    for r in sorted(results, key=lambda r: str(r["sourcetype"])):
        s = by_st.setdefault(r["sourcetype"], {"sources": 0, "listed": 0, "found": 0, "errors": 0})
        s["sources"] += 1
        s["listed"] += r["listed"]
        s["found"] += r["found"]
        s["errors"] += 1 if r["error"] else 0
    listed = sum(r["listed"] for r in results)
    found = sum(r["found"] for r in results)
    pct = 100.0 * found / listed if listed else 0.0
    complete = [r for r in results if not r.get("cut")]
    c_listed = sum(r["listed"] for r in complete)
    c_found = sum(r["found"] for r in complete)
    c_pct = 100.0 * c_found / c_listed if c_listed else 0.0

    if args.json:
        json.dump({"overall": {"sources": len(results), "listed": listed, "found": found,
                               "percent": round(pct, 2)},
                   "complete_examples": {"sources": len(complete), "listed": c_listed,
                                         "found": c_found, "percent": round(c_pct, 2)},
                   "sourcetypes": by_st, "data_sources": results, "skipped": skipped},
                  sys.stdout, indent=1)
        print()
        return 0

    for r in results:
        miss = r["missing"] if args.show_missing == 0 else r["missing"][:args.show_missing]
        more = len(r["missing"]) - len(miss)
        line = "%-60s %-32s %4d/%-4d" % (r["file"][:60], str(r["sourcetype"])[:32], r["found"], r["listed"])
        if r.get("cut"):
            line += "  CUT (%s)" % r["cut"]
        if r["error"]:
            line += "  ERROR " + r["error"]
        if miss:
            line += "  missing: " + " ".join(miss) + (" (+%d more)" % more if more else "")
        print(line)
    print()
    print("%-44s %7s %13s %8s %6s" % ("sourcetype", "sources", "found/listed", "percent", "errors"))
    for st, s in by_st.items():
        p = 100.0 * s["found"] / s["listed"] if s["listed"] else 0.0
        print("%-44s %7d %6d/%-6d %7.1f%% %6d" % (str(st)[:44], s["sources"], s["found"], s["listed"], p,
                                                   s["errors"]))
    print()
    if skipped:
        print("not counted (no example_log or no fields): %d data sources" % len(skipped))
    print("overall: %d/%d fields = %.1f%% over %d data sources" % (found, listed, pct, len(results)))
    print("complete examples only: %d/%d fields = %.1f%% over %d data sources (%d cut short)"
          % (c_found, c_listed, c_pct, len(complete), len(results) - len(complete)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
