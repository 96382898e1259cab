"""spelunk: run Splunk searches (SPL) offline over event files or dicts.

    >>> import spelunk
    >>> rows = spelunk.run("user=bob | stats count", events=[{"user": "bob"}, {"user": "eve"}])
    >>> rows
    [{'count': '1'}]

``run`` does what ``spelunk run -o json`` does, ``test`` what ``spelunk
test`` does; errors are the CLI's diagnostics as ``SpelunkError``
subclasses, and what the CLI prints as a warning or notice on stderr is a
``SpelunkWarning``.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Union

from . import _native
from ._native import (
    ExecutionError,
    InputError,
    ResourceError,
    SearchError,
    SpelunkError,
    UsageError,
)

__all__ = [
    "run",
    "test",
    "Results",
    "TestReport",
    "TestOutcome",
    "SpelunkError",
    "SearchError",
    "ExecutionError",
    "InputError",
    "ResourceError",
    "UsageError",
    "SpelunkWarning",
]


class SpelunkWarning(UserWarning):
    """A warning or notice the CLI prints on stderr: malformed events
    skipped, events without a timestamp, knowledge settings that do not
    run as written, a regex that gave up, no events given."""


class Results(list):
    """The rows of a search: a list of dicts, as ``spelunk run -o json``
    prints them (every value a str, a multivalue field a list of str,
    absent fields left out), plus ``columns`` (the result columns in
    order), ``notices`` and ``events`` (how many events were read)."""

    def __init__(self, rows: Iterable[Dict[str, Any]], columns: List[str],
                 notices: List[str], events: int) -> None:
        super().__init__(rows)
        self.columns = columns
        self.notices = notices
        self.events = events


@dataclass
class TestOutcome:
    """One test's verdict, as in ``spelunk test -o json``."""

    __test__ = False  # not a pytest test class, whatever its name

    name: str
    file: str
    status: str  # "pass", "fail" or "skip"
    cause: str
    reason: str
    detail: Optional[str]
    results: Optional[int]
    events: int
    duration_ms: float
    explain: Optional[Dict[str, Any]] = None

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@dataclass
class TestReport:
    """What ``spelunk test`` reports: counts, one ``TestOutcome`` per test,
    the text report (``str(report)``) and the JUnit XML."""

    __test__ = False  # not a pytest test class, whatever its name

    passed: int
    failed: int
    skipped: int
    duration_ms: float
    tests: List[TestOutcome]
    text: str = field(repr=False)
    junit: str = field(repr=False)

    @property
    def ok(self) -> bool:
        """True when no test failed and at least one ran: the CLI's exit 0
        (a run that checked nothing fails there unless --allow-skips)."""
        return self.failed == 0 and self.passed > 0

    def __str__(self) -> str:
        return self.text


PathArg = Union[str, "os.PathLike[str]"]


def _paths(value: Union[None, PathArg, Iterable[PathArg]], name: str) -> List[str]:
    """One path or several, as a list of str (os.PathLike accepted)."""
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    if isinstance(value, (bytes, dict)):
        raise TypeError(f"{name}: expected a path or a list of paths, got {type(value).__name__}")
    return [os.fspath(v) for v in value]


def _optional_path(value: Optional[PathArg]) -> Optional[str]:
    return None if value is None else os.fspath(value)


def _event_inputs(events: Any) -> List[Union[str, bytes]]:
    """``events=`` for the native side: paths as str; each run of dicts as
    one NDJSON text (bytes), read by the reader that reads an NDJSON file,
    so flattening, ``_time`` and the sourcetype's knowledge apply alike."""
    if events is None:
        return []
    if isinstance(events, (str, os.PathLike, dict)):
        events = [events]
    out: List[Union[str, bytes]] = []
    pending: List[str] = []
    for i, item in enumerate(events):
        if isinstance(item, dict):
            try:
                pending.append(json.dumps(item, ensure_ascii=False, allow_nan=False))
            except (TypeError, ValueError) as e:
                raise TypeError(f"events[{i}]: the dict is not JSON-serialisable: {e}") from e
            continue
        if pending:
            out.append(("\n".join(pending) + "\n").encode("utf-8"))
            pending = []
        if isinstance(item, (str, os.PathLike)):
            out.append(os.fspath(item))
        else:
            raise TypeError(
                f"events[{i}]: expected a path (str or os.PathLike) or a dict, got {type(item).__name__}"
            )
    if pending:
        out.append(("\n".join(pending) + "\n").encode("utf-8"))
    return out


def _warn(messages: Iterable[str]) -> None:
    for message in messages:
        # stacklevel 3: the caller of spelunk.run / spelunk.test.
        warnings.warn(message, SpelunkWarning, stacklevel=3)


def run(
    search: Optional[str] = None,
    events: Any = None,
    *,
    file: Optional[PathArg] = None,
    sourcetype: Optional[str] = None,
    source: Optional[str] = None,
    host: Optional[str] = None,
    index: Optional[str] = None,
    macros: Union[None, PathArg, Iterable[PathArg]] = None,
    lookups: Union[None, PathArg, Iterable[PathArg]] = None,
    props: Union[None, PathArg, Iterable[PathArg]] = None,
    apps: Union[None, PathArg, Iterable[PathArg]] = None,
    geoip: Optional[PathArg] = None,
    output_lookups: Optional[PathArg] = None,
    tz: str = "UTC",
    strict: bool = False,
    threads: int = 0,
    prefilter: bool = True,
    max_memory: Union[int, str] = "2G",
    frame: Optional[str] = None,
) -> Any:
    """Runs a search as ``spelunk run`` does and returns its rows.

    search: the search text; or ``file=``: a ``.spl`` file or a
    security_content detection YAML (its ``search:``), as ``-f``.
    events: a path (str or os.PathLike: a file, a folder, an archive; read
    as ``-e`` reads it), a dict (one event; nested values flattened as for
    JSON), or a list of them. Dict events get ``source="<events>"`` unless
    ``source=`` is given.
    sourcetype, source, host, index: as ``--sourcetype`` etc.
    macros, lookups, props, apps: as ``-m``, ``-l``, ``--props``,
    ``--app`` (a path or a list; a later one wins).
    geoip: a MaxMind City ``.mmdb`` for ``iplocation`` (default: the
    ``SPELUNK_GEOIP`` environment variable, as the CLI).
    output_lookups, tz, strict, threads, prefilter: as
    ``--output-lookups``, ``--tz``, ``--strict``, ``--threads``,
    ``--no-prefilter``.
    max_memory: the search's memory budget, as ``--max-memory`` (bytes,
    or a size such as ``"512M"``; over it, ``ResourceError``).
    frame: None for a ``Results`` list of dicts, ``"pandas"`` or
    ``"polars"`` for a DataFrame with the result columns.

    Raises a ``SpelunkError`` subclass with the CLI's diagnostic; emits a
    ``SpelunkWarning`` for each warning or notice the CLI prints.
    """
    if frame not in (None, "pandas", "polars"):
        raise ValueError(f"frame: expected None, 'pandas' or 'polars', got {frame!r}")
    if geoip is None:
        geoip = os.environ.get("SPELUNK_GEOIP") or None
    out = _native.run(
        search,
        file=_optional_path(file),
        events=_event_inputs(events),
        sourcetype=sourcetype,
        source=source,
        host=host,
        index=index,
        macros=_paths(macros, "macros"),
        lookups=_paths(lookups, "lookups"),
        props=_paths(props, "props"),
        apps=_paths(apps, "apps"),
        geoip=_optional_path(geoip),
        output_lookups=_optional_path(output_lookups),
        tz=tz,
        strict=strict,
        threads=threads,
        prefilter=prefilter,
        max_memory=str(max_memory),
    )
    _warn(out["warnings"])
    _warn(out["notices"])
    results = Results(out["rows"], out["columns"], out["notices"], out["events"])
    if frame == "pandas":
        return _pandas(results)
    if frame == "polars":
        return _polars(results)
    return results


def _frame_columns(results: Results) -> List[str]:
    """The result columns, then any other field a row holds (``-o json``
    keeps those too), in first-seen order."""
    columns = list(results.columns)
    seen = set(columns)
    for row in results:
        for name in row:
            if name not in seen:
                seen.add(name)
                columns.append(name)
    return columns


def _pandas(results: Results) -> Any:
    try:
        import pandas
    except ImportError as e:
        raise ImportError("frame='pandas' needs pandas: pip install pandas") from e
    columns = _frame_columns(results)
    # Cells hold str, a list of str (multivalue) or None (absent).
    return pandas.DataFrame([[row.get(c) for c in columns] for row in results],
                            columns=columns, dtype=object)


def _polars(results: Results) -> Any:
    try:
        import polars
    except ImportError as e:
        raise ImportError("frame='polars' needs polars: pip install polars") from e
    columns = _frame_columns(results)
    data: Dict[str, List[Any]] = {}
    schema: Dict[str, Any] = {}
    for c in columns:
        values = [row.get(c) for row in results]
        # A polars column has one type: a field that is multivalue in some
        # row is a list column, its single values one-item lists.
        if any(isinstance(v, list) for v in values):
            values = [v if v is None or isinstance(v, list) else [v] for v in values]
            schema[c] = polars.List(polars.Utf8)
        else:
            schema[c] = polars.Utf8
        data[c] = values
    return polars.DataFrame(data, schema=schema)


def test(
    paths: Union[None, PathArg, Iterable[PathArg]] = None,
    attack_data: Optional[PathArg] = None,
    *,
    macros: Union[None, PathArg, Iterable[PathArg]] = None,
    lookups: Union[None, PathArg, Iterable[PathArg]] = None,
    props: Union[None, PathArg, Iterable[PathArg]] = None,
    apps: Union[None, PathArg, Iterable[PathArg]] = None,
    geoip: Optional[PathArg] = None,
    filter: Optional[str] = None,
    jobs: int = 0,
    explain: bool = False,
    bless: bool = False,
) -> TestReport:
    """Runs ``spelunk test``: ``*.test.yml`` files and security_content
    detection YAMLs with ``tests:`` under ``paths`` (default: the current
    folder), replaying ``attack_data`` datasets from a local checkout.
    The options are the CLI's; ``bless=True`` writes each ``*.test.yml``
    test's current rows into its file, as ``--bless``. Returns the report;
    ``report.ok`` is the CLI's exit 0. Raises ``SpelunkError`` only when
    the tests cannot be found (a path that does not exist)."""
    if geoip is None:
        geoip = os.environ.get("SPELUNK_GEOIP") or None
    report_json, text, junit = _native.test(
        _paths(paths, "paths"),
        attack_data=_optional_path(attack_data),
        macros=_paths(macros, "macros"),
        lookups=_paths(lookups, "lookups"),
        props=_paths(props, "props"),
        apps=_paths(apps, "apps"),
        geoip=_optional_path(geoip),
        filter=filter,
        jobs=jobs,
        explain=explain,
        bless=bless,
    )
    report = json.loads(report_json)
    return TestReport(
        passed=report["passed"],
        failed=report["failed"],
        skipped=report["skipped"],
        duration_ms=report["duration_ms"],
        tests=[TestOutcome(**t) for t in report["tests"]],
        text=text,
        junit=junit,
    )


# `from spelunk import test` in a test module must not look like a test.
test.__test__ = False  # type: ignore[attr-defined]
