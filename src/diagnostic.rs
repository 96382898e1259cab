//! Renders an [`Error`] for people: the message, the user's file, line and
//! column (through macro expansion), the source line and a caret underline.

use std::collections::HashMap;
use std::fmt;

use ariadne::{Color, Config, FnCache, IndexType, Label, Report, ReportKind, Source};

use crate::error::{Error, SpanIn};
use crate::source::{line_col, Location, SourceMap};

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
                    definition: None,
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

impl Diagnostic {
    /// The diagnostic as people read it: the message, the user's file, line
    /// and column with the line and a label under the words, a second label
    /// in the macro definition the words came from, the macros the position
    /// is inside, and a help line when there is advice. `color` adds ANSI
    /// colours (for a terminal).
    pub fn render(&self, color: bool) -> String {
        let Some(loc) = &self.location else {
            return render_plain(&self.error, color);
        };
        let Some(line) = &self.source_line else {
            let mut out = render_plain(&self.error, color);
            out.push_str(&format!("\n  --> {}:{}:{}", loc.name, loc.line, loc.column));
            return out;
        };
        let mut sources: HashMap<String, Source<String>> = HashMap::new();
        let primary = loc.name.clone();
        // Only the user's line is kept, after empty lines so that it shows at
        // its own line number (ariadne 0.6's margin ignores
        // `with_display_line_offset`).
        let (padded, pad) = at_line(line, loc.line);
        sources.insert(primary.clone(), Source::from(padded.clone()));
        let start = char_to_byte(line, loc.column.saturating_sub(1));
        let width = loc.span.end.saturating_sub(loc.span.start).max(1);
        let end = (start + width).min(line.len()).max(start);
        let (start, end) = (start + pad, end + pad);
        let (start, end) = on_chars(&padded, start..end);
        let config = Config::default()
            .with_color(color)
            .with_index_type(IndexType::Char);
        let mut report = Report::build(
            ReportKind::Custom("error", Color::Red),
            (primary.clone(), start..end),
        )
        .with_config(config)
        .with_message(self.error.to_string())
        .with_label(
            Label::new((primary.clone(), start..end))
                .with_message(self.error.label())
                .with_color(Color::Red),
        );
        if let Some(def) = &loc.definition {
            let mut id = def.site.file.clone();
            if id == primary {
                id.push_str(" (macro definition)");
            }
            let (padded, pad) = at_line(&def.site.snippet(), def.site.line);
            let (start, end) = on_chars(&padded, def.range.start + pad..def.range.end + pad);
            let range = start..end;
            sources.insert(id.clone(), Source::from(padded));
            report = report.with_label(
                Label::new((id, range))
                    .with_message(format!(
                        "in the definition of macro `{}`",
                        def.site.macro_name
                    ))
                    .with_color(Color::Cyan),
            );
        }
        for name in loc.macro_chain.iter().rev() {
            report = report.with_note(format!("in expansion of macro `{name}`"));
        }
        if let Some(help) = self.error.help() {
            report = report.with_help(help);
        }
        let cache = FnCache::new(
            (|id: &String| Err(format!("no source text for {id}"))) as fn(&String) -> _,
        )
        .with_sources(sources);
        let mut out = Vec::new();
        if report.finish().write(cache, &mut out).is_err() {
            // Writing to a Vec fails only if a label's source is missing;
            // the plain form still says everything that matters.
            return render_plain(&self.error, color);
        }
        let text = String::from_utf8_lossy(&out);
        if color {
            text.trim_end().to_string()
        } else {
            // ariadne colours a custom report kind's name even with colour
            // off, so the escapes are taken out here.
            strip_ansi(text.trim_end())
        }
    }
}

/// `error: message` (and a help line) for an error with no place in a text.
fn render_plain(error: &Error, color: bool) -> String {
    let head = if color {
        "\u{1b}[31;1merror\u{1b}[0m"
    } else {
        "error"
    };
    let mut out = format!("{head}: {error}");
    if let Some(help) = error.help() {
        out.push_str(&format!("\n  help: {help}"));
    }
    out
}

/// `text` without ANSI SGR escapes (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` preceded by empty lines so that it is line `line` (1-based), and
/// the byte length of that padding.
fn at_line(text: &str, line: usize) -> (String, usize) {
    let pad = line.saturating_sub(1);
    let mut padded = "\n".repeat(pad);
    padded.extend(text.chars().map(no_line_break));
    (padded, pad)
}

/// A byte `range` of `text` as character offsets, widened to whole
/// characters and kept inside the text. ariadne is given character
/// offsets: with byte offsets, 0.6 locates a label in a second source (the
/// macro definition) by its character offset read as a byte offset, which
/// panicked after a multi-byte character (found by the `expand` fuzz
/// target).
fn on_chars(text: &str, range: std::ops::Range<usize>) -> (usize, usize) {
    let mut start = range.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let start_chars = text[..start].chars().count();
    (start_chars, start_chars + text[start..end].chars().count())
}

/// A character ariadne would take as a line break (besides `\n`), as a
/// space of the same UTF-8 length: the label offsets stay right, and a
/// U+2028 in a macro definition no longer makes ariadne panic (found by
/// the `expand` fuzz target).
fn no_line_break(c: char) -> char {
    match c {
        '\r' | '\u{0B}' | '\u{0C}' => ' ',
        '\u{85}' => '\u{A0}',
        '\u{2028}' | '\u{2029}' => '\u{2002}',
        other => other,
    }
}

/// The byte offset of the `chars`-th character of `line` (its length past
/// the end).
fn char_to_byte(line: &str, chars: usize) -> usize {
    line.char_indices()
        .nth(chars)
        .map_or(line.len(), |(i, _)| i)
}

/// Without colour: what a log file or a library user's error message shows.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn renders_location_and_caret() {
        let map = SourceMap::identity("query.spl", "x=1\n| foo bar");
        let d = Diagnostic::new(
            Error::UnsupportedCommand {
                name: "foo".into(),
                suggestion: None,
                offline: None,
                span: Span::new(6, 9),
            },
            &map,
        );
        assert_eq!(
            d.to_string(),
            "error: command `foo` is not supported yet\n   ╭─[ query.spl:2:3 ]\n   │\n 2 │ | foo bar\n   │   ─┬─  \n   │    ╰─── not supported\n───╯"
        );
    }
}
