//! A fast JSON scanner for NDJSON lines: it validates a line (without
//! allocating) and extracts the projected fields in one pass over the
//! bytes, without serde's visitor machinery.
//!
//! It is a fast path, not a second source of truth: whenever it is not
//! certain that it gives exactly what [`super::project::flatten_projected`]
//! (and so [`super::flatten_json`]) would, it answers
//! [`Scan::Fallback`] and the caller takes the serde_json path, which also
//! words the error for an invalid line. It falls back on any syntax error,
//! on numbers whose value serde_json may reject or render differently
//! (exponents, more than 18 integer digits, `-0`), on `\u` surrogate
//! escapes, on nesting deeper than [`MAX_DEPTH`], on a repeated key where
//! a wanted field lies, on an escaped key or one holding `.`, `{` or `}`
//! where a wanted field may lie (such keys make flattened names
//! ambiguous), on wanted names not of the `a.b{}.c` shape, and on wanted
//! paths more than 16 containers deep.
//!
//! [`Projector::scan`]'s input must already be valid UTF-8 (the reader
//! checks each line it parses with `str::from_utf8` first), so only ASCII
//! bytes are interpreted there. [`validate_bytes`] takes any bytes: it notes
//! non-ASCII bytes on the way and checks UTF-8 only for lines holding them,
//! so a line the pre-filter rejects is read once, not three times.

use crate::event::FieldName;
use crate::value::Value;

/// Nesting the scanner follows before it leaves a line to serde_json
/// (whose own limit is 128).
pub const MAX_DEPTH: usize = 100;

/// What a scan concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// The line is valid JSON and the extracted fields are exact.
    Done,
    /// Not certain: parse the line with serde_json instead.
    Fallback,
}

/// The wanted field names as a tree of key segments (`a.b{}.c` is `a` →
/// `b` → elements → `c`), so each JSON key is matched against the few
/// children of the current node instead of hashing a whole path.
#[derive(Debug, Clone, Default)]
pub struct Projector {
    nodes: Vec<Node>,
    /// A wanted name is not of the `a.b{}.c` shape (only keys holding `.`,
    /// `{` or `}` can spell it), so every line takes the serde path.
    irregular: bool,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// The flattened name, when this node is a wanted field.
    name: Option<FieldName>,
    /// Object keys below this node.
    children: Children,
    /// The node of this node's array elements (`{}`).
    elements: Option<u32>,
}

#[derive(Debug, Clone, Default)]
struct Children {
    list: Vec<(Box<[u8]>, u32)>,
    /// Per first byte (256: the empty key), 1 + the position in `list` of
    /// the first child starting with it; 0 for none.
    by_first: Vec<u32>,
    /// 1 + the position of the next child with the same first byte.
    next: Vec<u32>,
    /// Per first byte's low six bits, a bit per length (63: 63 or more) of
    /// the children starting with such a byte: most keys are ruled out by
    /// one test, without reading a child.
    lengths: LengthMasks,
    /// Some child is the empty key.
    empty: bool,
}

/// [`Children::lengths`]: inline, so reading one costs no indirection and
/// no bounds check.
#[derive(Debug, Clone)]
struct LengthMasks([u64; 64]);

impl Default for LengthMasks {
    fn default() -> Self {
        LengthMasks([0; 64])
    }
}

/// Bytes that separate key segments in a flattened name.
#[inline(always)]
fn separator(b: u8) -> bool {
    matches!(b, b'.' | b'{' | b'}')
}

/// What a JSON key is at a node.
enum Lookup {
    /// The child at this position in the list.
    Child(usize),
    /// Nothing wanted lies below it.
    Unwanted,
    /// It may spell a wanted name in a way only the serde path sees
    /// (escapes, or `.`, `{`, `}` inside the key right after a child's key).
    Ambiguous,
}

impl Children {
    fn index(&mut self) {
        self.by_first = vec![0; 257];
        self.next = vec![0; self.list.len()];
        self.lengths = LengthMasks::default();
        for (i, (key, _)) in self.list.iter().enumerate().rev() {
            let bucket = key.first().map_or(256, |&b| usize::from(b));
            self.next[i] = self.by_first[bucket];
            self.by_first[bucket] = i as u32 + 1;
            match key.first() {
                Some(&b) => self.lengths.0[usize::from(b & 63)] |= 1 << key.len().min(63),
                None => self.empty = true,
            }
        }
    }

    /// Whether no child can equal `key` or be spelled by it (see
    /// [`Lookup::Ambiguous`]), decided from the lengths alone: no child of
    /// its first byte has its length, and at every shorter child's length
    /// the key holds no separator.
    #[inline(always)]
    fn surely_unwanted(&self, key: &[u8]) -> bool {
        let Some(&first) = key.first() else {
            return false;
        };
        let bits = self.lengths.0[usize::from(first & 63)];
        let own = 1u64 << key.len().min(63);
        if bits & own != 0 || (self.empty && separator(first)) {
            return false;
        }
        let mut shorter = bits & (own - 1);
        while shorter != 0 {
            let at = shorter.trailing_zeros() as usize;
            if key.get(at).is_some_and(|&b| separator(b)) {
                return false;
            }
            shorter &= shorter - 1;
        }
        true
    }

    #[inline(always)]
    fn lookup(&self, key: &[u8], escaped: bool) -> Lookup {
        // Most keys: unescaped and of no child's length.
        if !escaped && self.surely_unwanted(key) {
            return Lookup::Unwanted;
        }
        if self.list.is_empty() {
            return Lookup::Unwanted;
        }
        if escaped {
            return Lookup::Ambiguous;
        }
        let bucket = key.first().map_or(256, |&b| usize::from(b));
        let mut at = self.by_first[bucket];
        while at != 0 {
            let i = at as usize - 1;
            let child = &*self.list[i].0;
            if child.len() == key.len() && same_bytes(child, key) {
                return Lookup::Child(i);
            }
            // The separator byte first: it rules out almost every key
            // without comparing the prefix.
            if key.get(child.len()).is_some_and(|&b| separator(b)) && key.starts_with(child) {
                return Lookup::Ambiguous;
            }
            at = self.next[i];
        }
        // A key starting with a separator continues an empty child's name.
        if self.empty && key.first().is_some_and(|&b| separator(b)) {
            return Lookup::Ambiguous;
        }
        Lookup::Unwanted
    }
}

/// Whether two slices of one length hold the same bytes: keys are short,
/// and for up to 16 bytes two overlapping word compares beat a call to
/// `memcmp` (several per line, for keys sharing a first byte and a length,
/// like `eventName`, `eventTime` and `eventType`).
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|w| w.first_chunk::<8>())
            .map(|w| u64::from_le_bytes(*w))
    };
    let half = |s: &[u8], at: usize| {
        s.get(at..at + 4)
            .and_then(|w| w.first_chunk::<4>())
            .map(|w| u32::from_le_bytes(*w))
    };
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

/// Extracted values in document order, each with its wanted node.
#[derive(Debug, Default)]
pub struct Extracted {
    values: Vec<(u32, String)>,
    /// Some node has more than one value (a multivalue field).
    repeated: bool,
    /// The nodes below 64 that have a value.
    seen: u64,
}

impl Extracted {
    /// Forgets the previous line's values.
    pub fn clear(&mut self) {
        self.values.clear();
        self.repeated = false;
        self.seen = 0;
    }

    /// Whether some node has more than one value (then only
    /// [`Extracted::take_fields`] gives the fields).
    pub fn has_multivalues(&self) -> bool {
        self.repeated
    }

    /// The first value of the node named `name`.
    pub fn first_text(&self, p: &Projector, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(node, _)| p.name(*node).as_str() == name)
            .map(|(_, text)| text.as_str())
    }

    /// Takes the fields out when no node has several values: each node's
    /// value, in document order, without an intermediate list.
    pub fn drain_single(&mut self) -> impl ExactSizeIterator<Item = (u32, String)> + '_ {
        debug_assert!(!self.repeated);
        self.seen = 0;
        self.values.drain(..)
    }

    /// Takes the fields out: per node its value (several make a
    /// multivalue), nodes in the order of their first value.
    pub fn take_fields(&mut self) -> Vec<(u32, Value)> {
        self.seen = 0;
        if !self.repeated {
            return self
                .values
                .drain(..)
                .map(|(n, v)| (n, Value::Str(v)))
                .collect();
        }
        let mut grouped: Vec<(u32, Vec<String>)> = Vec::new();
        for (node, text) in self.values.drain(..) {
            match grouped.iter_mut().find(|(n, _)| *n == node) {
                Some((_, values)) => values.push(text),
                None => grouped.push((node, vec![text])),
            }
        }
        self.repeated = false;
        grouped
            .into_iter()
            .filter_map(|(n, values)| Value::from_list(values).map(|v| (n, v)))
            .collect()
    }

    fn push(&mut self, node: u32, text: String) {
        if !self.repeated {
            // Nodes below 64 are remembered in a bit each.
            self.repeated = match 1u64.checked_shl(node) {
                Some(bit) => {
                    let before = self.seen;
                    self.seen |= bit;
                    before & bit != 0
                }
                None => self.values.iter().any(|(n, _)| *n == node),
            };
        }
        self.values.push((node, text));
    }
}

impl Projector {
    /// A projector for `names` (flattened field names). A name that no JSON
    /// without `.`, `{` or `}` in its keys can produce is left out: only the
    /// fallback path could find it, and keys like that fall back.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Projector {
        let mut p = Projector {
            nodes: vec![Node::default()],
            irregular: false,
        };
        for name in names {
            match segments(name) {
                Some(segments) => p.insert(name, &segments),
                None => p.irregular = true,
            }
        }
        for node in &mut p.nodes {
            node.children.index();
        }
        p
    }

    fn insert(&mut self, name: &str, segments: &[Segment<'_>]) {
        let mut at = 0usize;
        for segment in segments {
            let next = match segment {
                Segment::Key(key) => match self.nodes[at]
                    .children
                    .list
                    .iter()
                    .find(|(k, _)| **k == *key.as_bytes())
                {
                    Some((_, id)) => *id,
                    None => {
                        let id = self.add_node();
                        let key: Box<[u8]> = key.as_bytes().into();
                        self.nodes[at].children.list.push((key, id));
                        id
                    }
                },
                Segment::Elements => match self.nodes[at].elements {
                    Some(id) => id,
                    None => {
                        let id = self.add_node();
                        self.nodes[at].elements = Some(id);
                        id
                    }
                },
            };
            at = next as usize;
        }
        self.nodes[at].name = Some(FieldName::intern(name));
    }

    fn add_node(&mut self) -> u32 {
        self.nodes.push(Node::default());
        (self.nodes.len() - 1) as u32
    }

    /// The flattened name of a wanted node.
    pub fn name(&self, node: u32) -> FieldName {
        self.nodes[node as usize]
            .name
            .unwrap_or(FieldName::from_static(""))
    }

    /// Validates `line` and collects the wanted fields into `out` (cleared
    /// first).
    pub fn scan(&self, text: &str, out: &mut Extracted) -> Scan {
        let line = text.as_bytes();
        out.clear();
        if self.irregular {
            return Scan::Fallback;
        }
        let start = skip_ws(line, 0);
        // Only an object's keys become fields.
        let result = match line.get(start) {
            Some(b'{') => self.project_object(text, start, ROOT, 1, out),
            _ => skip_value(line, start, 0, &mut 0),
        };
        match result {
            Ok(end) if skip_ws(line, end) == line.len() => Scan::Done,
            _ => Scan::Fallback,
        }
    }

    /// The object at `i` (its `{`), of the wanted path's node `node`, the
    /// `depth`th tracked container: follows the keys that lead to wanted
    /// fields and skips the others' values whole. One call per tracked
    /// container (at most [`TRACKED_DEPTH`] deep), so each level keeps its
    /// node and its seen keys in registers.
    fn project_object(
        &self,
        text: &str,
        i: usize,
        node: u32,
        depth: usize,
        out: &mut Extracted,
    ) -> Step<usize> {
        let b = text.as_bytes();
        let children = &self.nodes[node as usize].children;
        // The children met so far, to catch repeated keys.
        let mut seen = 0u64;
        let mut i = skip_ws(b, i + 1);
        if b.get(i) == Some(&b'}') {
            return Ok(i + 1);
        }
        loop {
            if b.get(i) != Some(&b'"') {
                return Err(Stop);
            }
            let (end, found) = string_end(b, i + 1)?;
            let key = &b[i + 1..end - 1];
            let child = match children.lookup(key, found & ESCAPED != 0) {
                Lookup::Child(at) => {
                    // A repeated key: serde_json keeps the last value.
                    if at >= 64 || seen & (1 << at) != 0 {
                        return Err(Stop);
                    }
                    seen |= 1 << at;
                    children.list[at].1
                }
                Lookup::Unwanted => NONE,
                Lookup::Ambiguous => return Err(Stop),
            };
            i = skip_ws(b, end);
            if b.get(i) != Some(&b':') {
                return Err(Stop);
            }
            i = self.project_member(text, skip_ws(b, i + 1), child, depth, out)?;
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => return Ok(i + 1),
                _ => return Err(Stop),
            }
        }
    }

    /// [`Projector::project_object`] for an array: every element is of the
    /// node's elements node.
    fn project_array(
        &self,
        text: &str,
        i: usize,
        node: u32,
        depth: usize,
        out: &mut Extracted,
    ) -> Step<usize> {
        let b = text.as_bytes();
        let elements = self.nodes[node as usize].elements.unwrap_or(NONE);
        let mut i = skip_ws(b, i + 1);
        if b.get(i) == Some(&b']') {
            return Ok(i + 1);
        }
        loop {
            i = self.project_member(text, i, elements, depth, out)?;
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b']') => return Ok(i + 1),
                _ => return Err(Stop),
            }
        }
    }

    /// The value at `i` (not whitespace) of node `node` ([`NONE`]: nothing
    /// wanted lies in it) inside `depth` tracked containers: the position
    /// after it, its text collected when the node is a wanted field.
    #[inline(always)]
    fn project_member(
        &self,
        text: &str,
        i: usize,
        node: u32,
        depth: usize,
        out: &mut Extracted,
    ) -> Step<usize> {
        let b = text.as_bytes();
        match *b.get(i).ok_or(Stop)? {
            b'"' => {
                let (end, found) = string_end(b, i + 1)?;
                if self.wanted(node) {
                    // Slicing the text at its quotes (ASCII, so char
                    // boundaries) copies without checking UTF-8 again.
                    let raw = text.get(i + 1..end - 1).ok_or(Stop)?;
                    out.push(node, text_of(raw, found & ESCAPED != 0)?);
                }
                Ok(end)
            }
            b'{' | b'[' if node == NONE => skip_value(b, i, depth, &mut 0),
            open @ (b'{' | b'[') => {
                if depth >= TRACKED_DEPTH {
                    return Err(Stop);
                }
                if open == b'{' {
                    self.project_object(text, i, node, depth + 1, out)
                } else {
                    self.project_array(text, i, node, depth + 1, out)
                }
            }
            b't' => self.literal(b, i, "true", node, out),
            b'f' => self.literal(b, i, "false", node, out),
            // A null's field text is its token, as for a boolean (see
            // flatten's module docs: Splunk extracts a JSON null as `null`).
            b'n' => self.literal(b, i, "null", node, out),
            b'-' | b'0'..=b'9' => {
                let (end, plain) = number_end(b, i)?;
                if self.wanted(node) {
                    out.push(node, number_text(text.get(i..end).ok_or(Stop)?, plain)?);
                }
                Ok(end)
            }
            _ => Err(Stop),
        }
    }

    #[inline(always)]
    fn wanted(&self, node: u32) -> bool {
        node != NONE && self.nodes[node as usize].name.is_some()
    }

    #[inline(always)]
    fn literal(
        &self,
        b: &[u8],
        i: usize,
        word: &'static str,
        node: u32,
        out: &mut Extracted,
    ) -> Step<usize> {
        let end = literal_end(b, i, word.as_bytes())?;
        if self.wanted(node) {
            out.push(node, word.to_string());
        }
        Ok(end)
    }
}

/// Wanted paths deeper than this many containers go to the serde path.
const TRACKED_DEPTH: usize = 16;

/// The root node's id.
const ROOT: u32 = 0;
/// No node: a value nothing wanted lies in.
const NONE: u32 = u32::MAX;

/// Validates `line` as JSON; [`Scan::Fallback`] when it may be invalid.
pub fn validate(line: &[u8]) -> Scan {
    match validate_bytes(line) {
        Some(_) => Scan::Done,
        None => Scan::Fallback,
    }
}

/// What validating a line's bytes showed besides validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineFacts {
    /// Every byte is ASCII (so the line is UTF-8 without a second pass).
    pub ascii: bool,
    /// Some backslash is followed by `u` (as [`super::prefilter`] asks).
    pub backslash_u: bool,
}

/// Validates `line`, which need not be UTF-8, as JSON: `None` when it may
/// be invalid (or is not UTF-8), else what the scan saw on the way.
pub fn validate_bytes(line: &[u8]) -> Option<LineFacts> {
    let start = skip_ws(line, 0);
    let mut flags = 0;
    match skip_value(line, start, 0, &mut flags) {
        Ok(end) if skip_ws(line, end) == line.len() => {}
        _ => return None,
    }
    let ascii = flags & NON_ASCII == 0;
    // Outside strings only ASCII is valid, so a string held the others.
    if !ascii && std::str::from_utf8(line).is_err() {
        return None;
    }
    Some(LineFacts {
        ascii,
        backslash_u: flags & BACKSLASH_U != 0,
    })
}

/// [`string_end`]'s findings: the string holds an escape...
const ESCAPED: u8 = 1;
/// ...a byte above 0x7f...
const NON_ASCII: u8 = 2;
/// ...or a backslash followed by `u` (`\u` or `\\u`).
const BACKSLASH_U: u8 = 4;

/// The position after the JSON whitespace at `i`.
#[inline(always)]
pub(crate) fn skip_ws(b: &[u8], i: usize) -> usize {
    // Writers put no space or one between tokens (`", "`, `": "`): both
    // are decided without a loop.
    match b.get(i) {
        Some(&c) if c > b' ' => i,
        Some(b' ') if b.get(i + 1).is_some_and(|&c| c > b' ') => i + 1,
        _ => skip_ws_run(b, i),
    }
}

/// [`skip_ws`] for any run of whitespace.
fn skip_ws_run(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// Validates the value starting at `i` (not whitespace), inside `depth`
/// containers, without extracting anything; returns the position after it
/// and adds its strings' [`string_end`] findings to `flags`. Strings,
/// literals and numbers are read here, containers by a call of their own
/// (so each container's loop knows whether it is an object or an array
/// without asking).
#[inline(always)]
fn skip_value(b: &[u8], i: usize, depth: usize, flags: &mut u8) -> Step<usize> {
    match *b.get(i).ok_or(Stop)? {
        b'"' => {
            let (end, found) = string_end(b, i + 1)?;
            *flags |= found;
            Ok(end)
        }
        b'{' => skip_container::<true>(b, i, depth + 1, flags),
        b'[' => skip_container::<false>(b, i, depth + 1, flags),
        b't' => literal_end(b, i, b"true"),
        b'f' => literal_end(b, i, b"false"),
        b'n' => literal_end(b, i, b"null"),
        b'-' | b'0'..=b'9' => Ok(number_end(b, i)?.0),
        _ => Err(Stop),
    }
}

/// The object (`OBJECT`) or array at `i` (its `{` or `[`), the `depth`th
/// open container. One function per kind, so the loop never asks which.
fn skip_container<const OBJECT: bool>(
    b: &[u8],
    i: usize,
    depth: usize,
    flags: &mut u8,
) -> Step<usize> {
    let close = if OBJECT { b'}' } else { b']' };
    if depth > MAX_DEPTH {
        return Err(Stop);
    }
    let mut i = skip_ws(b, i + 1);
    if b.get(i) == Some(&close) {
        return Ok(i + 1);
    }
    loop {
        if OBJECT {
            i = key_colon(b, i, flags)?;
        }
        i = skip_ws(b, skip_value(b, i, depth, flags)?);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(&c) if c == close => return Ok(i + 1),
            _ => return Err(Stop),
        }
    }
}

/// At a key: the position of its value after `"key"`, whitespace, `:` and
/// whitespace.
#[inline(always)]
fn key_colon(b: &[u8], i: usize, flags: &mut u8) -> Step<usize> {
    if b.get(i) != Some(&b'"') {
        return Err(Stop);
    }
    let (end, found) = string_end(b, i + 1)?;
    *flags |= found;
    let i = skip_ws(b, end);
    if b.get(i) != Some(&b':') {
        return Err(Stop);
    }
    Ok(skip_ws(b, i + 1))
}

/// The position after `word` at `i`.
#[inline]
fn literal_end(b: &[u8], i: usize, word: &[u8]) -> Step<usize> {
    match b.get(i..i + word.len()) {
        Some(w) if w == word => Ok(i + word.len()),
        _ => Err(Stop),
    }
}

/// Scans the string whose content starts at `i` (after the opening quote):
/// the position after the closing quote, and what it holds
/// ([`ESCAPED`], [`NON_ASCII`], [`BACKSLASH_U`]).
#[inline(always)]
fn string_end(b: &[u8], mut i: usize) -> Step<(usize, u8)> {
    let mut found = 0;
    loop {
        let (at, quote) = next_special(b, i).ok_or(Stop)?;
        i = at;
        if quote {
            return Ok((i + 1, found));
        }
        match b[i] {
            b'\\' => {
                found |= ESCAPED;
                if b.get(i + 1) == Some(&b'u') {
                    found |= BACKSLASH_U;
                }
                i = escape_end(b, i)?;
                // The second backslash of `\\` may be followed by `u` too.
                if b[i - 1] == b'\\' && b.get(i) == Some(&b'u') {
                    found |= BACKSLASH_U;
                }
            }
            0x80.. => {
                found |= NON_ASCII;
                i += 1;
            }
            // A control character, which JSON strings may not hold raw.
            _ => return Err(Stop),
        }
    }
}

/// The position after the escape at the backslash at `i`.
fn escape_end(b: &[u8], i: usize) -> Step<usize> {
    match b.get(i + 1).ok_or(Stop)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(i + 2),
        b'u' => {
            let code = hex4(b.get(i + 2..i + 6).ok_or(Stop)?)?;
            // Surrogate pairs (and lone surrogates, which serde_json
            // rejects) are left to serde_json.
            if (0xD800..0xE000).contains(&code) {
                return Err(Stop);
            }
            Ok(i + 6)
        }
        _ => Err(Stop),
    }
}

/// Scans the number at `i`: the position after it, and whether it is a
/// plain integer whose text serde_json renders unchanged.
fn number_end(b: &[u8], start: usize) -> Step<(usize, bool)> {
    let digits = |mut i: usize| {
        while let Some(b'0'..=b'9') = b.get(i) {
            i += 1;
        }
        i
    };
    let mut i = start;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(i),
        _ => return Err(Stop),
    }
    // Large integers may overflow into floats that serde_json rejects or
    // renders in its own way.
    if i - int_start > 18 {
        return Err(Stop);
    }
    let mut plain = true;
    if b.get(i) == Some(&b'.') {
        let frac_start = i + 1;
        i = digits(frac_start);
        if i == frac_start {
            return Err(Stop);
        }
        plain = false;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        // The exponent may take the value out of range.
        return Err(Stop);
    }
    if &b[start..i] == b"-0" {
        plain = false;
    }
    Ok((i, plain))
}

enum Segment<'a> {
    Key(&'a str),
    Elements,
}

/// `name` as key segments: `key ('{}')* ('.' key ('{}')*)*`, keys free of
/// `.`, `{` and `}`; `None` for any other shape.
fn segments(name: &str) -> Option<Vec<Segment<'_>>> {
    let mut out = Vec::new();
    let bytes = name.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b'.' | b'{' | b'}') {
            i += 1;
        }
        out.push(Segment::Key(&name[start..i]));
        while bytes[i..].starts_with(b"{}") {
            out.push(Segment::Elements);
            i += 2;
        }
        match bytes.get(i) {
            None => return Some(out),
            Some(b'.') => i += 1,
            Some(_) => return None,
        }
    }
}

/// Stops the scan: the caller falls back to serde_json.
struct Stop;

type Step<T = ()> = Result<T, Stop>;

/// The position of the first `"`, `\`, control character or non-ASCII
/// byte at or after `i` in `b`.
/// Also says whether that byte is `"` (from the block's masks, so the
/// common case, a string's closing quote, needs no second look at it).
#[inline(always)]
fn next_special(b: &[u8], mut i: usize) -> Option<(usize, bool)> {
    #[cfg(target_arch = "x86_64")]
    while let Some(block) = b.get(i..).and_then(|rest| rest.first_chunk::<16>()) {
        let (marked, quotes) = sse2::special_masks(block);
        if marked != 0 {
            let first = marked.trailing_zeros();
            return Some((i + first as usize, quotes >> first & 1 == 1));
        }
        i += 16;
    }
    let at = i + special_offset_swar(b.get(i..)?)?;
    Some((at, b[at] == b'"'))
}

/// The offset of the first `"`, `\`, control character or non-ASCII byte
/// in `bytes`.
#[cfg(test)]
fn special_offset(bytes: &[u8]) -> Option<usize> {
    let found = next_special(bytes, 0);
    if let Some((at, quote)) = found {
        assert_eq!(quote, bytes[at] == b'"');
    }
    found.map(|(at, _)| at)
}

/// [`special_offset`] eight bytes at a time.
fn special_offset_swar(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let v = u64::from_le_bytes(word);
        let quote = v ^ (ONES * u64::from(b'"'));
        let slash = v ^ (ONES * u64::from(b'\\'));
        // A byte is flagged when it is zero after the xor (a quote or a
        // backslash), below 0x20 or above 0x7f; the lowest flagged byte is
        // exact.
        let found = (quote.wrapping_sub(ONES) & !quote
            | slash.wrapping_sub(ONES) & !slash
            | v.wrapping_sub(ONES * 0x20) & !v
            | v)
            & HIGHS;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || !(0x20..0x80).contains(&b))
        .map(|p| i + p)
}

/// SSE2, which every x86_64 processor has (through `safe_arch`, so the
/// crate stays free of `unsafe`).
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, max_u8_m128i, move_mask_i8_m128i,
        set_splat_i8_m128i,
    };

    /// A bit per byte of `block`: `"`, `\\`, below 0x20 or above 0x7f;
    /// and a bit per `"`.
    #[inline(always)]
    pub fn special_masks(block: &[u8; 16]) -> (u32, u32) {
        let v = load_unaligned_m128i(block);
        let quote = cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(b'"' as i8));
        let slash = cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(b'\\' as i8));
        // max(v, 0x1f) == 0x1f exactly when v <= 0x1f (unsigned).
        let low = set_splat_i8_m128i(0x1f);
        let control = cmp_eq_mask_i8_m128i(max_u8_m128i(v, low), low);
        // A non-ASCII byte's own top bit marks it.
        let marked = bitor_m128i(bitor_m128i(quote, slash), bitor_m128i(control, v));
        (
            move_mask_i8_m128i(marked) as u32,
            move_mask_i8_m128i(quote) as u32,
        )
    }
}

fn hex4(digits: &[u8]) -> Step<u32> {
    let mut code = 0u32;
    for &d in digits {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return Err(Stop),
        };
        code = code * 16 + u32::from(v);
    }
    Ok(code)
}

/// A string's text: its bytes, or with escapes decoded.
fn text_of(text: &str, escaped: bool) -> Step<String> {
    if !escaped {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let tail = &rest.as_bytes()[at + 1..];
        let (ch, used) = match tail.first().ok_or(Stop)? {
            b'"' => ('"', 1),
            b'\\' => ('\\', 1),
            b'/' => ('/', 1),
            b'b' => ('\u{8}', 1),
            b'f' => ('\u{c}', 1),
            b'n' => ('\n', 1),
            b'r' => ('\r', 1),
            b't' => ('\t', 1),
            b'u' => {
                let code = hex4(tail.get(1..5).ok_or(Stop)?)?;
                (char::from_u32(code).ok_or(Stop)?, 5)
            }
            _ => return Err(Stop),
        };
        out.push(ch);
        rest = &rest[at + 1 + used..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A number's field text (see [`super::flatten::json_number_text`]), once
/// it is known to be a JSON number (`plain` ones, digits only, are).
fn number_text(text: &str, plain: bool) -> Step<String> {
    if plain {
        return Ok(text.to_string());
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Number(_)) => Ok(super::flatten::json_number_text(text)),
        _ => Err(Stop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn projected(line: &str, names: &[&str]) -> Option<Vec<(String, Vec<String>)>> {
        let p = Projector::new(names.iter().copied());
        let mut out = Extracted::default();
        match p.scan(line, &mut out) {
            Scan::Done => Some(
                out.take_fields()
                    .iter()
                    .map(|(n, v)| {
                        let texts = v.texts().iter().map(|t| t.to_string()).collect();
                        (p.name(*n).to_string(), texts)
                    })
                    .collect(),
            ),
            Scan::Fallback => None,
        }
    }

    #[test]
    fn extracts_nested_array_and_scalar_fields() {
        let line =
            r#"{"a":{"b":"x","c":[1,2.50,{"d":true}]},"e":null,"f":"q\"\u00e9","g":[[3],[4]]}"#;
        let got = projected(line, &["a.b", "a.c{}", "a.c{}.d", "e", "f", "g{}{}"]).expect("fast");
        let want = [
            ("a.b", vec!["x"]),
            ("a.c{}", vec!["1", "2.50"]),
            ("a.c{}.d", vec!["true"]),
            ("e", vec!["null"]),
            ("f", vec!["q\"é"]),
            ("g{}{}", vec!["3", "4"]),
        ];
        let want: Vec<(String, Vec<String>)> = want
            .iter()
            .map(|(n, v)| (n.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn validates_like_serde_json_or_falls_back() {
        let lines = [
            r#"{"a":1}"#,
            r#" {"a" : [ ] , "b" : { } } "#,
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x"}x"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":[1,2}"#,
            r#"{"a" 1}"#,
            r#"[1,2,3]"#,
            r#""just a string""#,
            r#"{"a":"\ud83d\ude00"}"#,
            r#"{"a":1e400}"#,
            "",
            "{",
            r#"{"a":"unterminated}"#,
        ];
        for line in lines {
            let serde_ok = serde_json::from_str::<serde_json::Value>(line).is_ok();
            if validate(line.as_bytes()) == Scan::Done {
                assert!(
                    serde_ok,
                    "fast path accepted what serde_json rejects: {line}"
                );
            }
        }
        assert_eq!(validate(br#"{"a":[1,{"b":null}],"c":"\n"}"#), Scan::Done);
        assert_eq!(validate(b"[1,2,3]"), Scan::Done);
    }

    #[test]
    fn ambiguous_or_repeated_keys_fall_back_only_where_wanted() {
        assert!(projected(r#"{"a":{"b":1},"a":{"c":2}}"#, &["a.b"]).is_none());
        assert!(projected(r#"{"x.y":1,"x":{"y":2}}"#, &["x.y"]).is_none());
        assert!(projected(r#"{"z":{"x.y":1}}"#, &["a"]).is_some());
        assert!(projected(r#"{"b":1,"b":2,"a":3}"#, &["a"]).is_some());
        assert!(projected(r#"{"a\u0062":1}"#, &["ab"]).is_none());
        // A name only a key with braces can spell: never the fast path.
        assert!(projected(r#"{"a{0}":1}"#, &["a{0}"]).is_none());
        assert!(projected(r#"{"a":{".x":1}}"#, &["a..x"]).is_none());
        assert!(projected(r#"{"a":{"b{}":1}}"#, &["a.b{}"]).is_none());
        let unwanted = projected(r#"{"q.r":1,"ab.c":3,"a":2}"#, &["a"]).expect("fast");
        assert_eq!(unwanted, [("a".to_string(), vec!["2".to_string()])]);
    }

    fn serde_projected(line: &str, names: &[&str]) -> Vec<(String, Vec<String>)> {
        use crate::events::project::{flatten_projected, FieldSet, ProjectError};
        let mut e = crate::event::Event::new();
        let set = FieldSet::new(names.iter().copied());
        match flatten_projected(line, &set, &mut e) {
            Ok(()) => {}
            // As the reader does: a full parse keeps a repeated key's last
            // value.
            Err(ProjectError::DuplicateKey) => {
                e = crate::event::Event::new();
                let value = serde_json::from_str(line).expect("parses");
                crate::events::flatten_json(&value, &mut e);
                e.retain(|name, _| set.contains(name));
            }
            Err(ProjectError::Json(err)) => panic!("{err}: {line}"),
        }
        e.iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    v.texts().iter().map(|t| t.to_string()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn scan_equals_the_serde_projection_on_the_samples() {
        let lines = crate::events::tests::sample_lines();
        assert!(lines.len() > 100);
        let mut fast = 0;
        for line in &lines {
            let mut all = crate::event::Event::new();
            crate::events::flatten_json(&serde_json::from_str(line).expect("json"), &mut all);
            let names: Vec<&str> = all.names().collect();
            let mut sets: Vec<Vec<&str>> = vec![names.clone()];
            for (i, name) in names.iter().enumerate() {
                sets.push(vec![*name]);
                if let Some(next) = names.get(i + 1) {
                    sets.push(vec![*name, *next, "absent.field", "a{}"]);
                }
            }
            for set in sets {
                if let Some(got) = projected(line, &set) {
                    fast += 1;
                    assert_eq!(got, serde_projected(line, &set), "{set:?} in {line}");
                }
            }
        }
        // The fast path must actually serve the common case.
        assert!(fast > 1000, "only {fast} scans took the fast path");
    }

    #[test]
    fn validate_never_accepts_a_mutated_line_serde_json_rejects() {
        let lines = crate::events::tests::sample_lines();
        let mut accepted = 0;
        for line in lines.iter().step_by(4).take(40) {
            assert_eq!(validate(line.as_bytes()), Scan::Done, "{line}");
            let bytes = line.as_bytes();
            for i in (0..bytes.len()).step_by(2) {
                for insert in [
                    b",".as_slice(),
                    b"}",
                    b"]",
                    b"\"",
                    b"\\",
                    b"x",
                    b"\t",
                    b":",
                    b"-",
                    b"0",
                    b"u",
                    b"\\u",
                    b"\xff",
                    b"\xc3",
                    "é".as_bytes(),
                ] {
                    let mut m = bytes[..i].to_vec();
                    m.extend_from_slice(insert);
                    m.extend_from_slice(&bytes[i..]);
                    check_mutation(&m, &mut accepted);
                }
                let mut cut = bytes.to_vec();
                cut.remove(i);
                check_mutation(&cut, &mut accepted);
                check_mutation(&bytes[..i], &mut accepted);
            }
        }
        assert!(accepted > 0);
    }

    /// A line [`validate_bytes`] accepts is UTF-8, valid JSON, and its
    /// facts are exactly what `is_ascii` and the pre-filter's escape check
    /// say.
    fn check_mutation(m: &[u8], accepted: &mut usize) {
        let Some(facts) = validate_bytes(m) else {
            return;
        };
        *accepted += 1;
        let text = std::str::from_utf8(m).expect("accepted a line that is not UTF-8");
        assert!(
            serde_json::from_str::<serde_json::Value>(text).is_ok(),
            "accepted invalid JSON: {text}"
        );
        let backslash_u = crate::events::prefilter::has_unicode_escape(m);
        assert_eq!(
            facts,
            LineFacts {
                ascii: m.is_ascii(),
                backslash_u
            },
            "{text}"
        );
    }

    #[test]
    fn projection_of_a_mutated_line_is_serde_json_s_or_falls_back() {
        let lines = crate::events::tests::sample_lines();
        let mut fast = 0;
        for line in lines.iter().step_by(7).take(25) {
            let value: serde_json::Value = serde_json::from_str(line).expect("json");
            let mut all = crate::event::Event::new();
            crate::events::flatten_json(&value, &mut all);
            // Every field, and a few (with names that may be spelled by a
            // mutated key) on their own.
            let names: Vec<&str> = all.names().collect();
            let some: Vec<&str> = names
                .iter()
                .copied()
                .step_by(3)
                .chain(["a.b", "x{}"])
                .collect();
            // A member repeating the line's last key.
            let last_key = value
                .as_object()
                .and_then(|o| o.keys().next_back().cloned());
            let repeat = format!("\"{}\":\"again\",", last_key.unwrap_or_default());
            let bytes = line.as_bytes();
            for i in (0..bytes.len()).step_by(3) {
                for insert in [
                    repeat.as_str(),
                    "\"",
                    ",",
                    "}",
                    "]",
                    "[",
                    "{",
                    ".",
                    "{}",
                    "1",
                    ":",
                    "\\u0041",
                    // Members (where an object starts) that spell wanted
                    // names with dots, or repeat a key.
                    "\"a.b\":2,",
                    "\"a\":{\"b\":3},",
                    "\"x\":[4],",
                    // Nulls where wanted names lie: each is a `null` value.
                    "\"a\":{\"b\":null},",
                    "\"x\":[null,5],",
                    "null,",
                ] {
                    if !line.is_char_boundary(i) {
                        continue;
                    }
                    let mut m = line[..i].to_string();
                    m.push_str(insert);
                    m.push_str(&line[i..]);
                    for set in [&names, &some] {
                        if let Some(got) = projected(&m, set) {
                            fast += 1;
                            assert!(
                                serde_json::from_str::<serde_json::Value>(&m).is_ok(),
                                "projected invalid JSON: {m}"
                            );
                            assert_eq!(got, serde_projected(&m, set), "{set:?} in {m}");
                        }
                    }
                }
            }
        }
        assert!(fast > 100, "only {fast} mutated lines took the fast path");
    }

    #[test]
    fn validate_bytes_reports_non_ascii_and_backslash_u() {
        let facts = |line: &[u8]| validate_bytes(line).map(|f| (f.ascii, f.backslash_u));
        assert_eq!(facts(br#"{"a":"x"}"#), Some((true, false)));
        assert_eq!(facts("{\"a\":\"é\"}".as_bytes()), Some((false, false)));
        assert_eq!(facts("{\"é\":1}".as_bytes()), Some((false, false)));
        assert_eq!(facts(br#"{"a":"\u0061"}"#), Some((true, true)));
        assert_eq!(facts(br#"{"a":"\\u"}"#), Some((true, true)));
        assert_eq!(facts(br#"{"a":"\\\\u"}"#), Some((true, true)));
        assert_eq!(facts(br#"{"a":"\\\\x"}"#), Some((true, false)));
        assert_eq!(facts(br#"{"a":"\\\u0075"}"#), Some((true, true)));
        assert_eq!(facts(br#"{"a":"u\n"}"#), Some((true, false)));
        // Not UTF-8, inside a string and outside.
        assert_eq!(facts(b"{\"a\":\"\xff\"}"), None);
        assert_eq!(facts(b"{\"a\":\"\xc3\"}"), None);
        assert_eq!(facts(b"{\"a\":1}\xc3\xa9"), None);
        // A long string: the non-ASCII byte in a later 16-byte block.
        let long = format!("{{\"a\":\"{}é{}\"}}", "x".repeat(40), "y".repeat(9));
        assert_eq!(facts(long.as_bytes()), Some((false, false)));
    }

    #[test]
    fn wanted_names_deeper_than_the_tracked_stack_fall_back() {
        let name = ["a"; 20].join(".");
        let line = format!("{}1{}", r#"{"a":"#.repeat(20), "}".repeat(20));
        assert_eq!(validate(line.as_bytes()), Scan::Done);
        assert!(projected(&line, &[name.as_str()]).is_none());
        let shallow = ["a"; 10].join(".");
        let line = format!("{}1{}", r#"{"a":"#.repeat(10), "}".repeat(10));
        assert_eq!(
            projected(&line, &[shallow.as_str()]),
            Some(vec![(shallow.clone(), vec!["1".to_string()])])
        );
    }

    #[test]
    fn same_bytes_is_slice_equality() {
        for n in 0..24usize {
            let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
            assert!(same_bytes(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!same_bytes(&a, &b), "{n} at {at}");
            }
        }
    }

    #[test]
    fn deep_nesting_falls_back() {
        let deep = format!("{}{}", "[".repeat(120), "]".repeat(120));
        assert_eq!(validate(deep.as_bytes()), Scan::Fallback);
        let ok = format!("{}{}", "[".repeat(50), "]".repeat(50));
        assert_eq!(validate(ok.as_bytes()), Scan::Done);
    }

    #[test]
    fn special_offset_finds_the_first_special_byte() {
        for (text, want) in [
            ("abcdefghij\"", Some(10)),
            ("abc\\def\"", Some(3)),
            ("abcdefgh\u{1}", Some(8)),
            ("é€\"", Some(0)),
            ("ab€\"", Some(2)),
            ("0123456789abcdefghé", Some(18)),
            ("plain", None),
            ("\u{7f}\u{80}~ \"", Some(1)),
            ("0123456789abcdefghij\"", Some(20)),
            ("0123456789abcde\"", Some(15)),
            ("0123456789abcdef\n", Some(16)),
        ] {
            assert_eq!(special_offset(text.as_bytes()), want, "{text:?}");
        }
    }
}
