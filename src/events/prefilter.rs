//! Raw pre-filter: literal byte strings that must occur in an NDJSON line
//! for the leading search to match it, checked before any JSON parsing
//! (like Splunk's index-term lookup).
//!
//! A needle is derived only when it is provably necessary:
//!
//! - from AND-ed terms only (never under `OR`, `NOT`, `IN`'s alternatives);
//! - a bare term must occur in `_raw`, which is the line itself;
//! - `field=value` on a field that comes from the JSON (not `_raw`, `_time`,
//!   metadata, a `FIELDALIAS-` target, nor any field when `EVAL-` calculated
//!   fields exist): the value text, unless it reads as a number (`5`
//!   matches `5.0`) or a CIDR subnet (`10.0.0.0/8` matches `10.1.2.3`),
//!   and the field's last key;
//! - `field!=v`, `field<v`, `field IN (...)`, `field=*` need the field, so
//!   its last key.
//!
//! Matching ignores ASCII case. A line without a needle is still kept when
//! it holds a `\u` escape or any non-ASCII byte: an escape can spell any
//! character, and Unicode case folding maps a few non-ASCII characters (the
//! Kelvin sign, `ſ`, `İ`) onto ASCII letters.

use aho_corasick::AhoCorasick;

use super::scan::skip_ws;
use crate::exec::matcher::Cidr;
use crate::knowledge::SourcetypeProps;
use crate::syntax::ast::{CompareOp, SearchExpr, SearchKind, SearchValue};
use crate::value::parse_number;

/// Fields every event gets from its source, not from the JSON (`meta`:
/// `meta=truncated` of an event cut at `TRUNCATE`, see
/// [`super::cut_limit`]).
const NOT_FROM_JSON: [&str; 7] = [
    "_raw",
    "_time",
    "sourcetype",
    "source",
    "host",
    "index",
    "meta",
];

/// Needles that must all occur in a line.
#[derive(Debug, Clone)]
pub struct Prefilter {
    needles: Vec<String>,
    finders: Vec<AhoCorasick>,
    /// Key/value shapes that must occur: for `f=v` with an exact text value,
    /// `K"`, optional spaces, `:`, optional spaces, then `"v"` (ignoring
    /// case), an array, or for `true`/`false`/`null` the bare literal; `K` is
    /// the last key of `f`.
    pairs: Vec<PairShape>,
    /// The finders a pair does not already imply (a pair holds its key
    /// literally), in the order to try them.
    unimplied: Vec<usize>,
}

/// Whether a line lacking a needle may still match: it is non-ASCII (a
/// character may fold to a needle's letter) or holds `\u` (an escape that
/// may spell any character).
pub(crate) fn may_spell_needles_otherwise(line: &[u8]) -> bool {
    !line.is_ascii() || has_unicode_escape(line)
}

/// Whether `line` holds `\u` (an escape that may spell any character),
/// found through its backslashes, which most lines have none of.
pub(crate) fn has_unicode_escape(line: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', line).any(|i| line.get(i + 1) == Some(&b'u'))
}

impl Prefilter {
    /// The pre-filter for a leading search over events of sourcetype `st`;
    /// `None` when no needle can be derived.
    pub fn from_search(expr: &SearchExpr, st: &SourcetypeProps) -> Option<Prefilter> {
        let mut needles = Vec::new();
        let mut pairs = Vec::new();
        collect(expr, st, &mut needles, &mut pairs);
        needles.sort();
        needles.dedup();
        // A needle inside another is implied by it.
        let all = needles.clone();
        needles.retain(|n| !all.iter().any(|m| m != n && m.contains(n.as_str())));
        if needles.is_empty() && pairs.is_empty() {
            return None;
        }
        let mut p = Prefilter::new(needles).unwrap_or(Prefilter {
            needles: Vec::new(),
            finders: Vec::new(),
            pairs: Vec::new(),
            unimplied: Vec::new(),
        });
        // A needle inside a pair's key or value is found by the pair.
        p.unimplied = (0..p.needles.len())
            .filter(|&i| !pairs.iter().any(|k| k.implies(&p.needles[i])))
            .collect();
        p.pairs = pairs;
        Some(p)
    }

    /// A pre-filter for given needles (ASCII; matched ignoring case).
    pub fn new(needles: Vec<String>) -> Option<Prefilter> {
        if needles.is_empty() {
            return None;
        }
        let finders = needles
            .iter()
            .map(|n| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build([n.as_str()])
                    .ok()
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Prefilter {
            unimplied: (0..needles.len()).collect(),
            needles,
            finders,
            pairs: Vec::new(),
        })
    }

    /// The needles, for tests and `--explain`-style output.
    pub fn needles(&self) -> &[String] {
        &self.needles
    }

    /// The key/value patterns (regex syntax), for tests.
    pub fn pairs(&self) -> Vec<String> {
        self.pairs.iter().map(PairShape::pattern).collect()
    }

    /// Whether the line may match (false only when it provably cannot).
    pub fn may_match(&self, line: &[u8]) -> bool {
        self.needles_found(line) || may_spell_needles_otherwise(line)
    }

    /// A search of `chunk`'s lines, in order, for [`ChunkSearch::needles_found`].
    pub fn chunk_search<'a>(&'a self, chunk: &'a [u8]) -> ChunkSearch<'a> {
        ChunkSearch {
            prefilter: self,
            chunk,
            pair_next: vec![None; self.pairs.len()],
            finder_next: vec![None; self.finders.len()],
        }
    }

    /// Whether every needle (and pair shape) occurs in the line's bytes.
    /// When not, the line cannot match unless it is non-ASCII or holds a
    /// backslash followed by `u` (see [`Prefilter::may_match`]); a caller
    /// that learns those two facts otherwise (a validating scan) need not
    /// look for them again.
    pub fn needles_found(&self, line: &[u8]) -> bool {
        self.chunk_search(line).needles_found(0, line.len())
    }
}

/// [`Prefilter::needles_found`] for the lines of one chunk, taken in
/// order: each needle is searched for through the chunk, not line by line,
/// and where it occurs next is remembered, so a line holding none is
/// settled without a search of its own and no byte is searched twice for
/// one needle. Needles hold no line break, so an occurrence that starts in
/// a line ends in it.
pub struct ChunkSearch<'a> {
    prefilter: &'a Prefilter,
    chunk: &'a [u8],
    /// Per pair, where its key occurs next at or after the position it was
    /// last searched from (`usize::MAX`: nowhere); `None`: not searched.
    pair_next: Vec<Option<usize>>,
    /// The same for each finder.
    finder_next: Vec<Option<usize>>,
}

impl ChunkSearch<'_> {
    /// [`Prefilter::needles_found`] for the line `chunk[start..end]`; lines
    /// must come in order (`start` never below an earlier line's end).
    pub fn needles_found(&mut self, start: usize, end: usize) -> bool {
        let p = self.prefilter;
        // The pairs first: they are the most selective, and a pair's key
        // needle need not be searched again.
        (0..p.pairs.len()).all(|k| self.pair_in(k, start, end))
            && p.unimplied.iter().all(|&i| self.finder_in(i, start, end))
    }

    fn pair_in(&mut self, k: usize, start: usize, end: usize) -> bool {
        let pair = &self.prefilter.pairs[k];
        let line = &self.chunk[start..end];
        let mut at = match self.pair_next[k] {
            Some(next) if next >= start => next,
            _ => next_at(&pair.key_quote, self.chunk, start),
        };
        while at < end {
            if pair.holds_at(line, at - start) {
                self.pair_next[k] = Some(at);
                return true;
            }
            at = next_at(
                &pair.key_quote,
                self.chunk,
                at + pair.key_quote.needle().len(),
            );
        }
        self.pair_next[k] = Some(at);
        false
    }

    fn finder_in(&mut self, i: usize, start: usize, end: usize) -> bool {
        let at = match self.finder_next[i] {
            Some(next) if next >= start => next,
            _ => {
                let input = aho_corasick::Input::new(self.chunk).span(start..self.chunk.len());
                self.prefilter.finders[i]
                    .find(input)
                    .map_or(usize::MAX, |m| m.start())
            }
        };
        self.finder_next[i] = Some(at);
        at < end
    }
}

/// Where `finder`'s needle occurs first in `hay` at or after `from`
/// (`usize::MAX`: nowhere).
fn next_at(finder: &memchr::memmem::Finder<'_>, hay: &[u8], from: usize) -> usize {
    hay.get(from..)
        .and_then(|rest| finder.find(rest))
        .map_or(usize::MAX, |p| p + from)
}

fn collect(
    expr: &SearchExpr,
    st: &SourcetypeProps,
    out: &mut Vec<String>,
    pairs: &mut Vec<PairShape>,
) {
    match &expr.kind {
        SearchKind::And(items) => items.iter().for_each(|e| collect(e, st, out, pairs)),
        SearchKind::Term(v) => {
            if let Some(n) = longest_part(&v.text, |b| b.is_ascii() && !b.is_ascii_control()) {
                out.push(n);
            }
        }
        SearchKind::Compare { field, op, value } => {
            if !from_json(field, st) {
                return;
            }
            out.extend(key_needle(field));
            // A subnet matches addresses, not its own text.
            if *op == CompareOp::Eq && value.text != "*" && Cidr::of_value(value).is_none() {
                out.extend(value_needle(value));
                pairs.extend(pair_shape(field, value));
            }
        }
        SearchKind::In { field, .. } => {
            if from_json(field, st) {
                out.extend(key_needle(field));
            }
        }
        SearchKind::Or(_)
        | SearchKind::Not(_)
        | SearchKind::Subsearch(_)
        | SearchKind::TimeModifier { .. }
        | SearchKind::Empty => {}
    }
}

/// Whether a field can only come from the event's JSON.
fn from_json(field: &str, st: &SourcetypeProps) -> bool {
    !field.contains('*') && !NOT_FROM_JSON.contains(&field) && !st.may_change(field)
}

/// Characters a needle from JSON text may hold: printable ASCII that JSON
/// writes as itself (no quote, backslash or slash, which may be escaped).
fn json_literal(b: u8) -> bool {
    (b' '..=b'~').contains(&b) && !matches!(b, b'"' | b'\\' | b'/')
}

/// The field's last key: the text after the last `.`, without trailing
/// `{}`; every flattened name ends with part of its last key.
fn key_needle(field: &str) -> Option<String> {
    let mut name = field;
    while let Some(rest) = name.strip_suffix("{}") {
        name = rest;
    }
    let last = name.rsplit(['.', '}']).next().unwrap_or(name);
    longest_part(last, json_literal)
}

/// The value's longest literal run, when the value cannot be a number (a
/// number's text is rendered from the parsed number, not copied).
fn value_needle(value: &SearchValue) -> Option<String> {
    if !value.text.contains('*') && parse_number(&value.text).is_some() {
        return None;
    }
    let needle = longest_part(&value.text, json_literal)?;
    let numeric_chars = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-');
    if needle.bytes().all(numeric_chars) {
        return None;
    }
    Some(needle)
}

/// The key/value shape `f=v` needs (see [`Prefilter`]), when `v` is an exact
/// text (no wildcard, not a number, only characters JSON writes as
/// themselves) and `f`'s last key is whole: it does not end in `{}` (an
/// array element) and is written as itself.
fn pair_shape(field: &str, value: &SearchValue) -> Option<PairShape> {
    let v = &value.text;
    if v.is_empty() || v.contains('*') || parse_number(v).is_some() || !v.bytes().all(json_literal)
    {
        return None;
    }
    if field.ends_with("{}") {
        return None;
    }
    let key = field.rsplit(['.', '}']).next()?;
    if key.is_empty() || !key.bytes().all(json_literal) {
        return None;
    }
    // JSON's literals are fields with their text (a null too: see
    // flatten's module docs), so `f=null` also matches `"f": null`.
    let bare = ["true", "false", "null"]
        .iter()
        .any(|word| v.eq_ignore_ascii_case(word));
    Some(PairShape {
        key: key.to_string(),
        key_quote: memchr::memmem::Finder::new(format!("{key}\"").as_bytes()).into_owned(),
        value: v.to_ascii_lowercase().into_bytes(),
        bare,
    })
}

/// `K"`, JSON whitespace, `:`, JSON whitespace, then `"v"` (ASCII case
/// ignored), `[`, or for `true`/`false`/`null` the bare literal: the shape a JSON
/// line must hold somewhere for `f=v` to match (see [`Prefilter`]).
#[derive(Debug, Clone)]
struct PairShape {
    key: String,
    key_quote: memchr::memmem::Finder<'static>,
    /// The value, lowercased.
    value: Vec<u8>,
    bare: bool,
}

/// Whether `lower` (lowercase ASCII) occurs in `hay`, ASCII case ignored.
fn contains_ignoring_case(hay: &[u8], lower: &[u8]) -> bool {
    lower.is_empty()
        || hay
            .windows(lower.len())
            .any(|w| w.eq_ignore_ascii_case(lower))
}

impl PairShape {
    /// Whether every line holding this shape holds `needle` (ASCII case
    /// ignored), so the needle need not be looked for.
    fn implies(&self, needle: &str) -> bool {
        let lower = needle.to_ascii_lowercase();
        [self.key.as_bytes(), &self.value]
            .iter()
            .any(|part| contains_ignoring_case(part, lower.as_bytes()))
    }

    /// The same shape as a regex, for tests and explanations.
    fn pattern(&self) -> String {
        let lit = regex::escape(&String::from_utf8_lossy(&self.value));
        let bare = if self.bare {
            format!("|{lit}")
        } else {
            String::new()
        };
        format!(
            "{}\"[ \\t\\r\\n]*:[ \\t\\r\\n]*(?i:\"{lit}\"|\\[(?s:.*){lit}{bare})",
            regex::escape(&self.key)
        )
    }

    /// Whether `line` holds the shape (on ASCII lines; others are kept
    /// anyway, see [`Prefilter::may_match`]): each line on its own, the
    /// reference [`ChunkSearch`] is tested against.
    #[cfg(test)]
    fn is_match(&self, line: &[u8]) -> bool {
        self.key_quote
            .find_iter(line)
            .any(|at| self.holds_at(line, at))
    }

    /// Whether the shape holds at `at`, where `line` holds the key and its
    /// quote.
    fn holds_at(&self, line: &[u8], at: usize) -> bool {
        let skip_ws = |i: usize| skip_ws(line, i);
        let value_at = |at: usize| {
            line.get(at..at + self.value.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(&self.value))
        };
        let i = skip_ws(at + self.key.len() + 1);
        if line.get(i) != Some(&b':') {
            return false;
        }
        let i = skip_ws(i + 1);
        match line.get(i) {
            // Any element may hold the value; it must occur after `[`.
            Some(b'[') => contains_ignoring_case(&line[i..], &self.value),
            Some(b'"') => value_at(i + 1) && line.get(i + 1 + self.value.len()) == Some(&b'"'),
            Some(_) => self.bare && value_at(i),
            None => false,
        }
    }
}

/// The longest run of allowed bytes between `*` wildcards (at least 2 long).
/// `allowed` must accept ASCII bytes only; the runs are taken on bytes, so a
/// multibyte character only ends a run (never is cut inside).
fn longest_part(text: &str, allowed: impl Fn(u8) -> bool) -> Option<String> {
    let mut best: &[u8] = b"";
    for run in text
        .as_bytes()
        .split(|&b| b == b'*' || !b.is_ascii() || !allowed(b))
    {
        if run.len() > best.len() {
            best = run;
        }
    }
    if best.len() < 2 {
        return None;
    }
    std::str::from_utf8(best).ok().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::CommandArgs;
    use crate::knowledge::Props;
    use regex::bytes::Regex;

    fn needles(search: &str) -> Vec<String> {
        needles_st(search, "_json")
    }

    fn needles_st(search: &str, sourcetype: &str) -> Vec<String> {
        let mut props = Props::new();
        props
            .load_str("[ct]\nFIELDALIAS-u = userIdentity.userName AS user\n", "p")
            .expect("props");
        let pipeline = crate::syntax::parse(search).expect("parses");
        let Some(CommandArgs::Search(s)) = pipeline.commands.first().map(|c| &c.args) else {
            panic!("a search");
        };
        Prefilter::from_search(&s.expr, &props.sourcetype(sourcetype))
            .map(|p| p.needles().to_vec())
            .unwrap_or_default()
    }

    #[test]
    fn derives_only_necessary_needles() {
        assert_eq!(
            needles("userIdentity.sessionContext.attributes.mfaAuthenticated=false"),
            ["false", "mfaAuthenticated"]
        );
        assert_eq!(
            needles("error \"access denied\""),
            ["access denied", "error"]
        );
        assert_eq!(needles("a=1 OR b=2"), Vec::<String>::new());
        assert_eq!(needles("NOT user=bob"), Vec::<String>::new());
        assert_eq!(needles("count=5"), ["count"]);
        assert_eq!(needles("code=1e3"), ["code"]);
        assert_eq!(needles("x=*.0"), Vec::<String>::new());
        assert_eq!(needles("user!=bob"), ["user"]);
        assert_eq!(needles("user=*"), ["user"]);
        assert_eq!(needles("user=adm*strator"), ["strator", "user"]);
        assert_eq!(needles("path=\"/usr/bin\""), ["path", "usr"]);
        assert_eq!(
            needles("sourcetype=x host=web01 _raw=*a*"),
            Vec::<String>::new()
        );
        assert_eq!(needles("src*=abc"), Vec::<String>::new());
        assert_eq!(needles("items{}.id=i-123x"), ["i-123x", "id"]);
        assert_eq!(needles_st("user=bob", "ct"), Vec::<String>::new());
        // A subnet needs its field, never its own text.
        assert_eq!(needles("src=10.0.0.0/8"), ["src"]);
        assert_eq!(needles("src=\"2001:db8::/32\""), ["src"]);
        assert_eq!(pairs("src=2001:db8::/32"), Vec::<String>::new());
        // Not a subnet: a plain value (its `/` may be written `\/`).
        assert_eq!(needles("src=2001:db8::/129"), ["2001:db8::", "src"]);
    }

    #[test]
    fn non_ascii_terms_give_ascii_needles_without_panicking() {
        // Runs end at a multibyte character, never cut inside it.
        assert_eq!(
            longest_part("café", |b| b.is_ascii_graphic()),
            Some("caf".into())
        );
        assert_eq!(longest_part("é", |b| b.is_ascii_graphic()), None);
        assert_eq!(longest_part("éé*xé", |b| b.is_ascii_graphic()), None);
        assert_eq!(longest_part("ünïcödé", json_literal), None);
        assert_eq!(longest_part("naïve*über", json_literal), Some("ber".into()));
        assert_eq!(needles("user=café"), ["caf", "user"]);
        assert_eq!(needles("user=CAFÉ"), ["CAF", "user"]);
        assert_eq!(needles("user=caf*"), ["caf", "user"]);
        assert_eq!(needles("user=*fé*"), ["user"]);
        assert_eq!(needles("café"), ["caf"]);
        assert_eq!(needles("日本語"), Vec::<String>::new());
        assert_eq!(needles("ßtraße"), ["tra"]);
    }

    /// The pre-filter of a leading search over `_json` events.
    fn prefilter_for(search: &str) -> Option<Prefilter> {
        let pipeline = crate::syntax::parse(search).expect("parses");
        let Some(CommandArgs::Search(s)) = pipeline.commands.first().map(|c| &c.args) else {
            panic!("a search");
        };
        Prefilter::from_search(&s.expr, &Props::new().sourcetype("_json"))
    }

    fn pairs(search: &str) -> Vec<String> {
        prefilter_for(search).map(|p| p.pairs()).unwrap_or_default()
    }

    #[test]
    fn key_value_shapes() {
        let [p] = &pairs("a.mfaAuthenticated=false")[..] else {
            panic!("one pattern");
        };
        let re = Regex::new(p).expect("valid");
        for yes in [
            r#"{"a":{"mfaAuthenticated": "false"}}"#,
            r#"{"a":{"mfaAuthenticated":"FALSE"}}"#,
            r#"{"a":{"mfaAuthenticated" : false}}"#,
            r#"{"a":{"x.mfaAuthenticated":["true","false"]}}"#,
        ] {
            assert!(re.is_match(yes.as_bytes()), "{yes}");
        }
        for no in [
            r#"{"a":{"mfaAuthenticated": "true"}, "b": "false"}"#,
            r#"{"a":{"mfaAuthenticated": "falsey"}}"#,
            r#"{"a":{"MFAAuthenticated": "false"}}"#,
        ] {
            assert!(!re.is_match(no.as_bytes()), "{no}");
        }
        assert!(pairs("a=x*").is_empty());
        assert!(pairs("a=12").is_empty());
        assert!(pairs("a{}=x").is_empty());
        assert!(pairs("a=\"x/y\"").is_empty());
        assert_eq!(pairs("a.b=x y").len(), 1);
    }

    #[test]
    fn a_null_value_is_the_bare_literal_too() {
        let [p] = &pairs("responseElements=null")[..] else {
            panic!("one pattern");
        };
        let re = Regex::new(p).expect("valid");
        for yes in [
            r#"{"responseElements":null}"#,
            r#"{"a":1,"responseElements" :  null}"#,
            r#"{"responseElements":"null"}"#,
            r#"{"x":{"responseElements":[1,null]}}"#,
        ] {
            assert!(re.is_match(yes.as_bytes()), "{yes}");
        }
        // An object there is no field of that name.
        let no = r#"{"responseElements":{"a":null}}"#;
        assert!(!re.is_match(no.as_bytes()), "{no}");
    }

    /// Adds the lines of the CloudTrail samples to `lines`.
    fn add_sample_lines(lines: &mut Vec<String>) {
        for path in [
            "examples/cloudtrail_sample.json",
            "tests/cases/seed_sample/events.json",
        ] {
            if let Ok(text) = std::fs::read_to_string(path) {
                lines.extend(text.lines().map(String::from));
            }
        }
    }

    #[test]
    fn shapes_agree_with_their_regex() {
        let mut lines: Vec<String> = vec![
            r#"{"a":{"mfaAuthenticated": "false"}}"#.into(),
            r#"{"mfaAuthenticated" :	false}"#.into(),
            r#"{"mfaAuthenticated":["x"]}"#.into(),
            r#"{"mfaAuthenticated":["x", "FALSE"]}"#.into(),
            r#"{"mfaAuthenticated":[], "b": "false"}"#.into(),
            r#"{"mfaAuthenticated":"falsey"}"#.into(),
            r#"{"mfaAuthenticated":fals"#.into(),
            r#"{"xmfaAuthenticated":"FALSE"}"#.into(),
            r#"{"mfaAuthenticated""#.into(),
            r#"{"mfaAuthenticated":"true","mfaAuthenticated":"False"}"#.into(),
        ];
        add_sample_lines(&mut lines);
        for search in [
            "a.mfaAuthenticated=false",
            "eventName=ConsoleLogin",
            "x.readOnly=TRUE",
            "responseElements=null",
        ] {
            let p = prefilter_for(search).expect("a prefilter");
            let [shape] = &p.pairs[..] else {
                panic!("one shape");
            };
            let re = Regex::new(&shape.pattern()).expect("valid");
            for line in &lines {
                assert_eq!(
                    shape.is_match(line.as_bytes()),
                    re.is_match(line.as_bytes()),
                    "{search}: {line}"
                );
            }
        }
    }

    #[test]
    fn the_chunk_search_agrees_with_each_line_on_its_own() {
        let mut lines: Vec<String> = vec![
            r#"{"a":{"mfaAuthenticated": "true"}, "b": {"mfaAuthenticated": "false"}}"#.into(),
            r#"{"mfaAuthenticated":"false"}"#.into(),
            r#"{"mfaAuthenticated":"true"} {"eventName": "GetX"}"#.into(),
            String::new(),
            "\u{feff}{\"mfaAuthenticated\": \"false\", \"eventName\": \"getThing\"}".into(),
            "{\"mfaAuthenticated\": \"false\"}\r".into(),
            r#"{"eventName":"Get","x":"mfaAuthenticated"}"#.into(),
        ];
        add_sample_lines(&mut lines);
        for search in [
            "a.mfaAuthenticated=false",
            "a.mfaAuthenticated=false eventName=Get*",
            "eventName=get* userIdentity.type=IAMUser",
            "x.readOnly=TRUE NOT error",
            "mfaAuthenticated",
        ] {
            let p = prefilter_for(search).expect("a prefilter");
            // Chunks of every size, so lines are also searched from the
            // middle of a chunk and up to its end.
            for size in [1, 2, 3, 7, lines.len()] {
                for group in lines.chunks(size) {
                    let chunk = group.join("\n");
                    let mut search_all = p.chunk_search(chunk.as_bytes());
                    let mut start = 0;
                    for line in group {
                        let piece = line.as_bytes();
                        let unmarked = crate::events::strip_bom(piece);
                        let bom = piece.len() - unmarked.len();
                        let bytes = unmarked.strip_suffix(b"\r").unwrap_or(unmarked);
                        let at = start + bom;
                        // Each needle looked for in the line alone.
                        let alone = p.pairs.iter().all(|r| r.is_match(bytes))
                            && p.unimplied.iter().all(|&i| p.finders[i].is_match(bytes));
                        assert_eq!(
                            search_all.needles_found(at, at + bytes.len()),
                            alone,
                            "{search}: {line}"
                        );
                        assert_eq!(p.needles_found(bytes), alone, "{search}: {line}");
                        start += piece.len() + 1;
                    }
                }
            }
        }
    }

    #[test]
    fn a_pairs_key_and_value_are_not_searched_again() {
        let p = prefilter_for("a.mfaAuthenticated=false").expect("one");
        assert_eq!(p.needles(), ["false", "mfaAuthenticated"]);
        assert!(p.unimplied.is_empty());
        let q = prefilter_for("a.mfaAuthenticated=false eventName=Get*").expect("two");
        let searched: Vec<&str> = q.unimplied.iter().map(|&i| q.needles[i].as_str()).collect();
        assert_eq!(searched, ["Get", "eventName"]);
        assert!(p.may_match(br#"{"a":{"mfaAuthenticated": "false"}}"#));
        assert!(p.may_match(br#"{"a":{"mfaAuthenticated": ["x", "FALSE"]}}"#));
        assert!(!p.may_match(br#"{"a":{"mfaAuthenticated": ["x"]}}"#));
        assert!(!p.may_match(br#"{"a":{"mfaAuthenticated": "true"}, "b": false}"#));
    }

    #[test]
    fn escapes_and_non_ascii_lines_are_kept() {
        let p = Prefilter::new(vec!["false".into()]).expect("needle");
        assert!(p.may_match(br#"{"a":"FALSE"}"#));
        assert!(!p.may_match(br#"{"a":"true"}"#));
        assert!(p.may_match(br#"{"a":"f\u0061lse"}"#));
        assert!(p.may_match("{\"a\":\"fal\u{017f}e\"}".as_bytes()));
    }
}
