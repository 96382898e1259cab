#!/usr/bin/env python3
"""Straightforward Python extraction of Windows XML events, for bench/xml.sh.

Reads one `<Event>` per line and extracts what the Windows add-on's
search-time extractions give (the System block's elements and attributes,
and each EventData `<Data Name='x'>value</Data>` as field x), then counts
events by (EventID, Computer) -- the same answer as

    spelunk run '* | stats count by EventCode Computer'

Two extractors: `lxml` (a real XML parser) and `regex` (Python's re).
Prints the count table as CSV on stdout, and `<extractor> <seconds>` on
stderr. Times only the reading and extraction, not interpreter start-up.
"""

import argparse
import re
import sys
import time
from collections import Counter

TAG = re.compile(r"\{[^}]*\}")
SYSTEM = re.compile(r"<System>(.+?)</System>")
ELEMENT = re.compile(r"<(\w+)>([^<]*)</\1>")
ATTRIBUTE = re.compile(r"(\w+)='([^']*)'")
EVENTDATA = re.compile(r"<EventData>(.*?)</EventData>")
DATA = re.compile(r"<Data Name='([^']*)'>([^<]*)</Data>")


def lxml_fields(line, etree):
    fields = {}
    root = etree.fromstring(line)
    for block in root:
        name = TAG.sub("", block.tag)
        if name == "System":
            for child in block:
                tag = TAG.sub("", child.tag)
                if child.text:
                    fields[tag] = child.text
                for key, value in child.attrib.items():
                    fields[key] = value
        elif name == "EventData":
            for item in block:
                key = item.get("Name")
                if key:
                    fields[key] = item.text or ""
    return fields


def regex_fields(line):
    fields = {}
    system = SYSTEM.search(line)
    if system:
        block = system.group(1)
        for tag, text in ELEMENT.findall(block):
            fields[tag] = text
        for key, value in ATTRIBUTE.findall(block):
            fields[key] = value
    data = EVENTDATA.search(line)
    if data:
        for key, value in DATA.findall(data.group(1)):
            fields[key] = value
    return fields


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--extractor", choices=["lxml", "regex"], default="lxml")
    args = parser.parse_args()
    if args.extractor == "lxml":
        from lxml import etree

        def extract(line):
            return lxml_fields(line.encode(), etree)
    else:
        extract = regex_fields
    counts = Counter()
    start = time.perf_counter()
    with open(args.path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("<Event"):
                continue
            fields = extract(line)
            counts[(fields.get("EventID"), fields.get("Computer"))] += 1
    seconds = time.perf_counter() - start
    print("EventCode,Computer,count")
    for (code, computer), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")):
        print(f"{code},{computer},{n}")
    print(f"{args.extractor} {seconds:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
