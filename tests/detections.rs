//! The detection test suite, run by `cargo test`: every `*.test.yml` under
//! `tests/detections/` must pass, and the security_content detections they
//! cover must pass contentctl's rule on the same datasets (read through
//! `--attack-data tests/detections`). Without `../shared` the tests that
//! need it are skips, which is not a failure here.
//!
//! The fixtures under `tests/testing_fixtures/` check that the runner
//! fails, skips and reports the way it says.

use std::path::{Path, PathBuf};

use spelunk::testing::{self, report, Cause, Options, Report, Status};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn shared_present() -> bool {
    repo("../shared/corpus/security_content/detections/cloud").is_dir()
}

/// The security_content detections the example suite has datasets for.
const COVERED: &[&str] = &[
    "aws_saml_update_identity_provider.yml",
    "aws_saml_access_by_provider_user_and_principal.yml",
    "aws_detect_users_with_kms_keys_performing_encryption_s3.yml",
    "aws_credential_access_rds_password_reset.yml",
    "aws_iam_delete_policy.yml",
];

fn assert_all_pass(report: &Report) {
    assert_eq!(report.failed(), 0, "{}", report::text(report, false));
    if shared_present() {
        assert_eq!(report.skipped(), 0, "{}", report::text(report, false));
    }
}

#[test]
fn example_suite_passes() {
    let report = testing::run(&[repo("tests/detections")], &Options::default()).unwrap();
    assert!(
        report.results.len() >= 11,
        "{}",
        report::text(&report, false)
    );
    assert_all_pass(&report);
}

#[test]
fn covered_detections_pass_contentctl_rule() {
    if !shared_present() {
        eprintln!("skipping: ../shared is absent");
        return;
    }
    let dir = repo("../shared/corpus/security_content/detections/cloud");
    let paths: Vec<PathBuf> = COVERED.iter().map(|f| dir.join(f)).collect();
    let options = Options {
        attack_data: Some(repo("tests/detections")),
        props: vec![repo("tests/detections/props.conf")],
        ..Options::default()
    };
    let report = testing::run(&paths, &options).unwrap();
    assert_eq!(report.results.len(), COVERED.len());
    assert_all_pass(&report);
}

fn fixtures() -> Report {
    let options = Options {
        jobs: 2,
        ..Options::default()
    };
    testing::run(&[repo("tests/testing_fixtures")], &options).unwrap()
}

fn find<'a>(report: &'a Report, name: &str) -> &'a testing::TestResult {
    report
        .results
        .iter()
        .find(|r| r.name.ends_with(name))
        .unwrap_or_else(|| panic!("no test `{name}` in\n{}", report::text(report, false)))
}

#[test]
fn broken_detection_fails_with_its_reason() {
    let report = fixtures();
    let r = find(&report, "misspelt by-field returns nothing");
    assert_eq!(r.verdict.status, Status::Fail);
    assert_eq!(r.verdict.reason, "expected at least 1 result(s), got 0");
    let r = find(&report, "Broken SAML provider update :: True Positive Test");
    assert_eq!(r.verdict.status, Status::Fail);
    assert_eq!(
        r.verdict.reason,
        "risk object field `user_arn` is null in result 1 of 1"
    );
}

#[test]
fn missing_dataset_is_a_skip_with_its_path() {
    let report = fixtures();
    let r = find(&report, "missing dataset");
    assert_eq!(r.verdict.status, Status::Skip);
    assert_eq!(r.verdict.cause, Cause::MissingData);
    assert!(
        r.verdict.reason.starts_with("dataset not found: ")
            && r.verdict.reason.ends_with("data/does_not_exist.json"),
        "{}",
        r.verdict.reason
    );
    let r = find(&report, "Dataset not downloaded");
    assert_eq!(r.verdict.status, Status::Skip);
    assert!(
        r.verdict.reason.contains("--attack-data"),
        "{}",
        r.verdict.reason
    );
}

#[test]
fn unsupported_command_is_a_distinct_failure() {
    let report = fixtures();
    let r = find(&report, "unknown command");
    assert_eq!(r.verdict.status, Status::Fail);
    assert_eq!(r.verdict.cause, Cause::Unsupported);
    assert!(
        r.verdict
            .reason
            .starts_with("unsupported: command `frobnicate` is not supported yet"),
        "{}",
        r.verdict.reason
    );
}

#[test]
fn summary_line_counts_every_test() {
    let report = fixtures();
    assert_eq!(report.summary(), "0 passed, 4 failed, 2 skipped");
}

#[test]
fn must_not_fire_fails_showing_what_fired() {
    let report = fixtures();
    let r = find(&report, "fires although it must not");
    assert_eq!(r.verdict.status, Status::Fail);
    assert_eq!(r.verdict.cause, Cause::Assertion);
    assert_eq!(
        r.verdict.reason,
        "the detection must not fire, but returned 1 result(s)"
    );
    assert_eq!(
        r.verdict.detail.as_deref(),
        Some("results:\n  {\"eventName\":\"UpdateSAMLProvider\",\"sourceIPAddress\":\"203.0.113.50\"}")
    );
    // The rows after each command come with every failure.
    let text = report::text(&report, false);
    assert!(
        text.contains("     > | table eventName sourceIPAddress → 1 row"),
        "{text}"
    );
}

#[test]
fn junit_has_the_common_schema_shape() {
    let report = fixtures();
    let xml = report::junit(&report);
    let root = xml::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(root.name, "testsuites");
    let total: usize = root.attr("tests").parse().unwrap();
    assert_eq!(total, report.results.len());
    let mut cases = 0;
    let (mut failures, mut skipped) = (0, 0);
    for suite in &root.children {
        assert_eq!(suite.name, "testsuite");
        for attr in ["name", "tests", "failures", "errors", "skipped", "time"] {
            assert!(
                suite.attrs.iter().any(|(k, _)| k == attr),
                "testsuite lacks {attr}"
            );
        }
        let n: usize = suite.attr("tests").parse().unwrap();
        assert_eq!(n, suite.children.len());
        for case in &suite.children {
            assert_eq!(case.name, "testcase");
            assert!(!case.attr("name").is_empty() && !case.attr("classname").is_empty());
            case.attr("time").parse::<f64>().unwrap();
            assert!(case.children.len() <= 1);
            for child in &case.children {
                match child.name.as_str() {
                    "failure" => failures += 1,
                    "skipped" => skipped += 1,
                    other => panic!("unexpected <{other}> in a testcase"),
                }
                assert!(!child.attr("message").is_empty());
            }
            cases += 1;
        }
    }
    assert_eq!(cases, total);
    assert_eq!(failures.to_string(), root.attr("failures"));
    assert_eq!(skipped.to_string(), root.attr("skipped"));
}

/// Just enough XML to check a JUnit report's shape: elements, attributes,
/// text (ignored), the declaration; well-formedness of nesting and quoting.
mod xml {
    #[derive(Debug)]
    pub struct Element {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub children: Vec<Element>,
    }

    impl Element {
        pub fn attr(&self, key: &str) -> &str {
            self.attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("<{}> has no `{key}`", self.name))
        }
    }

    pub fn parse(text: &str) -> Result<Element, String> {
        let mut rest = text.trim_start();
        if rest.starts_with("<?xml") {
            let end = rest.find("?>").ok_or("unclosed declaration")?;
            rest = rest[end + 2..].trim_start();
        }
        let mut stack: Vec<Element> = Vec::new();
        let mut root = None;
        while !rest.is_empty() {
            if root.is_some() {
                if !rest.trim().is_empty() {
                    return Err("content after the root element".into());
                }
                break;
            }
            let lt = rest.find('<').ok_or("text after the root element")?;
            let text = &rest[..lt];
            if stack.is_empty() && !text.trim().is_empty() {
                return Err(format!("text outside the root: {text:?}"));
            }
            check_text(text)?;
            rest = &rest[lt..];
            let gt = rest.find('>').ok_or("unclosed tag")?;
            let tag = &rest[1..gt];
            rest = &rest[gt + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let el = stack.pop().ok_or("close tag without open tag")?;
                if el.name != name.trim() {
                    return Err(format!("</{name}> closes <{}>", el.name));
                }
                attach(el, &mut stack, &mut root)?;
                continue;
            }
            let (tag, empty) = match tag.strip_suffix('/') {
                Some(t) => (t, true),
                None => (tag, false),
            };
            let el = element(tag)?;
            if empty {
                attach(el, &mut stack, &mut root)?;
            } else {
                stack.push(el);
            }
        }
        if !stack.is_empty() {
            return Err(format!("<{}> is not closed", stack[stack.len() - 1].name));
        }
        root.ok_or_else(|| "no root element".to_string())
    }

    fn attach(
        el: Element,
        stack: &mut [Element],
        root: &mut Option<Element>,
    ) -> Result<(), String> {
        match stack.last_mut() {
            Some(parent) => parent.children.push(el),
            None if root.is_none() => *root = Some(el),
            None => return Err("two root elements".into()),
        }
        Ok(())
    }

    fn element(tag: &str) -> Result<Element, String> {
        let tag = tag.trim();
        let (name, mut rest) = tag.split_at(tag.find(char::is_whitespace).unwrap_or(tag.len()));
        let mut attrs = Vec::new();
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let eq = rest
                .find('=')
                .ok_or(format!("attribute without value in <{name}>"))?;
            let key = rest[..eq].trim().to_string();
            let after = rest[eq + 1..].trim_start();
            let quote = after.chars().next().ok_or("missing attribute value")?;
            if quote != '"' && quote != '\'' {
                return Err(format!("unquoted attribute `{key}`"));
            }
            let end = after[1..].find(quote).ok_or("unclosed attribute value")?;
            let value = &after[1..1 + end];
            check_text(value)?;
            attrs.push((key, value.to_string()));
            rest = &after[end + 2..];
        }
        Ok(Element {
            name: name.to_string(),
            attrs,
            children: Vec::new(),
        })
    }

    /// `<` cannot appear in text and every `&` starts a known entity.
    fn check_text(text: &str) -> Result<(), String> {
        if text.contains('<') {
            return Err(format!("raw `<` in {text:?}"));
        }
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"]
                .iter()
                .any(|e| entity.starts_with(e));
            if !ok {
                return Err(format!("bad entity in {text:?}"));
            }
        }
        Ok(())
    }
}
