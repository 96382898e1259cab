//! Reading searches from files: `.spl`/`.txt` hold the search itself; a
//! security_content detection `.yml`/`.yaml` holds it under `search:`.

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};

/// A search read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchFile {
    /// The search text, exactly as written.
    pub search: String,
    /// The detection's name, for YAML files that have one.
    pub name: Option<String>,
    /// For a YAML detection, where the search sits in the file, so errors
    /// name the file's own line and column (`None` for `.spl` files, whose
    /// text is the search, and for YAML scalar styles not mapped).
    pub placement: Option<Placement>,
}

/// Where a YAML detection's `search:` text sits in its file: the file
/// byte each search byte was read from. YAML folds a quoted or plain
/// scalar's line breaks into spaces and writes `'` as `''`, so positions
/// in the search are not positions in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    file: String,
    /// `offsets[i]`: the file byte of search byte `i`; one more entry for
    /// the end of the search.
    offsets: Vec<usize>,
}

impl Placement {
    /// The file's 1-based line and column (in characters) of search byte
    /// `offset`, and that line's text.
    pub fn file_position(&self, offset: usize) -> (usize, usize, &str) {
        let at = self
            .offsets
            .get(offset.min(self.offsets.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0);
        let (line, column) = crate::source::line_col(&self.file, at);
        let text = self.file.lines().nth(line - 1).unwrap_or_default();
        (line, column, text)
    }

    /// The file's line and column of a 1-based line and column (in
    /// characters) of the search text `search`.
    pub fn file_line_col(&self, search: &str, line: usize, column: usize) -> (usize, usize) {
        let (line, column, _) = self.file_position(offset_of(search, line, column));
        (line, column)
    }

    /// `diagnostic`, placed in the file when it is placed in the search
    /// (named `name`); other diagnostics as they are.
    pub fn place(&self, mut diagnostic: Diagnostic, name: &str) -> Diagnostic {
        let Some(location) = diagnostic.location.as_mut() else {
            return diagnostic;
        };
        if location.name != name {
            return diagnostic;
        }
        let (line, column, text) = self.file_position(location.span.start);
        location.line = line;
        location.column = column;
        diagnostic.source_line = Some(text.to_string());
        diagnostic
    }
}

/// The byte offset of a 1-based line and column (in characters) of `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(line_start..).unwrap_or_default();
    line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(at, _)| at)
}

/// Maps the `search:` scalar of `file` onto `search` (its value as the YAML
/// parser read it): single-quoted, double-quoted (simple escapes) and plain
/// scalars on the `search:` line, folded over the lines after it. `None`
/// when the rebuilt text is not `search` (another style, or a form this
/// does not follow): positions then stay those of the search text.
fn place_search(file: &str, search: &str) -> Option<Placement> {
    let key = file
        .match_indices("search:")
        .find(|(at, _)| *at == 0 || file.as_bytes()[at - 1] == b'\n')?
        .0;
    let mut at = key + "search:".len();
    let bytes = file.as_bytes();
    // The value may start on the next line (`search:` then an indented
    // scalar).
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        at += 1;
    }
    let quote = match bytes.get(at) {
        Some(b'\'') => Some('\''),
        Some(b'"') => Some('"'),
        Some(b'|' | b'>') | None => return None,
        Some(_) => None,
    };
    if quote.is_some() {
        at += 1;
    }
    let mut text = String::with_capacity(search.len());
    let mut offsets = Vec::with_capacity(search.len() + 1);
    /// Drops trailing blanks (folding and a plain scalar's end remove them).
    fn trim_blanks(text: &mut String, offsets: &mut Vec<usize>) {
        while text.ends_with([' ', '\t']) {
            text.pop();
            offsets.pop();
        }
    }
    fn push(c: char, from: usize, text: &mut String, offsets: &mut Vec<usize>) {
        text.push(c);
        offsets.extend(std::iter::repeat_n(from, c.len_utf8()));
    }
    let rest = &file[at..];
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let here = at + i;
        match (quote, c) {
            (Some('\''), '\'') => {
                if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                    chars.next();
                    push('\'', here, &mut text, &mut offsets);
                } else {
                    break;
                }
            }
            (Some('"'), '"') => break,
            (Some('"'), '\\') => {
                let (_, e) = chars.next()?;
                if e == '\n' {
                    // An escaped line break: it and the next line's
                    // indentation are dropped.
                    while chars.peek().is_some_and(|(_, n)| *n == ' ' || *n == '\t') {
                        chars.next();
                    }
                    continue;
                }
                let unescaped = match e {
                    '"' | '\\' | '/' => e,
                    't' => '\t',
                    'n' => '\n',
                    _ => return None,
                };
                push(unescaped, here, &mut text, &mut offsets);
            }
            (_, '\n') => {
                // Folding: trailing blanks go, the break and the next
                // line's indentation become one space, or one newline
                // per empty line between.
                trim_blanks(&mut text, &mut offsets);
                let mut newlines = 0;
                loop {
                    while chars.peek().is_some_and(|(_, n)| *n == ' ' || *n == '\t') {
                        chars.next();
                    }
                    if chars.peek().is_some_and(|(_, n)| *n == '\n') {
                        chars.next();
                        newlines += 1;
                    } else {
                        break;
                    }
                }
                if quote.is_none() {
                    // A plain scalar ends at the next key (a line with no
                    // indentation).
                    let next = chars.peek().map_or(file.len(), |(j, _)| at + j);
                    let line_start = file[..next].rfind('\n').map_or(0, |n| n + 1);
                    if next == line_start || chars.peek().is_none() {
                        break;
                    }
                }
                if newlines == 0 {
                    push(' ', here, &mut text, &mut offsets);
                } else {
                    for _ in 0..newlines {
                        push('\n', here, &mut text, &mut offsets);
                    }
                }
            }
            _ => push(c, here, &mut text, &mut offsets),
        }
    }
    if quote.is_none() {
        trim_blanks(&mut text, &mut offsets);
    }
    if text != search {
        return None;
    }
    offsets.push(offsets.last().map_or(at, |last| last + 1));
    Some(Placement {
        file: file.to_string(),
        offsets,
    })
}

/// Reads a search file, choosing the format by extension.
pub fn read_search_file(path: &Path) -> Result<SearchFile> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "yml" || ext == "yaml" {
        search_from_detection_yaml(&text, &path.display().to_string())
    } else {
        Ok(SearchFile {
            search: text,
            name: None,
            placement: None,
        })
    }
}

/// Extracts `search:` (and `name:`) from a security_content detection.
pub fn search_from_detection_yaml(text: &str, origin: &str) -> Result<SearchFile> {
    let doc: serde_norway::Value = serde_norway::from_str(text).map_err(|e| Error::Config {
        file: origin.to_string(),
        line: e.location().map_or(0, |l| l.line()),
        message: e.to_string(),
    })?;
    let search = match doc.get("search") {
        Some(serde_norway::Value::String(s)) => s.clone(),
        _ => {
            return Err(Error::Config {
                file: origin.to_string(),
                line: 0,
                message: "the detection has no `search:` text".into(),
            })
        }
    };
    let name = match doc.get("name") {
        Some(serde_norway::Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let placement = place_search(text, &search);
    Ok(SearchFile {
        search,
        name,
        placement,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_search_and_name() {
        let f = search_from_detection_yaml("name: X\nsearch: '`m` a=1 | stats count'\n", "d.yml")
            .unwrap();
        assert_eq!(f.search, "`m` a=1 | stats count");
        assert_eq!(f.name.as_deref(), Some("X"));
    }

    /// A single-quoted search folded over lines: `''` is one quote, a line
    /// break and the indentation after it one space, and each search byte
    /// maps to the file's line and column it was written at.
    #[test]
    fn placement_follows_single_quoted_folding() {
        let yaml = "name: X\nsearch: 'a=1 b=''it''\n  | stats   count'\nhow: x\n";
        let f = search_from_detection_yaml(yaml, "d.yml").unwrap();
        assert_eq!(f.search, "a=1 b='it' | stats   count");
        let p = f.placement.expect("placed");
        let stats = f.search.find("stats").unwrap();
        assert_eq!(p.file_position(stats).0, 3);
        assert_eq!(p.file_position(stats).1, 5);
        assert_eq!(p.file_position(0), (2, 10, "search: 'a=1 b=''it''"));
        // `it` after the doubled quote: column 18 of line 2.
        let it = f.search.find("it").unwrap();
        assert_eq!(p.file_position(it).1, 18);
        assert_eq!(p.file_line_col(&f.search, 1, 14), (3, 5));
    }

    /// Plain and double-quoted scalars are placed too; a block scalar is
    /// not (positions stay the search's own).
    #[test]
    fn placement_of_plain_double_quoted_and_block_scalars() {
        let plain = "search: (`m`) a=1\n  | stats count\nname: X\n";
        let f = search_from_detection_yaml(plain, "d.yml").unwrap();
        assert_eq!(f.search, "(`m`) a=1 | stats count");
        let p = f.placement.expect("plain placed");
        assert_eq!(
            p.file_position(f.search.find("stats").unwrap()),
            (2, 5, "  | stats count")
        );
        let quoted = "search: \"a=\\\"x\\\"\n  | head 1\"\n";
        let f = search_from_detection_yaml(quoted, "d.yml").unwrap();
        assert_eq!(f.search, "a=\"x\" | head 1");
        let p = f.placement.expect("double-quoted placed");
        assert_eq!(p.file_position(f.search.find("head").unwrap()).0, 2);
        let block = "search: >-\n  a=1\n  | head 1\n";
        let f = search_from_detection_yaml(block, "d.yml").unwrap();
        assert_eq!(f.search, "a=1 | head 1");
        assert!(f.placement.is_none());
    }

    #[test]
    fn missing_search_is_a_config_error() {
        let err = search_from_detection_yaml("name: X\n", "d.yml").unwrap_err();
        assert!(err.to_string().contains("no `search:`"));
    }
}
