//! `xmlunescape`: XML entity references in `_raw` turned back into their
//! characters.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/xmlunescape>:
//! `xmlunescape [maxinputs=<int>]`. "Un-escapes xml characters, including
//! entity references such as &amp;, &lt;, and &gt;".
//!
//! The page does not name the field; spelunk unescapes `_raw`, the event
//! text (docs/semantics.md#combining-and-writing-results). Replaced, each
//! once (`&amp;lt;` gives `&lt;`): the five predefined entities (`&amp;`
//! `&lt;` `&gt;` `&quot;` `&apos;`) and character references (`&#65;`,
//! `&#x41;`) naming a character XML allows; anything else stays as written.
//! `maxinputs` sets how many results Splunk hands the command at a time,
//! which does not change them: it is checked for a whole number only.

use crate::commands::common::{at_option, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "xmlunescape";

/// `xmlunescape [maxinputs=<int>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Xmlunescape;

/// Parses `xmlunescape`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "maxinputs" => {
                count_opt(C, &key, &value, span)?;
            }
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(p.expected("`maxinputs=<int>` or the end of `xmlunescape`"));
    }
    Ok(CommandArgs::Xmlunescape(Xmlunescape))
}

impl super::Command for Xmlunescape {
    /// Unescapes each result's `_raw`.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(|row| {
            let mut row = row?;
            let replaced = match row.get("_raw") {
                Some(Value::Str(s)) if s.contains('&') => Some(Value::Str(unescape(s))),
                Some(Value::Multi(vs)) if vs.iter().any(|v| v.contains('&')) => {
                    Some(Value::Multi(vs.iter().map(|v| unescape(v)).collect()))
                }
                _ => None,
            };
            if let Some(v) = replaced {
                row.set("_raw".to_string(), v);
            }
            Ok(row)
        })))
    }
}

/// `text` with its entity and character references replaced.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        // A reference is short: `&#x10FFFF;` is the longest.
        let end = after
            .char_indices()
            .take(10)
            .find(|(_, c)| *c == ';')
            .map(|(j, _)| j);
        match end.and_then(|j| reference(&after[..j]).map(|c| (j, c))) {
            Some((j, c)) => {
                out.push(c);
                rest = &after[j + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character a reference's name (between `&` and `;`) stands for.
fn reference(name: &str) -> Option<char> {
    let code = match name {
        "amp" => return Some('&'),
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        _ => {
            let digits = name.strip_prefix('#')?;
            match digits.strip_prefix(['x', 'X']) {
                Some(hex) if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                None if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => {
                    digits.parse::<u32>().ok()?
                }
                _ => return None,
            }
        }
    };
    // XML 1.0's Char production: no NUL, no other control but tab, LF, CR.
    let allowed =
        matches!(code, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
    if allowed {
        char::from_u32(code)
    } else {
        None
    }
}

/// The registry entries of `xmlunescape`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "xmlunescape",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_replaced_once() {
        assert_eq!(unescape("a &amp;amp; b &lt;&gt;"), "a &amp; b <>");
        assert_eq!(unescape("&#x1F600;&#9;"), "\u{1F600}\t");
        assert_eq!(
            unescape("&#xD800; &#; &#x; &&amp"),
            "&#xD800; &#; &#x; &&amp"
        );
        assert_eq!(unescape("tail &"), "tail &");
        assert_eq!(unescape("&é;&amp;"), "&é;&");
    }
}
