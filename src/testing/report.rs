//! Rendering a [`Report`]: one line per test for people (colored on a
//! terminal), JSON for tools, JUnit XML for CI systems.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{json, Value as Json};

use super::{Report, Status, TestResult};

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// One line per test (`PASS`/`FAIL`/`SKIP`, name, time, and the reason when
/// not a pass), then the summary line `N passed, M failed, K skipped`.
/// `color` adds ANSI colors.
pub fn text(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for r in &report.results {
        let (label, tint) = match r.verdict.status {
            Status::Pass => ("PASS", GREEN),
            Status::Fail => ("FAIL", RED),
            Status::Skip => ("SKIP", YELLOW),
        };
        let label = paint(label, tint, color);
        let ms = r.duration.as_secs_f64() * 1000.0;
        let _ = write!(out, "{label} {} ({ms:.0} ms)", r.name);
        if r.verdict.status != Status::Pass {
            let _ = write!(out, "\n     {}", r.verdict.reason);
            let _ = write!(out, "\n     in {}", r.file.display());
        }
        if r.verdict.status == Status::Fail {
            if let Some(detail) = &r.verdict.detail {
                for line in detail.lines() {
                    let _ = write!(out, "\n     | {line}");
                }
            }
            // Which command dropped the rows, always; the rest when asked.
            if let Some(explain) = &r.explain {
                let why = if report.explain {
                    explain.render()
                } else {
                    format!("rows after each command:\n{}", explain.render_stages())
                };
                for line in why.lines() {
                    let _ = write!(out, "\n     > {line}");
                }
            }
        }
        out.push('\n');
    }
    let summary = report.summary();
    let tint = if report.failed() > 0 { RED } else { GREEN };
    let _ = writeln!(out, "{}", paint(&summary, &format!("{BOLD}{tint}"), color));
    out
}

fn paint(text: &str, tint: &str, color: bool) -> String {
    if color {
        format!("{tint}{text}{RESET}")
    } else {
        text.to_string()
    }
}

/// The report as JSON: `{"passed", "failed", "skipped", "duration_ms",
/// "tests": [{"name", "file", "status", "cause", "reason", "detail",
/// "results", "events", "duration_ms"}]}`.
pub fn json(report: &Report) -> Json {
    let tests: Vec<Json> = report.results.iter().map(test_json).collect();
    json!({
        "passed": report.passed(),
        "failed": report.failed(),
        "skipped": report.skipped(),
        "duration_ms": millis(report.duration),
        "tests": tests,
    })
}

fn test_json(r: &TestResult) -> Json {
    json!({
        "name": r.name,
        "file": r.file.display().to_string(),
        "status": r.verdict.status.as_str(),
        "cause": r.verdict.cause.as_str(),
        "reason": r.verdict.reason,
        "detail": r.verdict.detail,
        "results": r.rows.as_ref().map(Vec::len),
        "events": r.events,
        "duration_ms": millis(r.duration),
        "explain": r.explain.as_ref().filter(|_| r.verdict.status == Status::Fail),
    })
}

fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

/// The report as JUnit XML: `<testsuites>` holding one `<testsuite>` per
/// test file, each `<testcase>` with a `<failure>` or `<skipped>` child when
/// it did not pass — the shape Jenkins, GitLab and GitHub reporters read.
pub fn junit(report: &Report) -> String {
    let mut suites: Vec<(PathBuf, Vec<&TestResult>)> = Vec::new();
    for r in &report.results {
        match suites.iter_mut().find(|(f, _)| *f == r.file) {
            Some((_, list)) => list.push(r),
            None => suites.push((r.file.clone(), vec![r])),
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"spelunk\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3}\">",
        report.results.len(),
        report.failed(),
        report.skipped(),
        report.duration.as_secs_f64()
    );
    for (file, tests) in &suites {
        let file = escape(&file.display().to_string());
        let count = |s: Status| tests.iter().filter(|t| t.verdict.status == s).count();
        let time: f64 = tests.iter().map(|t| t.duration.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{time:.3}\">",
            tests.len(),
            count(Status::Fail),
            count(Status::Skip)
        );
        for t in tests {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{file}\" time=\"{:.3}\"",
                escape(&t.name),
                t.duration.as_secs_f64()
            );
            let reason = escape(&t.verdict.reason);
            match t.verdict.status {
                Status::Pass => out.push_str("/>\n"),
                Status::Skip => {
                    let _ = write!(
                        out,
                        ">\n      <skipped message=\"{reason}\"/>\n    </testcase>\n"
                    );
                }
                Status::Fail => {
                    let body = t.verdict.detail.as_deref().unwrap_or(&t.verdict.reason);
                    let _ = write!(
                        out,
                        ">\n      <failure message=\"{reason}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        t.verdict.cause.as_str(),
                        escape(body)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Escapes text for XML attributes and content; drops characters XML 1.0
/// cannot carry (control characters other than tab and newlines).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Cause, Verdict};
    use std::time::Duration;

    fn result(name: &str, verdict: Verdict) -> TestResult {
        TestResult {
            name: name.into(),
            file: "a.test.yml".into(),
            index: 0,
            verdict,
            rows: None,
            events: 0,
            duration: Duration::from_millis(2),
            explain: None,
        }
    }

    fn sample() -> Report {
        Report {
            results: vec![
                result("ok", Verdict::pass()),
                result("bad <1>", Verdict::fail(Cause::Assertion, "expected \"1\"")),
                result(
                    "gone",
                    Verdict::skip(Cause::MissingData, "dataset not found: x"),
                ),
            ],
            duration: Duration::from_millis(7),
            explain: false,
        }
    }

    #[test]
    fn text_has_lines_and_summary() {
        let t = text(&sample(), false);
        assert!(t.starts_with("PASS ok (2 ms)\nFAIL bad <1> (2 ms)\n     expected \"1\""));
        assert!(t.ends_with("1 passed, 1 failed, 1 skipped\n"));
        assert!(!t.contains('\x1b'));
        assert!(text(&sample(), true).contains(GREEN));
    }

    #[test]
    fn junit_escapes_and_nests() {
        let x = junit(&sample());
        assert!(x.contains("<testcase name=\"bad &lt;1&gt;\""));
        assert!(x.contains("<failure message=\"expected &quot;1&quot;\" type=\"assertion\">"));
        assert!(x.contains("<skipped message=\"dataset not found: x\"/>"));
        assert!(x.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""));
    }

    #[test]
    fn json_counts() {
        let j = json(&sample());
        assert_eq!(j["failed"], 1);
        assert_eq!(j["tests"][2]["cause"], "missing-data");
    }
}
