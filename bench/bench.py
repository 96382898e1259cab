#!/usr/bin/env python3
"""spelunk vs DuckDB vs jq on generated CloudTrail (run through bench/run.sh).

Measures each run as a child process (wall time, user+system CPU, peak RSS
from wait4), checks that the three tools agree, and prints a table.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SPELUNK = ROOT / "target" / "release" / "spelunk"
PYTHON = BENCH / ".venv" / "bin" / "python"
SEED = ROOT / "tests" / "cases" / "seed_sample" / "query.spl"

DUCK_COLUMNS = (
    "{userIdentity: 'STRUCT(type VARCHAR, arn VARCHAR, userName VARCHAR, "
    "sessionContext STRUCT(attributes STRUCT(mfaAuthenticated VARCHAR)))', "
    "eventTime: 'VARCHAR', eventName: 'VARCHAR'}"
)

DUCK_SEED = """
import duckdb, json, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rows = con.sql('''
SELECT userIdentity.arn, userIdentity.type, userIdentity.userName, count(*),
  replace(min(eventTime), 'Z', ''), replace(max(eventTime), 'Z', ''),
  list(DISTINCT eventName ORDER BY eventName)
FROM read_json('%(path)s', format='newline_delimited', columns=%(columns)s)
WHERE lower(userIdentity.sessionContext.attributes.mfaAuthenticated) = 'false'
  AND userIdentity.userName IS NOT NULL AND userIdentity.arn IS NOT NULL
  AND userIdentity.type IS NOT NULL
GROUP BY ALL
''').fetchall()
json.dump([list(r) for r in rows], sys.stdout)
"""

DUCK_STATS = """
import duckdb, json, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rows = con.sql('''
SELECT eventSource, eventName, awsRegion, count(*) FROM read_json_auto('%(path)s')
GROUP BY ALL
''').fetchall()
json.dump([list(r) for r in rows], sys.stdout)
"""

DUCK_ALL = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rows = con.sql("SELECT * FROM read_json_auto('%(path)s')").fetchall()
print(len(rows))
"""

JQ_SEED = r"""
reduce (inputs
  | select(((.userIdentity.sessionContext.attributes.mfaAuthenticated // "") | ascii_downcase) == "false"
      and .userIdentity.userName != null and .userIdentity.arn != null and .userIdentity.type != null)) as $e
  ({};
   ([$e.userIdentity.arn, $e.userIdentity.type, $e.userIdentity.userName] | tojson) as $k
   | .[$k].count += 1
   | .[$k].first = ([(.[$k].first // $e.eventTime), $e.eventTime] | min)
   | .[$k].last = ([(.[$k].last // $e.eventTime), $e.eventTime] | max)
   | .[$k].names[$e.eventName] = 1)
| [to_entries[] | (.key | fromjson) as $g
   | ($g + [.value.count, (.value.first | rtrimstr("Z")), (.value.last | rtrimstr("Z")), (.value.names | keys)])]
"""


def measure(cmd, stdout_path):
    """Runs cmd with stdout to a file; returns (wall s, cpu s, peak RSS MB)."""
    with open(stdout_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def spelunk_rows(path):
    rows = []
    for r in json.load(open(path)):
        names = r["eventName"]
        names = names if isinstance(names, list) else [names]
        rows.append([r["userIdentity.arn"], r["userIdentity.type"], r["user"], int(r["count"]),
                     r["firstTime"], r["lastTime"], names])
    return sorted(rows)


def best_of(n, cmd, out):
    """The fastest of n runs (wall), with its CPU and the largest RSS seen."""
    runs = [measure(cmd, out) for _ in range(n)]
    wall, cpu, _ = min(runs)
    return wall, cpu, max(r[2] for r in runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--small", required=True, help="the 10k-record file")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-jq", action="store_true")
    ap.add_argument("--pairs", type=int, default=5,
                    help="back-to-back spelunk/DuckDB seed runs for the paired ratio")
    args = ap.parse_args()
    data = Path(args.data)
    mb = data.stat().st_size / 1e6
    tmp = Path(tempfile.mkdtemp(prefix="spelunk-bench-"))
    results = []

    def row(name, wall, cpu, rss, size=mb):
        results.append((name, wall, cpu, rss, size / wall))

    # 1. The seed detection over the big file.
    seed = [str(SPELUNK), "run", "-f", str(SEED), "-e", str(data), "--sourcetype", "aws:cloudtrail", "-o", "json"]
    for threads in (2, 1):
        out = tmp / f"spelunk{threads}.json"
        row(f"spelunk seed, {threads} thread(s)", *best_of(args.runs, seed + ["--threads", str(threads)], out))
    out = tmp / "spelunk_nopf.json"
    row("spelunk seed, 2 threads, --no-prefilter", *best_of(args.runs, seed + ["--threads", "2", "--no-prefilter"], out))
    duck = tmp / "duck.json"
    script = DUCK_SEED % {"path": data, "columns": DUCK_COLUMNS}
    row("DuckDB seed SQL (2 threads)", *best_of(args.runs, [str(PYTHON), "-c", script], duck))
    reference = spelunk_rows(tmp / "spelunk2.json")
    for other in ("spelunk1.json", "spelunk_nopf.json"):
        if spelunk_rows(tmp / other) != reference:
            sys.exit(f"spelunk outputs differ: {other}")
    if (tmp / "spelunk1.json").read_bytes() != (tmp / "spelunk2.json").read_bytes():
        sys.exit("--threads 1 and --threads 2 outputs are not byte-identical")
    if sorted(json.load(open(duck))) != reference:
        sys.exit("spelunk and DuckDB disagree on the seed")
    # This machine's speed drifts over minutes, so rows measured a minute
    # apart compare badly: each pair runs spelunk and DuckDB back to back.
    ratios = sorted(
        measure(seed + ["--threads", "2"], tmp / "pair.json")[0]
        / measure([str(PYTHON), "-c", script], tmp / "pair_duck.json")[0]
        for _ in range(args.pairs)
    )
    if not args.no_jq:
        jq = tmp / "jq.json"
        row("jq seed", *measure(["jq", "-n", "-c", JQ_SEED, str(data)], jq))
        if sorted(json.load(open(jq))) != reference:
            sys.exit("spelunk and jq disagree on the seed")
    groups = len(reference)

    # 2. Queries needing many or all fields over 10k records.
    small = Path(args.small)
    smb = small.stat().st_size / 1e6
    base = [str(SPELUNK), "run", "-e", str(small), "--sourcetype", "aws:cloudtrail", "-o", "json"]
    st = tmp / "st.json"
    row("spelunk stats count by eventSource eventName awsRegion (10k)",
        *best_of(args.runs, base + ["* | stats count by eventSource eventName awsRegion"], st), size=smb)
    dst = tmp / "dst.json"
    row("DuckDB same GROUP BY (10k)", *best_of(args.runs, [str(PYTHON), "-c", DUCK_STATS % {"path": small}], dst), size=smb)
    ours = sorted([r["eventSource"], r["eventName"], r["awsRegion"], int(r["count"])] for r in json.load(open(st)))
    if ours != sorted(json.load(open(dst))):
        sys.exit("spelunk and DuckDB disagree on the 10k stats")
    tab = tmp / "table.json"
    row("spelunk table * (10k)", *best_of(args.runs, base + ["* | table *"], tab), size=smb)
    dall = tmp / "dall.txt"
    row("DuckDB SELECT * (10k)", *best_of(args.runs, [str(PYTHON), "-c", DUCK_ALL % {"path": small}], dall), size=smb)
    if len(json.load(open(tab))) != int(dall.read_text()):
        sys.exit("spelunk table * and DuckDB SELECT * differ in row count")

    duck_wall = next(r[1] for r in results if r[0].startswith("DuckDB seed"))
    print(f"\n{mb:.0f} MB, {groups} result rows; all tools agree; --threads 1 and 2 byte-identical\n")
    print(f"| run | wall s | CPU s | peak RSS MB | MB/s | wall / DuckDB seed |")
    print(f"| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, wall, cpu, rss, rate in results:
        ratio = f"{wall / duck_wall:.2f}" if "seed" in name else ""
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {rate:.0f} | {ratio} |")
    if ratios:
        print(f"\nPaired seed runs (spelunk 2 threads, then DuckDB, {len(ratios)} times): "
              f"wall ratio median {statistics.median(ratios):.2f} "
              f"(min {ratios[0]:.2f}, max {ratios[-1]:.2f})")


if __name__ == "__main__":
    main()
