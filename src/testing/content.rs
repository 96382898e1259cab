//! security_content detection tests: a detection YAML's `tests:` entries,
//! judged the way contentctl judges them.
//!
//! ```yaml
//! search: '`cloudtrail` eventName=DeletePolicy | stats count by src user_arn'
//! rba:                                   # newer files
//!   risk_objects: [{field: user_arn, type: user, score: 10}]
//!   threat_objects: [{field: src, type: ip_address}]
//! tags:
//!   observable:                          # older files
//!   - {name: user_arn, type: User, role: [Victim]}
//!   - {name: src, type: IP Address, role: [Attacker]}
//! tests:
//! - name: True Positive Test
//!   attack_data:
//!   - data: https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/attack_techniques/T1098/x/x.json
//!     sourcetype: aws:cloudtrail
//!     source: aws_cloudtrail
//!     update_timestamp: true
//! ```

use std::path::{Path, PathBuf};

use serde_norway::Value as Yaml;

use super::{Cause, Check, Dataset, EngineConfig, Options, Plan, TestCase, Verdict};

/// The `host` contentctl gives replayed events when a test names none
/// (its `replay_host` setting).
pub const CONTENTCTL_HOST: &str = "CONTENTCTL_HOST";

/// The tests of a detection YAML, or `None` when the file is not a
/// detection (no `search:`).
pub fn cases(path: &Path, options: &Options) -> Option<Vec<TestCase>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return Some(vec![file_failure(path, format!("cannot read: {e}"))]),
    };
    let doc: Yaml = match serde_norway::from_str(&text) {
        Ok(doc) => doc,
        // A broken YAML file is only ours to report when it looks like a detection.
        Err(e) if text.lines().any(|l| l.starts_with("search:")) => {
            return Some(vec![file_failure(path, format!("malformed YAML: {e}"))])
        }
        Err(_) => return None,
    };
    let search = doc.get("search")?.as_str()?.to_string();
    let detection = doc
        .get("name")
        .and_then(Yaml::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| path.display().to_string());
    let tests = match doc.get("tests").and_then(Yaml::as_sequence) {
        Some(tests) => tests,
        None => return Some(Vec::new()),
    };
    let (risk, threat) = risk_and_threat_fields(&doc);
    let config = engine_config(path, options);
    let deprecated = doc.get("status").and_then(Yaml::as_str) == Some("deprecated");
    let cases = tests
        .iter()
        .enumerate()
        .map(|(index, test)| {
            let test_name = test
                .get("name")
                .and_then(Yaml::as_str)
                .map_or_else(|| format!("test {}", index + 1), str::to_string);
            let plan = if deprecated {
                Err(Verdict::skip(
                    Cause::NotRun,
                    "the detection is deprecated (contentctl does not test it)",
                ))
            } else {
                plan_test(path, test, options).map(|datasets| Plan {
                    search: search.clone(),
                    search_name: format!("{} search", path.display()),
                    config: config.clone(),
                    datasets,
                    check: Check::Contentctl {
                        risk: risk.clone(),
                        threat: threat.clone(),
                    },
                })
            };
            TestCase {
                name: format!("{detection} :: {test_name}"),
                file: path.to_path_buf(),
                index,
                plan,
            }
        })
        .collect();
    Some(cases)
}

fn file_failure(path: &Path, reason: String) -> TestCase {
    TestCase {
        name: path.display().to_string(),
        file: path.to_path_buf(),
        index: 0,
        plan: Err(Verdict::fail(Cause::Config, reason)),
    }
}

/// Risk and threat object fields: `rba.risk_objects[].field` and
/// `rba.threat_objects[].field` in newer files; in older ones
/// `tags.observable[]` with role `Victim` (risk) or `Attacker` (threat).
pub fn risk_and_threat_fields(doc: &Yaml) -> (Vec<String>, Vec<String>) {
    let mut risk = Vec::new();
    let mut threat = Vec::new();
    let fields_of = |list: Option<&Yaml>, key: &str| -> Vec<String> {
        list.and_then(Yaml::as_sequence)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|o| o.get(key).and_then(Yaml::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(rba) = doc.get("rba") {
        risk.extend(fields_of(rba.get("risk_objects"), "field"));
        threat.extend(fields_of(rba.get("threat_objects"), "field"));
    }
    let observables = doc
        .get("tags")
        .and_then(|t| t.get("observable"))
        .and_then(Yaml::as_sequence);
    for o in observables.into_iter().flatten() {
        let Some(name) = o.get("name").and_then(Yaml::as_str) else {
            continue;
        };
        let roles: Vec<&str> = match o.get("role") {
            Some(Yaml::Sequence(items)) => items.iter().filter_map(Yaml::as_str).collect(),
            Some(Yaml::String(s)) => vec![s.as_str()],
            _ => Vec::new(),
        };
        for role in roles {
            let list = match role.to_ascii_lowercase().as_str() {
                "victim" => &mut risk,
                "attacker" => &mut threat,
                _ => continue,
            };
            if !list.iter().any(|f| f == name) {
                list.push(name.to_string());
            }
        }
    }
    (risk, threat)
}

/// The bundled configuration plus, for a detection inside a
/// security_content checkout, that repository's `macros/` and `lookups/`
/// (contentctl builds them into the app it tests), then the run's own.
pub fn engine_config(detection: &Path, options: &Options) -> EngineConfig {
    let mut config = EngineConfig::default();
    if let Some(root) = content_root(detection) {
        for (dir, list) in [
            ("macros", &mut config.macros),
            ("lookups", &mut config.lookups),
        ] {
            let p = root.join(dir);
            if p.is_dir() {
                list.push(p);
            }
        }
    }
    config.macros.extend(options.macros.iter().cloned());
    config.lookups.extend(options.lookups.iter().cloned());
    config.props.extend(options.props.iter().cloned());
    config.apps.extend(options.apps.iter().cloned());
    config.geoip.clone_from(&options.geoip);
    config
}

/// The security_content checkout a detection is in: the nearest ancestor
/// folder holding both `detections/` and `macros/`.
pub fn content_root(detection: &Path) -> Option<PathBuf> {
    detection
        .ancestors()
        .skip(1)
        .find(|dir| dir.join("detections").is_dir() && dir.join("macros").is_dir())
        .map(Path::to_path_buf)
}

/// The datasets of one `tests:` entry, or the verdict that stops it.
fn plan_test(
    detection: &Path,
    test: &Yaml,
    options: &Options,
) -> std::result::Result<Vec<Dataset>, Verdict> {
    if let Some(reason) = test.get("manual_test").and_then(Yaml::as_str) {
        return Err(Verdict::skip(
            Cause::NotRun,
            format!("manual test: {}", reason.trim()),
        ));
    }
    let entries = test
        .get("attack_data")
        .and_then(Yaml::as_sequence)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Verdict::fail(Cause::Config, "the test has no `attack_data`"))?;
    let mut datasets = Vec::new();
    for entry in entries {
        let text = |key: &str| entry.get(key).and_then(Yaml::as_str).map(str::to_string);
        let data = text("data")
            .ok_or_else(|| Verdict::fail(Cause::Config, "an `attack_data` entry has no `data`"))?;
        let path = locate_data(detection, data.trim(), options)?;
        datasets.push(Dataset {
            path,
            sourcetype: text("sourcetype").unwrap_or_else(|| "_json".into()),
            source: text("source"),
            host: text("host").or_else(|| Some(CONTENTCTL_HOST.to_string())),
            index: text("custom_index"),
        });
    }
    Ok(datasets)
}

/// Where a `data` value is on disk: an attack_data URL under
/// `--attack-data`, another URL is not readable offline, a relative path
/// is taken from the detection's folder.
fn locate_data(
    detection: &Path,
    data: &str,
    options: &Options,
) -> std::result::Result<PathBuf, Verdict> {
    if data.starts_with("http://") || data.starts_with("https://") {
        let Some(rel) = attack_data_path(data) else {
            return Err(Verdict::skip(
                Cause::MissingData,
                format!("dataset not found: {data} (a URL outside splunk/attack_data cannot be read offline)"),
            ));
        };
        let Some(root) = &options.attack_data else {
            return Err(Verdict::skip(
                Cause::MissingData,
                format!("dataset not found: {data} (pass --attack-data DIR to read {rel} from a local checkout)"),
            ));
        };
        return inside_attack_data(root, &rel, data);
    }
    Ok(super::relative_to(detection, data))
}

/// `root/rel`, unless `rel` climbs out of `root` (`..`, an absolute path)
/// or a link takes it out: a dataset URL must not read files elsewhere.
fn inside_attack_data(root: &Path, rel: &str, data: &str) -> std::result::Result<PathBuf, Verdict> {
    let refused = |why: String| {
        Verdict::fail(
            Cause::Config,
            format!(
                "dataset {data}: refused: {why}, outside --attack-data `{}`",
                root.display()
            ),
        )
    };
    let climbs = Path::new(rel).components().any(|c| {
        !matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if climbs {
        return Err(refused(format!("its path `{rel}` leads")));
    }
    let path = root.join(rel);
    // A missing file is reported by the reader, with its name.
    if let (Ok(real), Ok(root_real)) = (std::fs::canonicalize(&path), std::fs::canonicalize(root)) {
        if !real.starts_with(&root_real) {
            return Err(refused(format!(
                "`{}` is a link to `{}`",
                path.display(),
                real.display()
            )));
        }
    }
    Ok(path)
}

/// The path inside the attack_data repository that a URL names, e.g.
/// `datasets/attack_techniques/T1098/x/x.json` for
/// `https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/...`,
/// `https://raw.githubusercontent.com/splunk/attack_data/master/...` or
/// `https://github.com/splunk/attack_data/raw/master/...`.
pub fn attack_data_path(url: &str) -> Option<String> {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let (_, after) = url.split_once("/attack_data/")?;
    // What follows the repository name is a ref (and for github.com a
    // `raw`/`blob` view); the repository's own files start at `datasets/`.
    if let Some(i) = after.find("datasets/") {
        if i == 0 || after[..i].ends_with('/') {
            return Some(after[i..].to_string());
        }
    }
    let mut segments: Vec<&str> = after.split('/').collect();
    if matches!(segments.first(), Some(&"raw") | Some(&"blob")) {
        segments.remove(0);
    }
    if segments.first() == Some(&"refs") && segments.get(1) == Some(&"heads") {
        segments.drain(..2);
    }
    if segments.len() < 2 {
        return None;
    }
    Some(segments[1..].join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dataset URL with `../` read files outside --attack-data.
    #[test]
    fn attack_data_urls_cannot_leave_the_checkout() {
        let options = Options {
            attack_data: Some(std::env::temp_dir()),
            ..Options::default()
        };
        for url in [
            "https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/../../../etc/passwd",
            "https://raw.githubusercontent.com/splunk/attack_data/master/datasets/a/../../../x.json",
        ] {
            let err = locate_data(Path::new("d.yml"), url, &options).unwrap_err();
            assert!(format!("{err:?}").contains("outside --attack-data"), "{err:?}");
        }
        let ok = locate_data(
            Path::new("d.yml"),
            "https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/a/b.json",
            &options,
        )
        .unwrap();
        assert_eq!(ok, std::env::temp_dir().join("datasets/a/b.json"));
    }

    #[test]
    fn maps_attack_data_urls() {
        let want = Some("datasets/attack_techniques/T1098/a/b.json".to_string());
        for url in [
            "https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/attack_techniques/T1098/a/b.json",
            "https://raw.githubusercontent.com/splunk/attack_data/master/datasets/attack_techniques/T1098/a/b.json",
            "https://github.com/splunk/attack_data/raw/master/datasets/attack_techniques/T1098/a/b.json?raw=true",
            "https://raw.githubusercontent.com/splunk/attack_data/refs/heads/master/datasets/attack_techniques/T1098/a/b.json",
        ] {
            assert_eq!(attack_data_path(url), want, "{url}");
        }
        assert_eq!(
            attack_data_path(
                "https://raw.githubusercontent.com/splunk/attack_data/main/other/x.log"
            ),
            Some("other/x.log".to_string())
        );
        assert_eq!(attack_data_path("https://example.com/x.json"), None);
    }

    #[test]
    fn risk_and_threat_from_rba_and_observables() {
        let doc: Yaml = serde_norway::from_str(
            "rba:\n  risk_objects: [{field: user, type: user, score: 5}]\n  threat_objects: [{field: src, type: ip_address}]\n",
        )
        .unwrap();
        assert_eq!(
            risk_and_threat_fields(&doc),
            (vec!["user".to_string()], vec!["src".to_string()])
        );
        let doc: Yaml = serde_norway::from_str(
            "tags:\n  observable:\n  - {name: user_arn, type: User, role: [Victim]}\n  - {name: src, type: IP Address, role: [Attacker]}\n",
        )
        .unwrap();
        assert_eq!(
            risk_and_threat_fields(&doc),
            (vec!["user_arn".to_string()], vec!["src".to_string()])
        );
    }
}
