//! Walking the folders a user names (`-e`, `-l`, `-m`, `--app`, `lint`,
//! `test`) without hanging on symbolic-link loops, and, for knowledge
//! folders, without reading files a link places outside the folder.
//!
//! Hand-written rather than `walkdir`: the one extra rule here (a file
//! must resolve inside the folder named) needs the canonical path of every
//! entry anyway, and with it a set of folders already entered detects
//! loops (two `a -> .` links) as well as `walkdir`'s ancestor check does.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Whether entries may resolve outside the folder walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Follow links anywhere (event and detection folders: a link to data
    /// kept elsewhere is ordinary).
    Follow,
    /// A link that resolves outside the folder is an error naming it
    /// (lookups, macros, apps: a lookup linked to `/etc/passwd` must not be
    /// read as a table).
    Inside,
}

/// Every file below `root`, recursively and sorted; `keep` filters
/// folders to enter (by name) so callers can skip `.git` or `target`.
/// Each folder is entered once, however many links lead to it, so a link
/// loop ends.
pub fn files_under(
    root: &Path,
    links: Links,
    keep_dir: impl Fn(&str) -> bool,
) -> Result<Vec<PathBuf>> {
    let root_real = std::fs::canonicalize(root).map_err(|e| Error::io(root.display(), e))?;
    let mut entered: HashSet<PathBuf> = HashSet::from([root_real.clone()]);
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(dir.display(), e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io(dir.display(), e))?.path();
            // A dangling link has no real path: it is listed, and reading
            // it reports the error with its name.
            let Ok(real) = std::fs::canonicalize(&path) else {
                out.push(path);
                continue;
            };
            if links == Links::Inside {
                check_inside(&path, &real, root, &root_real)?;
            }
            if real.is_dir() {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if keep_dir(&name) && entered.insert(real) {
                    stack.push(path);
                }
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// An error unless `path` (resolved to `real`) lies inside `root`.
pub fn check_inside(path: &Path, real: &Path, root: &Path, root_real: &Path) -> Result<()> {
    if real.starts_with(root_real) {
        return Ok(());
    }
    Err(Error::io(
        path.display(),
        format!(
            "refused: it is a link to `{}`, outside the folder `{}` it was found in",
            real.display(),
            root.display()
        ),
    ))
}

/// An error unless `path`, a file found by name in `root` (an app's
/// `default/props.conf`), resolves inside `root`.
pub fn file_inside(path: &Path, root: &Path) -> Result<()> {
    let real = std::fs::canonicalize(path).map_err(|e| Error::io(path.display(), e))?;
    let root_real = std::fs::canonicalize(root).map_err(|e| Error::io(root.display(), e))?;
    check_inside(path, &real, root, &root_real)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("spelunk-walk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Two `x -> .` links made every walker recurse for ever.
    #[test]
    fn link_loops_end_and_list_each_file_once() {
        let dir = temp("loop");
        std::fs::write(dir.join("f.csv"), "a\n1\n").unwrap();
        symlink(".", dir.join("a")).unwrap();
        symlink(".", dir.join("b")).unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        symlink("..", dir.join("sub/up")).unwrap();
        let files = files_under(&dir, Links::Inside, |_| true).unwrap();
        assert_eq!(files, [dir.join("f.csv")]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_link_out_of_the_folder_is_refused_when_inside_is_required() {
        let dir = temp("out");
        let outside = temp("outside");
        std::fs::write(outside.join("secret.csv"), "a\n1\n").unwrap();
        symlink(outside.join("secret.csv"), dir.join("users.csv")).unwrap();
        let err = files_under(&dir, Links::Inside, |_| true).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("users.csv") && text.contains("outside the folder"),
            "{text}"
        );
        let files = files_under(&dir, Links::Follow, |_| true).unwrap();
        assert_eq!(files, [dir.join("users.csv")]);
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&outside);
    }
}
