//! Running tests: one engine per distinct configuration, tests spread over
//! worker threads, each test replaying its datasets and judging the rows.

use std::collections::HashMap;
use std::time::Instant;

use super::{
    spec, Cause, Check, Dataset, EngineConfig, Options, Plan, Report, TestCase, TestResult, Verdict,
};
use crate::diagnostic::Diagnostic;
use crate::engine::Engine;
use crate::error::Error;
use crate::event::Event;
use crate::events::EventSource;

/// Runs `cases` on [`Options::jobs`] threads; results keep the cases' order.
pub fn run_cases(cases: &[TestCase], options: &Options) -> Report {
    run_cases_observed(cases, options, &|| {})
}

/// [`run_cases`], calling `done` as each test finishes (for a progress bar).
pub fn run_cases_observed(
    cases: &[TestCase],
    options: &Options,
    done: &(dyn Fn() + Sync),
) -> Report {
    let started = Instant::now();
    let engines = build_engines(cases, options);
    let slots = crate::parallel::map_ordered_observed(
        cases,
        options.jobs,
        |case| run_case(case, &engines),
        done,
    );
    let results = slots
        .into_iter()
        .zip(cases)
        .map(|(slot, case)| {
            slot.unwrap_or_else(|| {
                result_of(
                    case,
                    Verdict::fail(Cause::Search, "internal error: the test did not finish"),
                    Instant::now(),
                )
            })
        })
        .collect();
    Report {
        results,
        duration: started.elapsed(),
        explain: options.explain,
    }
}

type Engines = HashMap<EngineConfig, Result<Engine, Verdict>>;

/// Builds each distinct configuration once, before the workers start.
fn build_engines(cases: &[TestCase], options: &Options) -> Engines {
    let mut engines = Engines::new();
    for case in cases {
        if let Ok(plan) = &case.plan {
            if !engines.contains_key(&plan.config) {
                engines.insert(plan.config.clone(), build_engine(&plan.config, options));
            }
        }
    }
    engines
}

fn build_engine(config: &EngineConfig, options: &Options) -> Result<Engine, Verdict> {
    let config_failure = |e: Error| Verdict::fail(Cause::Config, e.to_string());
    let mut engine_options = config.engine_options();
    if let Some(bytes) = options.max_memory {
        engine_options.max_memory = bytes;
    }
    Engine::from_options(&engine_options).map_err(config_failure)
}

fn result_of(case: &TestCase, verdict: Verdict, started: Instant) -> TestResult {
    TestResult {
        name: case.name.clone(),
        file: case.file.clone(),
        index: case.index,
        verdict,
        rows: None,
        events: 0,
        duration: started.elapsed(),
        explain: None,
    }
}

/// Runs one test.
pub fn run_case(case: &TestCase, engines: &Engines) -> TestResult {
    let started = Instant::now();
    let plan = match &case.plan {
        Ok(plan) => plan,
        Err(verdict) => return result_of(case, verdict.clone(), started),
    };
    let mut explain = None;
    match execute(plan, engines, &mut explain) {
        Ok((rows, events)) => {
            let verdict = judge(&plan.check, &rows);
            TestResult {
                rows: Some(rows),
                events,
                explain,
                ..result_of(case, verdict, started)
            }
        }
        Err(verdict) => TestResult {
            explain,
            ..result_of(case, verdict, started)
        },
    }
}

/// Replays the datasets and runs the search: the rows and the number of
/// events, or the verdict that stopped it. The search runs with counters
/// after each command (see [`crate::explain`]), which `explain` receives
/// once it ran, so a failure can say which command dropped the rows.
fn execute(
    plan: &Plan,
    engines: &Engines,
    explain: &mut Option<crate::explain::Explain>,
) -> Result<(Vec<Event>, usize), Verdict> {
    for dataset in &plan.datasets {
        check_dataset(dataset)?;
    }
    let engine = match engines.get(&plan.config) {
        Some(Ok(engine)) => engine,
        Some(Err(verdict)) => return Err(verdict.clone()),
        None => return Err(Verdict::fail(Cause::Config, "internal error: no engine")),
    };
    let query = engine
        .compile(&plan.search, &plan.search_name)
        .map_err(|d| search_failure(&d))?;
    let sources: Vec<EventSource> = plan.datasets.iter().map(Dataset::event_source).collect();
    let (loaded, files) = engine
        .load_events_explained(&sources)
        .map_err(|e| search_failure(&Diagnostic::plain(e)))?;
    if loaded.events.is_empty() {
        if let Some(first) = loaded.malformed.first() {
            return Err(Verdict::skip(
                Cause::DataFormat,
                format!(
                    "unsupported dataset format: no event could be read from {} ({first})",
                    first.file
                ),
            ));
        }
    }
    let (results, mut why) = engine.run_query_explained(&query, &loaded.events);
    why.files = files;
    *explain = Some(why);
    let results = results.map_err(|d| search_failure(&d))?;
    Ok((results.rows, loaded.events.len()))
}

/// A missing dataset is a skip naming its path.
fn check_dataset(dataset: &Dataset) -> Result<(), Verdict> {
    if !dataset.path.is_file() {
        return Err(Verdict::skip(
            Cause::MissingData,
            format!("dataset not found: {}", dataset.path.display()),
        ));
    }
    Ok(())
}

/// A search or configuration error as a failure. Something spelunk does
/// not implement yet is told apart from a broken search, so a run over
/// many detections shows what is missing.
fn search_failure(diagnostic: &Diagnostic) -> Verdict {
    let error = &diagnostic.error;
    let unsupported = error.is_unsupported();
    let cause = if unsupported {
        Cause::Unsupported
    } else {
        match error {
            Error::Io { .. } | Error::Config { .. } | Error::Usage(_) => Cause::Config,
            Error::MalformedEvent { .. } => Cause::DataFormat,
            _ => Cause::Search,
        }
    };
    let mut reason = if unsupported {
        format!("unsupported: {error}")
    } else {
        error.to_string()
    };
    if let Some(loc) = &diagnostic.location {
        reason.push_str(&format!(" (at {}:{}:{})", loc.name, loc.line, loc.column));
    }
    Verdict::fail(cause, reason).with_detail(diagnostic.to_string())
}

/// Judges the rows by the test's check.
pub fn judge(check: &Check, rows: &[Event]) -> Verdict {
    match check {
        Check::Expect(expect) => spec::judge(expect, rows),
        Check::Contentctl { risk, threat } => contentctl_judge(risk, threat, rows),
    }
}

/// contentctl's rule, as its `retry_search_until_timeout` applies it
/// (splunk/contentctl, `DetectionTestingInfrastructure.py`): the results are
/// read in order, and
///
/// - no result at all fails;
/// - a result where a risk object field is null fails the test;
/// - the first result where every risk and threat object field is non-null
///   passes it, and the results after it are not read;
/// - when no result has every field, each threat object field must be
///   non-null in at least one result.
///
/// A field is null when it is absent, empty, or the text `null` (contentctl
/// compares `result.get(field, "null")` with `"null"`).
pub fn contentctl_judge(risk: &[String], threat: &[String], rows: &[Event]) -> Verdict {
    if rows.is_empty() {
        return Verdict::fail(
            Cause::Assertion,
            "the detection returned no results (at least one is needed)",
        );
    }
    let mut seen_threat = vec![false; threat.len()];
    for (i, row) in rows.iter().enumerate() {
        if let Some(field) = risk.iter().find(|f| contentctl_null(row, f)) {
            return Verdict::fail(
                Cause::Assertion,
                format!(
                    "risk object field `{field}` is null in result {} of {}",
                    i + 1,
                    rows.len()
                ),
            );
        }
        let mut complete = true;
        for (seen, field) in seen_threat.iter_mut().zip(threat) {
            if contentctl_null(row, field) {
                complete = false;
            } else {
                *seen = true;
            }
        }
        if complete {
            return Verdict::pass();
        }
    }
    if let Some((_, field)) = seen_threat.iter().zip(threat).find(|(seen, _)| !**seen) {
        return Verdict::fail(
            Cause::Assertion,
            format!(
                "threat object field `{field}` is null in all {} result(s)",
                rows.len()
            ),
        );
    }
    Verdict::pass()
}

/// Null for contentctl: absent, empty, or the single text `null`.
fn contentctl_null(row: &Event, field: &str) -> bool {
    spec::is_null(row, field)
        || row
            .get(field)
            .is_some_and(|v| matches!(v.texts().as_slice(), [t] if t == "null"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Status;
    use crate::value::Value;

    fn row(pairs: &[(&str, &str)]) -> Event {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect()
    }

    /// The verdict for the error `search` raises when it is compiled.
    fn failure_of(search: &str) -> Verdict {
        let engine = crate::Engine::new().expect("an engine");
        match engine.compile(search, "<test>") {
            Ok(_) => panic!("the search compiles: {search}"),
            Err(diagnostic) => search_failure(&diagnostic),
        }
    }

    #[test]
    fn a_missing_option_is_unsupported_and_a_wrong_value_is_a_search_error() {
        // Told apart by the error's type, not its wording.
        let missing = failure_of("| makeresults | join usetime=true x [| makeresults]");
        assert_eq!(missing.cause, Cause::Unsupported, "{}", missing.reason);
        assert!(missing
            .reason
            .starts_with("unsupported: join: `usetime=true`"));
        let unknown_option = failure_of("| makeresults | dedup frobnicate=1 x");
        assert_eq!(unknown_option.cause, Cause::Unsupported);
        let wrong = failure_of("| makeresults | head limit=abc");
        assert_eq!(wrong.cause, Cause::Search, "{}", wrong.reason);
    }

    #[test]
    fn contentctl_rule() {
        let risk = vec!["user".to_string()];
        let threat = vec!["src".to_string()];
        let rows = vec![
            row(&[("user", "a"), ("src", "1.1.1.1")]),
            row(&[("user", "b")]),
        ];
        assert_eq!(contentctl_judge(&risk, &threat, &rows).status, Status::Pass);
        let rows = vec![row(&[("user", "a")]), row(&[("src", "1.1.1.1")])];
        assert!(contentctl_judge(&risk, &threat, &rows)
            .reason
            .starts_with("risk object field `user` is null in result 2 of 2"));
        let rows = vec![row(&[("user", "a")])];
        assert_eq!(
            contentctl_judge(&risk, &threat, &rows).reason,
            "threat object field `src` is null in all 1 result(s)"
        );
        assert_eq!(contentctl_judge(&risk, &threat, &[]).status, Status::Fail);
    }

    #[test]
    fn contentctl_stops_at_the_first_complete_result() {
        let risk = vec!["user".to_string(), "dest".to_string()];
        let threat = vec!["src".to_string()];
        // Results after the first complete one are not read.
        let rows = vec![
            row(&[("user", "a"), ("dest", "h"), ("src", "1.1.1.1")]),
            row(&[("user", "b")]),
        ];
        assert_eq!(contentctl_judge(&risk, &threat, &rows).status, Status::Pass);
        // A result before it that lacks a risk object fails the test.
        let rows = vec![
            row(&[("user", "b")]),
            row(&[("user", "a"), ("dest", "h"), ("src", "1.1.1.1")]),
        ];
        assert!(contentctl_judge(&risk, &threat, &rows)
            .reason
            .starts_with("risk object field `dest` is null in result 1 of 2"));
        // Threat objects may come from different results.
        let risk = vec!["user".to_string()];
        let threat = vec!["src".to_string(), "process".to_string()];
        let rows = vec![
            row(&[("user", "a"), ("src", "1.1.1.1")]),
            row(&[("user", "b"), ("process", "x.exe")]),
        ];
        assert_eq!(contentctl_judge(&risk, &threat, &rows).status, Status::Pass);
    }

    #[test]
    fn contentctl_null_text_is_null() {
        let risk = vec!["user".to_string()];
        let rows = vec![row(&[("user", "null")])];
        assert_eq!(contentctl_judge(&risk, &[], &rows).status, Status::Fail);
        let rows = vec![row(&[("user", "")])];
        assert_eq!(contentctl_judge(&risk, &[], &rows).status, Status::Fail);
        let rows = vec![row(&[("user", "nullable")])];
        assert_eq!(contentctl_judge(&risk, &[], &rows).status, Status::Pass);
    }
}
