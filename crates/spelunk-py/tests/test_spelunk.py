"""Tests of the Python package: the same rows, warnings and errors as the CLI."""
import json
import pathlib
import warnings

import pytest

import spelunk

REPO = pathlib.Path(__file__).resolve().parents[3]
SAMPLE = REPO / "examples/cloudtrail_sample.json"
SEED = REPO / "tests/cases/seed_sample"


def test_dict_events_stats():
    rows = spelunk.run(
        "action=LOGIN | stats count by user",
        events=[{"user": "alice", "action": "login", "_time": 1700000000},
                {"user": "bob", "action": "login", "_time": 1700000001},
                {"user": "bob", "action": "logout", "_time": 1700000002}],
    )
    assert rows == [{"user": "alice", "count": "1"}, {"user": "bob", "count": "1"}]
    assert rows.columns == ["user", "count"]
    assert rows.events == 3


def test_seed_detection_matches_the_case_expected_rows():
    rows = spelunk.run(file=SEED / "query.spl", events=SAMPLE, sourcetype="aws:cloudtrail")
    assert list(rows) == json.loads((SEED / "expected.json").read_text())


def test_dicts_read_as_the_file_is():
    # The sample's lines as dicts give the rows the file gives: flattening,
    # _time and the aws:cloudtrail knowledge apply alike.
    dicts = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    from_dicts = spelunk.run(file=SEED / "query.spl", events=dicts, sourcetype="aws:cloudtrail")
    from_file = spelunk.run(file=SEED / "query.spl", events=str(SAMPLE), sourcetype="aws:cloudtrail")
    assert list(from_dicts) == list(from_file)
    assert len(from_file) == 8


def test_mixed_paths_and_dicts():
    extra = {"eventName": "Extra", "eventTime": "2030-01-01T00:00:00Z"}
    rows = spelunk.run("* | stats count", events=[SAMPLE, extra], sourcetype="aws:cloudtrail")
    alone = spelunk.run("* | stats count", events=SAMPLE, sourcetype="aws:cloudtrail")
    assert int(rows[0]["count"]) == int(alone[0]["count"]) + 1


def test_multivalue_is_a_list():
    rows = spelunk.run('| makeresults | eval a=split("x,y", ","), b="z" | fields - _time')
    assert rows == [{"a": ["x", "y"], "b": "z"}]


def test_syntax_error_is_the_rendered_diagnostic():
    with pytest.raises(spelunk.SearchError) as info:
        spelunk.run("x=1\n| foo bar", events=[{"x": "1"}])
    e = info.value
    assert isinstance(e, spelunk.SpelunkError)
    assert str(e) == ("error: command `foo` is not supported yet\n   ╭─[ <search>:2:3 ]\n"
                      "   │\n 2 │ | foo bar\n   │   ─┬─  \n   │    ╰─── not supported\n───╯")
    assert (e.kind, e.exit_code, e.file, e.line, e.column) == ("unsupported_command", 3, "<search>", 2, 3)
    assert e.message == "command `foo` is not supported yet"
    assert e.source_line == "| foo bar"


def test_undefined_macro_is_a_search_error():
    with pytest.raises(spelunk.SearchError) as info:
        spelunk.run("`no_such_macro_here` | head 1")
    assert info.value.kind == "macro"
    assert info.value.column == 1


def test_missing_events_file_is_an_input_error(tmp_path):
    with pytest.raises(spelunk.InputError) as info:
        spelunk.run("*", events=tmp_path / "absent.json")
    assert info.value.exit_code == 5
    assert info.value.file == str(tmp_path / "absent.json")


def test_memory_budget_is_a_resource_error():
    with pytest.raises(spelunk.ResourceError) as info:
        spelunk.run("| makeresults count=100000", max_memory="1M")
    assert info.value.exit_code == 6
    assert info.value.kind == "memory_budget"
    assert "makeresults: memory budget exceeded" in info.value.message
    assert spelunk.run("| makeresults count=3 | stats count", max_memory=4096)[0]["count"] == "3"
    with pytest.raises(spelunk.UsageError):
        spelunk.run("| makeresults", max_memory="lots")


def test_usage_errors():
    with pytest.raises(spelunk.UsageError):
        spelunk.run()
    with pytest.raises(spelunk.UsageError):
        spelunk.run("*", file=SEED / "query.spl")
    with pytest.raises(spelunk.UsageError, match="time zone"):
        spelunk.run("| makeresults", tz="Mars/Olympus")
    with pytest.raises(TypeError, match="events\\[0\\]"):
        spelunk.run("*", events=[42])
    with pytest.raises(ValueError, match="frame"):
        spelunk.run("| makeresults", frame="excel")


def test_malformed_lines_warn_or_fail_under_strict(tmp_path):
    events = tmp_path / "events.json"
    events.write_text('{"a": "1", "_time": 1700000000}\n{not json\n')
    with pytest.warns(spelunk.SpelunkWarning, match="1 malformed event"):
        rows = spelunk.run("* | stats count", events=events)
    assert rows == [{"count": "1"}]
    with pytest.raises(spelunk.InputError) as info:
        spelunk.run("* | stats count", events=events, strict=True)
    assert (info.value.kind, info.value.line) == ("malformed_event", 2)


def test_only_malformed_events_is_an_input_error(tmp_path):
    events = tmp_path / "events.json"
    events.write_text("{not json\n")
    with pytest.raises(spelunk.InputError, match="no readable event"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spelunk.run("* | stats count", events=events)


def test_no_events_warns_when_the_search_reads_events():
    with pytest.warns(spelunk.SpelunkWarning, match="no events given"):
        assert spelunk.run("user=bob") == []


def test_macros_file(tmp_path):
    conf = tmp_path / "macros.conf"
    conf.write_text("[only_bob]\ndefinition = user=bob\n")
    rows = spelunk.run("`only_bob` | stats count", events=[{"user": "bob", "_time": 1}],
                       macros=conf)
    assert rows == [{"count": "1"}]


def test_frames():
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pandas"):
            spelunk.run("| makeresults", frame="pandas")
    else:
        df = spelunk.run('| makeresults count=2 | eval a="x" | fields - _time', frame="pandas")
        assert list(df.columns) == ["a"] and list(df["a"]) == ["x", "x"]
    try:
        import polars  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="polars"):
            spelunk.run("| makeresults", frame="polars")
    else:
        df = spelunk.run('| makeresults | eval a=split("x,y", ",") | fields - _time', frame="polars")
        assert df["a"].to_list() == [["x", "y"]]


def test_test_runner_report():
    report = spelunk.test([REPO / "tests/detections/must_not_fire.test.yml"])
    assert report.ok, str(report)
    assert (report.passed, report.failed) == (1, 0)
    assert report.tests[0].status == "pass"
    assert "<testsuites" in report.junit
    assert "1 passed" in str(report)


def test_test_runner_failure_is_reported_not_raised():
    report = spelunk.test(REPO / "tests/testing_fixtures/must_not_fire.test.yml")
    assert not report.ok
    assert report.failed == 1
    assert "must not fire" in report.tests[0].reason


def test_test_runner_missing_path_raises(tmp_path):
    with pytest.raises(spelunk.SpelunkError):
        spelunk.test(tmp_path / "absent")
