//! Which props.conf stanzas apply to an event, and in what order their
//! settings layer.
//!
//! props.conf.spec, "[<spec>] stanza precedence" and the sections after it
//! (<https://help.splunk.com/en/data-management/splunk-enterprise-admin-manual/10.0/10.0.0-configuration-file-reference/props.conf>):
//!
//! - a stanza is `[<sourcetype>]`, `[source::<pattern>]`, `[host::<pattern>]`,
//!   `[rule::<name>]` or `[delayedrule::<name>]` (the last two classify
//!   unknown data at input time, which offline reading never does);
//! - `[host::]` settings override `[<sourcetype>]` ones, and `[source::]`
//!   settings override both, whatever their `priority`;
//! - among matching stanzas of one kind, a higher `priority` wins; by
//!   default 100 for a stanza that matches literally and 0 for a pattern;
//!   at equal priority the stanza whose name is first in ASCII order wins;
//! - in a pattern, `...` matches anything, `*` anything but a path
//!   separator, `.` a period, and `( ) [ ] |` are regular-expression syntax
//!   only within or after the path segment holding the first wildcard; the
//!   pattern must match the whole name;
//! - `[source::]` and `[<sourcetype>]` match case-sensitively, `[host::]`
//!   case-insensitively (unless the pattern starts with `(?-i)`).

use crate::regex_compat::{self, SplRegex};

/// What a stanza name selects.
#[derive(Debug, Clone)]
pub enum StanzaSpec {
    /// `[default]`: every event.
    Default,
    /// `[<sourcetype>]`.
    Sourcetype(String),
    /// `[source::<pattern>]`.
    Source(Pattern),
    /// `[host::<pattern>]`.
    Host(Pattern),
    /// `[rule::<name>]` or `[delayedrule::<name>]`: source type
    /// classification rules, which apply while data is first read and
    /// classified, never to events read with a given sourcetype.
    Rule,
}

/// A `source::` or `host::` pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The text after `source::`/`host::`.
    pub text: String,
    /// Whether the text has no wildcard (it then matches itself only).
    pub literal: bool,
    matcher: PatternMatcher,
}

#[derive(Debug, Clone)]
enum PatternMatcher {
    Literal {
        case_insensitive: bool,
    },
    Regex(SplRegex),
    /// A pattern whose translation does not compile: it matches nothing
    /// (the loader reports it).
    Invalid,
}

/// The kind of a stanza, lowest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StanzaRank {
    /// `[default]`.
    Default,
    /// `[<sourcetype>]`.
    Sourcetype,
    /// `[host::]`.
    Host,
    /// `[source::]`.
    Source,
}

impl StanzaSpec {
    /// Parses a stanza name.
    pub fn parse(name: &str) -> StanzaSpec {
        if name == "default" {
            StanzaSpec::Default
        } else if let Some(p) = name.strip_prefix("source::") {
            StanzaSpec::Source(Pattern::new(p, false))
        } else if let Some(p) = name.strip_prefix("host::") {
            StanzaSpec::Host(Pattern::new(p, true))
        } else if name.starts_with("rule::") || name.starts_with("delayedrule::") {
            StanzaSpec::Rule
        } else {
            StanzaSpec::Sourcetype(name.to_string())
        }
    }

    /// Why the pattern does not compile, for the loader to report.
    pub fn problem(&self) -> Option<String> {
        match self {
            StanzaSpec::Source(p) | StanzaSpec::Host(p) => match p.matcher {
                PatternMatcher::Invalid => Some(format!(
                    "stanza pattern `{}` is not a valid pattern; it matches nothing",
                    p.text
                )),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether the stanza applies to an event with this sourcetype, source
    /// and host, and if so its rank and default priority.
    pub fn applies(&self, sourcetype: &str, source: &str, host: &str) -> Option<(StanzaRank, i64)> {
        match self {
            StanzaSpec::Default => Some((StanzaRank::Default, 0)),
            StanzaSpec::Sourcetype(st) => {
                (st == sourcetype).then_some((StanzaRank::Sourcetype, 100))
            }
            StanzaSpec::Source(p) => p
                .matches(source)
                .then(|| (StanzaRank::Source, p.default_priority())),
            StanzaSpec::Host(p) => p
                .matches(host)
                .then(|| (StanzaRank::Host, p.default_priority())),
            StanzaSpec::Rule => None,
        }
    }
}

impl Pattern {
    /// Compiles a pattern; `host` patterns ignore case.
    pub fn new(text: &str, case_insensitive: bool) -> Pattern {
        let (case_insensitive, body) = match text.strip_prefix("(?-i)") {
            Some(rest) => (false, rest),
            None => (case_insensitive, text),
        };
        let literal = !body.contains('*') && !body.contains("...");
        let matcher = if literal {
            PatternMatcher::Literal { case_insensitive }
        } else {
            match regex_compat::compile(&translate(body), case_insensitive) {
                Ok(re) => PatternMatcher::Regex(re),
                Err(_) => PatternMatcher::Invalid,
            }
        };
        Pattern {
            text: body.replace("\\\\", "\\"),
            literal,
            matcher,
        }
    }

    fn default_priority(&self) -> i64 {
        if self.literal {
            100
        } else {
            0
        }
    }

    /// Whether the whole of `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        match &self.matcher {
            PatternMatcher::Literal {
                case_insensitive: true,
            } => self.text.eq_ignore_ascii_case(name),
            PatternMatcher::Literal {
                case_insensitive: false,
            } => self.text == name,
            PatternMatcher::Regex(re) => re.is_match(name),
            PatternMatcher::Invalid => false,
        }
    }
}

/// The regular expression a wildcard pattern stands for, anchored at both
/// ends.
fn translate(pattern: &str) -> String {
    // Regex syntax is live from the start of the segment holding the first
    // wildcard; before it every character is literal.
    let first_wild = [pattern.find('*'), pattern.find("...")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(pattern.len());
    let live_from = pattern[..first_wild]
        .rfind(['/', '\\'])
        .map_or(0, |i| i + 1);
    let mut out = String::from("^(?:");
    let mut i = 0;
    while i < pattern.len() {
        let rest = &pattern[i..];
        if rest.starts_with("...") {
            out.push_str(".*");
            i += 3;
            continue;
        }
        if rest.starts_with("\\\\") {
            out.push_str("\\\\");
            i += 2;
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        match c {
            '*' => out.push_str("[^/\\\\]*"),
            '.' => out.push_str("\\."),
            _ if i >= live_from => out.push(c),
            _ => out.push_str(&regex_escape(c)),
        }
        i += c.len_utf8();
    }
    out.push_str(")$");
    out
}

fn regex_escape(c: char) -> String {
    if c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii() {
        c.to_string()
    } else {
        format!("\\{c}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(p: &str) -> Pattern {
        Pattern::new(p, false)
    }

    #[test]
    fn ellipsis_matches_anything_and_star_stops_at_separators() {
        assert!(source(".../var/log/*.log").matches("/x/y/var/log/messages.log"));
        assert!(!source(".../var/log/*.log").matches("/var/log/a/b.log"));
        assert!(source("XmlWinEventLog:...")
            .matches("XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"));
        assert!(source("XmlWinEventLog:*").matches("XmlWinEventLog:Security"));
        assert!(!source("XmlWinEventLog:*")
            .matches("XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"));
    }

    #[test]
    fn a_pattern_matches_the_whole_name() {
        assert!(!source("...a").matches("ab"));
        assert!(source("...a...").matches("xaz"));
    }

    #[test]
    fn dots_are_literal_and_regex_syntax_lives_after_the_wildcard() {
        assert!(!source("a.b*").matches("axb"));
        assert!(source("WindowsEventLog:(s|S)ecurity*").matches("WindowsEventLog:security"));
        // Before the wildcard's segment, parentheses are literal.
        assert!(source("/(x)/*").matches("/(x)/y"));
        assert!(source("....(?<!tar.)(gz|bz2)").matches("/a/b.gz"));
        assert!(!source("....(?<!tar.)(gz|bz2)").matches("/a/b.tar.gz"));
    }

    #[test]
    fn sources_match_case_sensitively_and_hosts_do_not() {
        assert!(!source("XmlWinEventLog:Security").matches("xmlwineventlog:security"));
        assert!(Pattern::new("foo", true).matches("FOO"));
        assert!(Pattern::new("web*", true).matches("WEB01"));
        assert!(!Pattern::new("(?-i)bar", true).matches("BAR"));
    }

    #[test]
    fn stanza_kinds_and_default_priorities() {
        let lit = StanzaSpec::parse("source::XmlWinEventLog:Security");
        assert_eq!(
            lit.applies("st", "XmlWinEventLog:Security", "h"),
            Some((StanzaRank::Source, 100))
        );
        let pat = StanzaSpec::parse("host::web*");
        assert_eq!(pat.applies("st", "s", "web1"), Some((StanzaRank::Host, 0)));
        assert!(StanzaSpec::parse("rule::x")
            .applies("st", "s", "h")
            .is_none());
        assert_eq!(
            StanzaSpec::parse("st").applies("st", "s", "h"),
            Some((StanzaRank::Sourcetype, 100))
        );
        assert!(StanzaSpec::parse("ST").applies("st", "s", "h").is_none());
    }
}
