//! spelunk's own test files, `*.test.yml`: a detection, datasets and exact
//! expectations.
//!
//! ```yaml
//! name: S3 copies with KMS encryption          # optional, names the tests
//! detection: ../path/to/detection.yml          # or .spl; or `search:` inline
//! macros: [macros.conf]                        # optional, like -m
//! lookups: [lookups/]                          # optional, like -l
//! props: [props.conf]                          # optional, like --props
//! apps: [my_app/]                               # optional, like --app
//! sourcetype: aws:cloudtrail                   # default for every dataset
//! tests:
//! - name: fires on a KMS copy
//!   datasets:
//!   - path: datasets/kms.json                  # sourcetype, source, host, index optional
//!   expect:
//!     count: 1                                 # exact number of results
//!     min_count: 1                             # at least
//!     fields: [user, src]                      # non-null in every result
//!     rows:                                    # exact rows (every value a string,
//!     - {user: alice, count: '1'}              #   multivalue a list)
//!     ordered: true                            # row order matters (default)
//! - name: quiet on a benign copy
//!   datasets:
//!   - path: datasets/benign.json
//!   must_not_fire: true                        # the detection must return no result
//! ```
//!
//! `must_not_fire: true` states that the detection should not trigger on
//! the datasets (a false-positive check); it takes no `expect:`. When the
//! detection does return results the test fails, showing the first
//! [`ROWS_SHOWN`] of them, and `--bless` leaves the test alone (`expect:
//! {count: 0}` checks the same, without saying why).
//!
//! Paths are relative to the test file. A `detection:` that does not exist
//! (e.g. `../shared` is absent) makes the test a SKIP, not a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use serde_norway::Value as Yaml;

use super::{
    content, relative_to, Cause, Check, Dataset, Options, Plan, TestCase, TestResult, Verdict,
};
use crate::detection::read_search_file;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::output::row_to_json;

/// A `*.test.yml` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    name: Option<String>,
    detection: Option<String>,
    search: Option<String>,
    #[serde(default)]
    macros: Vec<String>,
    #[serde(default)]
    lookups: Vec<String>,
    #[serde(default)]
    props: Vec<String>,
    #[serde(default)]
    apps: Vec<String>,
    sourcetype: Option<String>,
    tests: Vec<SpecTest>,
}

/// One entry of `tests:`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecTest {
    name: String,
    datasets: Vec<SpecDataset>,
    #[serde(default)]
    expect: Expectation,
    /// The detection must return no result (a false-positive check).
    #[serde(default)]
    must_not_fire: bool,
}

/// One entry of `datasets:`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecDataset {
    path: String,
    sourcetype: Option<String>,
    source: Option<String>,
    host: Option<String>,
    index: Option<String>,
}

/// What a `*.test.yml` test expects of the results; every part that is set
/// must hold.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Exactly this many results.
    pub count: Option<usize>,
    /// At least this many results.
    pub min_count: Option<usize>,
    /// Fields that must be non-null in every result.
    #[serde(default)]
    pub fields: Vec<String>,
    /// The exact results: objects of strings (a multivalue field is a list);
    /// absent fields are left out. Field order does not matter.
    pub rows: Option<Vec<Json>>,
    /// Whether `rows` must come in this order (default true).
    #[serde(default = "default_ordered")]
    pub ordered: bool,
    /// No result at all (the test's `must_not_fire: true`, not a key of
    /// `expect:`).
    #[serde(skip)]
    pub must_not_fire: bool,
}

impl Default for Expectation {
    fn default() -> Self {
        Expectation {
            count: None,
            min_count: None,
            fields: Vec::new(),
            rows: None,
            ordered: true,
            must_not_fire: false,
        }
    }
}

fn default_ordered() -> bool {
    true
}

/// The tests a `*.test.yml` defines; a malformed file is one failing test.
pub fn cases(path: &Path, options: &Options) -> Vec<TestCase> {
    let spec = match read_spec(path) {
        Ok(spec) => spec,
        Err(reason) => {
            return vec![TestCase {
                name: path.display().to_string(),
                file: path.to_path_buf(),
                index: 0,
                plan: Err(Verdict::fail(Cause::Config, reason)),
            }]
        }
    };
    let title = spec.name.clone().unwrap_or_else(|| file_stem(path));
    let search = detection_search(path, &spec);
    spec.tests
        .iter()
        .enumerate()
        .map(|(index, test)| TestCase {
            name: format!("{title} :: {}", test.name),
            file: path.to_path_buf(),
            index,
            plan: search
                .clone()
                .map(|(search, search_name, detection)| Plan {
                    search,
                    search_name,
                    config: spec_config(path, &spec, detection.as_deref(), options),
                    datasets: datasets(path, &spec, test),
                    check: Check::Expect(test.expect.clone()),
                })
                .and_then(|plan| must_not_fire(plan, test)),
        })
        .collect()
}

/// A `must_not_fire: true` test: its check is "no result"; an `expect:`
/// beside it is a contradiction to fix.
fn must_not_fire(mut plan: Plan, test: &SpecTest) -> std::result::Result<Plan, Verdict> {
    if !test.must_not_fire {
        return Ok(plan);
    }
    if test.expect != Expectation::default() {
        return Err(Verdict::fail(
            Cause::Config,
            "`must_not_fire: true` takes no `expect:` (it already expects no result)",
        ));
    }
    plan.check = Check::Expect(Expectation {
        must_not_fire: true,
        ..Expectation::default()
    });
    Ok(plan)
}

fn read_spec(path: &Path) -> std::result::Result<SpecFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let spec: SpecFile =
        serde_norway::from_str(&text).map_err(|e| format!("malformed test file: {e}"))?;
    match (&spec.detection, &spec.search) {
        (Some(_), Some(_)) => Err("give `detection:` or `search:`, not both".into()),
        (None, None) => Err("the test file names no `detection:` and no `search:`".into()),
        _ => Ok(spec),
    }
}

fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    name.trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .trim_end_matches(".test")
        .to_string()
}

/// The search text, its name for errors, and the detection file it came
/// from; a missing detection file is a skip (the shared corpus may be absent).
fn detection_search(
    path: &Path,
    spec: &SpecFile,
) -> std::result::Result<(String, String, Option<PathBuf>), Verdict> {
    if let Some(search) = &spec.search {
        return Ok((search.clone(), format!("{} search", path.display()), None));
    }
    let rel = spec.detection.as_deref().unwrap_or_default();
    let detection = relative_to(path, rel);
    if !detection.exists() {
        return Err(Verdict::skip(
            Cause::MissingData,
            format!("detection not found: {}", detection.display()),
        ));
    }
    let file = read_search_file(&detection)
        .map_err(|e| Verdict::fail(Cause::Config, format!("detection: {e}")))?;
    Ok((
        file.search,
        detection.display().to_string(),
        Some(detection),
    ))
}

fn spec_config(
    path: &Path,
    spec: &SpecFile,
    detection: Option<&Path>,
    options: &Options,
) -> super::EngineConfig {
    let mut config = match detection {
        Some(d) => content::engine_config(d, options),
        None => content::engine_config(path, options),
    };
    let resolve =
        |list: &[String]| -> Vec<PathBuf> { list.iter().map(|p| relative_to(path, p)).collect() };
    config.macros.extend(resolve(&spec.macros));
    config.lookups.extend(resolve(&spec.lookups));
    config.props.extend(resolve(&spec.props));
    config.apps.extend(resolve(&spec.apps));
    config
}

fn datasets(path: &Path, spec: &SpecFile, test: &SpecTest) -> Vec<Dataset> {
    test.datasets
        .iter()
        .map(|d| Dataset {
            path: relative_to(path, &d.path),
            sourcetype: d
                .sourcetype
                .clone()
                .or_else(|| spec.sourcetype.clone())
                .unwrap_or_else(|| "_json".into()),
            source: d.source.clone(),
            host: d.host.clone(),
            index: d.index.clone(),
        })
        .collect()
}

/// Judges results against an expectation.
pub fn judge(expect: &Expectation, rows: &[Event]) -> Verdict {
    if expect.must_not_fire {
        if rows.is_empty() {
            return Verdict::pass();
        }
        return Verdict::fail(
            Cause::Assertion,
            format!(
                "the detection must not fire, but returned {} result(s)",
                rows.len()
            ),
        )
        .with_detail(rows_text(rows));
    }
    let nothing_set = expect.count.is_none()
        && expect.min_count.is_none()
        && expect.fields.is_empty()
        && expect.rows.is_none();
    if nothing_set {
        return Verdict::fail(
            Cause::Config,
            "nothing to check: set count, min_count, fields or rows under `expect:` (or run with --bless)",
        );
    }
    if let Some(n) = expect.count {
        if rows.len() != n {
            return Verdict::fail(
                Cause::Assertion,
                format!("expected {n} result(s), got {}", rows.len()),
            )
            .with_detail(rows_text(rows));
        }
    }
    if let Some(n) = expect.min_count {
        if rows.len() < n {
            return Verdict::fail(
                Cause::Assertion,
                format!("expected at least {n} result(s), got {}", rows.len()),
            );
        }
    }
    for field in &expect.fields {
        let missing = rows.iter().filter(|r| is_null(r, field)).count();
        if missing > 0 {
            return Verdict::fail(
                Cause::Assertion,
                format!(
                    "field `{field}` is null in {missing} of {} result(s)",
                    rows.len()
                ),
            );
        }
    }
    if let Some(want) = &expect.rows {
        if let Some(verdict) = compare_rows(want, rows, expect.ordered) {
            return verdict;
        }
    }
    Verdict::pass()
}

/// Null as contentctl sees it: absent, or an empty value.
pub fn is_null(row: &Event, field: &str) -> bool {
    match row.get(field) {
        None => true,
        Some(v) => v.is_empty() || v.texts().iter().all(|t| t.is_empty()),
    }
}

fn compare_rows(want: &[Json], rows: &[Event], ordered: bool) -> Option<Verdict> {
    let want: Vec<Json> = want.iter().map(normalize).collect();
    let got: Vec<Json> = rows.iter().map(row_to_json).collect();
    if want.len() != got.len() {
        return Some(
            Verdict::fail(
                Cause::Assertion,
                format!("expected {} row(s), got {}", want.len(), got.len()),
            )
            .with_detail(format!(
                "expected:\n{}\nactual:\n{}",
                json_lines(&want),
                json_lines(&got)
            )),
        );
    }
    if ordered {
        let (i, (w, g)) = want
            .iter()
            .zip(&got)
            .enumerate()
            .find(|(_, (w, g))| w != g)?;
        return Some(
            Verdict::fail(
                Cause::Assertion,
                format!("row {} differs: {}", i + 1, field_differences(w, g)),
            )
            .with_detail(format!("expected: {w}\nactual:   {g}")),
        );
    }
    let mut unmatched: Vec<&Json> = got.iter().collect();
    for (i, w) in want.iter().enumerate() {
        match unmatched.iter().position(|g| *g == w) {
            Some(pos) => {
                unmatched.swap_remove(pos);
            }
            None => {
                return Some(
                    Verdict::fail(
                        Cause::Assertion,
                        format!("expected row {} is not in the results", i + 1),
                    )
                    .with_detail(format!(
                        "missing:  {w}\nunmatched results:\n{}",
                        json_lines(&unmatched.into_iter().cloned().collect::<Vec<_>>())
                    )),
                )
            }
        }
    }
    None
}

/// The fields two rows disagree on, e.g. `count: expected "3", got "2"`.
fn field_differences(want: &Json, got: &Json) -> String {
    let (Json::Object(w), Json::Object(g)) = (want, got) else {
        return format!("expected {want}, got {got}");
    };
    let mut names: Vec<&String> = w.keys().collect();
    names.extend(g.keys().filter(|k| !w.contains_key(*k)));
    let show = |v: Option<&Json>| v.map_or_else(|| "nothing".to_string(), Json::to_string);
    names
        .into_iter()
        .filter(|k| w.get(*k) != g.get(*k))
        .map(|k| format!("{k}: expected {}, got {}", show(w.get(k)), show(g.get(k))))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Expected rows as the results look: scalars become strings (YAML reads
/// `count: 1` as a number), `null` fields are absent.
fn normalize(row: &Json) -> Json {
    let scalar = |v: &Json| match v {
        Json::String(s) => Some(Json::String(s.clone())),
        Json::Null => None,
        Json::Array(items) => Some(Json::Array(
            items.iter().map(|i| Json::String(scalar_text(i))).collect(),
        )),
        other => Some(Json::String(scalar_text(other))),
    };
    match row {
        Json::Object(map) => Json::Object(
            map.iter()
                .filter_map(|(k, v)| scalar(v).map(|v| (k.clone(), v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn json_lines(rows: &[Json]) -> String {
    if rows.is_empty() {
        return "  (none)".into();
    }
    rows.iter()
        .map(|r| format!("  {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many result rows a failure shows.
pub const ROWS_SHOWN: usize = 20;

fn rows_text(rows: &[Event]) -> String {
    let got: Vec<Json> = rows.iter().take(ROWS_SHOWN).map(row_to_json).collect();
    let more = rows.len().saturating_sub(ROWS_SHOWN);
    let more = if more > 0 {
        format!("\n  ... and {more} more")
    } else {
        String::new()
    };
    format!("results:\n{}{more}", json_lines(&got))
}

/// Writes the rows each `*.test.yml` test produced back into its file as
/// `expect.rows` (and `expect.count`, when the test has one). Tests that
/// did not run are left alone. Returns the files written and how many tests
/// each got. Comments in a blessed file are not kept.
pub fn bless(results: &[TestResult]) -> Result<Vec<(PathBuf, usize)>> {
    let mut by_file: BTreeMap<PathBuf, Vec<(usize, &[Event])>> = BTreeMap::new();
    for r in results {
        if let (true, Some(rows)) = (super::is_spec_file(&r.file), &r.rows) {
            by_file
                .entry(r.file.clone())
                .or_default()
                .push((r.index, rows));
        }
    }
    let mut written = Vec::new();
    for (file, tests) in by_file {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(file.display(), e))?;
        let mut doc: Yaml = serde_norway::from_str(&text).map_err(|e| Error::Config {
            file: file.display().to_string(),
            line: e.location().map_or(0, |l| l.line()),
            message: e.to_string(),
        })?;
        let mut n = 0;
        for (index, rows) in tests {
            if bless_test(&mut doc, index, rows) {
                n += 1;
            }
        }
        let out = serde_norway::to_string(&doc).map_err(|e| Error::io(file.display(), e))?;
        std::fs::write(&file, out).map_err(|e| Error::io(file.display(), e))?;
        written.push((file, n));
    }
    Ok(written)
}

fn bless_test(doc: &mut Yaml, index: usize, rows: &[Event]) -> bool {
    let Some(test) = doc
        .get_mut("tests")
        .and_then(|t| t.as_sequence_mut())
        .and_then(|t| t.get_mut(index))
        .and_then(Yaml::as_mapping_mut)
    else {
        return false;
    };
    // "Must not fire" is the intent, not a snapshot of the results.
    if test.get("must_not_fire").and_then(Yaml::as_bool) == Some(true) {
        return false;
    }
    let expect = test
        .entry(Yaml::from("expect"))
        .or_insert_with(|| Yaml::Mapping(Default::default()));
    if !expect.is_mapping() {
        *expect = Yaml::Mapping(Default::default());
    }
    let Some(expect) = expect.as_mapping_mut() else {
        return false;
    };
    let json = Json::Array(rows.iter().map(row_to_json).collect());
    let Ok(yaml_rows) = serde_norway::to_value(json) else {
        return false;
    };
    if expect.contains_key("count") {
        expect.insert(Yaml::from("count"), Yaml::from(rows.len() as u64));
    }
    expect.insert(Yaml::from("rows"), yaml_rows);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn row(pairs: &[(&str, &str)]) -> Event {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect()
    }

    #[test]
    fn count_and_fields() {
        let rows = vec![row(&[("user", "a")]), row(&[("src", "1.2.3.4")])];
        let e = Expectation {
            count: Some(2),
            ..Default::default()
        };
        assert_eq!(judge(&e, &rows).status, super::super::Status::Pass);
        let e = Expectation {
            fields: vec!["user".into()],
            ..Default::default()
        };
        let v = judge(&e, &rows);
        assert_eq!(v.reason, "field `user` is null in 1 of 2 result(s)");
    }

    #[test]
    fn rows_ordered_and_unordered() {
        let rows = vec![row(&[("a", "1")]), row(&[("a", "2")])];
        let want: Vec<Json> = serde_json::from_str(r#"[{"a": 2}, {"a": "1"}]"#).unwrap();
        let mut e = Expectation {
            rows: Some(want),
            ..Default::default()
        };
        assert_eq!(
            judge(&e, &rows).reason,
            "row 1 differs: a: expected \"2\", got \"1\""
        );
        e.ordered = false;
        assert_eq!(judge(&e, &rows).status, super::super::Status::Pass);
    }

    #[test]
    fn must_not_fire_passes_on_nothing_and_shows_what_fired() {
        let e = Expectation {
            must_not_fire: true,
            ..Default::default()
        };
        assert_eq!(judge(&e, &[]).status, super::super::Status::Pass);
        let v = judge(&e, &[row(&[("user", "a")])]);
        assert_eq!(
            v.reason,
            "the detection must not fire, but returned 1 result(s)"
        );
        assert_eq!(v.detail.as_deref(), Some("results:\n  {\"user\":\"a\"}"));
    }

    #[test]
    fn empty_expectation_is_an_error() {
        let v = judge(&Expectation::default(), &[]);
        assert!(v.reason.starts_with("nothing to check"));
    }
}
