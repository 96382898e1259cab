#!/usr/bin/env python3
"""Replay security_content detections over public cloud test events.

For a macro (``cloudtrail``, ``okta``, ``o365_management_activity`` ...), every
security_content detection whose search uses that macro is run with spelunk
over one events file, and the script counts how many return rows::

    spelunk run -f DETECTION.yml -e EVENTS --sourcetype ST --source SRC \\
        -m SC/macros -l SC/lookups -o json

The bundled search-time knowledge (``props/``) applies by itself. The events
are the public Panther rule test events in
``../shared/corpus/events/panther/*.ndjson`` (hand-written, anonymised,
vendor-shaped records; see that folder's MANIFEST.md): they were not written
for these detections, so "returns rows" measures how much of the
detections' field vocabulary the knowledge makes available, not
true/false positives.

Usage::

    scripts/replay_cloud.py                       # every preset below
    scripts/replay_cloud.py --only cloudtrail --only okta -v
    scripts/replay_cloud.py --macro cloudtrail --events FILE --sourcetype aws:cloudtrail
    scripts/replay_cloud.py --json > counts.json

Presets (name: macro, events file, sourcetype, source):

- cloudtrail: ``cloudtrail``, aws_cloudtrail.ndjson, aws:cloudtrail
- okta: ``okta``, okta_systemlog.ndjson, OktaIM2:log
- azure_audit: ``azure_audit``, azure_monitoractivity.ndjson, mscs:azure:audit
  (the Panther events are Activity Log records in the diagnostic-settings
  shape, not the REST API shape mscs:azure:audit has)
- azure_aad: ``azure_monitor_aad``, azure_monitoractivity.ndjson,
  azure:monitor:aad (Activity Log records, no Entra sign-in or audit ones)
- o365: ``o365_management_activity``, azure_monitoractivity.ndjson,
  o365:management:activity (no Office 365 events are in the corpus; the
  Azure file is the nearest Microsoft cloud log, so this shows only which
  detections need nothing vendor-specific)
- github: ``github``, github_audit.ndjson, aws:firehose:json
- gws_login / gws_admin: ``gws_reports_login`` / ``gws_reports_admin``,
  gsuite_activityevent.ndjson, gws:reports:login / gws:reports:admin
- gsuite_drive / gsuite_gmail: ``gsuite_drive`` / ``gsuite_gmail``,
  gsuite_activityevent.ndjson, gsuite:drive:json / gsuite:gmail:bigquery
- kube: ``kube_audit``, amazon_eks_audit.ndjson, _json, source kubernetes

Prints one line per detection (rows returned, or ERR and the first line of
spelunk's error), then a summary per preset. Exits 0; needs Python 3.8+.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

CRATE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(CRATE, "..", "shared", "corpus")
DEFAULT_SC = os.path.join(SHARED, "security_content")
DEFAULT_EVENTS = os.path.join(SHARED, "events", "panther")
DEFAULT_BIN = os.path.join(CRATE, "target", "release", "spelunk")

# name -> (macro, events file, sourcetype, source)
PRESETS = [
    ("cloudtrail", "cloudtrail", "aws_cloudtrail.ndjson", "aws:cloudtrail", "aws_cloudtrail"),
    ("okta", "okta", "okta_systemlog.ndjson", "OktaIM2:log", "Okta"),
    ("azure_audit", "azure_audit", "azure_monitoractivity.ndjson", "mscs:azure:audit", "mscs_azure_audit"),
    ("azure_aad", "azure_monitor_aad", "azure_monitoractivity.ndjson", "azure:monitor:aad", "mscs_azure_eventhub"),
    ("o365", "o365_management_activity", "azure_monitoractivity.ndjson", "o365:management:activity", "o365"),
    ("github", "github", "github_audit.ndjson", "aws:firehose:json", "github"),
    ("gws_login", "gws_reports_login", "gsuite_activityevent.ndjson", "gws:reports:login", "gws:reports:login"),
    ("gws_admin", "gws_reports_admin", "gsuite_activityevent.ndjson", "gws:reports:admin", "gws:reports:admin"),
    ("gsuite_drive", "gsuite_drive", "gsuite_activityevent.ndjson", "gsuite:drive:json", "http:gsuite"),
    ("gsuite_gmail", "gsuite_gmail", "gsuite_activityevent.ndjson", "gsuite:gmail:bigquery", "http:gsuite"),
    ("kube", "kube_audit", "amazon_eks_audit.ndjson", "_json", "kubernetes"),
]


def detections_using(sc, macro):
    """security_content detection files whose search uses `macro`."""
    needle = "`%s`" % macro
    found = []
    for path in sorted(glob.glob(os.path.join(sc, "detections", "**", "*.yml"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            if needle in f.read():
                found.append(path)
    return found


def run_one(args, detection, events, sourcetype, source):
    """Rows the detection returns, or an error text."""
    cmd = [
        args.bin, "run", "-f", detection, "-e", events,
        "--sourcetype", sourcetype, "--source", source,
        "-m", os.path.join(args.security_content, "macros"),
        "-l", os.path.join(args.security_content, "lookups"),
        "-o", "json",
    ] + args.passthrough
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout after %ss" % args.timeout
    if p.returncode != 0:
        lines = p.stderr.strip().splitlines()
        return None, (lines[0] if lines else "exit %d" % p.returncode)
    try:
        return len(json.loads(p.stdout or "[]")), None
    except ValueError as e:
        return None, "unreadable output: %s" % e


def replay(args, name, macro, events_file, sourcetype, source):
    events = events_file if os.path.isabs(events_file) else os.path.join(args.events_dir, events_file)
    results = []
    for det in detections_using(args.security_content, macro):
        rows, err = run_one(args, det, events, sourcetype, source)
        results.append({"detection": os.path.basename(det), "rows": rows, "error": err})
    fired = sum(1 for r in results if r["rows"])
    errors = sum(1 for r in results if r["error"])
    return {
        "name": name, "macro": macro, "events": os.path.basename(events),
        "sourcetype": sourcetype, "detections": len(results), "fired": fired,
        "errors": errors, "results": results,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=DEFAULT_BIN, help="spelunk binary (default target/release/spelunk)")
    ap.add_argument("--security-content", default=DEFAULT_SC, help="security_content checkout")
    ap.add_argument("--events-dir", default=DEFAULT_EVENTS, help="folder of the preset events files")
    ap.add_argument("--only", action="append", default=[], help="preset name (repeatable)")
    ap.add_argument("--macro", help="replay this macro's detections instead of the presets")
    ap.add_argument("--events", help="events file for --macro")
    ap.add_argument("--sourcetype", default="_json", help="sourcetype for --macro")
    ap.add_argument("--source", help="source for --macro (default: the events file name)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per detection")
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per detection")
    ap.add_argument("passthrough", nargs="*", help="after --: more arguments for spelunk run")
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        sys.exit("no spelunk binary at %s (cargo build --release)" % args.bin)
    if not os.path.isdir(args.security_content):
        print("no security_content at %s; nothing to do" % args.security_content)
        return 0

    if args.macro:
        if not args.events:
            sys.exit("--macro needs --events")
        runs = [(args.macro, args.macro, args.events, args.sourcetype,
                 args.source or os.path.basename(args.events))]
    else:
        names = set(args.only)
        unknown = names - {p[0] for p in PRESETS}
        if unknown:
            sys.exit("unknown preset(s): %s" % ", ".join(sorted(unknown)))
        runs = [p for p in PRESETS if not names or p[0] in names]

    reports = [replay(args, *run) for run in runs]
    if args.json:
        json.dump(reports, sys.stdout, indent=1)
        print()
        return 0
    for rep in reports:
        if args.verbose:
            for r in rep["results"]:
                if r["error"]:
                    print("  ERR  %-70s %s" % (r["detection"], r["error"][:150]))
                else:
                    print("  %4d %s" % (r["rows"], r["detection"]))
        print("%-13s %-26s %-30s %3d detections, %3d return rows, %2d errors"
              % (rep["name"], rep["macro"], rep["events"], rep["detections"], rep["fired"], rep["errors"]))
    total = sum(r["detections"] for r in reports)
    fired = sum(r["fired"] for r in reports)
    print("total: %d of %d detections return rows" % (fired, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
