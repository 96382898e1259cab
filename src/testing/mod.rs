//! Detection tests, offline: replay datasets through a detection and judge
//! the results, the way Splunk's contentctl does with a Splunk server — in
//! milliseconds, with no server.
//!
//! # Brief overview
//!
//! Two kinds of test files are understood:
//!
//! - a security_content **detection YAML** with `tests:` entries
//!   ([`content`]): each entry's `attack_data` is replayed with its `source`
//!   and `sourcetype`, and the results are judged by contentctl's rule — at
//!   least one result; read in order, a result lacking a risk object field
//!   fails, the first with every risk and threat object field passes (later
//!   results are not read); without such a result, each threat object field
//!   must be in at least one result;
//! - spelunk's own **`*.test.yml`** ([`spec`]): a detection (path or inline
//!   `search:`), datasets, optional macros/lookups/props, and exact
//!   expectations (`count`, `min_count`, `fields`, `rows`).
//!
//! [`discover`] turns paths into [`TestCase`]s, [`run_cases`] runs them in
//! parallel into a [`Report`], and [`report`] renders it as text, JSON or
//! JUnit XML. [`spec::bless`] writes the rows a run produced back into
//! `*.test.yml` files as their expectation.
//!
//! # Example
//!
//! ```no_run
//! use spelunk::testing::{self, Options};
//!
//! let options = Options::default();
//! let report = testing::run(&["tests/detections".into()], &options).expect("paths exist");
//! assert_eq!(report.failed(), 0, "{}", testing::report::text(&report, false));
//! ```

pub mod content;
pub mod report;
pub mod runner;
pub mod spec;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::event::Event;

pub use runner::{run_cases, run_cases_observed};

/// Settings for a test run, shared by every test.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A local checkout of the attack_data repository: `data` URLs of
    /// `splunk/attack_data` are read from here (the part after the branch).
    pub attack_data: Option<PathBuf>,
    /// Macro definitions added to every test (after the bundled ones and a
    /// security_content repository's own `macros/`).
    pub macros: Vec<PathBuf>,
    /// Lookups added to every test.
    pub lookups: Vec<PathBuf>,
    /// Sourcetype settings (props.conf) added to every test.
    pub props: Vec<PathBuf>,
    /// Splunk app folders (`default/`, `local/`, `lookups/`) added to every
    /// test, after the bundled knowledge.
    pub apps: Vec<PathBuf>,
    /// A MaxMind City database for `iplocation`.
    pub geoip: Option<PathBuf>,
    /// Only run tests whose name or file contains this text (case-insensitive).
    pub filter: Option<String>,
    /// Worker threads; 0 uses the machine's available parallelism.
    pub jobs: usize,
    /// Show the whole [`crate::explain::Explain`] under a failing test
    /// (events read, expanded search, rows after each command, fields no
    /// event carries); without it, only the rows after each command.
    pub explain: bool,
    /// Each test search's memory budget in bytes (`None`: the default,
    /// 2 GiB).
    pub max_memory: Option<u64>,
}

/// A test's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The detection behaved as expected.
    Pass,
    /// It did not, or it could not run.
    Fail,
    /// It was not run: a dataset is missing, or its format is not supported.
    Skip,
}

impl Status {
    /// `pass`, `fail` or `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// Why a test did not pass, for tools that sort failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// It passed.
    None,
    /// The results did not meet the expectation.
    Assertion,
    /// The search uses something spelunk does not implement yet (a command,
    /// an option, an eval macro, a props `EVAL-`).
    Unsupported,
    /// The search does not expand or parse, or failed while running.
    Search,
    /// A test file, detection, macro, lookup or props file is malformed or
    /// missing.
    Config,
    /// A dataset is missing.
    MissingData,
    /// A dataset's format cannot be read (e.g. XML Windows events).
    DataFormat,
    /// The test is marked for manual testing, or the detection is deprecated.
    NotRun,
}

impl Cause {
    /// A short machine-readable name (`assertion`, `unsupported`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::None => "none",
            Cause::Assertion => "assertion",
            Cause::Unsupported => "unsupported",
            Cause::Search => "search",
            Cause::Config => "config",
            Cause::MissingData => "missing-data",
            Cause::DataFormat => "data-format",
            Cause::NotRun => "not-run",
        }
    }
}

/// A verdict with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Pass, fail or skip.
    pub status: Status,
    /// What kind of problem, when not a pass.
    pub cause: Cause,
    /// One line saying why (empty for a pass).
    pub reason: String,
    /// More text: a rendered search error, or expected vs actual rows.
    pub detail: Option<String>,
}

impl Verdict {
    /// A pass.
    pub fn pass() -> Self {
        Verdict {
            status: Status::Pass,
            cause: Cause::None,
            reason: String::new(),
            detail: None,
        }
    }

    /// A failure.
    pub fn fail(cause: Cause, reason: impl Into<String>) -> Self {
        Verdict {
            status: Status::Fail,
            cause,
            reason: reason.into(),
            detail: None,
        }
    }

    /// A skip.
    pub fn skip(cause: Cause, reason: impl Into<String>) -> Self {
        Verdict {
            status: Status::Skip,
            cause,
            reason: reason.into(),
            detail: None,
        }
    }

    /// The same verdict with more text.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// One dataset to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The events file.
    pub path: PathBuf,
    /// Its sourcetype.
    pub sourcetype: String,
    /// The `source` of its events (default: the path).
    pub source: Option<String>,
    /// The `host` of its events.
    pub host: Option<String>,
    /// The `index` of its events.
    pub index: Option<String>,
}

impl Dataset {
    /// The events source this dataset is read as.
    pub fn event_source(&self) -> crate::EventSource {
        crate::EventSource {
            path: Some(self.path.clone()),
            sourcetype: self.sourcetype.clone(),
            source: self.source.clone(),
            host: self.host.clone(),
            index: self.index.clone(),
        }
    }
}

/// The detection names in attack_data's MANIFEST.md: its table's third
/// column lists, per file, the detections whose tests name it.
pub fn manifest_detections(manifest: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for line in manifest.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(cell) = cells.get(3) else { continue };
        if cell.is_empty() || *cell == "-" || cell.starts_with("detections") {
            continue;
        }
        names.extend(cell.split(',').map(|n| n.trim().to_string()));
    }
    names
}

/// The detection files under `dir` (searched recursively) whose stems are
/// in `names`, appended to `out`.
pub fn detection_files(
    dir: &Path,
    names: &std::collections::BTreeSet<String>,
    out: &mut Vec<PathBuf>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            detection_files(&path, names, out);
        } else if path.extension().is_some_and(|e| e == "yml")
            && path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| names.contains(s))
        {
            out.push(path);
        }
    }
}

/// Where an engine's macros, lookups and props come from, besides the
/// bundled ones; tests with the same configuration share one engine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EngineConfig {
    /// Macro files or folders, in load order.
    pub macros: Vec<PathBuf>,
    /// Lookup files or folders, in load order.
    pub lookups: Vec<PathBuf>,
    /// props.conf files or folders, in load order.
    pub props: Vec<PathBuf>,
    /// Splunk app folders, in load order (before the files above).
    pub apps: Vec<PathBuf>,
    /// A MaxMind City database for `iplocation`.
    pub geoip: Option<PathBuf>,
}

impl EngineConfig {
    /// The engine a test runs on: these files over the defaults.
    pub fn engine_options(&self) -> crate::EngineOptions {
        crate::EngineOptions {
            apps: self.apps.clone(),
            macros: self.macros.clone(),
            lookups: self.lookups.clone(),
            props: self.props.clone(),
            geoip: self.geoip.clone(),
            ..crate::EngineOptions::default()
        }
    }
}

/// How a test judges its results.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// contentctl's rule ([`runner::contentctl_judge`]): at least one
    /// result; results read in order, one lacking a `risk` field fails, the
    /// first with every `risk` and `threat` field passes; otherwise each
    /// `threat` field is in at least one result.
    Contentctl {
        /// Risk object fields (`rba.risk_objects`, or observables with role Victim).
        risk: Vec<String>,
        /// Threat object fields (`rba.threat_objects`, or role Attacker).
        threat: Vec<String>,
    },
    /// A `*.test.yml` expectation.
    Expect(spec::Expectation),
}

/// Everything needed to run one test.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The search text, as written.
    pub search: String,
    /// A name for the search text in error messages (the detection file).
    pub search_name: String,
    /// Macros, lookups and props besides the bundled ones.
    pub config: EngineConfig,
    /// The datasets, replayed together.
    pub datasets: Vec<Dataset>,
    /// How the results are judged.
    pub check: Check,
}

/// One test: a name, where it was defined, and its plan — or the verdict it
/// gets without running (a malformed file, a missing detection, a manual test).
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// `<detection or file> :: <test name>`.
    pub name: String,
    /// The file that defines the test.
    pub file: PathBuf,
    /// The test's position in the file's `tests:` list.
    pub index: usize,
    /// The plan, or the verdict when the test cannot be planned.
    pub plan: std::result::Result<Plan, Verdict>,
}

/// What running one test produced.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// The file that defines it.
    pub file: PathBuf,
    /// Its position in the file's `tests:` list.
    pub index: usize,
    /// The verdict.
    pub verdict: Verdict,
    /// The result rows, when the search ran.
    pub rows: Option<Vec<Event>>,
    /// Events replayed.
    pub events: usize,
    /// Wall time of the test.
    pub duration: Duration,
    /// Why the search returned what it did, when it ran.
    pub explain: Option<crate::explain::Explain>,
}

/// The results of a run, in discovery order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// One result per test.
    pub results: Vec<TestResult>,
    /// Wall time of the whole run.
    pub duration: Duration,
    /// Whether a failing test shows its whole explanation ([`Options::explain`]).
    pub explain: bool,
}

impl Report {
    /// Tests that passed.
    pub fn passed(&self) -> usize {
        self.count(Status::Pass)
    }

    /// Tests that failed.
    pub fn failed(&self) -> usize {
        self.count(Status::Fail)
    }

    /// Tests that were skipped.
    pub fn skipped(&self) -> usize {
        self.count(Status::Skip)
    }

    fn count(&self, status: Status) -> usize {
        self.results
            .iter()
            .filter(|r| r.verdict.status == status)
            .count()
    }

    /// `N passed, M failed, K skipped`.
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed(),
            self.failed(),
            self.skipped()
        )
    }
}

/// Finds the tests under `paths` and runs them.
///
/// Errors: a path does not exist or a folder cannot be read. Malformed test
/// files are not errors: they become failing tests.
pub fn run(paths: &[PathBuf], options: &Options) -> Result<Report> {
    let cases = discover(paths, options)?;
    Ok(run_cases(&cases, options))
}

/// Finds the tests under `paths`: `*.test.yml`/`*.test.yaml` files in
/// spelunk's format, and security_content detection YAMLs (files with a
/// `search:`) with `tests:`. Folders are searched recursively (hidden
/// folders and `target` are left out). Applies [`Options::filter`].
pub fn discover(paths: &[PathBuf], options: &Options) -> Result<Vec<TestCase>> {
    let mut cases = Vec::new();
    for path in paths {
        if path.is_dir() {
            for file in yaml_files(path)? {
                cases.extend(cases_in_file(&file, options, false));
            }
        } else if path.exists() {
            cases.extend(cases_in_file(path, options, true));
        } else {
            return Err(Error::io(path.display(), "no such file or folder"));
        }
    }
    if let Some(filter) = &options.filter {
        let needle = filter.to_lowercase();
        cases.retain(|c| {
            c.name.to_lowercase().contains(&needle)
                || c.file
                    .display()
                    .to_string()
                    .to_lowercase()
                    .contains(&needle)
        });
    }
    Ok(cases)
}

/// Is this a spelunk test file (`*.test.yml` / `*.test.yaml`)?
pub fn is_spec_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".test.yml") || name.ends_with(".test.yaml")
}

/// The tests one file defines. A YAML file found in a folder that is neither
/// a test file nor a detection (attack_data's dataset descriptions, macro
/// YAMLs) defines none; named explicitly, it is reported as a failing test.
fn cases_in_file(path: &Path, options: &Options, explicit: bool) -> Vec<TestCase> {
    if is_spec_file(path) {
        return spec::cases(path, options);
    }
    match content::cases(path, options) {
        Some(cases) => cases,
        None if explicit => vec![TestCase {
            name: path.display().to_string(),
            file: path.to_path_buf(),
            index: 0,
            plan: Err(Verdict::fail(
                Cause::Config,
                "not a test file: neither a *.test.yml nor a detection YAML with `search:`",
            )),
        }],
        None => Vec::new(),
    }
}

/// YAML files under `dir`, sorted, skipping hidden folders and `target`.
/// (A link loop ends: see [`crate::walk`].)
fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let files = crate::walk::files_under(dir, crate::walk::Links::Follow, |name| {
        !name.starts_with('.') && name != "target"
    })?;
    Ok(files
        .into_iter()
        .filter(|path| {
            let lower = path
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            lower.ends_with(".yml") || lower.ends_with(".yaml")
        })
        .collect())
}

/// Resolves `rel` against the folder of `file` (absolute paths stay).
pub(crate) fn relative_to(file: &Path, rel: &str) -> PathBuf {
    let rel = Path::new(rel);
    if rel.is_absolute() {
        return rel.to_path_buf();
    }
    match file.parent() {
        Some(dir) => dir.join(rel),
        None => rel.to_path_buf(),
    }
}
