//! Hand-written matchers for a few pattern shapes that search-time
//! extractions of XML events use over and over (Windows add-ons pull the
//! `<System>` and `<EventData>` blocks out of every event, then each
//! `<Data Name='x'>` pair). On the `regex` crate these need its slowest
//! path: a lazy `.*?` between delimiters makes it find the match and then
//! re-run a backtracker over the whole block for the group.
//!
//! Each matcher gives exactly the matches and groups the regex gives, or
//! `None` ("not sure"), and the caller then asks the regex. They only
//! answer where the pattern's classes are decided by ASCII bytes; a `\w` or
//! `\s` position holding a non-ASCII character is "not sure" (the regex's
//! classes are Unicode-aware). The tests compare them with the regex on
//! generated text.

use memchr::memmem;

/// A pattern shape with a hand-written matcher.
#[derive(Debug, Clone)]
pub(super) enum Derived {
    /// `P(.*?)S` or `P(.+?)S` (the group may be named), `P` and `S`
    /// literal text: the group is what lies between the first `S` after a
    /// `P`, not crossing a line end unless the `s` flag is set.
    Bracketed {
        prefix: memmem::Finder<'static>,
        suffix: memmem::Finder<'static>,
        /// 1 for `.+?`.
        min: usize,
        dotall: bool,
    },
    /// `<N(?:\s[^>]*)?>(.*?)</N>`, or with `(?:</N>|\z)` (`to_end`): an
    /// element's content, its start tag possibly with attributes.
    ElementBody {
        open: memmem::Finder<'static>,
        close: memmem::Finder<'static>,
        to_end: bool,
        dotall: bool,
    },
    /// `<Data Name=['"]([^'"]+)['"]>([^<]*)</Data>`.
    DataNamePairs,
    /// `<(\w+)(?:\s[^>]*)?>([^<]+)</`.
    ElementPairs,
    /// `\s(\w+)=['"]([^'"]*)['"]`.
    AttributePairs,
}

/// One match: the whole match and each group, as byte ranges.
pub(super) type Groups = Vec<Option<(usize, usize)>>;

impl Derived {
    /// The shape of a pattern (as given to the `regex` crate), if it has
    /// one of these shapes.
    pub(super) fn of(pattern: &str) -> Option<Derived> {
        let (flags, body) = leading_flags(pattern)?;
        let dotall = flags == "s";
        // `.` is not in these, so the dot-all flag changes nothing.
        match body {
            r#"<Data Name=['"]([^'"]+)['"]>([^<]*)</Data>"# => return Some(Derived::DataNamePairs),
            r#"<(\w+)(?:\s[^>]*)?>([^<]+)</"# => return Some(Derived::ElementPairs),
            r#"\s(\w+)=['"]([^'"]*)['"]"# => return Some(Derived::AttributePairs),
            _ => {}
        }
        if let Some(d) = element_body(body, dotall) {
            return Some(d);
        }
        bracketed(body, dotall)
    }

    /// The first match, or `None` when only the regex can tell.
    pub(super) fn first(&self, text: &str) -> Option<Option<Groups>> {
        if !self.decidable(text) {
            return None;
        }
        self.next_match(text, 0)
    }

    /// Whether the text's characters let this matcher decide: any
    /// non-ASCII character may be the Unicode whitespace `\s` matches,
    /// where a pattern starts with `\s`.
    fn decidable(&self, text: &str) -> bool {
        !matches!(self, Derived::AttributePairs) || text.is_ascii()
    }

    /// Every non-overlapping match, left to right, or `None` when only the
    /// regex can tell.
    pub(super) fn all(&self, text: &str) -> Option<Vec<Groups>> {
        if !self.decidable(text) {
            return None;
        }
        let mut out = Vec::new();
        let mut at = 0;
        while at <= text.len() {
            let Some(groups) = self.next_match(text, at)? else {
                break;
            };
            let (start, end) = groups[0]?;
            // No shape here matches the empty string, so `end > start`.
            at = if end > start { end } else { return None };
            out.push(groups);
        }
        Some(out)
    }

    /// The leftmost match starting at or after `from`.
    fn next_match(&self, text: &str, from: usize) -> Option<Option<Groups>> {
        match self {
            Derived::Bracketed {
                prefix,
                suffix,
                min,
                dotall,
            } => Some(bracketed_match(text, from, prefix, suffix, *min, *dotall)),
            Derived::ElementBody {
                open,
                close,
                to_end,
                dotall,
            } => element_body_match(text, from, open, close, *to_end, *dotall),
            Derived::DataNamePairs => Some(data_name_match(text, from)),
            Derived::ElementPairs => element_pair_match(text, from),
            Derived::AttributePairs => attribute_match(text, from),
        }
    }
}

/// Splits off a leading `(?s)`, `(?m)`, `(?ms)` or `(?sm)`, giving `"s"`
/// for the dot-all flag (the `m` flag changes nothing in these shapes,
/// which have no `^` or `$`). Other flags stay in the body, which then has
/// no shape.
fn leading_flags(pattern: &str) -> Option<(&'static str, &str)> {
    for (flags, dotall) in [("(?ms)", "s"), ("(?sm)", "s"), ("(?s)", "s"), ("(?m)", "")] {
        if let Some(rest) = pattern.strip_prefix(flags) {
            return Some((dotall, rest));
        }
    }
    Some(("", pattern))
}

/// Whether `text` is matched only by itself: no regex syntax and no line
/// end.
fn is_plain_literal(text: &str) -> bool {
    text.chars().all(|c| {
        !matches!(
            c,
            '\\' | '.' | '^' | '$' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}'
        ) && c != '\n'
            && c != '\r'
    })
}

/// Splits a group opening (`(`, `(?<n>`, `(?P<n>`) off the front.
fn strip_group_open(text: &str) -> Option<&str> {
    if let Some(rest) = text
        .strip_prefix("(?<")
        .or_else(|| text.strip_prefix("(?P<"))
    {
        let end = rest.find('>')?;
        let name = &rest[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        return Some(&rest[end + 1..]);
    }
    let rest = text.strip_prefix('(')?;
    (!rest.starts_with('?')).then_some(rest)
}

fn bracketed(body: &str, dotall: bool) -> Option<Derived> {
    let open = body.find('(')?;
    let prefix = &body[..open];
    let rest = strip_group_open(&body[open..])?;
    let (min, rest) = if let Some(r) = rest.strip_prefix(".*?)") {
        (0, r)
    } else {
        (1, rest.strip_prefix(".+?)")?)
    };
    (!prefix.is_empty() && !rest.is_empty() && is_plain_literal(prefix) && is_plain_literal(rest))
        .then(|| Derived::Bracketed {
            prefix: finder(prefix),
            suffix: finder(rest),
            min,
            dotall,
        })
}

fn element_body(body: &str, dotall: bool) -> Option<Derived> {
    let rest = body.strip_prefix('<')?;
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let name = &rest[..name_len];
    if name.is_empty() {
        return None;
    }
    let rest = rest[name_len..].strip_prefix(r"(?:\s[^>]*)?>")?;
    let rest = strip_group_open(rest)?;
    let rest = rest.strip_prefix(".*?)")?;
    let close = format!("</{name}>");
    let to_end = if rest == close {
        false
    } else if rest == format!(r"(?:{close}|\z)") {
        true
    } else {
        return None;
    };
    Some(Derived::ElementBody {
        open: finder(&format!("<{name}")),
        close: finder(&close),
        to_end,
        dotall,
    })
}

fn finder(needle: &str) -> memmem::Finder<'static> {
    memmem::Finder::new(needle.as_bytes()).into_owned()
}

/// Where the lazy `.*?` starting at `start` can end: the first `suffix` at
/// or after `start + min` that comes before any line end (or anywhere when
/// `dotall`).
fn lazy_until(
    text: &str,
    start: usize,
    suffix: &memmem::Finder<'_>,
    min: usize,
    dotall: bool,
) -> Option<usize> {
    let from = start + min;
    if from > text.len() || (min > 0 && !text.is_char_boundary(from)) {
        // `.+?` needs one whole character: a multi-byte one ends later.
        let first = text[start..].chars().next()?;
        return lazy_until(text, start, suffix, first.len_utf8(), dotall);
    }
    if min > 0 && !dotall && text[start..from].contains('\n') {
        return None;
    }
    let end = suffix.find(&text.as_bytes()[from..]).map(|i| from + i)?;
    if !dotall && memchr::memchr(b'\n', &text.as_bytes()[start..end]).is_some() {
        return None;
    }
    Some(end)
}

fn bracketed_match(
    text: &str,
    from: usize,
    prefix: &memmem::Finder<'_>,
    suffix: &memmem::Finder<'_>,
    min: usize,
    dotall: bool,
) -> Option<Groups> {
    let mut at = from;
    while let Some(i) = prefix.find(&text.as_bytes()[at..]) {
        let start = at + i;
        let body = start + prefix.needle().len();
        if let Some(end) = lazy_until(text, body, suffix, min, dotall) {
            let whole = (start, end + suffix.needle().len());
            return Some(vec![Some(whole), Some((body, end))]);
        }
        at = start + 1;
    }
    None
}

/// Whether the byte at `i` is ASCII whitespace (`\s` over ASCII), `None`
/// for a non-ASCII character (which `\s` may or may not match).
fn ascii_space(text: &[u8], i: usize) -> Option<bool> {
    let b = *text.get(i)?;
    if !b.is_ascii() {
        return None;
    }
    Some(matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r'
    ))
}

/// The end of the ASCII word (`\w+`) starting at `i`; `None` when a
/// non-ASCII character follows the ASCII word characters (it may be a
/// word character).
fn word_end(text: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while let Some(&b) = text.get(j) {
        if b.is_ascii_alphanumeric() || b == b'_' {
            j += 1;
        } else if !b.is_ascii() {
            return None;
        } else {
            break;
        }
    }
    Some(j)
}

/// After `<N` at `i`: the end of `(?:\s[^>]*)?>`, `Ok(None)` when it does
/// not match there, `Err` when only the regex can tell.
fn start_tag_end(bytes: &[u8], i: usize) -> Result<Option<usize>, ()> {
    match bytes.get(i) {
        Some(b'>') => Ok(Some(i + 1)),
        Some(_) => match ascii_space(bytes, i) {
            Some(true) => Ok(memchr::memchr(b'>', &bytes[i + 1..]).map(|j| i + 1 + j + 1)),
            Some(false) => Ok(None),
            None => Err(()),
        },
        None => Ok(None),
    }
}

fn element_body_match(
    text: &str,
    from: usize,
    open: &memmem::Finder<'_>,
    close: &memmem::Finder<'_>,
    to_end: bool,
    dotall: bool,
) -> Option<Option<Groups>> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(i) = open.find(&bytes[at..]) {
        let start = at + i;
        at = start + 1;
        let Some(body) = start_tag_end(bytes, start + open.needle().len()).ok()? else {
            continue;
        };
        if let Some(end) = lazy_until(text, body, close, 0, dotall) {
            return Some(Some(vec![
                Some((start, end + close.needle().len())),
                Some((body, end)),
            ]));
        }
        if to_end && (dotall || memchr::memchr(b'\n', &bytes[body..]).is_none()) {
            return Some(Some(vec![
                Some((start, text.len())),
                Some((body, text.len())),
            ]));
        }
    }
    Some(None)
}

fn data_name_match(text: &str, from: usize) -> Option<Groups> {
    const OPEN: &[u8] = b"<Data Name=";
    static FINDER: std::sync::OnceLock<memmem::Finder<'static>> = std::sync::OnceLock::new();
    let finder = FINDER.get_or_init(|| memmem::Finder::new(OPEN));
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(i) = finder.find(&bytes[at..]) {
        let start = at + i;
        at = start + 1;
        let q = start + OPEN.len();
        if !matches!(bytes.get(q), Some(b'\'' | b'"')) {
            continue;
        }
        let name = q + 1;
        let Some(name_end) = memchr::memchr2(b'\'', b'"', &bytes[name..]).map(|j| name + j) else {
            continue;
        };
        if name_end == name || bytes.get(name_end + 1) != Some(&b'>') {
            continue;
        }
        let value = name_end + 2;
        let Some(value_end) = memchr::memchr(b'<', &bytes[value..]).map(|j| value + j) else {
            continue;
        };
        if !bytes[value_end..].starts_with(b"</Data>") {
            continue;
        }
        return Some(vec![
            Some((start, value_end + 7)),
            Some((name, name_end)),
            Some((value, value_end)),
        ]);
    }
    None
}

fn element_pair_match(text: &str, from: usize) -> Option<Option<Groups>> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(i) = memchr::memchr(b'<', &bytes[at..]) {
        let start = at + i;
        at = start + 1;
        let name_end = word_end(bytes, start + 1)?;
        if name_end == start + 1 {
            continue;
        }
        let Some(value) = start_tag_end(bytes, name_end).ok()? else {
            continue;
        };
        let Some(value_end) = memchr::memchr(b'<', &bytes[value..]).map(|j| value + j) else {
            continue;
        };
        if value_end == value || bytes.get(value_end + 1) != Some(&b'/') {
            continue;
        }
        return Some(Some(vec![
            Some((start, value_end + 2)),
            Some((start + 1, name_end)),
            Some((value, value_end)),
        ]));
    }
    Some(None)
}

/// The caller has checked that `text` is ASCII ([`Derived::decidable`]).
fn attribute_match(text: &str, from: usize) -> Option<Option<Groups>> {
    let bytes = text.as_bytes();
    for start in from..bytes.len() {
        if ascii_space(bytes, start) != Some(true) {
            continue;
        }
        let name_end = word_end(bytes, start + 1)?;
        if name_end == start + 1 || bytes.get(name_end) != Some(&b'=') {
            continue;
        }
        let q = name_end + 1;
        if !matches!(bytes.get(q), Some(b'\'' | b'"')) {
            continue;
        }
        let value = q + 1;
        let Some(value_end) = memchr::memchr2(b'\'', b'"', &bytes[value..]).map(|j| value + j)
        else {
            continue;
        };
        return Some(Some(vec![
            Some((start, value_end + 1)),
            Some((start + 1, name_end)),
            Some((value, value_end)),
        ]));
    }
    Some(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns with a shape, as the bundled Windows knowledge and
    /// other add-ons write them.
    const PATTERNS: &[&str] = &[
        r"<System>(?<System_Props_Xml>.+?)</System>",
        r"<UserData>(?<UserData_Xml>.*?)</UserData>",
        r"(?s)<System>(.*?)</System>",
        r"(?ms)<EventData>(.*?)</EventData>",
        r"<EventData(?:\s[^>]*)?>(?<EventData_Xml>.*?)(?:</EventData>|\z)",
        r"<RenderingInfo(?:\s[^>]*)?>(?<RenderingInfo_Xml>.*?)</RenderingInfo>",
        r#"<Data Name=['"]([^'"]+)['"]>([^<]*)</Data>"#,
        r#"<(\w+)(?:\s[^>]*)?>([^<]+)</"#,
        r#"\s(\w+)=['"]([^'"]*)['"]"#,
    ];

    fn regex_all(re: &regex::Regex, text: &str) -> Vec<Groups> {
        re.captures_iter(text)
            .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
            .collect()
    }

    /// Each pattern with its shape and its regex.
    fn compiled() -> Vec<(&'static str, Derived, regex::Regex)> {
        PATTERNS
            .iter()
            .map(|p| {
                let d = Derived::of(p).unwrap_or_else(|| panic!("no shape for {p}"));
                (*p, d, regex::Regex::new(p).expect("valid"))
            })
            .collect()
    }

    fn check((pattern, d, re): &(&str, Derived, regex::Regex), text: &str) {
        if let Some(all) = d.all(text) {
            assert_eq!(all, regex_all(re, text), "{pattern} on {text:?}");
        }
        if let Some(first) = d.first(text) {
            assert_eq!(
                first,
                regex_all(re, text).into_iter().next(),
                "{pattern} first on {text:?}"
            );
        }
    }

    #[test]
    fn shapes_are_recognised_and_others_are_not() {
        for p in PATTERNS {
            assert!(Derived::of(p).is_some(), "{p}");
        }
        for p in [
            r"(?i)<System>(.+?)</System>",
            r"<System>(.+)</System>",
            r"<Sys.em>(.+?)</System>",
            r"<System>(?:.+?)</System>",
            r"<System>(.+?)(</System>)",
            r#"<Data Name=['"]([^'"]+)['"]>([^<]*)</Data>x"#,
        ] {
            assert!(Derived::of(p).is_none(), "{p}");
        }
    }

    #[test]
    fn matches_equal_the_regex_on_real_shapes() {
        let event = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/><EventID>1</EventID><TimeCreated SystemTime='2022-03-25T17:46:37.653084200Z'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>win-dc</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='RuleName'>-</Data><Data Name='Product'>Microsoft® Windows®</Data><Data Name='CommandLine'>cmd /c \"a\" &amp; b</Data><Data Name='Empty'></Data><Data Name=\"Dq\">x'y</Data></EventData></Event>";
        for p in &compiled() {
            check(p, event);
        }
    }

    /// Random text over the characters these shapes care about.
    #[test]
    fn matches_equal_the_regex_on_generated_text() {
        let pieces = [
            "<",
            ">",
            "/",
            "'",
            "\"",
            " ",
            "\n",
            "\t",
            "=",
            "a",
            "Z",
            "_",
            "9",
            "é",
            "\u{3000}",
            "<System>",
            "</System>",
            "<EventData",
            "<EventData>",
            "</EventData>",
            "<Data Name=",
            "</Data>",
            "<UserData>",
            "</UserData>",
            "<RenderingInfo",
            "</RenderingInfo>",
            " Name='x'",
            "<x>",
            "</",
            "Data",
            "\r",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let patterns = compiled();
        for _ in 0..3000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            for p in &patterns {
                check(p, &text);
            }
        }
    }
}
