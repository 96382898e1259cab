//! Breaking raw text into events the way Splunk's indexer does, from the
//! props.conf line-breaking settings.
//!
//! Splunk finds event boundaries in two stages ("Configure event line
//! breaking",
//! <https://help.splunk.com/splunk-enterprise/get-started/get-data-in/9.4/configure-event-processing/configure-event-line-breaking>,
//! and `props.conf.spec`):
//!
//! 1. **Line breaking.** `LINE_BREAKER` (default `([\r\n]+)`) splits the
//!    text into lines. Where it matches, the start of its first capturing
//!    group ends one line and the end of the group starts the next; the
//!    group's text is discarded. When the first group did not take part in
//!    a match, the leftmost group that did is the break; when none did, the
//!    break is zero-length, just before the match. Each line is cut to
//!    `TRUNCATE` bytes (default 10000, `0` = no limit), rounded down to a
//!    character boundary; the rest of the line is dropped.
//! 2. **Line merging**, when `SHOULD_LINEMERGE` is true (the default):
//!    consecutive lines are merged into one event until a line starts a new
//!    one, decided by [`LineMerging`]'s rules (`BREAK_ONLY_BEFORE_DATE`,
//!    `BREAK_ONLY_BEFORE`, `MUST_BREAK_AFTER`, `MUST_NOT_BREAK_AFTER`,
//!    `MUST_NOT_BREAK_BEFORE`, `MAX_EVENTS`).
//!
//! A merged event's text is the original span of the file, the separators
//! between its lines included (a CRLF file keeps its CRLFs inside events);
//! only a line cut by `TRUNCATE` inside an event makes the text a copy.
//! Where the documentation is silent, two choices: CR/LF at either end of
//! an event are dropped (they separate lines; the default breaker never
//! leaves any, a custom one can, e.g. after the last event of a file), and
//! an event of nothing but whitespace is no event.
//!
//! Regexes are PCRE, compiled by [`regex_compat::compile`]. One that needs
//! the backtracking engine and exceeds its backtracking limit counts as not
//! matching; for `LINE_BREAKER` that ends the breaking, so the rest of the
//! text is one line, cut by `TRUNCATE` (bounded work rather than a hang).
//!
//! `LINE_BREAKER_LOOKBEHIND` only matters to a reader that sees the data in
//! chunks (how far back into the previous chunk the breaker looks); the
//! whole text is given here, so it is read and checked, and has nothing to
//! do.
//!
//! ```
//! use spelunk::events::linebreak::LineBreaking;
//! let breaking = LineBreaking::from_settings(&|key| match key {
//!     "SHOULD_LINEMERGE" => Some("false"),
//!     _ => None,
//! })
//! .unwrap();
//! let texts: Vec<String> = breaking
//!     .events("one\r\ntwo\n\nthree", &|_: &str| false)
//!     .map(|e| e.text.into_owned())
//!     .collect();
//! assert_eq!(texts, ["one", "two", "three"]);
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::regex_compat::{self, Captures, SplRegex};

/// A props.conf setting that cannot be used: its key and why. The caller
/// knows which file and line the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// The setting's name (`LINE_BREAKER`).
    pub key: String,
    /// What is wrong with its value.
    pub message: String,
}

impl SettingError {
    pub(crate) fn new(key: &str, message: impl Into<String>) -> SettingError {
        SettingError {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl std::error::Error for SettingError {}

/// Reads props.conf settings by name; `None` (or an empty value) means the
/// setting is absent and Splunk's default applies.
pub type Settings<'s> = dyn Fn(&str) -> Option<&'s str> + 's;

/// The value of `key`, `None` when absent or blank (props.conf's
/// `[default]` stanza writes `BREAK_ONLY_BEFORE =` to mean "not set").
pub(crate) fn setting<'s>(get: &Settings<'s>, key: &str) -> Option<&'s str> {
    get(key).map(str::trim).filter(|v| !v.is_empty())
}

/// A props.conf boolean (`true`/`false`, `1`/`0`, `yes`/`no`, `t`/`f`,
/// `y`/`n`, `on`/`off`, any case).
pub(crate) fn bool_setting(
    get: &Settings<'_>,
    key: &str,
    default: bool,
) -> Result<bool, SettingError> {
    let Some(value) = setting(get, key) else {
        return Ok(default);
    };
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" | "y" | "on" => Ok(true),
        "0" | "false" | "f" | "no" | "n" | "off" => Ok(false),
        _ => Err(SettingError::new(
            key,
            format!("{value:?} is not a boolean"),
        )),
    }
}

/// A props.conf integer.
pub(crate) fn int_setting(
    get: &Settings<'_>,
    key: &str,
    default: i64,
) -> Result<i64, SettingError> {
    match setting(get, key) {
        None => Ok(default),
        Some(value) => value
            .parse()
            .map_err(|_| SettingError::new(key, format!("{value:?} is not an integer"))),
    }
}

/// A props.conf regular expression (PCRE, through [`regex_compat`]).
pub(crate) fn regex_setting(
    get: &Settings<'_>,
    key: &str,
) -> Result<Option<SplRegex>, SettingError> {
    setting(get, key)
        .map(|pattern| regex_compat::compile(pattern, false))
        .transpose()
        .map_err(|e| SettingError::new(key, e.message))
}

/// Splunk's `LINE_BREAKER` default, `([\r\n]+)`.
pub const DEFAULT_LINE_BREAKER: &str = r"([\r\n]+)";
/// Splunk's `TRUNCATE` default, in bytes.
pub const DEFAULT_TRUNCATE: usize = 10_000;
/// Splunk's `MAX_EVENTS` default, in lines per event.
pub const DEFAULT_MAX_EVENTS: usize = 256;
/// Splunk's `LINE_BREAKER_LOOKBEHIND` default, in bytes.
pub const DEFAULT_LINE_BREAKER_LOOKBEHIND: usize = 100;

/// Whether a line contains a date, for `BREAK_ONLY_BEFORE_DATE`. The
/// timestamp recognizer (`events::rawtime::TimestampRecognizer`) is the
/// real one, so that breaking and timestamping agree; any
/// `Fn(&str) -> bool` also works.
pub trait DateTest {
    /// Whether `line` has a date where the timestamp recognizer looks.
    fn line_has_date(&self, line: &str) -> bool;
}

impl<F: Fn(&str) -> bool> DateTest for F {
    fn line_has_date(&self, line: &str) -> bool {
        self(line)
    }
}

/// How a sourcetype's text is broken into events: `LINE_BREAKER`,
/// `TRUNCATE` and, when `SHOULD_LINEMERGE` is true, [`LineMerging`].
#[derive(Debug, Clone)]
pub struct LineBreaking {
    breaker: Breaker,
    /// `TRUNCATE`; `None` when it is 0 (no limit).
    truncate: Option<usize>,
    /// `LINE_BREAKER_LOOKBEHIND` (kept for a chunked reader; see the module
    /// documentation).
    lookbehind: usize,
    /// The merging rules; `None` when `SHOULD_LINEMERGE` is false.
    merging: Option<LineMerging>,
}

/// The line breaker: the default one runs without a regex (it is what
/// nearly every sourcetype uses, and a byte search is much faster).
#[derive(Debug, Clone)]
enum Breaker {
    /// `([\r\n]+)`.
    Newlines,
    Regex(SplRegex),
}

/// Splunk's line-merging rules (`SHOULD_LINEMERGE = true`), from
/// `props.conf.spec`:
///
/// - `BREAK_ONLY_BEFORE_DATE` (default true): a line with a date starts an
///   event.
/// - `BREAK_ONLY_BEFORE`: a line matching the regex starts an event.
/// - `MUST_BREAK_AFTER`: the line after one matching the regex starts an
///   event.
/// - `MUST_NOT_BREAK_AFTER`: after a line matching it, no line starts an
///   event until one matches `MUST_BREAK_AFTER`.
/// - `MUST_NOT_BREAK_BEFORE`: a line matching it never starts an event.
/// - `MAX_EVENTS` (default 256): an event never has more lines.
///
/// The spec words each "break" rule as "only if": the configured ones are
/// the only reasons to break, and any one of them breaks (it says of
/// `MUST_BREAK_AFTER` that Splunk may still break before a line "if another
/// rule matches"). With none configured every line starts an event, which
/// is why Splunk's own `[linux_bootlog]` and `[linux_audit]` stanzas get one
/// event per line from `BREAK_ONLY_BEFORE_DATE = False` alone. Where the
/// spec is silent on precedence, the order is: `MAX_EVENTS`, then
/// `MUST_BREAK_AFTER` (a forced break), then the two "must not" rules, then
/// the break rules (see [`LineMerging::starts_event`]).
#[derive(Debug, Clone)]
pub struct LineMerging {
    break_only_before_date: bool,
    break_only_before: Option<SplRegex>,
    must_break_after: Option<SplRegex>,
    must_not_break_after: Option<SplRegex>,
    must_not_break_before: Option<SplRegex>,
    max_events: usize,
}

/// What the merger remembers about the event being built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeState {
    /// Lines in the event so far.
    pub lines: usize,
    /// Whether the last line matched `MUST_BREAK_AFTER`.
    pub break_after_last: bool,
    /// Whether a `MUST_NOT_BREAK_AFTER` line was seen and no
    /// `MUST_BREAK_AFTER` line since.
    pub holding: bool,
}

impl LineMerging {
    /// Whether `line` starts a new event, after the lines `state`
    /// describes.
    pub fn starts_event(
        &self,
        line: &str,
        state: &MergeState,
        dates: &(impl DateTest + ?Sized),
    ) -> bool {
        if state.lines >= self.max_events || state.break_after_last {
            return true;
        }
        if matches(&self.must_not_break_before, line) || state.holding {
            return false;
        }
        let any_break_rule = self.break_only_before_date
            || self.break_only_before.is_some()
            || self.must_break_after.is_some();
        if !any_break_rule {
            return true;
        }
        matches(&self.break_only_before, line)
            || (self.break_only_before_date && dates.line_has_date(line))
    }

    /// `state` after `line` joins the event (as its first line when
    /// `first`).
    pub fn after_line(&self, line: &str, state: MergeState, first: bool) -> MergeState {
        let break_after = matches(&self.must_break_after, line);
        // `MUST_NOT_BREAK_AFTER` holds the event open until a
        // `MUST_BREAK_AFTER` line; the same line matching both breaks.
        let holding = if break_after {
            false
        } else {
            state.holding || matches(&self.must_not_break_after, line)
        };
        MergeState {
            lines: if first { 1 } else { state.lines + 1 },
            break_after_last: break_after,
            holding,
        }
    }
}

fn matches(regex: &Option<SplRegex>, line: &str) -> bool {
    regex.as_ref().is_some_and(|r| r.is_match(line))
}

impl LineBreaking {
    /// The line breaking `settings` describe; absent settings take Splunk's
    /// defaults (the `[default]` stanza of Splunk's own props.conf:
    /// `SHOULD_LINEMERGE = True`, `BREAK_ONLY_BEFORE_DATE = True`,
    /// `MAX_EVENTS = 256`, `TRUNCATE = 10000`,
    /// `LINE_BREAKER_LOOKBEHIND = 100`; `LINE_BREAKER` defaults to
    /// `([\r\n]+)` per the spec).
    pub fn from_settings<'s>(get: &Settings<'s>) -> Result<LineBreaking, SettingError> {
        let breaker = match setting(get, "LINE_BREAKER") {
            None | Some(DEFAULT_LINE_BREAKER) => Breaker::Newlines,
            Some(_) => Breaker::Regex(
                regex_setting(get, "LINE_BREAKER")?
                    .ok_or_else(|| SettingError::new("LINE_BREAKER", "could not be read"))?,
            ),
        };
        let truncate = non_negative(get, "TRUNCATE", DEFAULT_TRUNCATE)?;
        let lookbehind = non_negative(
            get,
            "LINE_BREAKER_LOOKBEHIND",
            DEFAULT_LINE_BREAKER_LOOKBEHIND,
        )?;
        let merging = if bool_setting(get, "SHOULD_LINEMERGE", true)? {
            let max_events = non_negative(get, "MAX_EVENTS", DEFAULT_MAX_EVENTS)?;
            if max_events == 0 {
                return Err(SettingError::new("MAX_EVENTS", "must be at least 1"));
            }
            Some(LineMerging {
                break_only_before_date: bool_setting(get, "BREAK_ONLY_BEFORE_DATE", true)?,
                break_only_before: regex_setting(get, "BREAK_ONLY_BEFORE")?,
                must_break_after: regex_setting(get, "MUST_BREAK_AFTER")?,
                must_not_break_after: regex_setting(get, "MUST_NOT_BREAK_AFTER")?,
                must_not_break_before: regex_setting(get, "MUST_NOT_BREAK_BEFORE")?,
                max_events,
            })
        } else {
            None
        };
        Ok(LineBreaking {
            breaker,
            truncate: (truncate > 0).then_some(truncate),
            lookbehind,
            merging,
        })
    }

    /// The merging rules, when `SHOULD_LINEMERGE` is true.
    pub fn merging(&self) -> Option<&LineMerging> {
        self.merging.as_ref()
    }

    /// `TRUNCATE` in bytes; `None` when there is no limit.
    pub fn truncate(&self) -> Option<usize> {
        self.truncate
    }

    /// `LINE_BREAKER_LOOKBEHIND` in bytes.
    pub fn lookbehind(&self) -> usize {
        self.lookbehind
    }

    /// The events of `text`, in order. `dates` answers
    /// `BREAK_ONLY_BEFORE_DATE`'s question (pass the sourcetype's
    /// timestamp recognizer). Events are produced lazily, borrowing from
    /// `text` where they can.
    pub fn events<'a, D: DateTest + ?Sized>(
        &'a self,
        text: &'a str,
        dates: &'a D,
    ) -> Events<'a, D> {
        Events {
            text,
            lines: Lines::new(text, &self.breaker, self.truncate),
            merging: self.merging.as_ref(),
            dates,
            next_first: None,
            spans: Vec::new(),
            counter: LineCounter::default(),
        }
    }
}

/// A non-negative integer setting.
/// `TRUNCATE` alone (default 10000 bytes), `None` when it is 0 (no limit).
pub fn truncate_setting(get: &Settings<'_>) -> Result<Option<usize>, SettingError> {
    let truncate = non_negative(get, "TRUNCATE", DEFAULT_TRUNCATE)?;
    Ok((truncate > 0).then_some(truncate))
}

fn non_negative(get: &Settings<'_>, key: &str, default: usize) -> Result<usize, SettingError> {
    let value = int_setting(get, key, default as i64)?;
    usize::try_from(value).map_err(|_| SettingError::new(key, format!("{value} is negative")))
}

/// One event as Splunk would store its `_raw`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent<'a> {
    /// The event's text: borrowed from the input unless a line inside it
    /// was truncated. Line-ending characters at either end are not part of
    /// it (they are line separators, not content).
    pub text: Cow<'a, str>,
    /// The 1-based line of the input where the event starts.
    pub line: usize,
    /// The byte offset in the input where the event starts.
    pub offset: usize,
    /// Whether `TRUNCATE` cut one of the event's lines.
    pub truncated: bool,
}

/// The events of a text ([`LineBreaking::events`]).
pub struct Events<'a, D: ?Sized> {
    text: &'a str,
    lines: Lines<'a>,
    merging: Option<&'a LineMerging>,
    dates: &'a D,
    /// A line already read that starts the next event.
    next_first: Option<LineSpan>,
    /// The lines of the event being built (reused between events).
    spans: Vec<LineSpan>,
    counter: LineCounter,
}

impl<'a, D: DateTest + ?Sized> Iterator for Events<'a, D> {
    type Item = RawEvent<'a>;

    fn next(&mut self) -> Option<RawEvent<'a>> {
        loop {
            let first = self.next_first.take().or_else(|| self.lines.next())?;
            self.spans.clear();
            self.spans.push(first);
            if let Some(merging) = self.merging {
                self.merge_lines_after(merging, first);
            }
            if let Some(event) = self.build_event() {
                return Some(event);
            }
            // A blank event (whitespace only) is not an event.
        }
    }
}

impl<'a, D: DateTest + ?Sized> Events<'a, D> {
    /// Adds the lines that continue the event `first` starts.
    fn merge_lines_after(&mut self, merging: &LineMerging, first: LineSpan) {
        let mut state = merging.after_line(first.kept(self.text), MergeState::default(), true);
        for line in self.lines.by_ref() {
            let text = line.kept(self.text);
            if merging.starts_event(text, &state, self.dates) {
                self.next_first = Some(line);
                return;
            }
            state = merging.after_line(text, state, false);
            self.spans.push(line);
        }
    }

    /// The event made of `self.spans`; `None` when it is blank.
    fn build_event(&mut self) -> Option<RawEvent<'a>> {
        let (first, last) = (self.spans.first()?, self.spans.last()?);
        let inner_cut = self.spans[..self.spans.len() - 1]
            .iter()
            .any(|s| s.kept_end < s.end);
        let truncated = inner_cut || last.kept_end < last.end;
        let (text, start) = if inner_cut {
            let mut owned = String::new();
            for (i, span) in self.spans.iter().enumerate() {
                owned.push_str(span.kept(self.text));
                if let Some(next) = self.spans.get(i + 1) {
                    owned.push_str(self.text.get(span.end..next.start).unwrap_or(""));
                }
            }
            let lead = leading_line_ends(&owned);
            let trimmed = owned.trim_matches(LINE_END).to_string();
            (Cow::Owned(trimmed), first.start + lead)
        } else {
            let whole = self.text.get(first.start..last.kept_end).unwrap_or("");
            let lead = leading_line_ends(whole);
            (
                Cow::Borrowed(whole.trim_matches(LINE_END)),
                first.start + lead,
            )
        };
        if text.trim().is_empty() {
            return None;
        }
        let line = self.counter.line_at(self.text, start);
        Some(RawEvent {
            text,
            line,
            offset: start,
            truncated,
        })
    }
}

const LINE_END: [char; 2] = ['\r', '\n'];

fn leading_line_ends(text: &str) -> usize {
    text.len() - text.trim_start_matches(LINE_END).len()
}

/// One line from stage 1: `start..end` is its text, `kept_end` where
/// `TRUNCATE` cut it, `next` where the following line starts (after the
/// discarded delimiter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LineSpan {
    start: usize,
    end: usize,
    kept_end: usize,
}

impl LineSpan {
    fn kept<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.kept_end).unwrap_or("")
    }
}

/// Stage 1: the lines `LINE_BREAKER` delimits, each cut to `TRUNCATE`.
/// Empty lines (two breaks in a row) are skipped.
struct Lines<'a> {
    text: &'a str,
    delimiters: Delimiters<'a>,
    truncate: Option<usize>,
    /// Where the next line starts.
    pos: usize,
    done: bool,
}

/// Where the line breaker matches.
enum Delimiters<'a> {
    Newlines {
        bytes: &'a [u8],
        pos: usize,
    },
    Regex {
        matches: Box<dyn Iterator<Item = Captures<'a>> + 'a>,
        /// Capturing groups in the pattern (group 0 not counted).
        groups: usize,
    },
}

impl<'a> Delimiters<'a> {
    /// The next delimiter's byte range.
    fn next_range(&mut self) -> Option<(usize, usize)> {
        match self {
            Delimiters::Newlines { bytes, pos } => {
                let start = *pos + memchr::memchr2(b'\r', b'\n', bytes.get(*pos..)?)?;
                let run = bytes[start..]
                    .iter()
                    .take_while(|&&b| b == b'\r' || b == b'\n')
                    .count();
                *pos = start + run;
                Some((start, start + run))
            }
            Delimiters::Regex { matches, groups } => {
                matches.next().map(|caps| delimiter_of(&caps, *groups))
            }
        }
    }
}

/// The delimiter a `LINE_BREAKER` match marks (`props.conf.spec`, "Special
/// considerations for LINE_BREAKER with branched expressions"): the first
/// capturing group when it took part; else the leftmost group that did;
/// else a zero-length break just before the match.
fn delimiter_of(caps: &Captures<'_>, groups: usize) -> (usize, usize) {
    let whole = caps.range(0).unwrap_or((0, 0));
    (1..=groups)
        .find_map(|i| caps.range(i))
        .unwrap_or((whole.0, whole.0))
}

impl<'a> Lines<'a> {
    fn new(text: &'a str, breaker: &'a Breaker, truncate: Option<usize>) -> Lines<'a> {
        let delimiters = match breaker {
            Breaker::Newlines => Delimiters::Newlines {
                bytes: text.as_bytes(),
                pos: 0,
            },
            Breaker::Regex(regex) => Delimiters::Regex {
                matches: regex.captures_iter(text),
                groups: regex.capture_names().len().saturating_sub(1),
            },
        };
        Lines {
            text,
            delimiters,
            truncate,
            pos: 0,
            done: false,
        }
    }

    fn span(&self, start: usize, end: usize) -> LineSpan {
        let kept_end = match self.truncate {
            Some(limit) if end - start > limit => floor_char_boundary(self.text, start + limit),
            _ => end,
        };
        LineSpan {
            start,
            end,
            kept_end,
        }
    }
}

impl Iterator for Lines<'_> {
    type Item = LineSpan;

    fn next(&mut self) -> Option<LineSpan> {
        while !self.done {
            let (start, end) = match self.delimiters.next_range() {
                // A break inside the previous delimiter (possible with
                // look-behind groups) is no break.
                Some((break_start, _)) if break_start < self.pos => continue,
                Some((break_start, break_end)) => {
                    let line = (self.pos, break_start);
                    self.pos = break_end;
                    line
                }
                None => {
                    self.done = true;
                    (self.pos, self.text.len())
                }
            };
            if end > start {
                return Some(self.span(start, end));
            }
        }
        None
    }
}

/// The largest character boundary of `text` at or before `index`.
pub(crate) fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut i = index.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The line breaks in `text` (`\r\n` counts once), as line numbers count
/// them.
pub(crate) fn line_breaks(text: &str) -> usize {
    LineCounter::default().line_at(text, text.len()) - 1
}

/// Counts lines up to increasing offsets without rescanning: a `\n`, or a
/// `\r` not followed by `\n`, ends a line.
#[derive(Debug, Default)]
struct LineCounter {
    offset: usize,
    /// Line breaks before `offset`.
    breaks: usize,
}

impl LineCounter {
    /// The 1-based line of `offset` (offsets must not decrease).
    fn line_at(&mut self, text: &str, offset: usize) -> usize {
        let bytes = text.as_bytes();
        let end = offset.min(bytes.len());
        let mut i = self.offset.min(offset);
        while i < end {
            let Some(found) = memchr::memchr2(b'\n', b'\r', &bytes[i..end]) else {
                break;
            };
            let at = i + found;
            // `\r\n` ends one line, at its `\n`.
            let ends_line = bytes[at] == b'\n' || bytes.get(at + 1) != Some(&b'\n');
            self.breaks += usize::from(ends_line);
            i = at + 1;
        }
        self.offset = self.offset.max(offset);
        self.breaks + 1
    }
}

#[cfg(test)]
mod tests {
    //! Rules from "Configure event line breaking"
    //! (<https://help.splunk.com/splunk-enterprise/get-started/get-data-in/9.4/configure-event-processing/configure-event-line-breaking>)
    //! and Splunk 10.2's `props.conf.spec` ("Line breaking" section); the
    //! defaults from the `[default]` stanza of Splunk's `props.conf`.

    use super::*;

    fn breaking(settings: &[(&str, &str)]) -> LineBreaking {
        try_breaking(settings).unwrap()
    }

    fn try_breaking(settings: &[(&str, &str)]) -> Result<LineBreaking, SettingError> {
        LineBreaking::from_settings(&|key| {
            settings.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        })
    }

    /// A stand-in for the timestamp recognizer: a line "has a date" when it
    /// starts like `12/04/2020`.
    fn starts_with_us_date(line: &str) -> bool {
        let b = line.as_bytes();
        b.len() >= 10 && b[2] == b'/' && b[5] == b'/' && b[..2].iter().all(u8::is_ascii_digit)
    }

    fn texts(b: &LineBreaking, text: &str) -> Vec<String> {
        b.events(text, &starts_with_us_date)
            .map(|e| e.text.into_owned())
            .collect()
    }

    #[test]
    fn absent_settings_take_the_default_stanza_values() {
        // props.conf [default]: SHOULD_LINEMERGE = True, BREAK_ONLY_BEFORE_DATE
        // = True, MAX_EVENTS = 256, TRUNCATE = 10000, LINE_BREAKER_LOOKBEHIND
        // = 100, empty BREAK_ONLY_BEFORE/MUST_*; spec: LINE_BREAKER default
        // ([\r\n]+).
        let b = breaking(&[("BREAK_ONLY_BEFORE", ""), ("MUST_BREAK_AFTER", " ")]);
        assert!(matches!(b.breaker, Breaker::Newlines));
        assert_eq!(b.truncate(), Some(DEFAULT_TRUNCATE));
        assert_eq!(b.lookbehind(), DEFAULT_LINE_BREAKER_LOOKBEHIND);
        let m = b.merging().expect("SHOULD_LINEMERGE defaults to true");
        assert!(m.break_only_before_date);
        assert_eq!(m.max_events, DEFAULT_MAX_EVENTS);
        assert!(m.break_only_before.is_none() && m.must_break_after.is_none());
        // Written out, the default breaker is the same fast one.
        let b = breaking(&[("LINE_BREAKER", r"([\r\n]+)")]);
        assert!(matches!(b.breaker, Breaker::Newlines));
    }

    const WINEVENTLOG: &str = "12/04/2020 09:24:11 AM\r\nLogName=System\r\nEventCode=32\r\n\
        Message=Processor 1 exposes:\r\n\r\nIdle state type: ACPI\r\n\
        12/04/2020 09:24:16 AM\r\nLogName=System\r\nMessage=There are 0x1 boot options.\r\n";

    #[test]
    fn default_merging_starts_each_event_at_a_line_with_a_date() {
        // "BREAK_ONLY_BEFORE_DATE ... creates a new event only if it
        // encounters a new line with a date" (default true); merged events
        // keep the original text between their lines, CRLFs and the blank
        // line included.
        let b = breaking(&[]);
        let events: Vec<RawEvent<'_>> = b.events(WINEVENTLOG, &starts_with_us_date).collect();
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0].text,
            "12/04/2020 09:24:11 AM\r\nLogName=System\r\nEventCode=32\r\n\
             Message=Processor 1 exposes:\r\n\r\nIdle state type: ACPI"
        );
        assert!(matches!(events[0].text, Cow::Borrowed(_)));
        assert_eq!((events[0].line, events[0].offset), (1, 0));
        assert_eq!(
            events[1].text,
            "12/04/2020 09:24:16 AM\r\nLogName=System\r\nMessage=There are 0x1 boot options."
        );
        assert_eq!(events[1].line, 7);
        assert_eq!(&WINEVENTLOG[events[1].offset..][..10], "12/04/2020");
    }

    #[test]
    fn lines_before_the_first_date_form_an_event_of_their_own() {
        let b = breaking(&[]);
        assert_eq!(
            texts(&b, "header\nmore\n01/02/2020 x\ny\n"),
            ["header\nmore", "01/02/2020 x\ny"]
        );
    }

    #[test]
    fn should_linemerge_false_makes_every_line_an_event() {
        // "If SHOULD_LINEMERGE is false, the events are the individual lines
        // that LINE_BREAKER determines." Runs of CR/LF are one delimiter, so
        // blank lines make no events.
        let b = breaking(&[("SHOULD_LINEMERGE", "false")]);
        let events: Vec<_> = b.events("a\r\n\r\nb\n\nc", &|_: &str| false).collect();
        let got: Vec<(&str, usize)> = events.iter().map(|e| (&*e.text, e.line)).collect();
        assert_eq!(got, [("a", 1), ("b", 3), ("c", 5)]);
        assert!(b.merging().is_none());
    }

    const XML: &str = "#Bulk AD CS Events\r\n\
        <Event xmlns='http://x/event'><Data Name='A'>line one\r\nline two</Data></Event>\r\n\
        <Event xmlns='http://x/event'><Data Name='B'>b</Data></Event>\r\n";

    #[test]
    fn line_breaker_group_is_discarded_and_lookahead_keeps_events_whole() {
        // "Wherever the regex matches, ... the start of the first capturing
        // group [is] the end of the previous event, and ... the end of the
        // first capturing group [is] the start of the next event. The
        // contents of the first capturing group are discarded."
        let b = breaking(&[
            ("LINE_BREAKER", "([\\r\\n]+)(?=<Event xmlns=)"),
            ("SHOULD_LINEMERGE", "false"),
        ]);
        let events: Vec<_> = b.events(XML, &|_: &str| false).collect();
        let got: Vec<&str> = events.iter().map(|e| &*e.text).collect();
        assert_eq!(
            got,
            [
                "#Bulk AD CS Events",
                "<Event xmlns='http://x/event'><Data Name='A'>line one\r\nline two</Data></Event>",
                "<Event xmlns='http://x/event'><Data Name='B'>b</Data></Event>",
            ]
        );
        assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2, 4]);
    }

    #[test]
    fn branched_line_breakers_follow_the_three_rules() {
        // Spec, "Special considerations for LINE_BREAKER with branched
        // expressions", example 1: rule 1 (first group), rule 2 (leftmost
        // group that matched), rule 3 (no group: zero-length break before
        // the match).
        let b = breaking(&[
            ("LINE_BREAKER", "end(\\n)begin|end2(\\n)begin2|begin3"),
            ("SHOULD_LINEMERGE", "false"),
        ]);
        assert_eq!(
            texts(&b, "a end\nbegin b end2\nbegin2 c begin3 d"),
            ["a end", "begin b end2", "begin2 c ", "begin3 d"]
        );
        // A pattern without any group is rule 3 everywhere.
        let b = breaking(&[("LINE_BREAKER", ";"), ("SHOULD_LINEMERGE", "false")]);
        assert_eq!(texts(&b, "a;b;c"), ["a", ";b", ";c"]);
        // A group that matches nothing still splits.
        let b = breaking(&[("LINE_BREAKER", "()x"), ("SHOULD_LINEMERGE", "false")]);
        assert_eq!(texts(&b, "1x2x3"), ["1", "x2", "x3"]);
    }

    #[test]
    fn break_only_before_starts_events_at_matching_lines() {
        // "BREAK_ONLY_BEFORE: ... creates a new event only if it encounters a
        // new line that matches the regular expression."
        let b = breaking(&[
            ("BREAK_ONLY_BEFORE", "^Active"),
            ("BREAK_ONLY_BEFORE_DATE", "false"),
        ]);
        assert_eq!(
            texts(&b, "Active x\nProto\ntcp4\nActive y\ntcp4 12/04/2020\n"),
            ["Active x\nProto\ntcp4", "Active y\ntcp4 12/04/2020"]
        );
    }

    #[test]
    fn break_rules_combine_with_the_date_rule() {
        // Each configured break rule can start an event ("It is possible for
        // the software to break before the current line if another rule
        // matches"): with BREAK_ONLY_BEFORE_DATE left at true, date lines
        // still break.
        let b = breaking(&[("BREAK_ONLY_BEFORE", "^Active")]);
        assert_eq!(
            texts(&b, "Active x\n12/04/2020 d\ntcp\nActive y"),
            ["Active x", "12/04/2020 d\ntcp", "Active y"]
        );
    }

    #[test]
    fn must_break_after_ends_an_event_after_a_matching_line() {
        // "MUST_BREAK_AFTER: ... creates a new event for the next input line
        // only if the regular expression matches the current line."
        let b = breaking(&[
            ("MUST_BREAK_AFTER", "</record>$"),
            ("BREAK_ONLY_BEFORE_DATE", "false"),
        ]);
        assert_eq!(
            texts(
                &b,
                "<record>\na\n</record>\n<record>\n12/04/2020\n</record>\ntail"
            ),
            [
                "<record>\na\n</record>",
                "<record>\n12/04/2020\n</record>",
                "tail"
            ]
        );
    }

    #[test]
    fn must_not_break_after_holds_until_must_break_after() {
        // "MUST_NOT_BREAK_AFTER: ... does not break on any subsequent lines
        // until the MUST_BREAK_AFTER expression matches."
        let b = breaking(&[
            ("MUST_NOT_BREAK_AFTER", "BEGIN"),
            ("MUST_BREAK_AFTER", "END"),
        ]);
        assert_eq!(
            texts(
                &b,
                "01/01/2020 BEGIN\n01/01/2020 in\n01/01/2020 END\n01/01/2020 next"
            ),
            [
                "01/01/2020 BEGIN\n01/01/2020 in\n01/01/2020 END",
                "01/01/2020 next"
            ]
        );
    }

    #[test]
    fn must_not_break_before_keeps_a_line_in_the_event() {
        // "MUST_NOT_BREAK_BEFORE: ... and the current line matches, Splunk
        // software does not break the last event before the current line."
        let b = breaking(&[("MUST_NOT_BREAK_BEFORE", "^\\d\\d/\\d\\d/\\d{4} cont")]);
        assert_eq!(
            texts(&b, "01/01/2020 a\n01/01/2020 cont\n01/01/2020 b"),
            ["01/01/2020 a\n01/01/2020 cont", "01/01/2020 b"]
        );
    }

    #[test]
    fn without_any_break_rule_every_line_is_an_event() {
        // Splunk's [linux_bootlog] and [linux_audit] only set
        // BREAK_ONLY_BEFORE_DATE = False: no "only if" restriction is left.
        let b = breaking(&[("BREAK_ONLY_BEFORE_DATE", "False")]);
        assert_eq!(texts(&b, "a\nb\nc"), ["a", "b", "c"]);
    }

    #[test]
    fn max_events_caps_the_lines_of_an_event() {
        // "MAX_EVENTS: The maximum number of input lines to add to any event.
        // Splunk software breaks after it reads the specified number of
        // lines."
        let b = breaking(&[("MAX_EVENTS", "2")]);
        assert_eq!(
            texts(&b, "01/01/2020 a\nb\nc\nd\ne"),
            ["01/01/2020 a\nb", "c\nd", "e"]
        );
        assert!(try_breaking(&[("MAX_EVENTS", "0")]).is_err());
    }

    #[test]
    fn truncate_cuts_lines_in_bytes_at_a_character_boundary() {
        // "TRUNCATE: The default maximum line length, in bytes ... rounded
        // down when this would otherwise land mid-character ... Set to 0 if
        // you never want truncation."
        let b = breaking(&[("TRUNCATE", "5"), ("SHOULD_LINEMERGE", "false")]);
        let events: Vec<_> = b
            .events("abcdefgh\nab\u{e9}\u{e9}z\nxy", &|_: &str| false)
            .collect();
        let got: Vec<(&str, bool)> = events.iter().map(|e| (&*e.text, e.truncated)).collect();
        // "ab" + "é" (2 bytes) = 4 bytes; the next "é" would end at byte 6.
        assert_eq!(got, [("abcde", true), ("ab\u{e9}", true), ("xy", false)]);
        let b = breaking(&[("TRUNCATE", "0"), ("SHOULD_LINEMERGE", "false")]);
        assert_eq!(texts(&b, &"x".repeat(20_000)).concat().len(), 20_000);
        let b = breaking(&[("SHOULD_LINEMERGE", "false")]);
        assert_eq!(texts(&b, &"x".repeat(20_000))[0].len(), DEFAULT_TRUNCATE);
    }

    #[test]
    fn truncation_applies_to_each_line_of_a_merged_event() {
        // TRUNCATE is a line length: a merged event keeps its other lines,
        // and the cut line loses only its own tail.
        let b = breaking(&[("TRUNCATE", "12")]);
        let events: Vec<_> = b
            .events("01/01/2020 first line\r\nsecond\r\n", &starts_with_us_date)
            .collect();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].text, "01/01/2020 f\r\nsecond");
        assert!(events[0].truncated);
        assert!(matches!(events[0].text, Cow::Owned(_)));
    }

    #[test]
    fn bad_settings_name_their_key() {
        let err = try_breaking(&[("LINE_BREAKER", "([\\r\\n]+")]).unwrap_err();
        assert_eq!(err.key, "LINE_BREAKER");
        assert!(err.message.contains("invalid regular expression"), "{err}");
        for (key, value) in [
            ("BREAK_ONLY_BEFORE", "(x"),
            ("MUST_BREAK_AFTER", "[x"),
            ("MUST_NOT_BREAK_AFTER", "x)"),
            ("MUST_NOT_BREAK_BEFORE", "(?<n"),
            ("SHOULD_LINEMERGE", "maybe"),
            ("BREAK_ONLY_BEFORE_DATE", "2"),
            ("TRUNCATE", "-1"),
            ("TRUNCATE", "lots"),
            ("MAX_EVENTS", "x"),
            ("LINE_BREAKER_LOOKBEHIND", "-5"),
        ] {
            let err = try_breaking(&[(key, value)]).unwrap_err();
            assert_eq!(err.key, key, "{value}");
        }
    }

    #[test]
    fn empty_and_blank_input_make_no_events() {
        let b = breaking(&[]);
        for text in ["", "\n", "\r\n\r\n", "   \n\t\n"] {
            assert!(texts(&b, text).is_empty(), "{text:?}");
        }
    }

    /// A small deterministic generator (xorshift), for fuzzing without a
    /// dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn text(&mut self, len: usize) -> String {
            const PIECES: [&str; 12] = [
                "\r",
                "\n",
                "\r\n",
                " ",
                "a",
                "01/02/2020 ",
                "<Event xmlns=",
                "\u{e9}",
                "\u{1f600}",
                "END",
                "BEGIN",
                "x",
            ];
            (0..len)
                .map(|_| PIECES[(self.next() % PIECES.len() as u64) as usize])
                .collect()
        }
    }

    #[test]
    fn arbitrary_text_never_panics_and_events_are_spans_in_order() {
        let configs: [&[(&str, &str)]; 6] = [
            &[],
            &[("SHOULD_LINEMERGE", "false"), ("TRUNCATE", "3")],
            &[
                ("LINE_BREAKER", "([\\r\\n]+)(?=<Event xmlns=)"),
                ("TRUNCATE", "7"),
            ],
            &[("LINE_BREAKER", "()"), ("SHOULD_LINEMERGE", "false")],
            &[("LINE_BREAKER", "(?<=\\n)|(x)"), ("MAX_EVENTS", "1")],
            &[
                ("MUST_NOT_BREAK_AFTER", "BEGIN"),
                ("MUST_BREAK_AFTER", "END"),
                ("MUST_NOT_BREAK_BEFORE", "^a"),
                ("BREAK_ONLY_BEFORE", "x"),
                ("TRUNCATE", "4"),
            ],
        ];
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        for round in 0..400 {
            let text = rng.text(round % 60);
            for config in configs {
                let b = breaking(config);
                let mut last_offset = None;
                for event in b.events(&text, &starts_with_us_date) {
                    assert!(!event.text.trim().is_empty());
                    assert!(!event.text.starts_with(LINE_END) && !event.text.ends_with(LINE_END));
                    assert!(last_offset < Some(event.offset), "{text:?} {config:?}");
                    last_offset = Some(event.offset);
                    let expected_line = 1
                        + text[..event.offset].matches('\n').count()
                        + text[..event.offset].matches('\r').count()
                        - text[..event.offset].matches("\r\n").count();
                    assert_eq!(event.line, expected_line, "{text:?}");
                    if let Cow::Borrowed(t) = event.text {
                        assert!(text[event.offset..].starts_with(t));
                    }
                }
            }
        }
        // Raw bytes, decoded lossily as a reader would.
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..64).map(|_| rng.next() as u8).collect();
            let text = String::from_utf8_lossy(&bytes);
            for config in configs {
                breaking(config)
                    .events(&text, &starts_with_us_date)
                    .for_each(drop);
            }
        }
    }
}
