//! `setfields`: sets fields to the same literal value on every result.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/setfields>
//! (deprecated since 9.0.0 but still documented): `setfields
//! <string>="<string>", ...`. Missing fields are added, present fields are
//! overwritten, and "standard key cleaning" applies to the names: every
//! non-alphanumeric character becomes `_` and leading `_` are removed.

use crate::commands::common::bad;
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `setfields ip="10.10.10.10", foo="foo bar"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Setfields {
    /// Cleaned field names and their values, in order.
    pub pairs: Vec<(String, String)>,
}

/// Splunk's key cleaning, as the page states it.
fn clean_key(key: &str) -> String {
    let replaced: String = key
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    replaced.trim_start_matches('_').to_string()
}

/// Parses `setfields`' arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "setfields";
    let mut pairs = Vec::new();
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (key, kspan) = p.field_name("a field name")?;
        p.expect(&Tok::Eq, "`=` after the field name")?;
        let (value, _) = p.value(&format!("a value for `{key}`"))?;
        let name = clean_key(&key);
        if name.is_empty() {
            return Err(bad(
                c,
                format!("field name `{key}` is empty after key cleaning"),
                kspan,
            ));
        }
        pairs.push((name, value));
    }
    if pairs.is_empty() {
        return Err(bad(
            c,
            "expected at least one `<field>=\"<value>\"`",
            name_span,
        ));
    }
    Ok(CommandArgs::Setfields(Setfields { pairs }))
}

impl super::Command for Setfields {
    /// Sets the fields on every result.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            for (name, value) in &self.pairs {
                event.set(name.clone(), Value::Str(value.clone()));
            }
            Ok(event)
        })))
    }
}

/// The registry entries of `setfields`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "setfields",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::clean_key;

    #[test]
    fn key_cleaning() {
        assert_eq!(clean_key("ip"), "ip");
        assert_eq!(clean_key("src-ip.v4"), "src_ip_v4");
        assert_eq!(clean_key("__x y"), "x_y");
    }
}
