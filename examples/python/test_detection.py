"""Detections tested from pytest with spelunk's Python package, on data in the repository."""
from pathlib import Path
import spelunk

REPO = Path(__file__).resolve().parents[2]

def test_api_activity_without_mfa():
    rows = spelunk.run(file=REPO / "tests/cases/seed_sample/query.spl", sourcetype="aws:cloudtrail",
                       events=REPO / "examples/cloudtrail_sample.json")
    assert {r["user"]: r["count"] for r in rows}["alice"] == "4"

def test_spelunk_test_files():
    report = spelunk.test([REPO / "tests/detections/must_not_fire.test.yml", REPO / "tests/detections/windows/xml_windows_events.test.yml"])
    assert report.ok, str(report)
