//! Source positions: byte spans, and the map from the macro-expanded search
//! text back to the text the user wrote.
//!
//! Every stage after macro expansion works on the *expanded* text, so spans in
//! the AST point into it. Errors must still name the user's line and column,
//! which is what [`SourceMap::locate`] recovers.

use std::ops::Range;
use std::sync::Arc;

/// A half-open byte range `start..end` into one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The byte range, for slicing.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

/// Where a stretch of expanded text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Copied verbatim from the user's text, starting at this byte offset.
    User {
        /// Byte offset in the user's text of the segment's first byte.
        offset: usize,
    },
    /// Produced by expanding a macro; `call` is the outermost backtick call in
    /// the user's text and `chain` the macro names, outermost first.
    Macro {
        /// Span of the outermost macro call (backticks included) in the user's text.
        call: Span,
        /// Macro names from the outermost call to the innermost one.
        chain: Vec<String>,
        /// The innermost definition the text was written in; `None` for a
        /// macro with no known file.
        site: Option<InDefinition>,
    },
}

/// Where a macro's `definition` is written: its file, its line, and the
/// text on that line before the value, so a position in the definition maps
/// to the file's line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionSite {
    /// The macro's name.
    pub macro_name: String,
    /// The file the definition was read from.
    pub file: String,
    /// 1-based line of the `definition` key.
    pub line: usize,
    /// The text before the value on that line (`definition = `), as written.
    pub prefix: String,
    /// The definition as read (continuation lines joined with newlines).
    pub text: String,
}

impl DefinitionSite {
    /// The definition's lines as they appear in the file: `prefix` then the
    /// value, starting at [`DefinitionSite::line`].
    pub fn snippet(&self) -> String {
        format!("{}{}", self.prefix, self.text)
    }
}

/// Expanded text written in a macro's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InDefinition {
    /// The definition.
    pub site: Arc<DefinitionSite>,
    /// The segment's byte offset in the definition's body, after its
    /// arguments were substituted.
    pub offset: usize,
    /// The segment's text, to find an error's words in the definition.
    pub text: String,
}

/// The part of a macro definition an error is in, for a second label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionLabel {
    /// The definition.
    pub site: Arc<DefinitionSite>,
    /// Byte range in [`DefinitionSite::snippet`]: the error's words when
    /// they are found in the definition, else the start of its value.
    pub range: Range<usize>,
}

/// One stretch of expanded text and its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Byte range in the expanded text.
    pub expanded: Range<usize>,
    /// Where those bytes came from.
    pub origin: Origin,
}

/// Maps byte offsets in expanded text back to the user's text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceMap {
    /// A name for the user's text: a file path, or `<search>`.
    pub name: String,
    /// The text exactly as the user wrote it.
    pub original: String,
    /// Segments sorted by `expanded.start`, covering the expanded text.
    pub segments: Vec<Segment>,
}

/// A position in the user's text, for an error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The name of the user's text (file path or `<search>`).
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The span in the user's text.
    pub span: Span,
    /// Macro names the position is inside, outermost first (empty when the
    /// position is in the user's own text).
    pub macro_chain: Vec<String>,
    /// Where in the innermost macro's definition, when the position is in
    /// text a definition wrote.
    pub definition: Option<DefinitionLabel>,
}

impl SourceMap {
    /// A map for text that went through no expansion.
    pub fn identity(name: &str, text: &str) -> Self {
        SourceMap {
            name: name.to_string(),
            original: text.to_string(),
            segments: vec![Segment {
                expanded: 0..text.len(),
                origin: Origin::User { offset: 0 },
            }],
        }
    }

    /// Maps a span of expanded text to the user's text.
    pub fn locate(&self, span: Span) -> Location {
        let (user_span, chain) = self.map_span(span);
        let (line, column) = line_col(&self.original, user_span.start);
        Location {
            name: self.name.clone(),
            line,
            column,
            span: user_span,
            macro_chain: chain,
            definition: self.in_definition(span),
        }
    }

    /// The place in a macro definition that `span` (of expanded text) came
    /// from: the nearest occurrence of its words in the definition, or the
    /// definition's start when an argument brought them in.
    fn in_definition(&self, span: Span) -> Option<DefinitionLabel> {
        let seg = self.segment_at(span.start)?;
        let Origin::Macro {
            site: Some(inside), ..
        } = &seg.origin
        else {
            return None;
        };
        let from = span.start.saturating_sub(seg.expanded.start);
        let to = span
            .end
            .min(seg.expanded.end)
            .saturating_sub(seg.expanded.start);
        let words = inside.text.get(from..to.max(from)).unwrap_or_default();
        let prefix = inside.site.prefix.len();
        let body = &inside.site.text;
        let guess = inside.offset + from;
        let found = (!words.trim().is_empty())
            .then(|| {
                body.match_indices(words)
                    .map(|(at, _)| at)
                    .min_by_key(|at| at.abs_diff(guess))
            })
            .flatten();
        let range = match found {
            Some(at) => prefix + at..prefix + at + words.len(),
            None => {
                let first_line = body.find('\n').unwrap_or(body.len());
                prefix..prefix + first_line
            }
        };
        Some(DefinitionLabel {
            site: inside.site.clone(),
            range,
        })
    }

    fn segment_at(&self, offset: usize) -> Option<&Segment> {
        // The last segment starting at or before `offset`; an offset at the very
        // end of the text belongs to the last segment.
        let idx = self
            .segments
            .partition_point(|s| s.expanded.start <= offset)
            .checked_sub(1)?;
        self.segments.get(idx)
    }

    fn map_offset(&self, offset: usize) -> (usize, Vec<String>, Option<Span>) {
        match self.segment_at(offset) {
            Some(seg) => match &seg.origin {
                Origin::User { offset: base } => {
                    let delta = offset.saturating_sub(seg.expanded.start);
                    ((base + delta).min(self.original.len()), Vec::new(), None)
                }
                Origin::Macro { call, chain, .. } => (call.start, chain.clone(), Some(*call)),
            },
            None => (offset.min(self.original.len()), Vec::new(), None),
        }
    }

    fn map_span(&self, span: Span) -> (Span, Vec<String>) {
        let (start, chain, call) = self.map_offset(span.start);
        if let Some(call) = call {
            return (call, chain);
        }
        let end_probe = span.end.saturating_sub(1).max(span.start);
        let (end, _, end_call) = self.map_offset(end_probe);
        let end = match end_call {
            Some(c) => c.end,
            None if span.end > span.start => end + 1,
            None => end,
        };
        (
            Span::new(start, end.max(start).min(self.original.len())),
            chain,
        )
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// The largest char boundary not after `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn identity_map_locates_spans() {
        let map = SourceMap::identity("<search>", "a\n| bad");
        let loc = map.locate(Span::new(4, 7));
        assert_eq!((loc.line, loc.column), (2, 3));
        assert!(loc.macro_chain.is_empty());
    }

    #[test]
    fn spans_inside_macros_point_at_the_call() {
        let map = SourceMap {
            name: "q".into(),
            original: "x `m` y".into(),
            segments: vec![
                Segment {
                    expanded: 0..2,
                    origin: Origin::User { offset: 0 },
                },
                Segment {
                    expanded: 2..12,
                    origin: Origin::Macro {
                        call: Span::new(2, 5),
                        chain: vec!["m".into()],
                        site: None,
                    },
                },
                Segment {
                    expanded: 12..14,
                    origin: Origin::User { offset: 5 },
                },
            ],
        };
        let loc = map.locate(Span::new(4, 6));
        assert_eq!(loc.span, Span::new(2, 5));
        assert_eq!(loc.macro_chain, vec!["m".to_string()]);
        let loc = map.locate(Span::new(13, 14));
        assert_eq!(loc.span, Span::new(6, 7));
    }
}
