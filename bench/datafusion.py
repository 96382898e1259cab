#!/usr/bin/env python3
"""The interpreter against the DataFusion backend and DuckDB (issue 20);
run through bench/datafusion.sh.

The seed's filter and grouping (bench/datafusion_query.spl) over generated
CloudTrail at two sizes (1x and 4x), by:
- spelunk, interpreter, on NDJSON;
- spelunk --engine datafusion on NDJSON;
- spelunk --engine datafusion on the Parquet file `spelunk parquet` wrote;
- DuckDB on the NDJSON (read_json with the columns the query needs);
- DuckDB on the same Parquet file (its fields are lists of strings);
- with --ballista, spelunk --engine ballista on the Parquet file, on a
  cluster of `spelunk ballista` processes on this machine: a scheduler and
  1 executor of THREADS task slots, then a scheduler and 2 executors
  sharing THREADS slots.

Each is a child process timed with wait4 (wall, user+system CPU, peak
RSS), best wall of --runs. A Ballista run's CPU adds the scheduler's and
executors' CPU over the run (from /proc) to the client's, and its peak RSS
is the largest of the client's and each server's. Every spelunk run must
print the same rows, and DuckDB the same groups and counts. Prints a
Markdown table.
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


def best_of(runs, cmd, out, cluster=None):
    results = []
    for _ in range(runs):
        before = cluster.cpu() if cluster else 0.0
        wall, cpu, rss = measure(cmd, out)
        if cluster:
            cpu += cluster.cpu() - before
            rss = max(rss, cluster.peak_rss())
        results.append((wall, cpu, rss))
    wall, cpu, _ = min(results)
    return wall, cpu, max(r[2] for r in results)


class Cluster:
    """`spelunk ballista` scheduler and executors on localhost, stopped on
    exit."""

    def __init__(self, executors, slots, port):
        self.address = f"127.0.0.1:{port}"
        self.procs = [subprocess.Popen(
            [str(SPELUNK), "ballista", "scheduler", "--bind", self.address],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        time.sleep(1)
        for i in range(executors):
            self.procs.append(subprocess.Popen(
                [str(SPELUNK), "ballista", "executor", "--scheduler", self.address,
                 "--bind", f"127.0.0.1:{port + 1 + i}", "--slots", str(slots)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # Executors register with the scheduler on start.
        time.sleep(3)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait()

    def cpu(self):
        """User+system CPU seconds the servers have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for p in self.procs:
            fields = Path(f"/proc/{p.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / ticks

    def peak_rss(self):
        """The largest server's peak RSS, MB."""
        peak = 0
        for p in self.procs:
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        return peak


def spelunk_cmd(events, threads, engine, scheduler=None):
    cmd = [str(SPELUNK), "run", "-q", "-f", str(QUERY), "-e", str(events),
           "--sourcetype", "aws:cloudtrail", "-o", "json", "--threads", str(threads)]
    if engine:
        cmd += ["--engine", engine]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    return cmd


def groups_of_spelunk(path):
    return sorted([r["userIdentity.arn"], r["userIdentity.type"], r["eventName"], int(r["count"])]
                  for r in json.load(open(path)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", nargs="+", required=True, help="NDJSON files, smallest first")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--ballista", action="store_true",
                    help="also on Ballista clusters of 1 and 2 executors")
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
            if args.ballista:
                for executors in (1, 2):
                    name = f"spelunk Ballista, Parquet, {executors} executor(s)"
                    slots = max(1, args.threads // executors)
                    with Cluster(executors, slots, 50150) as cluster:
                        cmd = spelunk_cmd(parquet, args.threads, "ballista", cluster.address)
                        out = Path(tmp) / f"{len(outs)}.json"
                        measure(cmd, out)  # warm-up: the executors' first tasks
                        wall, cpu, rss = best_of(args.runs, cmd, out, cluster)
                    outs[name] = out
                    rows.append((data.name, f"{mb:.0f}", name, wall, cpu, rss, mb / wall,
                                 wall / base))
            # Agreement: the three spelunk runs print the same rows, and
            # DuckDB the same groups and counts.
            texts = [outs[n].read_text() for n in outs if n.startswith("spelunk")]
            if len(set(texts)) != 1:
                sys.exit(f"{data}: spelunk's runs differ")
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
