//! The data-driven harness: every folder under `tests/cases/` is one test.
//!
//! A case holds `query.spl` (or `query_file` in `case.toml`), optional
//! `events.json`, `macros.conf`, `lookups/`, `props.conf`, `apps/<name>/`
//! (Splunk app folders, loaded in name order before the rest), and either
//! `expected.json` (the rows, key order significant) or `expected_error.txt`
//! (each non-empty line must appear in the rendered error). An optional
//! `expected_warnings.txt` lists lines that must appear among the
//! knowledge warnings and search notices. `case.toml` keys: `sourcetype`, `index`,
//! `source`, `host`, `ordered`, `tz`, `query_file`, `events_path`, `geoip`,
//! `max_memory` (the search's memory budget, as `--max-memory` takes it),
//! `output_dir`, `description`, `doc`. With `output_dir = true` the search
//! gets a fresh output folder (`--output-lookups`), first filled with the
//! case's `output_seed/` files; afterwards it must hold exactly the files of
//! `expected_files/` (`.gitkeep` aside), byte for byte. Run one case with
//! `cargo test --test cases -- <name>`.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value as Json;
use spelunk::detection::read_search_file;
use spelunk::output::row_to_json;
use spelunk::{Engine, EventSource};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseConfig {
    sourcetype: Option<String>,
    source: Option<String>,
    host: Option<String>,
    index: Option<String>,
    ordered: Option<bool>,
    tz: Option<String>,
    query_file: Option<String>,
    events_path: Option<String>,
    geoip: Option<String>,
    max_memory: Option<String>,
    output_dir: Option<bool>,
    #[allow(dead_code)]
    description: Option<String>,
    #[allow(dead_code)]
    doc: Option<String>,
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/cases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let trials = dirs
        .into_iter()
        .map(|dir| {
            let name = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            Trial::test(name, move || run_case(&dir))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn read(path: &Path) -> Result<String, Failed> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

enum Outcome {
    /// The rows, and the knowledge warnings and notices.
    Rows(Vec<Json>, Vec<String>),
    Error(String),
}

fn run_case(dir: &Path) -> Result<(), Failed> {
    let config: CaseConfig = if dir.join("case.toml").exists() {
        toml::from_str(&read(&dir.join("case.toml"))?).map_err(|e| format!("case.toml: {e}"))?
    } else {
        CaseConfig::default()
    };
    let events_path = match &config.events_path {
        Some(rel) => {
            let p = dir.join(rel);
            if !p.exists() {
                // The shared corpus is not part of the repository; without it
                // the case cannot run, which is not a failure of the engine.
                eprintln!("skipping {}: {} is absent", dir.display(), p.display());
                return Ok(());
            }
            Some(p)
        }
        None => Some(dir.join("events.json")).filter(|p| p.exists()),
    };
    let output = if config.output_dir.unwrap_or(false) {
        Some(OutputDir::new(dir)?)
    } else {
        None
    };
    let outcome = run_search(dir, &config, events_path, output.as_ref())?;
    if let Some(out) = &output {
        out.check(&dir.join("expected_files"))?;
    }
    let expected_rows = dir.join("expected.json");
    let expected_error = dir.join("expected_error.txt");
    match outcome {
        Outcome::Rows(actual, warnings) if expected_rows.exists() => {
            let expected: Vec<Json> = serde_json::from_str(&read(&expected_rows)?)
                .map_err(|e| format!("expected.json: {e}"))?;
            compare_rows(&expected, &actual, config.ordered.unwrap_or(true))?;
            let wanted = dir.join("expected_warnings.txt");
            if wanted.exists() {
                let wanted = read(&wanted)?;
                let missing: Vec<&str> = wanted
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !warnings.iter().any(|w| w.contains(l)))
                    .collect();
                if !missing.is_empty() {
                    return Err(format!(
                        "warnings lack {missing:?}; they were:\n{}",
                        warnings.join("\n")
                    )
                    .into());
                }
            }
            Ok(())
        }
        Outcome::Rows(actual, _) => Err(format!(
            "expected an error, but the search succeeded with rows:\n{}",
            pretty(&actual)
        )
        .into()),
        Outcome::Error(rendered) if expected_error.exists() => {
            let wanted = read(&expected_error)?;
            let missing: Vec<&str> = wanted
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !rendered.contains(l))
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("error text lacks {missing:?}; the error was:\n{rendered}").into())
            }
        }
        Outcome::Error(rendered) => Err(format!("the search failed:\n{rendered}").into()),
    }
}

/// A case's fresh output folder, removed when dropped.
struct OutputDir(PathBuf);

impl OutputDir {
    fn new(case: &Path) -> Result<Self, Failed> {
        let name = case.file_name().unwrap_or_default().to_string_lossy();
        let dir = std::env::temp_dir().join(format!("spelunk-case-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let seed = case.join("output_seed");
        if seed.is_dir() {
            for (name, path) in files_in(&seed)? {
                std::fs::copy(&path, dir.join(&name)).map_err(|e| format!("{name}: {e}"))?;
            }
        }
        Ok(OutputDir(dir))
    }

    /// The folder must hold exactly the expected files, with their bytes.
    fn check(&self, expected: &Path) -> Result<(), Failed> {
        let wanted = if expected.is_dir() {
            files_in(expected)?
        } else {
            Vec::new()
        };
        let found = files_in(&self.0)?;
        let names = |v: &[(String, PathBuf)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        if names(&wanted) != names(&found) {
            return Err(format!(
                "output folder holds {:?}, expected {:?}",
                names(&found),
                names(&wanted)
            )
            .into());
        }
        for ((name, want), (_, got)) in wanted.iter().zip(&found) {
            let (want, got) = (read(want)?, read(got)?);
            if want != got {
                return Err(
                    format!("{name} differs\n--- expected\n{want}\n--- written\n{got}").into(),
                );
            }
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A folder's files by name (`.gitkeep` left out), sorted.
fn files_in(dir: &Path) -> Result<Vec<(String, PathBuf)>, Failed> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(n, _)| n != ".gitkeep")
        .collect();
    out.sort();
    Ok(out)
}

fn run_search(
    dir: &Path,
    config: &CaseConfig,
    events: Option<PathBuf>,
    output: Option<&OutputDir>,
) -> Result<Outcome, Failed> {
    let mut engine = Engine::new().map_err(|e| e.to_string())?;
    if let Some(out) = output {
        engine = engine.with_output_lookups(&out.0);
    }
    if dir.join("apps").is_dir() {
        let mut apps: Vec<PathBuf> = std::fs::read_dir(dir.join("apps"))
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        apps.sort();
        for app in apps {
            engine = match engine.with_app(&app) {
                Ok(e) => e,
                Err(e) => return Ok(Outcome::Error(format!("error: {e}"))),
            };
        }
    }
    if dir.join("macros.conf").exists() {
        engine = engine
            .with_macros_path(&dir.join("macros.conf"))
            .map_err(|e| e.to_string())?;
    }
    if dir.join("lookups").exists() {
        engine = engine
            .with_lookups_path(&dir.join("lookups"))
            .map_err(|e| e.to_string())?;
    }
    if dir.join("props.conf").exists() {
        engine = engine
            .with_props_path(&dir.join("props.conf"))
            .map_err(|e| e.to_string())?;
    }
    if let Some(geoip) = &config.geoip {
        engine = engine.with_geoip(&dir.join(geoip));
    }
    if let Some(size) = &config.max_memory {
        let bytes = spelunk::memory::parse_size(size).map_err(|e| format!("max_memory: {e}"))?;
        engine = engine.with_max_memory(bytes);
    }
    if let Some(tz) = &config.tz {
        let tz: chrono_tz::Tz = tz.parse().map_err(|_| format!("bad tz {tz}"))?;
        engine = engine.with_time_zone(tz);
    }
    let (text, name) = match &config.query_file {
        Some(f) => {
            let file = read_search_file(&dir.join(f)).map_err(|e| e.to_string())?;
            (file.search, f.clone())
        }
        None => (read(&dir.join("query.spl"))?, "query.spl".to_string()),
    };
    let query = match engine.compile(&text, &name) {
        Ok(q) => q,
        Err(d) => return Ok(Outcome::Error(d.to_string())),
    };
    let sources: Vec<EventSource> = events
        .into_iter()
        .map(|path| EventSource {
            path: Some(path),
            sourcetype: config.sourcetype.clone().unwrap_or_else(|| "_json".into()),
            source: Some(
                config
                    .source
                    .clone()
                    .unwrap_or_else(|| "events.json".into()),
            ),
            host: Some(config.host.clone().unwrap_or_else(|| "spelunk".into())),
            index: Some(config.index.clone().unwrap_or_else(|| "main".into())),
        })
        .collect();
    let loaded = match engine.load_events(&sources) {
        Ok(l) => l,
        Err(e) => return Ok(Outcome::Error(format!("error: {e}"))),
    };
    if !loaded.malformed.is_empty() {
        return Err(format!("malformed events: {:?}", loaded.malformed).into());
    }
    let mut warnings: Vec<String> = engine
        .knowledge_warnings()
        .iter()
        .map(|w| w.to_string())
        .collect();
    warnings.extend(loaded.notices.iter().cloned());
    match engine.run_query(&query, &loaded.events) {
        Ok(results) => {
            warnings.extend(results.notices.iter().cloned());
            Ok(Outcome::Rows(
                results.rows.iter().map(row_to_json).collect(),
                warnings,
            ))
        }
        Err(d) => Ok(Outcome::Error(d.to_string())),
    }
}

fn compare_rows(expected: &[Json], actual: &[Json], ordered: bool) -> Result<(), Failed> {
    let same = if ordered {
        expected == actual && key_orders(expected) == key_orders(actual)
    } else {
        let mut e: Vec<String> = expected.iter().map(|r| r.to_string()).collect();
        let mut a: Vec<String> = actual.iter().map(|r| r.to_string()).collect();
        e.sort();
        a.sort();
        e == a
    };
    if same {
        return Ok(());
    }
    Err(format!(
        "rows differ\n--- expected\n{}\n--- actual\n{}",
        pretty(expected),
        pretty(actual)
    )
    .into())
}

/// serde_json's map comparison ignores key order; Splunk's field order matters.
fn key_orders(rows: &[Json]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| match r {
            Json::Object(m) => m.keys().cloned().collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn pretty(rows: &[Json]) -> String {
    rows.iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
