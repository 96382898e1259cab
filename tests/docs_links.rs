//! The design docs stay in step with the code: every
//! `docs/semantics.md#<section>` named in the sources, tests and top-level
//! docs is a heading of `docs/semantics.md`, and every case its tables cite
//! is a folder under `tests/cases/`. (The notes these references replaced
//! lived outside the repository and did not resolve in a clone.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SEMANTICS: &str = "docs/semantics.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// GitHub's anchor for a heading: lower case, spaces to `-`, punctuation
/// other than `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn semantics_text() -> String {
    std::fs::read_to_string(root().join(SEMANTICS)).expect("docs/semantics.md is readable")
}

fn anchors() -> BTreeSet<String> {
    semantics_text()
        .lines()
        .filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### ")))
        .map(anchor)
        .collect()
}

/// Text files under `dir` (recursively) with one of `exts`.
fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, exts, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            out.push(path);
        }
    }
}

#[test]
fn every_semantics_reference_names_a_section() {
    let anchors = anchors();
    let mut paths = Vec::new();
    for dir in ["src", "tests"] {
        files(&root().join(dir), &["rs", "conf", "toml", "md"], &mut paths);
    }
    for top in ["README.md", "ARCHITECTURE.md", "src/README.md"] {
        paths.push(root().join(top));
    }
    let needle = "docs/semantics.md#";
    let mut seen = 0;
    let mut broken = Vec::new();
    for path in &paths {
        // This file spells the pattern itself.
        if path.ends_with("tests/docs_links.rs") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for (at, _) in text.match_indices(needle) {
            let rest = &text[at + needle.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            seen += 1;
            if !anchors.contains(&name) {
                broken.push(format!("{}: #{name}", path.display()));
            }
        }
    }
    assert!(seen >= 5, "expected the code's references, found {seen}");
    assert!(
        broken.is_empty(),
        "no such section in {SEMANTICS}: {broken:#?}"
    );
}

#[test]
fn no_reference_to_notes_outside_the_repository() {
    let mut paths = Vec::new();
    files(&root().join("src"), &["rs"], &mut paths);
    let stale: Vec<String> = paths
        .iter()
        .filter(|p| {
            std::fs::read_to_string(p)
                .is_ok_and(|t| t.contains("SEMANTICS.md") || t.contains("SEMANTICS §"))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        stale.is_empty(),
        "cite docs/semantics.md instead: {stale:#?}"
    );
}

#[test]
fn every_cited_case_exists() {
    let cases = root().join("tests/cases");
    let mut cited = 0;
    let mut missing = Vec::new();
    for line in semantics_text().lines().filter(|l| l.starts_with('|')) {
        // The last cell of a rule's row names its cases; a row without
        // one says so ("no case yet", "unit test ...").
        let Some(cell) = line.trim_end_matches('|').rsplit('|').next() else {
            continue;
        };
        let cell = cell.trim();
        if cell.starts_with("unit test") {
            continue;
        }
        for (i, token) in cell.split('`').enumerate() {
            // Odd pieces are inside backticks; case names have underscores.
            if i % 2 == 1 && token.contains('_') && !token.starts_with('_') {
                cited += 1;
                if !cases.join(token).is_dir() {
                    missing.push(token.to_string());
                }
            }
        }
    }
    assert!(cited >= 50, "expected the tables' cases, found {cited}");
    assert!(missing.is_empty(), "not under tests/cases/: {missing:#?}");
}
