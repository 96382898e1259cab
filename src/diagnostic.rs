//! Renders an [`Error`] for people: the message, the user's file, line and
//! column (through macro expansion), the source line and a caret underline.

use std::fmt;

use crate::error::{Error, SpanIn};
use crate::source::{line_col, Location, SourceMap, Span};

/// An error placed in the user's text, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// The error.
    pub error: Error,
    /// Where in the user's text, when the error has a span (boxed to keep
    /// `Result<_, Diagnostic>` small).
    pub location: Option<Box<Location>>,
    /// The user's line at that location.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// Places `error` in the text described by `map`.
    pub fn new(error: Error, map: &SourceMap) -> Self {
        let location = error.span().map(|(span, within)| match within {
            SpanIn::Expanded => map.locate(span),
            SpanIn::User => {
                let (line, column) = line_col(&map.original, span.start);
                Location {
                    name: map.name.clone(),
                    line,
                    column,
                    span,
                    macro_chain: Vec::new(),
                }
            }
        });
        let location = location.map(Box::new);
        let source_line = location
            .as_ref()
            .and_then(|l| map.original.lines().nth(l.line - 1).map(str::to_string));
        Diagnostic {
            error,
            location,
            source_line,
        }
    }

    /// An error with no position in a search text (I/O, configuration).
    pub fn plain(error: Error) -> Self {
        Diagnostic {
            error,
            location: None,
            source_line: None,
        }
    }
}

impl From<Error> for Diagnostic {
    fn from(error: Error) -> Self {
        Diagnostic::plain(error)
    }
}

impl std::error::Error for Diagnostic {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.error)?;
        let Some(loc) = &self.location else {
            return Ok(());
        };
        write!(f, "\n  --> {}:{}:{}", loc.name, loc.line, loc.column)?;
        if let Some(line) = &self.source_line {
            let gutter = loc.line.to_string();
            let pad = " ".repeat(gutter.len());
            let underline = underline(line, loc.column, loc.span);
            write!(f, "\n {pad} |\n {gutter} | {line}\n {pad} | {underline}")?;
            for name in loc.macro_chain.iter().rev() {
                write!(f, "\n {pad} = note: in expansion of macro `{name}`")?;
            }
        }
        Ok(())
    }
}

/// Carets under the span's part of the line (at least one).
fn underline(line: &str, column: usize, span: Span) -> String {
    let line_chars = line.chars().count();
    let start = column.saturating_sub(1).min(line_chars);
    let width = span.end.saturating_sub(span.start).max(1);
    let width = width.min(line_chars.saturating_sub(start)).max(1);
    format!("{}{}", " ".repeat(start), "^".repeat(width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_and_caret() {
        let map = SourceMap::identity("query.spl", "x=1\n| foo bar");
        let d = Diagnostic::new(
            Error::UnsupportedCommand {
                name: "foo".into(),
                suggestion: None,
                span: Span::new(6, 9),
            },
            &map,
        );
        assert_eq!(
            d.to_string(),
            "error: command `foo` is not supported yet\n  --> query.spl:2:3\n   |\n 2 | | foo bar\n   |   ^^^"
        );
    }
}
