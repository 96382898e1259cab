//! `outputtext`: copies each result's `_raw` into `_xml`.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2408/search-commands/outputtext>:
//! `outputtext [usexml=<bool>]`. "Outputs the contents of the _raw field to
//! the _xml field." With `usexml=true` (the default) "the copy of the _raw
//! field in the _xml is escaped XML"; with `usexml=false` "the _xml field
//! is an exact copy of _raw".
//!
//! The page does not list which characters are escaped; spelunk escapes the
//! three that XML text cannot hold as written, `&`, `<` and `>` (as
//! `&amp;`, `&lt;`, `&gt;`), see docs/semantics.md#other-commands. A result
//! without `_raw` gets no `_xml`.

use crate::commands::common::{at_option, bool_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "outputtext";

/// `outputtext [usexml=<bool>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputtext {
    /// Escape the copy as XML (default true).
    pub usexml: bool,
}

/// Parses `outputtext`'s option.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut usexml = true;
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "usexml" => usexml = bool_opt(C, &key, &value, span)?,
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(p.expected("`usexml=<bool>` or the end of `outputtext`"));
    }
    Ok(CommandArgs::Outputtext(Outputtext { usexml }))
}

impl super::Command for Outputtext {
    /// Sets `_xml` from `_raw` on each result.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            let mut row = row?;
            let copy = match row.get("_raw") {
                None => None,
                Some(v) if !self.usexml => Some(v.clone()),
                Some(Value::Multi(vs)) => {
                    Some(Value::Multi(vs.iter().map(|v| escape(v)).collect()))
                }
                Some(v) => Some(Value::Str(escape(&v.to_text()))),
            };
            if let Some(v) = copy {
                row.set("_xml", v);
            }
            Ok(row)
        })))
    }
}

/// `text` with `&`, `<` and `>` written as entity references.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// The registry entries of `outputtext`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "outputtext",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_characters_only() {
        assert_eq!(
            escape("<a b=\"c\">&'</a>"),
            "&lt;a b=\"c\"&gt;&amp;'&lt;/a&gt;"
        );
    }
}
