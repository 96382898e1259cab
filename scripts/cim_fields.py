#!/usr/bin/env python3
"""Which data-model fields do security_content's tstats detections read that
the bundled CIM models do not define?

    python3 scripts/cim_fields.py [--detections DIR] [--models DIR] [--verbose]

Reads every `props/cim/default/data/models/*.json` (Splunk data-model JSON)
and every detection under `../shared/corpus/security_content/detections`
(`**/*.yml`). For each `| tstats ... from datamodel=Model[.Object]` in a
detection's search it collects the `Object.field` names the command uses (in
its functions, `where` and `by`) and reports, per model, those the model does
not define, with the detections that use them; also data sets
(`datamodel=Model.Object`, `nodename=`) the model has no object for.

A name is defined when its prefix is the lineage of an object of the model
(`All_Changes.Account_Management`) and the field is that object's own or an
ancestor's (fields, calculation outputs, and BaseEvent's `_time`, `host`,
`source`, `sourcetype`). As in Splunk, a field is named by the lineage of the
object that defines it: `Authentication.user` under `Failed_Authentication`.

Exit status 0 always; the counts are the measurement. Skips with a message
when the corpus is absent.
"""

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_EVENT_FIELDS = {"_time", "host", "source", "sourcetype"}


def load_models(models_dir):
    """model name -> {lineage: set of field names usable with that prefix}."""
    models = {}
    for path in sorted(models_dir.glob("*.json")):
        data = json.loads(path.read_text())
        objects = {o["objectName"]: o for o in data["objects"]}

        def own_fields(o):
            names = {f["fieldName"] for f in o.get("fields", [])}
            for c in o.get("calculations", []):
                names |= {f["fieldName"] for f in c.get("outputFields", [])}
            return names

        def lineage(o):
            chain = [o["objectName"]]
            while o["parentName"] in objects:
                o = objects[o["parentName"]]
                chain.insert(0, o["objectName"])
            return chain

        prefixes = {}
        for o in objects.values():
            prefix = ".".join(lineage(o))
            names = set(own_fields(o))
            if o["parentName"] in ("BaseEvent", "BaseSearch"):
                names |= BASE_EVENT_FIELDS
            prefixes[prefix] = names
        models[data["modelName"]] = prefixes
    return models


SEARCH_RE = re.compile(r"^search:\s*(.*)$", re.M)


def detection_search(text):
    """The `search:` value of a detection YAML, without a YAML parser (the
    corpus's searches are single quoted or double quoted scalars, possibly
    folded over lines)."""
    m = SEARCH_RE.search(text)
    if not m:
        return None
    start = m.start(1)
    rest = text[start:]
    if rest[:1] in ("'", '"'):
        q = rest[0]
        i = 1
        out = []
        while i < len(rest):
            ch = rest[i]
            if ch == q:
                if q == "'" and rest[i + 1 : i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                break
            if q == '"' and ch == "\\" and i + 1 < len(rest):
                out.append(rest[i : i + 2])
                i += 2
                continue
            out.append(ch)
            i += 1
        return re.sub(r"\s*\n\s*", " ", "".join(out))
    return m.group(1)


def tstats_commands(search):
    """Each `tstats ...` command text, up to its pipe or closing bracket."""
    for m in re.finditer(r"\btstats\b", search):
        depth = 0
        quote = False
        end = len(search)
        for i in range(m.end(), len(search)):
            ch = search[i]
            if ch == '"' and search[i - 1] != "\\":
                quote = not quote
            if quote:
                continue
            if ch in "([":
                depth += 1
            elif ch in ")]":
                if depth == 0:
                    end = i
                    break
                depth -= 1
            elif ch == "|" and depth == 0:
                end = i
                break
        yield search[m.end() : end]


NODENAME_RE = re.compile(r"\bnodename\s*=\s*\"?([A-Za-z_.]+)")
DATAMODEL_RE = re.compile(r"\bdatamodel\s*=\s*\"?([A-Za-z_]+)(?:\.([A-Za-z_.]+))?")
NAME_RE = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def field_names(command, model_prefixes):
    """Dotted names in a tstats command whose first part names an object of
    the model (quoted values and `nodename=` values left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', command)
    text = re.sub(r"\bnodename\s*=\s*\S+", "", text)
    text = DATAMODEL_RE.sub("", text)
    roots = {p.split(".")[0] for p in model_prefixes}
    for m in NAME_RE.finditer(text):
        name = m.group(1)
        if name.split(".")[0] in roots:
            yield name


def defined(name, model_prefixes):
    """Whether some object lineage is a prefix of the name with the rest a
    field that object defines (an inherited field keeps its owner's prefix)."""
    for prefix, fields in model_prefixes.items():
        if name.startswith(prefix + ".") and name[len(prefix) + 1 :] in fields:
            return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--detections",
        type=Path,
        default=ROOT.parent / "shared" / "corpus" / "security_content" / "detections",
    )
    ap.add_argument(
        "--models", type=Path, default=ROOT / "props" / "cim" / "default" / "data" / "models"
    )
    ap.add_argument("--verbose", "-v", action="store_true", help="list the detections per name")
    args = ap.parse_args()
    if not args.detections.is_dir():
        print(f"skipped: no corpus at {args.detections}", file=sys.stderr)
        return
    models = load_models(args.models)
    uses = defaultdict(lambda: defaultdict(set))  # model -> name -> detections
    missing_model = defaultdict(set)
    detections = defaultdict(set)
    for path in sorted(args.detections.rglob("*.yml")):
        search = detection_search(path.read_text(errors="replace"))
        if not search:
            continue
        for command in tstats_commands(search):
            m = DATAMODEL_RE.search(command)
            if not m:
                continue
            model = m.group(1)
            if model not in models:
                missing_model[model].add(path.stem)
                continue
            detections[model].add(path.stem)
            # The data set (`datamodel=Model.Object`) and any `nodename=`
            # must be an object lineage of the model.
            datasets = [m.group(2)] if m.group(2) else []
            datasets += NODENAME_RE.findall(command)
            for dataset in datasets:
                if not any(p == dataset or p.endswith("." + dataset) for p in models[model]):
                    uses[model][f"(data set) {dataset}"].add(path.stem)
            for name in field_names(command, models[model]):
                uses[model][name].add(path.stem)
    total_missing = 0
    for model in sorted(set(detections) | set(missing_model)):
        if model in missing_model:
            print(f"{model}: no bundled model ({len(missing_model[model])} detections)")
            continue
        names = uses[model]
        missing = {
            n: d
            for n, d in names.items()
            if n.startswith("(data set)") or not defined(n, models[model])
        }
        total_missing += len(missing)
        print(
            f"{model}: {len(detections[model])} detections, {len(names)} field names used, "
            f"{len(missing)} undefined"
        )
        for name in sorted(missing):
            dets = sorted(missing[name])
            shown = ", ".join(dets if args.verbose else dets[:3])
            more = "" if args.verbose or len(dets) <= 3 else f", ... ({len(dets)})"
            print(f"  {name}: {shown}{more}")
    print(f"total undefined names: {total_missing}")


if __name__ == "__main__":
    main()
