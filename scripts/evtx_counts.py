#!/usr/bin/env python3
"""Count the records of .evtx files by EventID with python-evtx, an evtx
parser independent of the Rust `evtx` crate that spelunk uses.

    pip install python-evtx
    scripts/evtx_counts.py FILE.evtx...

Prints one JSON object per file, in the order given:

    {"file": "Security.evtx", "records": 356, "by_event_id": {"1102": 1, ...},
     "header_chunks_records": 92}

The pinned counts in tests/evtx.rs (`EXPECTED_*` for Security.evtx,
Sysmon-Operational.evtx and PowerShell-Operational.evtx of
attack_data's T1003.001/atomic_red_team/procdump_t1003.001_capattack) came
from this script; run it again to check them after changing either side.
The script only prints python-evtx's numbers: the Rust test holds the
comparison.

Every chunk with a chunk header is read, not only the ones the file header
counts: a log copied while Windows had it open (header flag "dirty") has a
stale file header. The three files above are such copies: their headers
count one chunk each, but 4, 13 and 14 chunks hold records with consecutive
IDs, live records the header was not yet updated for; the evtx crate, and so
spelunk, reads them too. Unused chunks (all zero) are skipped.
"header_chunks_records" says how many records python-evtx's default
(header-bounded) walk gives, for comparison.

A record python-evtx cannot parse is counted under "unparsed" and reported
on stderr, so a disagreement shows where it is.
"""

import json
import os
import sys
import xml.etree.ElementTree as ElementTree

try:
    import Evtx.Evtx as evtx
except ImportError:
    sys.exit("python-evtx is not installed: pip install python-evtx")

EVENT_NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"


def event_id_of(record_xml):
    """The text of System/EventID, or None when the record has none."""
    root = ElementTree.fromstring(record_xml)
    element = root.find(f"{EVENT_NS}System/{EVENT_NS}EventID")
    return None if element is None else element.text


def used_chunks(log):
    """Every chunk that has a chunk header, past the header's count too."""
    for chunk in log.get_file_header().chunks(include_inactive=True):
        if chunk.check_magic():
            yield chunk


def count_file(path):
    """{"file", "records", "by_event_id", "header_chunks_records"} for one file."""
    by_event_id = {}
    records = 0
    with evtx.Evtx(path) as log:
        for chunk in used_chunks(log):
            for record in chunk.records():
                try:
                    key = event_id_of(record.xml()) or "none"
                except Exception as error:  # python-evtx raises many kinds
                    print(f"{path}: record {record.record_num()}: {error}", file=sys.stderr)
                    key = "unparsed"
                by_event_id[key] = by_event_id.get(key, 0) + 1
                records += 1
        header_chunks_records = sum(1 for _ in log.records())
    ordered = dict(sorted(by_event_id.items(), key=lambda kv: (len(kv[0]), kv[0])))
    return {
        "file": os.path.basename(path),
        "records": records,
        "by_event_id": ordered,
        "header_chunks_records": header_chunks_records,
    }


def main(paths):
    if not paths:
        sys.exit(__doc__)
    for path in paths:
        print(json.dumps(count_file(path)))


if __name__ == "__main__":
    main(sys.argv[1:])
