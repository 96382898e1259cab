#!/usr/bin/env python3
"""The interpreter against the DataFusion backend and DuckDB (issue 20);
run through bench/datafusion.sh.

The seed's filter and grouping (bench/datafusion_query.spl) over generated
CloudTrail at two sizes (1x and 4x), by:
- spelunk, interpreter, on NDJSON;
- spelunk --engine datafusion on NDJSON;
- spelunk --engine datafusion on the Parquet file `spelunk parquet` wrote;
- DuckDB on the NDJSON (read_json with the columns the query needs);
- DuckDB on the same Parquet file (its fields are lists of strings).

Each is a child process timed with wait4 (wall, user+system CPU, peak
RSS), best wall of --runs. The three spelunk runs must print the same
rows, and DuckDB the same groups and counts. Prints a Markdown table.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPELUNK = ROOT / "target" / "release" / "spelunk"
PYTHON = ROOT / "bench" / ".venv" / "bin" / "python"
# The seed's filter and grouping without its add-on knowledge (`user`,
# the service-account lookup), so DuckDB can ask exactly the same.
QUERY = ROOT / "bench" / "datafusion_query.spl"

DUCK_COLUMNS = (
    "{userIdentity: 'STRUCT(type VARCHAR, arn VARCHAR, "
    "sessionContext STRUCT(attributes STRUCT(mfaAuthenticated VARCHAR)))', "
    "eventName: 'VARCHAR'}"
)

DUCK_NDJSON = """
import duckdb, json, sys
con = duckdb.connect()
con.execute("SET threads = %(threads)d")
con.execute("SET enable_progress_bar = false")
rows = con.sql('''
SELECT userIdentity.arn, userIdentity.type, eventName, count(*)
FROM read_json('%(path)s', format='newline_delimited', columns=%(columns)s)
WHERE lower(userIdentity.sessionContext.attributes.mfaAuthenticated) = 'false'
  AND userIdentity.arn IS NOT NULL AND userIdentity.type IS NOT NULL
  AND eventName IS NOT NULL
GROUP BY ALL
''').fetchall()
json.dump(sorted([list(r) for r in rows]), sys.stdout)
"""

# The Parquet file holds every field as a list of strings (one element for
# a single value): the same filter and groups, over the first element.
DUCK_PARQUET = """
import duckdb, json, sys
con = duckdb.connect()
con.execute("SET threads = %(threads)d")
con.execute("SET enable_progress_bar = false")
rows = con.sql('''
SELECT "userIdentity.arn"[1], "userIdentity.type"[1], "eventName"[1], count(*)
FROM read_parquet('%(path)s')
WHERE lower("userIdentity.sessionContext.attributes.mfaAuthenticated"[1]) = 'false'
  AND "userIdentity.arn" IS NOT NULL AND "userIdentity.type" IS NOT NULL
  AND "eventName" IS NOT NULL
GROUP BY ALL
''').fetchall()
json.dump(sorted([list(r) for r in rows]), sys.stdout)
"""


def measure(cmd, out_path):
    """Runs cmd with stdout to a file; (wall s, cpu s, peak RSS MB)."""
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best_of(runs, cmd, out):
    results = [measure(cmd, out) for _ in range(runs)]
    wall, cpu, _ = min(results)
    return wall, cpu, max(r[2] for r in results)


def spelunk_cmd(events, threads, engine):
    cmd = [str(SPELUNK), "run", "-q", "-f", str(QUERY), "-e", str(events),
           "--sourcetype", "aws:cloudtrail", "-o", "json", "--threads", str(threads)]
    if engine:
        cmd += ["--engine", engine]
    return cmd


def groups_of_spelunk(path):
    return sorted([r["userIdentity.arn"], r["userIdentity.type"], r["eventName"], int(r["count"])]
                  for r in json.load(open(path)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", nargs="+", required=True, help="NDJSON files, smallest first")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for data in map(Path, args.data):
            mb = data.stat().st_size / 1e6
            parquet = data.with_suffix(".parquet")
            if not parquet.exists():
                subprocess.run([str(SPELUNK), "parquet", "-q", "-e", str(data), "--sourcetype",
                                "aws:cloudtrail", "-o", str(parquet)], check=True)
            outs = {}
            tools = [
                ("spelunk interpreter, NDJSON", spelunk_cmd(data, args.threads, None)),
                ("spelunk DataFusion, NDJSON", spelunk_cmd(data, args.threads, "datafusion")),
                ("spelunk DataFusion, Parquet", spelunk_cmd(parquet, args.threads, "datafusion")),
                ("DuckDB, NDJSON", [str(PYTHON), "-c", DUCK_NDJSON % {
                    "path": data, "columns": DUCK_COLUMNS, "threads": args.threads}]),
                ("DuckDB, Parquet", [str(PYTHON), "-c", DUCK_PARQUET % {
                    "path": parquet, "threads": args.threads}]),
            ]
            base = None
            for name, cmd in tools:
                out = Path(tmp) / f"{len(outs)}.json"
                wall, cpu, rss = best_of(args.runs, cmd, out)
                outs[name] = out
                base = base or wall
                rows.append((data.name, f"{mb:.0f}", name, wall, cpu, rss, mb / wall, wall / base))
            # Agreement: the three spelunk runs print the same rows, and
            # DuckDB the same groups and counts.
            texts = [outs[n].read_text() for n in list(outs)[:3]]
            if len(set(texts)) != 1:
                sys.exit(f"{data}: spelunk's three runs differ")
            groups = groups_of_spelunk(outs["spelunk interpreter, NDJSON"])
            for duck in ("DuckDB, NDJSON", "DuckDB, Parquet"):
                if json.load(open(outs[duck])) != groups:
                    sys.exit(f"{data}: {duck} gives other groups than spelunk")
    print("| data | MB | tool | wall s | CPU s | peak RSS MB | MB/s | wall / interpreter |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for d, mb, name, wall, cpu, rss, rate, ratio in rows:
        print(f"| {d} | {mb} | {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {rate:.0f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
