//! `regex`: keeps (or removes) results whose field matches a regular
//! expression.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/regex>:
//! `regex [<field>=<regex>] | [<field>!=<regex>] | <regex>`; the default
//! field is `_raw`.

use crate::commands::common::bad;
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::regex_compat::{compile, SplRegex};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// `regex _raw="(?i)admin"`, `regex user!="^svc_"`.
#[derive(Debug, Clone)]
pub struct RegexFilter {
    /// The field matched.
    pub field: String,
    /// `!=`: keep results that do not match.
    pub negate: bool,
    /// The pattern as written.
    pub pattern: String,
    /// The compiled pattern.
    pub regex: SplRegex,
}

impl PartialEq for RegexFilter {
    fn eq(&self, other: &Self) -> bool {
        (&self.field, self.negate, &self.pattern) == (&other.field, other.negate, &other.pattern)
    }
}

/// Parses `regex`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let (mut field, mut negate) = ("_raw".to_string(), false);
    if matches!(p.peek2(), Some(Tok::Eq | Tok::Neq)) {
        field = p.field_name("a field name")?.0;
        negate = p.eat(&Tok::Neq);
        if !negate {
            p.expect(&Tok::Eq, "`=` or `!=`")?;
        }
    }
    if p.at_command_end() {
        return Err(bad("regex", "expected a regular expression", name_span));
    }
    // The pattern may hold `=`, `(`, `|`-free punctuation: read it raw when
    // it is not one quoted string.
    let (pattern, span) = match p.peek() {
        Some(Tok::Str(_)) => p.value("a regular expression")?,
        _ => p.rest_of_command(),
    };
    let regex = compile(&pattern, false).map_err(|e| e.at("regex", span))?;
    Ok(CommandArgs::Regex(RegexFilter {
        field,
        negate,
        pattern,
        regex,
    }))
}

impl super::Command for RegexFilter {
    /// Keeps matching (or, negated, non-matching) rows. A row without the
    /// field never matches, so `!=` keeps it.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.filter(move |row| match row {
            Ok(event) => {
                let hit = event
                    .get(&self.field)
                    .is_some_and(|v| v.any_text(|t| self.regex.is_match(t)));
                hit != self.negate
            }
            Err(_) => true,
        })))
    }
}

/// The registry entries of `regex`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "regex",
        aliases: &[],
        parse,
    },
];
