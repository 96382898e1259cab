//! Macro expansion: the first stage, turning the user's search text into the
//! text every later stage parses.
//!
//! ```text
//! user text ──strip ``` comments──▶ stripped text ──scan──▶ text pieces + `calls`
//!           ──expand each call (recursively)──▶ Expanded { text, SourceMap }
//! ```
//!
//! Splunk's rules (`docs/semantics.md#macros`): `` `name` `` and `` `name(a, b)` `` are
//! calls; the argument count picks the `[name(N)]` stanza; each `$arg$` in the
//! definition is replaced by the argument text; the result is expanded again.
//! Backticks inside double-quoted strings are plain text, and
//! ```` ```comments``` ```` are removed before anything else.
//!
//! Errors always carry a span in the *user's* text: an error deep inside a
//! nested expansion points at the outermost call the user wrote.

pub mod definitions;

use std::ops::Range;
use std::sync::Arc;

pub use definitions::{MacroDef, MacroSet};

use crate::error::{Error, MacroError, Result};
use crate::eval::{parse_expr, EvalContext, EvalValue};
use crate::source::{InDefinition, Origin, Segment, SourceMap, Span};

use crate::source::DefinitionSite;

/// Bounds on expansion, so that no input can make it run away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandLimits {
    /// How many macro calls may be open inside one another.
    pub max_depth: usize,
    /// How many bytes expansion may produce in all, counting text again each
    /// time it passes up through a nesting level. Guards against macros that
    /// each call the next one twice (2^depth growth).
    pub max_len: usize,
}

impl Default for ExpandLimits {
    fn default() -> Self {
        ExpandLimits {
            max_depth: 50,
            max_len: 4 * 1024 * 1024,
        }
    }
}

/// Something worth telling the user that is not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The message.
    pub message: String,
    /// The call it is about, in the user's text.
    pub span: Span,
}

/// The result of expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The search with every macro call replaced and comments removed.
    pub text: String,
    /// Maps positions in `text` back to the user's text.
    pub map: SourceMap,
    /// Warnings, such as an undefined `_filter` macro replaced by `search *`.
    pub notices: Vec<Notice>,
}

/// Expands every macro call in `text`. `source_name` names the text in the
/// source map (a file path or `<search>`).
pub fn expand(
    text: &str,
    source_name: &str,
    macros: &MacroSet,
    limits: &ExpandLimits,
) -> Result<Expanded> {
    let stripped = strip_comments(text).map_err(Located::into_error)?;
    let pieces = scan(&stripped.text).map_err(|e| stripped.error_to_user(e))?;
    let mut expander = Expander {
        macros,
        limits,
        produced: 0,
        notices: Vec::new(),
    };
    let mut out = Builder::default();
    for piece in pieces {
        match piece {
            Piece::Text(range) => {
                for (part, user_offset) in stripped.user_parts(range) {
                    out.push(
                        part,
                        Origin::User {
                            offset: user_offset,
                        },
                    );
                }
            }
            Piece::Call(call) => {
                let span = stripped.span_to_user(call.span.clone());
                let first_notice = expander.notices.len();
                let chunks = expander
                    .expand_call(&stripped.text, &call, &mut Vec::new())
                    .map_err(|kind| Error::Macro { kind, span })?;
                for chunk in chunks {
                    let site = chunk.site.map(|(site, offset)| InDefinition {
                        site,
                        offset,
                        text: chunk.text.clone(),
                    });
                    out.push(
                        &chunk.text,
                        Origin::Macro {
                            call: span,
                            chain: chunk.chain,
                            site,
                        },
                    );
                }
                // A notice raised anywhere inside this call is about the call
                // the user wrote.
                for notice in expander.notices.iter_mut().skip(first_notice) {
                    notice.span = span;
                }
            }
        }
    }
    Ok(Expanded {
        text: out.text,
        map: SourceMap {
            name: source_name.to_string(),
            original: text.to_string(),
            segments: out.segments,
        },
        notices: expander.notices,
    })
}

/// The top-level macro calls in `text` (comments skipped, nothing expanded):
/// name, argument count and the call's span in `text`. For a linter.
pub fn find_calls(text: &str) -> Result<Vec<(String, usize, Span)>> {
    let stripped = strip_comments(text).map_err(Located::into_error)?;
    let pieces = scan(&stripped.text).map_err(|e| stripped.error_to_user(e))?;
    Ok(pieces
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Call(call) => {
                let span = stripped.span_to_user(call.span.clone());
                Some((call.name, call.args.len(), span))
            }
            Piece::Text(_) => None,
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Errors while scanning, located in the text being scanned.

/// A macro error with a span in the text being scanned (not yet the user's).
#[derive(Debug)]
struct Located {
    kind: MacroError,
    span: Range<usize>,
}

impl Located {
    fn new(kind: MacroError, span: Range<usize>) -> Self {
        Located { kind, span }
    }

    /// For errors whose span is already in the user's text.
    fn into_error(self) -> Error {
        Error::Macro {
            kind: self.kind,
            span: Span::new(self.span.start, self.span.end),
        }
    }
}

// ---------------------------------------------------------------------------
// Comment stripping.

const COMMENT: &str = "```";

/// Text with ```` ``` ```` comments removed, and where each kept run of it
/// came from in the original.
#[derive(Debug, Default)]
struct Stripped {
    text: String,
    runs: Vec<Run>,
}

/// A stretch of stripped text copied unchanged from the original.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// Start in the stripped text.
    stripped: usize,
    /// Start in the original text.
    original: usize,
    /// Length in bytes.
    len: usize,
}

/// Removes every ```` ```comment``` ````. An opening without a closing is an
/// error at the opening.
fn strip_comments(text: &str) -> Result<Stripped, Located> {
    let mut out = Stripped::default();
    let mut pos = 0;
    while let Some(found) = text[pos..].find(COMMENT) {
        let open = pos + found;
        out.keep(text, pos..open);
        let body = open + COMMENT.len();
        let Some(close) = text[body..].find(COMMENT) else {
            return Err(Located::new(
                MacroError::UnclosedComment,
                open..open + COMMENT.len(),
            ));
        };
        pos = body + close + COMMENT.len();
    }
    out.keep(text, pos..text.len());
    Ok(out)
}

impl Stripped {
    fn keep(&mut self, original: &str, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        self.runs.push(Run {
            stripped: self.text.len(),
            original: range.start,
            len: range.len(),
        });
        self.text.push_str(&original[range]);
    }

    /// The original offset of a stripped offset; the end of the text maps to
    /// the end of the last run.
    fn to_user(&self, offset: usize) -> usize {
        let idx = self
            .runs
            .partition_point(|r| r.stripped <= offset)
            .saturating_sub(1);
        match self.runs.get(idx) {
            Some(run) => run.original + (offset - run.stripped.min(offset)).min(run.len),
            None => offset,
        }
    }

    /// A stripped span in the original text. The end is mapped through the
    /// span's last byte so that a comment right after it is not included.
    fn span_to_user(&self, range: Range<usize>) -> Span {
        let start = self.to_user(range.start);
        let end = if range.end > range.start {
            self.to_user(range.end - 1) + 1
        } else {
            start
        };
        Span::new(start, end.max(start))
    }

    fn error_to_user(&self, err: Located) -> Error {
        Error::Macro {
            kind: err.kind,
            span: self.span_to_user(err.span),
        }
    }

    /// The pieces of a stripped range, each with its original offset (a range
    /// that spanned a removed comment comes back in two parts).
    fn user_parts(&self, range: Range<usize>) -> Vec<(&str, usize)> {
        let mut parts = Vec::new();
        for run in &self.runs {
            let start = range.start.max(run.stripped);
            let end = range.end.min(run.stripped + run.len);
            if start < end {
                if let Some(text) = self.text.get(start..end) {
                    parts.push((text, run.original + (start - run.stripped)));
                }
            }
        }
        parts
    }
}

// ---------------------------------------------------------------------------
// Scanning for calls.

/// A stretch of scanned text: plain text or a macro call.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(Range<usize>),
    Call(Call),
}

/// A backtick call found by [`scan`]; ranges are into the scanned text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    /// The name, trimmed.
    name: String,
    /// Each argument's text, trimmed.
    args: Vec<Range<usize>>,
    /// The whole call, backticks included.
    span: Range<usize>,
}

/// Splits text into plain text and macro calls. Double-quoted strings are
/// skipped whole, so a backtick in one is text.
fn scan(text: &str) -> Result<Vec<Piece>, Located> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            // Outside a string a backslash escapes the next character, so
            // `*\"privileged\":true*` opens no string (as the lexer reads it).
            b'\\' => i += 2,
            b'"' => i = skip_string(bytes, i),
            b'`' => {
                if text_start < i {
                    pieces.push(Piece::Text(text_start..i));
                }
                let call = parse_call(text, i)?;
                i = call.span.end;
                text_start = i;
                pieces.push(Piece::Call(call));
            }
            _ => i += 1,
        }
    }
    if text_start < bytes.len() {
        pieces.push(Piece::Text(text_start..bytes.len()));
    }
    Ok(pieces)
}

/// The index just past the string opening at `open` (a `"`), honouring `\"`
/// and `\\`; the end of the text if the string is never closed.
fn skip_string(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Parses the call whose opening backtick is at `start`.
fn parse_call(text: &str, start: usize) -> Result<Call, Located> {
    let bytes = text.as_bytes();
    let unclosed = || Located::new(MacroError::UnclosedBacktick, start..start + 1);
    let name_start = start + 1;
    let name_end = bytes[name_start..]
        .iter()
        .position(|&b| b == b'`' || b == b'(')
        .map(|p| name_start + p)
        .ok_or_else(unclosed)?;
    let name = text[name_start..name_end].trim().to_string();
    let bad_call = |message: &str, end: usize| {
        Located::new(
            MacroError::BadCall {
                name: name.clone(),
                message: message.to_string(),
            },
            start..end,
        )
    };
    if name.is_empty() {
        return Err(bad_call(
            "a macro call needs a name between the backticks",
            name_end + 1,
        ));
    }
    if bytes[name_end] == b'`' {
        return Ok(Call {
            name,
            args: Vec::new(),
            span: start..name_end + 1,
        });
    }
    let (args, close) = parse_args(text, start, name_end, &name)?;
    match bytes.get(close + 1) {
        Some(b'`') => Ok(Call {
            name,
            args,
            span: start..close + 2,
        }),
        None => Err(unclosed()),
        Some(_) => {
            let end = bytes[close..]
                .iter()
                .position(|&b| b == b'`')
                .map_or(bytes.len(), |p| close + p + 1);
            Err(bad_call(
                "expected the closing backtick right after the argument list's `)`",
                end,
            ))
        }
    }
}

/// Splits the argument list opening at `open` (a `(`) on top-level commas.
/// Returns the trimmed arguments and the index of the closing `)`.
///
/// A backtick inside the list starts a nested call when it comes right after
/// `(`, `,` or `=` (ignoring spaces), as in `` `m(`x`, y=`z`)` ``; any other
/// backtick can only be the call's closing one, which means a `)` is missing.
fn parse_args(
    text: &str,
    start: usize,
    open: usize,
    name: &str,
) -> Result<(Vec<Range<usize>>, usize), Located> {
    let bytes = text.as_bytes();
    let mut args = Vec::new();
    let mut depth = 1usize;
    let mut arg_start = open + 1;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    args.push(trim_range(text, arg_start..i));
                    // `name()` and `name( )` pass no arguments.
                    if args.len() == 1 && args[0].is_empty() {
                        args.clear();
                    }
                    return Ok((args, i));
                }
            }
            b',' if depth == 1 => {
                args.push(trim_range(text, arg_start..i));
                arg_start = i + 1;
            }
            b'`' if starts_nested_call(bytes, open, i) => {
                i = parse_call(text, i)?.span.end;
                continue;
            }
            b'`' => {
                return Err(Located::new(
                    MacroError::BadCall {
                        name: name.to_string(),
                        message: "the argument list has no closing `)`".to_string(),
                    },
                    start..i + 1,
                ));
            }
            _ => {}
        }
        i += 1;
    }
    Err(Located::new(MacroError::UnclosedBacktick, start..start + 1))
}

/// Whether the backtick at `at` opens a nested call: the last non-space byte
/// before it (after the list's `(` at `open`) is `(`, `,` or `=`.
fn starts_nested_call(bytes: &[u8], open: usize, at: usize) -> bool {
    bytes[open..at]
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'(' | b',' | b'='))
}

/// `range` without leading and trailing whitespace.
fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.end - (slice.len() - slice.trim_end().len());
    start..end.max(start)
}

// ---------------------------------------------------------------------------
// Expansion.

/// Expanded text with the macros it came from, relative to the call being
/// expanded (empty chain: the text of the definition itself).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Chunk {
    text: String,
    chain: Vec<String>,
    /// The innermost macro definition the text was written in, and the
    /// chunk's byte offset in that definition's substituted body.
    site: Option<(Arc<DefinitionSite>, usize)>,
    /// For literal text of the level being expanded: its byte offset in
    /// that level's text.
    at: Option<usize>,
}

/// What an undefined `*_filter` macro expands to: security_content ships
/// every detection with an empty, user-editable filter macro.
const EMPTY_FILTER: &str = "search *";

/// State shared by one [`expand`] run.
struct Expander<'a> {
    macros: &'a MacroSet,
    limits: &'a ExpandLimits,
    /// Bytes produced so far, for `limits.max_len`.
    produced: usize,
    notices: Vec<Notice>,
}

/// The (name, arity) calls currently being expanded, outermost first.
type Stack = Vec<(String, usize)>;

impl Expander<'_> {
    /// Expands one call found in `text`. `stack` holds the calls it is inside.
    fn expand_call(
        &mut self,
        text: &str,
        call: &Call,
        stack: &mut Stack,
    ) -> Result<Vec<Chunk>, MacroError> {
        let arity = call.args.len();
        let mut args = Vec::with_capacity(arity);
        for range in &call.args {
            // Arguments may themselves call macros; they are expanded at the
            // caller's level, before substitution.
            let arg = text.get(range.clone()).unwrap_or_default();
            args.push(flatten(self.expand_text(arg, stack)?));
        }
        let Some(def) = self.macros.get(&call.name, arity) else {
            return self.undefined(&call.name, arity);
        };
        let key = (call.name.clone(), arity);
        if stack.contains(&key) {
            let mut chain: Vec<String> = stack.iter().map(|(n, _)| n.clone()).collect();
            chain.push(call.name.clone());
            return Err(MacroError::Cycle { chain });
        }
        if stack.len() >= self.limits.max_depth {
            return Err(MacroError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        let body = strip_comments(&def.definition).map_err(|e| e.kind)?.text;
        for token in unbound_tokens(&body, &def.args) {
            self.notices.push(Notice {
                message: format!(
                    "macro `{}({arity})`: `${token}$` is not one of its arguments{}; it is left as written",
                    call.name,
                    if def.args.is_empty() {
                        " (it takes none)".to_string()
                    } else {
                        format!(" ({})", def.args.join(", "))
                    }
                ),
                // Replaced by the user's call span once the call is done.
                span: Span::default(),
            });
        }
        let budget = self.limits.max_len.saturating_sub(self.produced);
        let bindings = bind_args(def, &args);
        let body = substitute(&body, &bindings, budget).ok_or(MacroError::TooLong {
            limit: self.limits.max_len,
        })?;
        let body = eval_macro(def, body, &bindings)?;
        stack.push(key);
        let result = self.expand_text(&body, stack);
        stack.pop();
        Ok(result?
            .into_iter()
            .map(|mut chunk| {
                // Text written in this definition itself (not in a macro it
                // calls) is placed in this definition's file.
                if chunk.chain.is_empty() {
                    let at = chunk.at.unwrap_or(0);
                    chunk.site = def.site.clone().map(|site| (site, at));
                }
                chunk.at = None;
                chunk.chain.insert(0, call.name.clone());
                chunk
            })
            .collect())
    }

    /// Expands every call in comment-free `text`.
    fn expand_text(&mut self, text: &str, stack: &mut Stack) -> Result<Vec<Chunk>, MacroError> {
        let mut chunks = Vec::new();
        for piece in scan(text).map_err(|e| e.kind)? {
            match piece {
                Piece::Text(range) => {
                    let range_start = range.start;
                    let literal = text.get(range).unwrap_or_default();
                    self.produce(literal.len())?;
                    push_literal(&mut chunks, literal, range_start);
                }
                Piece::Call(call) => {
                    for chunk in self.expand_call(text, &call, stack)? {
                        // Text is copied once per nesting level on its way
                        // up; counting each copy bounds the work, not just
                        // the final length.
                        self.produce(chunk.text.len() + chunk.chain.len())?;
                        push_expanded(&mut chunks, chunk);
                    }
                }
            }
        }
        Ok(chunks)
    }

    /// An undefined macro: security_content's empty filter, or an error.
    fn undefined(&mut self, name: &str, arity: usize) -> Result<Vec<Chunk>, MacroError> {
        if arity == 0 && name.ends_with("_filter") {
            self.notices.push(Notice {
                message: format!(
                    "macro `{name}` is not defined; using `{EMPTY_FILTER}` (security_content's empty filter)"
                ),
                // Replaced by the user's call span once the call is done.
                span: Span::default(),
            });
            self.produce(EMPTY_FILTER.len())?;
            return Ok(vec![Chunk {
                text: EMPTY_FILTER.to_string(),
                chain: vec![name.to_string()],
                site: None,
                at: None,
            }]);
        }
        let available = self.macros.arities(name);
        // A name defined with other arities is not a typo.
        let suggestion = if available.is_empty() {
            crate::suggest::closest(name, self.macros.names()).map(Box::from)
        } else {
            None
        };
        Err(MacroError::Undefined {
            name: name.to_string(),
            arity,
            available,
            suggestion,
        })
    }

    fn produce(&mut self, len: usize) -> Result<(), MacroError> {
        self.produced = self.produced.saturating_add(len);
        if self.produced > self.limits.max_len {
            return Err(MacroError::TooLong {
                limit: self.limits.max_len,
            });
        }
        Ok(())
    }
}

/// Runs a macro's `validation` and, for `iseval = 1`, evaluates its
/// definition (macros.conf.spec). `body` is the definition with `$arg$`
/// substituted; the arguments are also visible as fields named after them.
/// Validation fails when its expression is false or null, or when it gives
/// a string (the string is then the message); an eval definition expands
/// to its result as text. Nothing here reads events.
fn eval_macro(
    def: &MacroDef,
    body: String,
    bindings: &[(&str, &str)],
) -> Result<String, MacroError> {
    if !def.iseval && def.validation.is_none() {
        return Ok(body);
    }
    let mut args = crate::event::Event::new();
    for (name, value) in bindings {
        args.set(*name, crate::value::Value::from(*value));
    }
    let ctx = EvalContext::new(chrono_tz::UTC);
    let bad = |what: &str, e: crate::error::Error| MacroError::BadCall {
        name: def.name.clone(),
        message: format!("{what}: {e}"),
    };
    if let Some(validation) = &def.validation {
        let text = substitute(validation, bindings, usize::MAX).unwrap_or_default();
        let expr = parse_expr(&text, 0).map_err(|e| bad("validation", e))?;
        let result = expr.eval(&args, &ctx).map_err(|e| bad("validation", e))?;
        let failure = match result {
            EvalValue::Bool(true) => None,
            EvalValue::Bool(false) | EvalValue::Null => Some(
                def.errormsg
                    .clone()
                    .unwrap_or_else(|| format!("validation `{validation}` failed")),
            ),
            // A non-boolean validation gives the error text itself.
            other => other.as_text(),
        };
        if let Some(message) = failure {
            return Err(MacroError::ValidationFailed {
                name: def.name.clone(),
                message,
            });
        }
    }
    if !def.iseval {
        return Ok(body);
    }
    let expr = parse_expr(&body, 0).map_err(|e| bad("iseval definition", e))?;
    match expr
        .eval(&args, &ctx)
        .map_err(|e| bad("iseval definition", e))?
    {
        EvalValue::Bool(_) => Err(MacroError::BadCall {
            name: def.name.clone(),
            message: "iseval definition gives a boolean, not the text of a search".into(),
        }),
        other => Ok(other.as_text().unwrap_or_default()),
    }
}

/// Appends literal text of the current level to `chunks`; `at` is its byte
/// offset in the level's text, kept to place errors inside a macro
/// definition. Literal text following literal text is merged.
fn push_literal(chunks: &mut Vec<Chunk>, text: &str, at: usize) {
    if text.is_empty() {
        return;
    }
    match chunks.last_mut() {
        Some(last) if last.chain.is_empty() && last.site.is_none() => last.text.push_str(text),
        _ => chunks.push(Chunk {
            text: text.to_string(),
            chain: Vec::new(),
            site: None,
            at: Some(at),
        }),
    }
}

/// Appends a chunk an inner call produced, merging it with the last chunk
/// when both came from the same macros and the same definition.
fn push_expanded(chunks: &mut Vec<Chunk>, chunk: Chunk) {
    if chunk.text.is_empty() {
        return;
    }
    let same_site = |a: &Option<(Arc<DefinitionSite>, usize)>,
                     b: &Option<(Arc<DefinitionSite>, usize)>| match (a, b) {
        (Some((x, _)), Some((y, _))) => Arc::ptr_eq(x, y),
        (None, None) => true,
        _ => false,
    };
    match chunks.last_mut() {
        Some(last) if last.chain == chunk.chain && same_site(&last.site, &chunk.site) => {
            last.text.push_str(&chunk.text)
        }
        _ => chunks.push(chunk),
    }
}

fn flatten(chunks: Vec<Chunk>) -> String {
    chunks.into_iter().map(|c| c.text).collect()
}

/// Pairs the definition's argument names with the call's values. Named
/// arguments (`` `m(b=2, a=1)` ``) are used when every argument is
/// `name=value` and the names are exactly the definition's; otherwise the
/// values are positional.
fn bind_args<'a>(def: &'a MacroDef, values: &'a [String]) -> Vec<(&'a str, &'a str)> {
    let named: Option<Vec<(&str, &str)>> = values.iter().map(|v| split_named(v)).collect();
    if let Some(named) = named {
        let all_known = named.iter().all(|(n, _)| def.args.iter().any(|a| a == n));
        let all_given = def.args.iter().all(|a| named.iter().any(|(n, _)| n == a));
        if all_known && all_given && named.len() == def.args.len() {
            return named;
        }
    }
    def.args
        .iter()
        .map(String::as_str)
        .zip(values.iter().map(String::as_str))
        .collect()
}

/// `ident=value` → (ident, trimmed value).
fn split_named(arg: &str) -> Option<(&str, &str)> {
    let (name, value) = arg.split_once('=')?;
    let name = name.trim();
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    (first_ok && rest_ok).then_some((name, value.trim()))
}

/// The `$name$` tokens of a definition that name no argument: a typo or a
/// missing argument that Splunk leaves in the search as written. Only
/// identifier-like names count, so `$` in regexes and prices is not one.
fn unbound_tokens<'a>(body: &'a str, args: &[String]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    let mut rest = body;
    while let Some(dollar) = rest.find('$') {
        let after = &rest[dollar + 1..];
        let Some(close) = after.find('$') else { break };
        let name = &after[..close];
        let ident = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ident {
            if !args.iter().any(|a| a == name) && !out.contains(&name) {
                out.push(name);
            }
            rest = &after[close + 1..];
        } else {
            rest = after;
        }
    }
    out
}

/// Replaces each `$name$` whose name is a bound argument with its value; any
/// other `$` is kept. Values are inserted as they are and not scanned again.
/// `None` when the result would exceed `budget` bytes: a definition using a
/// large argument many times must not allocate without bound.
fn substitute(body: &str, bindings: &[(&str, &str)], budget: usize) -> Option<String> {
    let mut out = String::with_capacity(body.len().min(budget));
    let mut rest = body;
    while let Some(dollar) = rest.find('$') {
        if out.len() > budget {
            return None;
        }
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let value = after.find('$').and_then(|close| {
            let name = &after[..close];
            bindings
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out.len() <= budget).then_some(out)
}

// ---------------------------------------------------------------------------
// Output.

/// The expanded text and its source map, built together.
#[derive(Debug, Default)]
struct Builder {
    text: String,
    segments: Vec<Segment>,
}

impl Builder {
    fn push(&mut self, text: &str, origin: Origin) {
        if text.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(text);
        // Two user runs that follow each other in both texts are one segment.
        if let (Some(last), Origin::User { offset }) = (self.segments.last_mut(), &origin) {
            if let Origin::User {
                offset: last_offset,
            } = last.origin
            {
                if last_offset + last.expanded.len() == *offset {
                    last.expanded.end = self.text.len();
                    return;
                }
            }
        }
        self.segments.push(Segment {
            expanded: start..self.text.len(),
            origin,
        });
    }
}

#[cfg(test)]
mod tests;
