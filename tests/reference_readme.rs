//! README's reference block (between `<!-- reference:start -->` and
//! `<!-- reference:end -->`) must be exactly what `spelunk reference
//! --markdown` generates from the registries, so the list of supported
//! commands and functions cannot drift from the code.

use spelunk::reference;

#[test]
fn readme_reference_block_matches_the_registries() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md is readable");
    let Some(block) = reference::current_block(&readme) else {
        panic!(
            "README.md has no `{}` ... `{}` block; add the two marker lines, then run `{}`",
            reference::README_START,
            reference::README_END,
            reference::REGENERATE
        );
    };
    let generated = reference::markdown();
    if block != generated {
        let first = block
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(block.lines().count().min(generated.lines().count()));
        panic!(
            "README.md's reference block is out of date (first difference at line {} of the block: README has {:?}, the registries give {:?}); regenerate it with `{}`",
            first + 1,
            block.lines().nth(first).unwrap_or("<end>"),
            generated.lines().nth(first).unwrap_or("<end>"),
            reference::REGENERATE
        );
    }
}
