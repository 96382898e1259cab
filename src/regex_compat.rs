//! Splunk (PCRE) regular expressions on Rust engines.
//!
//! Splunk's regexes are PCRE ("Splunk regular expressions are PCRE (Perl
//! Compatible Regular Expressions) and use the PCRE C library",
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.1/get-started-with-knowledge-objects/about-splunk-regular-expressions>).
//! Every user-written regex (`rex`, `regex`, `makemv tokenizer=`, eval
//! `match`/`replace`/`mvfind`, props `TIME_PREFIX`) goes through
//! [`compile`], which:
//!
//! 1. translates PCRE syntax that Rust spells differently or lacks
//!    ([`translate`]): a `{` that does not start a quantifier is a literal,
//!    `\Q...\E`, `\h`/`\v`/`\R`, `\e`/`\cX`/octal escapes, `(?'name'...)`,
//!    `\k<name>`/`\g{n}` back-references, `(?#...)` comments, start-of-pattern
//!    verbs such as `(*UCP)`;
//! 2. runs the result on the fast `regex` crate, or on `fancy-regex` (a
//!    backtracking engine layered on `regex`) when the pattern needs
//!    look-around, back-references, atomic groups or possessive quantifiers;
//! 3. gives a clear error naming the PCRE feature when neither can run it.
//!
//! Known differences left: PCRE's `$` (no `m` flag) also matches before a
//! final newline, Rust's only at the very end; `\d`, `\w`, `\s`, `\b` are
//! Unicode-aware here (PCRE without UCP is ASCII-only). Both only matter for
//! non-ASCII text or values ending in a newline.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

mod derived;
use derived::Derived;

/// A compiled Splunk regular expression.
#[derive(Clone)]
pub struct SplRegex {
    inner: Arc<Inner>,
}

struct Inner {
    /// The pattern as written.
    pattern: String,
    engine: Engine,
    /// Capture group names, index 0 (the whole match) first.
    names: Vec<Option<String>>,
    /// A hand-written matcher for the pattern's shape, if it has one the
    /// `regex` crate is slow on (see [`derived`]).
    derived: Option<Derived>,
}

enum Engine {
    /// The linear-time `regex` crate: every pattern without backtracking
    /// features.
    Fast(regex::Regex),
    /// `fancy-regex`, for look-around, back-references, atomic groups.
    Backtracking(fancy_regex::Regex),
}

/// Why a pattern could not be compiled; the message is complete ("regular
/// expression uses ..."), the caller adds the command and span.
#[derive(Debug, Clone, PartialEq)]
pub struct RegexError {
    /// What is wrong.
    pub message: String,
    /// The pattern is valid PCRE but uses a feature spelunk lacks.
    pub unsupported: bool,
}

impl RegexError {
    /// The error for `command` at `span`: [`crate::Error::Unsupported`] for
    /// a PCRE feature spelunk lacks, else [`crate::Error::BadArgument`].
    pub fn at(self, command: &str, span: crate::source::Span) -> crate::Error {
        if self.unsupported {
            crate::Error::Unsupported {
                command: Some(command.into()),
                message: self.message,
                span,
            }
        } else {
            crate::Error::BadArgument {
                command: command.into(),
                message: self.message,
                span,
            }
        }
    }
}

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RegexError {}

fn invalid(msg: impl Into<String>) -> RegexError {
    RegexError {
        message: format!("invalid regular expression: {}", msg.into()),
        unsupported: false,
    }
}

fn unsupported(feature: &str) -> RegexError {
    RegexError {
        message: format!("regular expression uses {feature}, which is not supported"),
        unsupported: true,
    }
}

/// How deep the backtracking engine may go before a match attempt counts as
/// failed (PCRE has a match limit too, limits.conf `[rex] match_limit`;
/// Splunk then treats it as no match and warns).
pub const BACKTRACK_LIMIT: usize = 1_000_000;

/// Patterns whose match attempt hit [`BACKTRACK_LIMIT`] (or another
/// run-time limit of the backtracking engine) since the last
/// [`take_limit_hits`], each once, in the order first hit. A match that
/// gives up counts as no match, so the search must say so: the engine
/// turns these into notices at the end of each search. Process-wide,
/// because a regex runs deep inside readers and eval functions on any
/// thread; when searches run concurrently in one process (`spelunk test
/// --jobs`), a hit is reported by whichever search ends first.
static LIMIT_HITS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Most distinct patterns remembered between two [`take_limit_hits`].
const LIMIT_HITS_MAX: usize = 100;

/// Records that `pattern` gave up on some text.
fn note_limit_hit(pattern: &str) {
    if let Ok(mut hits) = LIMIT_HITS.lock() {
        if hits.len() < LIMIT_HITS_MAX && !hits.iter().any(|p| p == pattern) {
            hits.push(pattern.to_string());
        }
    }
}

/// The patterns that gave up since the last call (see [`LIMIT_HITS`]).
pub fn take_limit_hits() -> Vec<String> {
    LIMIT_HITS
        .lock()
        .map(|mut hits| std::mem::take(&mut *hits))
        .unwrap_or_default()
}

/// The notice for a pattern that gave up, naming it and the limit.
pub fn limit_hit_notice(pattern: &str) -> String {
    format!(
        "regex `{pattern}` exceeded the backtracking limit ({BACKTRACK_LIMIT} steps) on some \
         text, which was taken as not matching (as Splunk does past limits.conf \
         `match_limit`): results may be missing matches"
    )
}

/// Compiles a PCRE pattern; `case_insensitive` adds a leading `(?i)`.
pub fn compile(pattern: &str, case_insensitive: bool) -> Result<SplRegex, RegexError> {
    static COMPILED: Memo<(String, bool), SplRegex> = Memo::new();
    COMPILED.get_or_try((pattern.to_string(), case_insensitive), || {
        compile_uncached(pattern, case_insensitive)
    })
}

/// [`regex::Regex::new`], remembered like [`compile`].
pub fn plain(pattern: &str) -> Result<regex::Regex, regex::Error> {
    static COMPILED: Memo<String, regex::Regex> = Memo::new();
    COMPILED.get_or_try(pattern.to_string(), || regex::Regex::new(pattern))
}

/// Compiled regexes by pattern. A streamed search applies its commands
/// afresh to every chunk on every thread, and compiling a pattern (a
/// case-insensitive search term with Unicode classes above all) can cost
/// more than scanning the chunk with it. Both engines' regexes are shared
/// behind an `Arc`, so a clone is cheap; the memo forgets everything when
/// it grows past [`MEMO_LIMIT`] patterns.
struct Memo<K, V>(Mutex<Option<HashMap<K, V>>>);

const MEMO_LIMIT: usize = 256;

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    const fn new() -> Self {
        Memo(Mutex::new(None))
    }

    fn get_or_try<E>(&self, key: K, build: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        // A poisoned lock only means another thread panicked mid-insert:
        // compile without the memo.
        if let Ok(guard) = self.0.lock() {
            if let Some(found) = guard.as_ref().and_then(|map| map.get(&key)) {
                return Ok(found.clone());
            }
        }
        let value = build()?;
        if let Ok(mut guard) = self.0.lock() {
            let map = guard.get_or_insert_with(HashMap::new);
            if map.len() >= MEMO_LIMIT {
                map.clear();
            }
            map.insert(key, value.clone());
        }
        Ok(value)
    }
}

/// How many lookbehind assertions one pattern may hold. The backtracking
/// engine compiles a variable-length lookbehind as a reversed pattern of
/// its own, including the lookbehinds inside it, so nested ones multiply
/// the work: fuzzing found a 715-byte pattern of 15 nested lookbehinds that
/// took seconds and half a gigabyte to compile. Detections use one or two
/// (security_content's most is 2).
pub const MAX_LOOKBEHINDS: usize = 8;

fn compile_uncached(pattern: &str, case_insensitive: bool) -> Result<SplRegex, RegexError> {
    let t = translate(pattern)?;
    let lookbehinds = t.text.matches("(?<=").count() + t.text.matches("(?<!").count();
    if lookbehinds > MAX_LOOKBEHINDS {
        return Err(RegexError {
            message: format!(
                "regular expression has {lookbehinds} lookbehind assertions; at most {MAX_LOOKBEHINDS} are allowed in one pattern (each is compiled as a pattern of its own, and nested ones multiply the work)"
            ),
            unsupported: true,
        });
    }
    let text = if case_insensitive {
        format!("(?i){}", t.text)
    } else {
        t.text
    };
    let engine = match t.backtracking {
        None => Engine::Fast(regex::Regex::new(&text).map_err(|e| invalid(rust_message(&e)))?),
        Some(_) => Engine::Backtracking(
            fancy_regex::RegexBuilder::new(&text)
                .backtrack_limit(BACKTRACK_LIMIT)
                .build()
                .map_err(|e| invalid(e.to_string()))?,
        ),
    };
    let names = match &engine {
        Engine::Fast(re) => re.capture_names().map(|n| n.map(str::to_string)).collect(),
        Engine::Backtracking(re) => re.capture_names().map(|n| n.map(str::to_string)).collect(),
    };
    let derived = match &engine {
        Engine::Fast(re) => Derived::of(re.as_str()),
        Engine::Backtracking(_) => None,
    };
    Ok(SplRegex {
        inner: Arc::new(Inner {
            pattern: pattern.to_string(),
            engine,
            names,
            derived,
        }),
    })
}

/// The one useful line of a `regex` crate error (its message draws the
/// pattern with a caret over several lines).
fn rust_message(e: &regex::Error) -> String {
    let s = e.to_string();
    s.lines()
        .find_map(|l| l.strip_prefix("error:").map(|m| m.trim().to_string()))
        .unwrap_or_else(|| s.lines().last().unwrap_or("").to_string())
}

impl fmt::Debug for SplRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SplRegex({:?})", self.inner.pattern)
    }
}

impl PartialEq for SplRegex {
    fn eq(&self, other: &Self) -> bool {
        self.inner.pattern == other.inner.pattern
    }
}

/// One match with its groups, as byte ranges into the text.
#[derive(Debug, Clone)]
pub struct Captures<'t> {
    text: &'t str,
    groups: Vec<Option<(usize, usize)>>,
}

impl<'t> Captures<'t> {
    /// The byte range of group `i` (0 = whole match), when it took part.
    pub fn range(&self, i: usize) -> Option<(usize, usize)> {
        self.groups.get(i).copied().flatten()
    }

    /// The text of group `i` (0 = whole match), when it took part.
    pub fn get(&self, i: usize) -> Option<&'t str> {
        self.range(i).map(|(s, e)| &self.text[s..e])
    }
}

impl SplRegex {
    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.inner.pattern
    }

    /// Whether this pattern runs on the backtracking engine.
    pub fn is_backtracking(&self) -> bool {
        matches!(self.inner.engine, Engine::Backtracking(_))
    }

    /// Group names in pattern order, index 0 (the whole match, unnamed)
    /// first; unnamed groups are `None`.
    pub fn capture_names(&self) -> &[Option<String>] {
        &self.inner.names
    }

    /// Whether the pattern matches anywhere in `text`. A match that hits the
    /// backtracking limit counts as no match, and is recorded for a notice.
    pub fn is_match(&self, text: &str) -> bool {
        match &self.inner.engine {
            Engine::Fast(re) => re.is_match(text),
            Engine::Backtracking(re) => re.is_match(text).unwrap_or_else(|_| {
                note_limit_hit(&self.inner.pattern);
                false
            }),
        }
    }

    /// `Ok` items until the first error, which ends the matches and is
    /// recorded for a notice (the rest of the text is taken as not
    /// matching).
    fn until_limit<'r, T: 'r>(
        &'r self,
        items: impl Iterator<Item = Result<T, fancy_regex::Error>> + 'r,
    ) -> impl Iterator<Item = T> + 'r {
        items.map_while(move |item| match item {
            Ok(found) => Some(found),
            Err(_) => {
                note_limit_hit(&self.inner.pattern);
                None
            }
        })
    }

    /// Every non-overlapping match with its groups, left to right.
    pub fn captures_iter<'r, 't>(
        &'r self,
        text: &'t str,
    ) -> Box<dyn Iterator<Item = Captures<'t>> + 'r>
    where
        't: 'r,
    {
        if let Some(all) = self.inner.derived.as_ref().and_then(|d| d.all(text)) {
            return Box::new(all.into_iter().map(move |groups| Captures { text, groups }));
        }
        match &self.inner.engine {
            Engine::Fast(re) => Box::new(re.captures_iter(text).map(move |c| Captures {
                text,
                groups: c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect(),
            })),
            Engine::Backtracking(re) => Box::new(self.until_limit(re.captures_iter(text)).map(
                move |c| Captures {
                    text,
                    groups: c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect(),
                },
            )),
        }
    }

    /// The first match with its groups.
    pub fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        if let Some(first) = self.inner.derived.as_ref().and_then(|d| d.first(text)) {
            return first.map(|groups| Captures { text, groups });
        }
        self.captures_iter(text).next()
    }

    /// The byte ranges of every non-overlapping match, left to right.
    pub fn find_iter<'r, 't>(
        &'r self,
        text: &'t str,
    ) -> Box<dyn Iterator<Item = (usize, usize)> + 'r>
    where
        't: 'r,
    {
        match &self.inner.engine {
            Engine::Fast(re) => Box::new(re.find_iter(text).map(|m| (m.start(), m.end()))),
            Engine::Backtracking(re) => Box::new(
                self.until_limit(re.find_iter(text))
                    .map(|m| (m.start(), m.end())),
            ),
        }
    }

    /// Replaces matches with `replacement`: every match (`which` = `None`)
    /// or only the `n`th (1-based).
    pub fn replace(&self, text: &str, replacement: &Replacement, which: Option<usize>) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (i, caps) in self.captures_iter(text).enumerate() {
            if which.is_some_and(|n| n != i + 1) {
                continue;
            }
            let Some((start, end)) = caps.range(0) else {
                continue;
            };
            out.push_str(&text[last..start]);
            replacement.expand(&caps, &mut out);
            last = end;
            if which.is_some() {
                break;
            }
        }
        out.push_str(&text[last..]);
        out
    }
}

/// A PCRE-style replacement, as Splunk's `replace()` and `rex mode=sed`
/// write it: `\1`..`\99` insert a group, `\\` a backslash, `\<other>` the
/// other character; everything else (including `$`) is literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Group(usize),
}

impl Replacement {
    /// Parses a replacement such as `\2/\1`.
    pub fn parse(text: &str) -> Replacement {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                lit.push(c);
                continue;
            }
            match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut n = 0usize;
                    while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                        n = n.saturating_mul(10).saturating_add(d as usize);
                        chars.next();
                    }
                    if !lit.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut lit)));
                    }
                    pieces.push(Piece::Group(n));
                }
                Some(other) => {
                    chars.next();
                    lit.push(other);
                }
                None => lit.push('\\'),
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Text(lit));
        }
        Replacement { pieces }
    }

    /// Appends the replacement for one match; a group that did not take
    /// part (or does not exist) inserts nothing.
    pub fn expand(&self, caps: &Captures<'_>, out: &mut String) {
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(n) => out.push_str(caps.get(*n).unwrap_or("")),
            }
        }
    }
}

/// A pattern rewritten into the syntax the Rust engines read.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    /// The rewritten pattern.
    pub text: String,
    /// The first feature that needs the backtracking engine, if any
    /// (e.g. "look-around").
    pub backtracking: Option<&'static str>,
}

/// Horizontal white space, PCRE's `\h`.
const HSPACE: &str = r"\t\x20\xA0\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}";
/// Vertical white space, PCRE's `\v`.
const VSPACE: &str = r"\n\x0B\x0C\r\x{85}\x{2028}\x{2029}";

/// Rewrites PCRE syntax into `regex`/`fancy-regex` syntax; errors name the
/// PCRE feature that cannot be run.
pub fn translate(pattern: &str) -> Result<Translation, RegexError> {
    let mut t = Translator {
        cs: pattern.chars().collect(),
        i: 0,
        out: String::with_capacity(pattern.len() + 8),
        can_repeat: false,
        groups_opened: 0,
        total_groups: count_groups(pattern),
        extended: false,
        backtracking: None,
    };
    t.run()?;
    Ok(Translation {
        text: t.out,
        backtracking: t.backtracking,
    })
}

/// Counts capturing groups, to tell a back-reference `\12` from an octal
/// escape as PCRE does (a back-reference when that many groups exist).
fn count_groups(pattern: &str) -> usize {
    let cs: Vec<char> = pattern.chars().collect();
    let (mut i, mut n, mut in_class) = (0, 0, false);
    while i < cs.len() {
        match cs[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => {
                let next = cs.get(i + 1).copied();
                let named = matches!(
                    (cs.get(i + 2), cs.get(i + 3)),
                    (Some('<'), Some(c)) if *c != '=' && *c != '!'
                ) || matches!(cs.get(i + 2), Some('\''))
                    || (cs.get(i + 2) == Some(&'P') && cs.get(i + 3) == Some(&'<'));
                if next != Some('?') && next != Some('*') || (next == Some('?') && named) {
                    n += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    n
}

struct Translator {
    cs: Vec<char>,
    i: usize,
    out: String,
    /// Whether the last item can take a quantifier (PCRE reads a `{` where
    /// no quantifier may stand as a literal).
    can_repeat: bool,
    groups_opened: usize,
    total_groups: usize,
    /// `(?x)` seen: white space and `#` comments are not pattern text.
    extended: bool,
    backtracking: Option<&'static str>,
}

impl Translator {
    fn peek(&self, k: usize) -> Option<char> {
        self.cs.get(self.i + k).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(k, c)| self.peek(k) == Some(c))
    }

    fn needs(&mut self, feature: &'static str) {
        self.backtracking.get_or_insert(feature);
    }

    fn run(&mut self) -> Result<(), RegexError> {
        self.leading_verbs()?;
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.escape()?,
                '[' => self.class()?,
                '(' => self.group_open()?,
                ')' => {
                    self.out.push(')');
                    self.i += 1;
                    self.can_repeat = true;
                }
                '|' => {
                    self.out.push('|');
                    self.i += 1;
                    self.can_repeat = false;
                }
                '*' | '+' | '?' => self.simple_quantifier(c)?,
                '{' => self.brace(),
                '}' | ']' => {
                    self.out.push('\\');
                    self.out.push(c);
                    self.i += 1;
                    self.can_repeat = true;
                }
                '#' if self.extended => self.x_comment(),
                c if self.extended && c.is_whitespace() => {
                    self.out.push(c);
                    self.i += 1;
                }
                '^' | '$' => {
                    self.out.push(c);
                    self.i += 1;
                    self.can_repeat = false;
                }
                _ => {
                    self.out.push(c);
                    self.i += 1;
                    self.can_repeat = true;
                }
            }
        }
        Ok(())
    }

    /// `(*UTF8)`, `(*UCP)`, `(*CRLF)`, `(*LIMIT_MATCH=n)`...: option verbs at
    /// the very start set up the engine; ours needs none of them.
    fn leading_verbs(&mut self) -> Result<(), RegexError> {
        while self.starts_with("(*") {
            let Some(len) = self.cs[self.i..].iter().position(|&c| c == ')') else {
                return Err(invalid("(* is not closed"));
            };
            let verb: String = self.cs[self.i + 2..self.i + len].iter().collect();
            let known = [
                "UTF8",
                "UTF",
                "UCP",
                "CR",
                "LF",
                "CRLF",
                "ANYCRLF",
                "ANY",
                "NUL",
                "BSR_ANYCRLF",
                "BSR_UNICODE",
                "NO_START_OPT",
                "NO_AUTO_POSSESS",
                "NO_DOTSTAR_ANCHOR",
                "NO_JIT",
                "NOTEMPTY",
                "NOTEMPTY_ATSTART",
            ];
            let name = verb.split('=').next().unwrap_or("");
            if !(known.contains(&name) || name.starts_with("LIMIT_")) {
                break;
            }
            self.i += len + 1;
        }
        Ok(())
    }

    fn x_comment(&mut self) {
        while let Some(c) = self.peek(0) {
            self.out.push(c);
            self.i += 1;
            if c == '\n' {
                break;
            }
        }
    }

    /// `*`, `+`, `?` and their lazy (`?`) or possessive (`+`) forms.
    fn simple_quantifier(&mut self, c: char) -> Result<(), RegexError> {
        if !self.can_repeat {
            return Err(invalid(format!(
                "quantifier `{c}` does not follow a repeatable item"
            )));
        }
        self.out.push(c);
        self.i += 1;
        self.quantifier_suffix();
        Ok(())
    }

    fn quantifier_suffix(&mut self) {
        match self.peek(0) {
            Some('?') => {
                self.out.push('?');
                self.i += 1;
            }
            Some('+') => {
                self.out.push('+');
                self.i += 1;
                self.needs("a possessive quantifier");
            }
            _ => {}
        }
        self.can_repeat = false;
    }

    /// PCRE: `{` is a quantifier only as `{n}`, `{n,}` or `{n,m}` after a
    /// repeatable item; anywhere else it is a literal brace.
    fn brace(&mut self) {
        if self.can_repeat {
            if let Some(len) = self.quantifier_len() {
                for k in 0..len {
                    self.out.push(self.cs[self.i + k]);
                }
                self.i += len;
                self.quantifier_suffix();
                return;
            }
        }
        self.out.push_str("\\{");
        self.i += 1;
        self.can_repeat = true;
    }

    /// The length of a `{n}`, `{n,}` or `{n,m}` quantifier at the cursor.
    fn quantifier_len(&self) -> Option<usize> {
        let mut k = 1;
        let digits = |k: &mut usize| {
            let start = *k;
            while self.peek(*k).is_some_and(|c| c.is_ascii_digit()) {
                *k += 1;
            }
            *k > start
        };
        if !digits(&mut k) {
            return None;
        }
        if self.peek(k) == Some(',') {
            k += 1;
            digits(&mut k);
        }
        (self.peek(k) == Some('}')).then_some(k + 1)
    }

    fn group_open(&mut self) -> Result<(), RegexError> {
        self.can_repeat = false;
        if self.peek(1) == Some('*') {
            return self.verb();
        }
        if self.peek(1) != Some('?') {
            self.groups_opened += 1;
            self.out.push('(');
            self.i += 1;
            return Ok(());
        }
        // `(?` forms.
        let rest: String = self.cs[self.i + 2..].iter().take(3).collect();
        let two = |s: &str| rest.starts_with(s);
        if two("#") {
            let Some(len) = self.cs[self.i..].iter().position(|&c| c == ')') else {
                return Err(invalid("missing ) after (?# comment"));
            };
            self.i += len + 1;
            // A comment is transparent: what precedes it stays repeatable
            // as far as PCRE is concerned; be conservative.
            return Ok(());
        }
        if two("<=") || two("<!") || two("=") || two("!") {
            self.needs("look-around");
            let len = if two("<") { 4 } else { 3 };
            self.copy(len);
            return Ok(());
        }
        if two(">") {
            self.needs("an atomic group");
            self.copy(3);
            return Ok(());
        }
        if two("|") {
            return Err(unsupported("a PCRE branch reset group `(?|...)`"));
        }
        if two("(") {
            self.needs("a conditional group");
            self.copy(2);
            return Ok(());
        }
        if two("P=") {
            let name = self.name_until(4, ')')?;
            self.out.push_str(&format!("\\k<{name}>"));
            self.needs("a back-reference");
            self.can_repeat = true;
            return Ok(());
        }
        if two("P>")
            || two("&")
            || two("R)")
            || rest.starts_with(|c: char| c.is_ascii_digit())
            || two("+")
            || (two("-") && rest[1..].starts_with(|c: char| c.is_ascii_digit()))
        {
            return Err(unsupported(
                "a PCRE subroutine call or recursion such as `(?R)`, `(?1)` or `(?&name)`",
            ));
        }
        if two("P<") || (two("<") && !two("<=") && !two("<!")) || two("'") {
            let (skip, close) = if two("P<") {
                (4, '>')
            } else if two("<") {
                (3, '>')
            } else {
                (3, '\'')
            };
            let name = self.name_until(skip, close)?;
            self.groups_opened += 1;
            self.out.push_str(&format!("(?P<{name}>"));
            return Ok(());
        }
        self.inline_flags()
    }

    /// Reads a group name starting `skip` characters after the cursor up to
    /// `close`, moving past it.
    fn name_until(&mut self, skip: usize, close: char) -> Result<String, RegexError> {
        let start = self.i + skip;
        let Some(len) = self.cs[start..].iter().position(|&c| c == close) else {
            return Err(invalid(format!(
                "group name is missing its closing `{close}`"
            )));
        };
        let name: String = self.cs[start..start + len].iter().collect();
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(invalid(format!("`{name}` is not a valid group name")));
        }
        self.i = start + len + 1;
        Ok(name)
    }

    /// Copies `\x{...}` / `\p{...}` whole, so its braces are not read as a
    /// quantifier or literal braces.
    fn copy_braced(&mut self) {
        let len = self.cs[self.i..]
            .iter()
            .position(|&c| c == '}')
            .map_or(self.cs.len() - self.i, |k| k + 1);
        self.copy(len);
    }

    fn copy(&mut self, n: usize) {
        for _ in 0..n {
            if let Some(c) = self.peek(0) {
                self.out.push(c);
                self.i += 1;
            }
        }
    }

    /// `(?i)`, `(?-s)`, `(?im:...)`, `(?^)`: options PCRE and Rust share
    /// (`i m s x U`) pass through; `J` (duplicate names allowed) and `X`
    /// (strict escapes) change nothing here and are dropped.
    fn inline_flags(&mut self) -> Result<(), RegexError> {
        let mut k = 2;
        let mut flags = String::new();
        let mut negated = false;
        loop {
            match self.peek(k) {
                Some(c @ ('i' | 'm' | 's' | 'x' | 'U')) => {
                    flags.push(c);
                    if c == 'x' && !negated {
                        self.extended = true;
                    }
                }
                Some('J' | 'X') => {}
                Some('-') => {
                    negated = true;
                    flags.push('-');
                }
                Some('^') => flags.push_str("-imsxU"),
                Some(':') | Some(')') => break,
                Some(c) => {
                    return Err(unsupported(&format!("the inline option `(?{c}`")));
                }
                None => return Err(invalid("missing ) after (?")),
            }
            k += 1;
        }
        let end = self.peek(k);
        let flags = flags.trim_end_matches('-');
        if end == Some(')') && flags.is_empty() {
            self.i += k + 1;
            return Ok(());
        }
        self.out.push_str("(?");
        self.out.push_str(if flags.is_empty() { "" } else { flags });
        if let Some(e) = end {
            self.out.push(e);
        }
        self.i += k + 1;
        Ok(())
    }

    /// A backtracking verb inside the pattern, e.g. `(*FAIL)`, `(*SKIP)`.
    fn verb(&mut self) -> Result<(), RegexError> {
        let Some(len) = self.cs[self.i..].iter().position(|&c| c == ')') else {
            return Err(invalid("(* is not closed"));
        };
        let verb: String = self.cs[self.i + 2..self.i + len].iter().collect();
        match verb.as_str() {
            "F" | "FAIL" => {
                self.out.push_str("(*FAIL)");
                self.needs("(*FAIL)");
                self.i += len + 1;
                Ok(())
            }
            _ => Err(unsupported(&format!("the PCRE verb `(*{verb})`"))),
        }
    }

    /// A character class, with PCRE's rules: `]` first is literal, `[`
    /// inside is literal unless it starts a POSIX class `[:alpha:]`, and
    /// Rust's set operators `&&`, `--`, `~~` mean nothing special.
    fn class(&mut self) -> Result<(), RegexError> {
        self.out.push('[');
        self.i += 1;
        if self.peek(0) == Some('^') {
            self.out.push('^');
            self.i += 1;
        }
        if self.peek(0) == Some(']') {
            self.out.push_str("\\]");
            self.i += 1;
        }
        loop {
            let Some(c) = self.peek(0) else {
                return Err(invalid("missing terminating ] for character class"));
            };
            match c {
                ']' => {
                    self.out.push(']');
                    self.i += 1;
                    break;
                }
                '\\' => self.class_escape()?,
                '[' => {
                    if let Some(len) = self.posix_class_len() {
                        self.copy(len);
                    } else {
                        self.out.push_str("\\[");
                        self.i += 1;
                    }
                }
                '&' | '~' => {
                    self.out.push('\\');
                    self.out.push(c);
                    self.i += 1;
                }
                '-' if self.peek(1) == Some('-') => {
                    self.out.push_str("-\\-");
                    self.i += 2;
                }
                _ => {
                    self.out.push(c);
                    self.i += 1;
                }
            }
        }
        self.can_repeat = true;
        Ok(())
    }

    /// The length of `[:name:]` or `[:^name:]` at the cursor.
    fn posix_class_len(&self) -> Option<usize> {
        if self.peek(1) != Some(':') {
            return None;
        }
        let mut k = 2;
        if self.peek(k) == Some('^') {
            k += 1;
        }
        let start = k;
        while self.peek(k).is_some_and(|c| c.is_ascii_lowercase()) {
            k += 1;
        }
        (k > start && self.peek(k) == Some(':') && self.peek(k + 1) == Some(']')).then_some(k + 2)
    }

    /// Pushes `c` so that it is a literal in either context.
    fn literal(&mut self, c: char) {
        self.out.push_str(&regex::escape(&c.to_string()));
    }

    fn hex_escape(&mut self, code: u32) {
        self.out.push_str(&format!("\\x{{{code:X}}}"));
    }

    /// Escapes shared by both contexts; returns false when `c` is not one.
    fn common_escape(&mut self, c: char) -> Result<bool, RegexError> {
        match c {
            'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'n' | 'r' | 't' | 'f' => {
                self.out.push('\\');
                self.out.push(c);
                self.i += 2;
            }
            'a' => {
                self.hex_escape(7);
                self.i += 2;
            }
            'e' => {
                self.hex_escape(0x1B);
                self.i += 2;
            }
            'c' => {
                let Some(x) = self.peek(2).filter(|x| x.is_ascii()) else {
                    return Err(invalid("\\c must be followed by an ASCII character"));
                };
                self.hex_escape(x.to_ascii_uppercase() as u32 ^ 0x40);
                self.i += 3;
            }
            'x' => self.hex(),
            'o' if self.peek(2) == Some('{') => {
                let Some(len) = self.cs[self.i..].iter().position(|&c| c == '}') else {
                    return Err(invalid("\\o{ is not closed"));
                };
                let digits: String = self.cs[self.i + 3..self.i + len].iter().collect();
                let code = u32::from_str_radix(&digits, 8)
                    .map_err(|_| invalid(format!("`\\o{{{digits}}}` is not an octal number")))?;
                self.hex_escape(code);
                self.i += len + 1;
            }
            '0' => {
                self.i += 1;
                self.octal();
            }
            'p' | 'P' => {
                // `\p{^L}` is PCRE's spelling of `\P{L}`.
                if self.peek(2) == Some('{') && self.peek(3) == Some('^') {
                    self.out.push_str(if c == 'p' { "\\P{" } else { "\\p{" });
                    self.i += 4;
                    let rest = self.cs[self.i..].iter().position(|&c| c == '}');
                    self.copy(rest.map_or(0, |k| k + 1));
                } else if self.peek(2) == Some('{') {
                    self.copy_braced();
                } else {
                    self.out.push('\\');
                    self.out.push(c);
                    self.i += 2;
                }
            }
            'h' | 'H' | 'v' | 'V' => {
                let set = if c.eq_ignore_ascii_case(&'h') {
                    HSPACE
                } else {
                    VSPACE
                };
                let neg = if c.is_ascii_uppercase() { "^" } else { "" };
                self.out.push_str(&format!("[{neg}{set}]"));
                self.i += 2;
            }
            'Q' => {
                self.i += 2;
                while self.peek(0).is_some() && !self.starts_with("\\E") {
                    let ch = self.cs[self.i];
                    self.literal(ch);
                    self.i += 1;
                }
                if self.starts_with("\\E") {
                    self.i += 2;
                }
            }
            'E' => self.i += 2,
            'L' | 'l' | 'U' | 'u' => {
                return Err(invalid(format!(
                    "PCRE does not support \\{c} (\\L, \\l, \\U, \\u)"
                )))
            }
            c if c.is_ascii_alphanumeric() => return Ok(false),
            c => {
                // Punctuation (and any non-ASCII character) stands for
                // itself; `\<` and `\>` must not become Rust's word
                // boundaries.
                self.literal(c);
                self.i += 2;
            }
        }
        Ok(true)
    }

    /// `\xhh` (0 to 2 hex digits in PCRE) or `\x{hhh}`.
    fn hex(&mut self) {
        if self.peek(2) == Some('{') {
            self.copy_braced();
            return;
        }
        let mut k = 2;
        let mut code = 0u32;
        while k < 4 {
            match self.peek(k).and_then(|c| c.to_digit(16)) {
                Some(d) => code = code * 16 + d,
                None => break,
            }
            k += 1;
        }
        self.hex_escape(code);
        self.i += k;
    }

    /// Up to three octal digits at the cursor (after the backslash was
    /// consumed), as one character.
    fn octal(&mut self) {
        let mut code = 0u32;
        let mut k = 0;
        while k < 3 {
            match self.peek(k).and_then(|c| c.to_digit(8)) {
                Some(d) => code = code * 8 + d,
                None => break,
            }
            k += 1;
        }
        self.hex_escape(code);
        self.i += k;
    }

    fn escape(&mut self) -> Result<(), RegexError> {
        let Some(c) = self.peek(1) else {
            return Err(invalid("\\ at end of pattern"));
        };
        self.can_repeat = true;
        if self.common_escape(c)? {
            return Ok(());
        }
        match c {
            'A' | 'z' | 'b' | 'B' => {
                self.out.push('\\');
                self.out.push(c);
                self.i += 2;
            }
            'Z' | 'G' | 'K' => {
                self.needs(match c {
                    'Z' => "\\Z",
                    'G' => "\\G",
                    _ => "\\K",
                });
                self.out.push('\\');
                self.out.push(c);
                self.i += 2;
            }
            'R' => {
                self.out.push_str(&format!("(?:\\r\\n|[{VSPACE}])"));
                self.i += 2;
            }
            'N' => {
                self.out.push_str("[^\\n]");
                self.i += 2;
            }
            '1'..='9' => self.numbered_backref(),
            'k' => {
                let close = match self.peek(2) {
                    Some('<') => '>',
                    Some('\'') => '\'',
                    Some('{') => '}',
                    _ => return Err(invalid("\\k must be followed by <name>, 'name' or {name}")),
                };
                let name = self.name_until(3, close)?;
                self.out.push_str(&format!("\\k<{name}>"));
                self.needs("a back-reference");
            }
            'g' => self.g_reference()?,
            'X' | 'C' => {
                return Err(unsupported(&format!("the PCRE escape `\\{c}`")));
            }
            _ => {
                return Err(invalid(format!("unrecognized character follows \\: `{c}`")));
            }
        }
        Ok(())
    }

    /// `\1`..`\9` are back-references; `\10` and up only when that many
    /// groups exist, else an octal character (PCRE's rule).
    fn numbered_backref(&mut self) {
        let mut k = 1;
        let mut n = 0usize;
        while let Some(d) = self.peek(k).and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(d as usize);
            k += 1;
        }
        if n < 10 || n <= self.total_groups {
            self.backref(n);
            self.i += k;
        } else {
            self.i += 1;
            self.octal();
        }
    }

    fn backref(&mut self, n: usize) {
        self.out.push_str(&format!("\\{n}"));
        self.needs("a back-reference");
    }

    /// `\g1`, `\g{1}`, `\g{-1}` (relative), `\g{name}`; `\g<..>` is a
    /// subroutine call.
    fn g_reference(&mut self) -> Result<(), RegexError> {
        let (body, len): (String, usize) = match self.peek(2) {
            Some('{') => {
                let Some(len) = self.cs[self.i..].iter().position(|&c| c == '}') else {
                    return Err(invalid("\\g{ is not closed"));
                };
                (self.cs[self.i + 3..self.i + len].iter().collect(), len + 1)
            }
            Some('<') | Some('\'') => {
                return Err(unsupported("a PCRE subroutine call `\\g<...>`"));
            }
            _ => {
                let mut k = 2;
                if self.peek(k) == Some('-') {
                    k += 1;
                }
                while self.peek(k).is_some_and(|c| c.is_ascii_digit()) {
                    k += 1;
                }
                (self.cs[self.i + 2..self.i + k].iter().collect(), k)
            }
        };
        if let Some(rel) = body.strip_prefix('-') {
            let back: usize = rel
                .parse()
                .map_err(|_| invalid(format!("`\\g{{{body}}}` is not a group reference")))?;
            if back == 0 || back > self.groups_opened {
                return Err(invalid(format!("`\\g{{{body}}}` refers to no group")));
            }
            self.backref(self.groups_opened + 1 - back);
        } else if let Ok(n) = body.parse::<usize>() {
            self.backref(n);
        } else if !body.is_empty() {
            self.out.push_str(&format!("\\k<{body}>"));
            self.needs("a back-reference");
        } else {
            return Err(invalid("\\g must be followed by a group number or name"));
        }
        self.i += len;
        Ok(())
    }

    fn class_escape(&mut self) -> Result<(), RegexError> {
        let Some(c) = self.peek(1) else {
            return Err(invalid("\\ at end of pattern"));
        };
        if self.common_escape(c)? {
            return Ok(());
        }
        match c {
            // In a class `\b` is a backspace.
            'b' => {
                self.hex_escape(8);
                self.i += 2;
            }
            '1'..='9' => {
                self.i += 1;
                self.octal();
            }
            _ => {
                return Err(invalid(format!(
                    "escape sequence `\\{c}` is invalid in a character class"
                )))
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_regexes_are_remembered_by_pattern_and_case() {
        let a = compile("(?<x>ab+)", false).unwrap();
        let b = compile("(?<x>ab+)", false).unwrap();
        let c = compile("(?<x>ab+)", true).unwrap();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
        assert!(!Arc::ptr_eq(&a.inner, &c.inner));
        assert!(c.is_match("ABB") && !a.is_match("ABB"));
        // Errors are not remembered as values: each call reports again.
        assert!(compile("(?<x>", false).is_err());
        assert!(compile("(?<x>", false).is_err());
        let memo: Memo<String, usize> = Memo::new();
        for n in 0..(MEMO_LIMIT + 10) {
            assert_eq!(memo.get_or_try::<()>(n.to_string(), || Ok(n)), Ok(n));
        }
        let again = memo.get_or_try::<()>("3".to_string(), || Ok(99));
        assert_eq!(again, Ok(99), "cleared when full, so rebuilt");
    }

    fn tr(p: &str) -> String {
        translate(p).unwrap().text
    }

    fn m(p: &str, text: &str) -> bool {
        compile(p, false).unwrap().is_match(text)
    }

    fn first(p: &str, text: &str, group: &str) -> Option<String> {
        let re = compile(p, false).unwrap();
        let i = re
            .capture_names()
            .iter()
            .position(|n| n.as_deref() == Some(group))?;
        re.captures(text)?.get(i).map(str::to_string)
    }

    #[test]
    fn brace_not_a_quantifier_is_literal() {
        // PCRE: `{` is a quantifier only as {n}, {n,}, {n,m}.
        assert_eq!(tr("(?<j>{.+})"), r"(?P<j>\{.+\})");
        assert!(m("^x{a}$", "x{a}"));
        assert!(m("^a{,2}$", "a{,2}"));
        assert!(m("^%{(.*)}$", "%{S-1}"));
        assert!(m(r"^\\{[0-9]{2}", r"\{12"));
        // Valid quantifiers stay quantifiers.
        assert!(m("^a{2}$", "aa"));
        assert!(m("^a{2,}$", "aaa"));
        assert!(m("^a{1,2}b$", "aab"));
        assert!(!m("^a{2}$", "a{2}"));
    }

    #[test]
    fn brace_with_nothing_to_repeat_is_literal() {
        assert!(m("^{2}$", "{2}"));
        assert!(m("a|{3}", "{3}"));
    }

    #[test]
    fn star_with_nothing_to_repeat_is_an_error() {
        let e = compile("*a", false).unwrap_err();
        assert!(
            e.message.contains("does not follow a repeatable item"),
            "{e}"
        );
    }

    #[test]
    fn named_groups_all_spellings() {
        assert_eq!(first("(?<a>x)", "x", "a").as_deref(), Some("x"));
        assert_eq!(first("(?P<a>x)", "x", "a").as_deref(), Some("x"));
        assert_eq!(first("(?'a'x)", "x", "a").as_deref(), Some("x"));
        let re = compile("(?<a>.)(b)(?<c>.)", false).unwrap();
        let names: Vec<Option<&str>> = re.capture_names().iter().map(|n| n.as_deref()).collect();
        assert_eq!(names, vec![None, Some("a"), None, Some("c")]);
    }

    #[test]
    fn backreferences_all_spellings() {
        for p in [
            r"(\w)\1",
            r"(?<c>\w)\k<c>",
            r"(?<c>\w)\k'c'",
            r"(?<c>\w)\k{c}",
            r"(?P<c>\w)(?P=c)",
            r"(\w)\g1",
            r"(\w)\g{1}",
            r"(\w)\g{-1}",
            r"(?<c>\w)\g{c}",
        ] {
            assert!(m(p, "book"), "{p}");
            assert!(!m(p, "cat"), "{p}");
            assert!(compile(p, false).unwrap().is_backtracking(), "{p}");
        }
    }

    #[test]
    fn high_numbered_escape_without_that_many_groups_is_octal() {
        // \101 is `A` when there are fewer than 101 groups.
        assert!(m(r"^\101$", "A"));
        assert!(m(r"^\0$", "\0"));
        assert!(m(r"^\012$", "\n"));
    }

    /// A catastrophic pattern gives up (no match, no captures) instead of
    /// running for ever. The notice it leads to is checked end to end in
    /// `crates/spelunk-cli/tests/cli.rs` (the record is process-wide, so parallel unit tests
    /// could drain it).
    #[test]
    fn backtracking_limit_is_no_match() {
        let re = compile(r"(a*)*\1c", false).unwrap();
        let text = format!("{}!", "a".repeat(40));
        assert!(!re.is_match(&text));
        assert!(re.captures(&text).is_none());
        assert_eq!(re.find_iter(&text).count(), 0);
        assert!(limit_hit_notice(re.as_str()).contains(r"regex `(a*)*\1c` exceeded"));
    }

    #[test]
    fn look_around_runs_on_the_backtracking_engine() {
        assert!(m(r"(?<!\/)\b\w+:\w+$", "file.txt:stream"));
        assert!(!m(r"(?<!\/)\b\w+:\w+$", "path/a:b"));
        assert!(m(r"^\w+(?=@corp\.com$)", "bob@corp.com"));
        assert!(!m(r"^\w+(?!@corp)@", "bob@corp.com"));
        assert_eq!(
            first(r"(?<=user=)(?<w>\w+)", "user=bob", "w").as_deref(),
            Some("bob")
        );
    }

    #[test]
    fn atomic_groups_and_possessive_quantifiers_do_not_give_back() {
        assert!(!m("^(?>a+)ab", "aaab"));
        assert!(!m("^a++ab", "aaab"));
        assert!(!m("^a{1,5}+ab", "aaab"));
        assert!(m("^(?:a+)ab", "aaab"));
    }

    #[test]
    fn plain_patterns_stay_on_the_fast_engine() {
        assert!(!compile(r"^(?<x>\d+)-{2}\Qa.b\E", false)
            .unwrap()
            .is_backtracking());
    }

    #[test]
    fn quote_escape_is_literal() {
        assert!(m(r"^\Qa.b*c\E$", "a.b*c"));
        assert!(!m(r"^\Qa.b\E$", "axb"));
        // No \E: literal to the end.
        assert!(m(r"^\Q(x", "(x"));
    }

    #[test]
    fn pcre_only_escapes() {
        assert!(m(r"^a\hb$", "a\tb"));
        assert!(!m(r"^a\hb$", "a\nb"));
        assert!(m(r"^a\Hb$", "axb"));
        assert!(m(r"^a\vb$", "a\nb"));
        assert!(!m(r"^a\vb$", "a b"));
        assert!(m(r"^a\Rb$", "a\r\nb"));
        assert!(m(r"^\e\cA\x7\x{41}\o{102}$", "\x1b\x01\x07AB"));
        assert!(m(r"^a\Nb$", "axb"));
        assert!(m(r"^\<a\>$", "<a>"));
        assert!(m(r"^\/\-\#$", "/-#"));
        assert!(m(r"^\p{^L}$", "1"));
        assert!(!m(r"^\p{^L}$", "a"));
    }

    #[test]
    fn anchors() {
        assert!(m(r"\Aab\z", "ab"));
        assert!(!m(r"\Aab\z", "ab\n"));
        // \Z also matches before a final newline.
        assert!(m(r"ab\Z", "ab\n"));
    }

    #[test]
    fn character_classes_follow_pcre() {
        assert!(m("^[]a]+$", "]a"));
        assert!(m("^[^]a]$", "b"));
        assert!(m("^[[]$", "["));
        assert!(m("^[a[]+$", "a["));
        assert!(m("^[a&&b]+$", "&a"));
        assert!(m("^[~~]$", "~"));
        assert!(m("^[[:digit:]x]+$", "1x"));
        assert!(m("^[[:^digit:]]$", "a"));
        assert!(m(r"^[\b]$", "\x08"));
        assert!(m(r"^[\h]$", " "));
        assert!(m(r"^[\Q]\E]$", "]"));
        let e = compile("[abc", false).unwrap_err();
        assert!(e.message.contains("missing terminating ]"), "{e}");
    }

    #[test]
    fn inline_flags_and_options() {
        assert!(m("(?i)ADMIN", "admin"));
        assert!(m("(?i:A)b", "ab"));
        assert!(!m("(?i:A)b", "aB"));
        assert!(m("(?s)a.b", "a\nb"));
        assert!(m("(?m)^b$", "a\nb\nc"));
        assert!(m("(?J)(?<a>x)", "x"));
        assert!(m("(?x) a b # comment (\n c", "abc"));
        assert!(m("(?^)a", "a"));
        assert!(compile("admin", true).unwrap().is_match("ADMIN"));
    }

    #[test]
    fn comments_and_leading_verbs_vanish() {
        assert!(m("a(?#note)b", "ab"));
        assert!(m("(*UTF8)(*UCP)ab", "ab"));
    }

    /// A pattern with more lookbehinds than the limit is an error naming
    /// it, not seconds of compiling; up to the limit they work.
    #[test]
    fn lookbehinds_are_limited() {
        let within = "(?<!a)x".repeat(MAX_LOOKBEHINDS);
        assert!(compile(&within, false).is_ok());
        let nested = format!(
            "{}x{}",
            "(?<!a.*".repeat(MAX_LOOKBEHINDS + 1),
            ")".repeat(MAX_LOOKBEHINDS + 1)
        );
        let err = compile(&nested, false).unwrap_err();
        assert!(err.unsupported);
        assert!(
            err.message.contains("9 lookbehind assertions; at most 8"),
            "{}",
            err.message
        );
    }

    #[test]
    fn unsupported_features_are_named() {
        for (p, what) in [
            ("(?|(a)|(b))", "branch reset"),
            ("(a)(?1)", "subroutine"),
            ("(?R)", "recursion"),
            ("a(*SKIP)b", "(*SKIP)"),
            (r"\X", r"\X"),
        ] {
            let e = compile(p, false).unwrap_err();
            assert!(e.message.contains(what), "{p}: {e}");
        }
        assert!(compile(r"\i", false)
            .unwrap_err()
            .message
            .contains("unrecognized"));
    }

    #[test]
    fn replacement_uses_backslash_groups() {
        let re = compile(r"^(\d+)/(\d+)", false).unwrap();
        let rep = Replacement::parse(r"\2/\1 $1 \\");
        assert_eq!(re.replace("1/2", &rep, None), r"2/1 $1 \");
        let a = compile("a", false).unwrap();
        let o = Replacement::parse("o");
        assert_eq!(a.replace("banana", &o, Some(2)), "banona");
        assert_eq!(a.replace("banana", &o, None), "bonono");
        assert_eq!(a.replace("xyz", &o, None), "xyz");
    }

    #[test]
    fn find_and_captures_iterate_on_both_engines() {
        for p in [r"\d", r"(?<=x)\d"] {
            let re = compile(p, false).unwrap();
            let found: Vec<(usize, usize)> = re.find_iter("x1x2").collect();
            assert_eq!(found, vec![(1, 2), (3, 4)], "{p}");
            assert_eq!(re.captures_iter("x1x2").count(), 2);
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for p in [
            "", "\\", "(", ")", "[", "(?", "(?<", "(?P=", "\\k", "\\g", "\\g{-5}", "{", "}", "a{",
            "a{1", "a{1,", "\\x", "\\c", "\\o{", "(*", "\\Q", "[\\", "é\\é", "(?<n",
        ] {
            let _ = compile(p, false);
        }
    }
}
