//! `scrub`: anonymizes results, replacing identifying words with made-up
//! ones of the same length.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/scrub>:
//! `scrub [public-terms=<filename>] [private-terms=<filename>]
//! [name-terms=<filename>] [dictionary=<filename>] [timeconfig=<filename>]
//! [namespace=<string>]`. Public terms and dictionary words are not
//! anonymized, unless they are private terms; names are anonymized (as
//! names); `namespace` names the app whose `anonymizer/` folder holds the
//! files. Every field is anonymized except those starting with `_` (but
//! `_raw` is) or `date_`, and `eventtype`, `linecount`, `punct`,
//! `sourcetype`, `timeendpos`, `timestartpos`. The page's example turns
//! `user=carol@adalberto.com` into `user=aname@mycompany.com`.
//!
//! spelunk's reading (docs/semantics.md#other-commands): Splunk's default
//! anonymizer files (`$SPLUNK_HOME/etc/anonymizer`) are Splunk's and are
//! not shipped. The files are read from the `anonymizer/` folders of the
//! `--app` folders (`namespace=` picks one app); without a file option,
//! the default file names (`public-terms.txt`, `private-terms.txt`,
//! `names.txt`, `dictionary.txt`) are used when an app has them. A file
//! lists one term per line (blank lines and `#` lines skipped), matched
//! without regard to case. A term is a run of letters and digits; the
//! rest (punctuation, blanks) is kept. A term that is public or in the
//! dictionary (and not private) is kept; a name is replaced by a name of
//! the same length from spelunk's own list when it has one; every other
//! term is replaced by one of the same shape: each letter by a letter of
//! the same case, each digit by a digit. The replacement is fixed for a
//! term (the same word is scrubbed the same way everywhere), so results
//! stay comparable. `timeconfig` (Splunk's timestamp-keeping rules) is
//! refused: timestamps in `_raw` are anonymized like other digits.

use std::collections::HashSet;

use crate::commands::common::{at_option, option, unknown_option, unsupported};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::{Context, Rows};
use crate::knowledge::app_files::AppFiles;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "scrub";

/// The anonymizer file settings of `scrub`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scrub {
    /// `public-terms=`.
    pub public_terms: Option<String>,
    /// `private-terms=`.
    pub private_terms: Option<String>,
    /// `name-terms=`.
    pub name_terms: Option<String>,
    /// `dictionary=`.
    pub dictionary: Option<String>,
    /// `namespace=`: the app whose `anonymizer/` files are read.
    pub namespace: Option<String>,
    /// The command, for errors.
    pub span: Span,
}

/// Parses `scrub`'s arguments. The option names hold `-`, so they are
/// read as words up to `=`.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Scrub {
        span: name_span,
        ..Scrub::default()
    };
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "public-terms" => out.public_terms = Some(value),
            // The page's example 2 spells it `private-file`.
            "private-terms" | "private-file" => out.private_terms = Some(value),
            "name-terms" => out.name_terms = Some(value),
            "dictionary" => out.dictionary = Some(value),
            "namespace" => out.namespace = Some(value),
            "timeconfig" => {
                return Err(unsupported(
                    C,
                    "`timeconfig` (timestamp formats kept as written) is not supported: Splunk's anonymizer-time rules are not documented",
                    span,
                ))
            }
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(
            p.expected("a `scrub` option such as `private-terms=<file>`, or the end of `scrub`")
        );
    }
    out.span = name_span.to(p.last_span());
    Ok(CommandArgs::Scrub(out))
}

/// Fields never anonymized (besides `_*` other than `_raw`, and `date_*`).
const KEPT_FIELDS: &[&str] = &[
    "eventtype",
    "linecount",
    "punct",
    "sourcetype",
    "timeendpos",
    "timestartpos",
];

/// Names spelunk replaces names with, by length (made up for spelunk).
const NAMES: &[&str] = &[
    "al",
    "bo",
    "ed",
    "amy",
    "ben",
    "eva",
    "ian",
    "joe",
    "kim",
    "lou",
    "ada",
    "anna",
    "carl",
    "dora",
    "emil",
    "gina",
    "hugo",
    "ivan",
    "jane",
    "aname",
    "bruno",
    "clara",
    "diego",
    "elena",
    "frank",
    "greta",
    "helen",
    "isaac",
    "agatha",
    "bianca",
    "casper",
    "dalton",
    "edwina",
    "fabian",
    "gordon",
    "hannah",
    "abigail",
    "bernard",
    "charles",
    "delilah",
    "ernesto",
    "florian",
    "gabriel",
    "adelaide",
    "benedict",
    "clarissa",
    "dominick",
    "evangela",
    "franklin",
    "genevieve",
    "alexander",
    "bartholomew",
];

/// The term lists a run uses.
struct Terms {
    public: HashSet<String>,
    private: HashSet<String>,
    names: HashSet<String>,
}

fn lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
}

impl Scrub {
    /// The text of an anonymizer file: from the `namespace` app, else from
    /// any app (the last app given that has it). `Ok(None)` when a default
    /// file is absent; an error when a named file is.
    fn file<'a>(&self, files: &'a AppFiles, name: &str, named: bool) -> Result<Option<&'a String>> {
        let found = match &self.namespace {
            Some(app) => files.anonymizer.get(app).and_then(|f| f.get(name)),
            None => files.anonymizer.values().rev().find_map(|f| f.get(name)),
        };
        if found.is_none() && named {
            let place = match &self.namespace {
                Some(app) => format!("the anonymizer/ folder of app `{app}`"),
                None => "the anonymizer/ folder of any app given with --app".to_string(),
            };
            return Err(Error::Runtime {
                message: format!("scrub: no file `{name}` in {place}"),
                span: Some(self.span),
            });
        }
        Ok(found)
    }

    fn terms(&self, files: &AppFiles) -> Result<Terms> {
        if let Some(app) = &self.namespace {
            if !files.anonymizer.contains_key(app) {
                return Err(Error::Runtime {
                    message: format!(
                        "scrub: namespace `{app}`: no app of that folder name with an anonymizer/ folder was given with --app"
                    ),
                    span: Some(self.span),
                });
            }
        }
        let read = |option: &Option<String>, default: &str| -> Result<HashSet<String>> {
            let (name, named) = match option {
                Some(n) => (n.as_str(), true),
                None => (default, false),
            };
            Ok(self
                .file(files, name, named)?
                .map(|t| lines(t).collect())
                .unwrap_or_default())
        };
        let mut public = read(&self.public_terms, "public-terms.txt")?;
        public.extend(read(&self.dictionary, "dictionary.txt")?);
        Ok(Terms {
            public,
            private: read(&self.private_terms, "private-terms.txt")?,
            names: read(&self.name_terms, "names.txt")?,
        })
    }
}

impl super::Command for Scrub {
    /// Anonymizes each result.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let terms = self.terms(&ctx.knowledge.apps.files)?;
        Ok(Box::new(input.map(move |row| {
            let mut row = row?;
            let names: Vec<String> = row
                .iter()
                .map(|(k, _)| k.to_string())
                .filter(|k| scrubbed_field(k))
                .collect();
            for name in names {
                let new = match row.get(&name) {
                    Some(Value::Str(s)) => Value::Str(scrub_text(s, &terms)),
                    Some(Value::Multi(vs)) => {
                        Value::Multi(vs.iter().map(|v| scrub_text(v, &terms)).collect())
                    }
                    Some(Value::Num(n)) => {
                        let text = crate::value::format_number(*n);
                        Value::Str(scrub_text(&text, &terms))
                    }
                    None => continue,
                };
                row.set(name, new);
            }
            Ok(row)
        })))
    }
}

/// Whether `scrub` anonymizes a field.
fn scrubbed_field(name: &str) -> bool {
    if name == "_raw" {
        return true;
    }
    !(name.starts_with('_') || name.starts_with("date_") || KEPT_FIELDS.contains(&name))
}

/// `text` with each term anonymized.
fn scrub_text(text: &str, terms: &Terms) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            word.push(ch);
        } else {
            if !word.is_empty() {
                out.push_str(&scrub_term(&word, terms));
                word.clear();
            }
            out.push(ch);
        }
    }
    if !word.is_empty() {
        out.push_str(&scrub_term(&word, terms));
    }
    out
}

fn scrub_term(term: &str, terms: &Terms) -> String {
    let lower = term.to_lowercase();
    if terms.public.contains(&lower) && !terms.private.contains(&lower) {
        return term.to_string();
    }
    let mut rng = Rng::for_term(&lower);
    if terms.names.contains(&lower) {
        let len = term.chars().count();
        let same: Vec<&&str> = NAMES.iter().filter(|n| n.len() == len).collect();
        if !same.is_empty() {
            let pick = same[rng.below(same.len())];
            return with_case_of(pick, term);
        }
    }
    term.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from(b'0' + rng.below(10) as u8)
            } else if c.is_uppercase() {
                char::from(b'A' + rng.below(26) as u8)
            } else {
                char::from(b'a' + rng.below(26) as u8)
            }
        })
        .collect()
}

/// `word` with the capitalisation of `like` (all caps, capitalised, lower).
fn with_case_of(word: &str, like: &str) -> String {
    if like.chars().all(|c| !c.is_lowercase()) && like.chars().any(char::is_uppercase) {
        word.to_uppercase()
    } else if like.chars().next().is_some_and(char::is_uppercase) {
        let mut cs = word.chars();
        cs.next()
            .map(|f| f.to_uppercase().chain(cs).collect())
            .unwrap_or_default()
    } else {
        word.to_string()
    }
}

/// A small xorshift generator seeded from a term (FNV-1a), so a term is
/// always scrubbed the same way.
struct Rng(u64);

impl Rng {
    fn for_term(term: &str) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in term.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The registry entries of `scrub`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "scrub",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_kept_and_stable() {
        let terms = Terms {
            public: ["user", "com"].iter().map(|s| s.to_string()).collect(),
            private: HashSet::new(),
            names: ["carol"].iter().map(|s| s.to_string()).collect(),
        };
        let a = scrub_text("user=carol@adalberto.com 10.1.2.3", &terms);
        let b = scrub_text("user=carol@adalberto.com 10.1.2.3", &terms);
        assert_eq!(a, b);
        assert!(a.starts_with("user="));
        assert!(a.contains(".com "));
        let name = &a[5..10];
        assert!(NAMES.contains(&name), "{a}");
        assert_eq!(a.len(), "user=carol@adalberto.com 10.1.2.3".len());
        assert!(!a.contains("adalberto"));
        assert_eq!(with_case_of("anna", "Bob!"), "Anna");
    }
}
