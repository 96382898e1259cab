//! Compiles the bundled knowledge under `props/` (one Splunk app folder per
//! source family: `props/<app>/default/*.conf`, `props/<app>/lookups/*.csv`)
//! into the binary: writes `$OUT_DIR/bundled_apps.rs`, a table of
//! (path relative to `props/`, file text) that `src/knowledge/apps.rs`
//! includes. Adding a file under `props/` needs no code change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("props");
    println!("cargo:rerun-if-changed=props");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from("/// Bundled knowledge files: (path under `props/`, text).\npub const BUNDLED_APP_FILES: &[(&str, &str)] = &[\n");
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .expect("under props/")
            .to_string_lossy()
            .replace('\\', "/");
        println!("cargo:rerun-if-changed={}", file.display());
        writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .expect("write to a String");
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("bundled_apps.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

/// Every `.conf` and `.csv` file under `dir`, recursively, and the data
/// model JSON files (`<app>/{default,local}/data/models/*.json`).
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "conf" || e == "csv")
            || (path.extension().is_some_and(|e| e == "json")
                && path.parent().is_some_and(|p| p.ends_with("data/models")))
        {
            out.push(path);
        }
    }
}
