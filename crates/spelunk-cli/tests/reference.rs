//! `spelunk reference`: the CLI prints the Markdown the library's registries
//! generate (the README block itself is checked by the core's
//! tests/reference_readme.rs), and writes it into a file's block.

use spelunk::reference;

/// The CLI prints the same Markdown, and writes it into a file's block.
#[test]
fn cli_prints_and_writes_the_reference() {
    let bin = env!("CARGO_BIN_EXE_spelunk");
    let out = std::process::Command::new(bin)
        .args(["reference", "--markdown"])
        .output()
        .expect("spelunk runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), reference::markdown());

    let dir = std::env::temp_dir().join(format!("spelunk-reference-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("README.md");
    let before = format!(
        "# t\n{}\nstale\n{}\nafter\n",
        reference::README_START,
        reference::README_END
    );
    std::fs::write(&file, &before).expect("write");
    let out = std::process::Command::new(bin)
        .arg("reference")
        .arg("--update-readme")
        .arg(&file)
        .output()
        .expect("spelunk runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&file).expect("read");
    assert_eq!(
        reference::current_block(&after),
        Some(reference::markdown().as_str())
    );
    assert!(after.ends_with(&format!("{}\nafter\n", reference::README_END)));

    // A file without the markers is an error, and is left alone.
    std::fs::write(&file, "no markers\n").expect("write");
    let out = std::process::Command::new(bin)
        .arg("reference")
        .arg("--update-readme")
        .arg(&file)
        .output()
        .expect("spelunk runs");
    assert!(!out.status.success());
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "no markers\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
