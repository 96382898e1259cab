//! `iconify`: an `_icon` field per result, the same for results with the
//! same values of the listed fields.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2408/search-commands/iconify>:
//! `iconify <field-list>`, "comma or space-delimited list of fields. You
//! cannot specify a wildcard character in the field list." "The iconify
//! command adds a field named _icon to each event. This field is the hash
//! value for the event. Within Splunk Web, a different icon for each unique
//! value in the field is displayed ... If multiple fields are listed, the
//! UI displays a different icon for each unique combination of the field
//! values."
//!
//! The page does not name the hash. spelunk's `_icon` is the lower-case hex
//! MD5 digest of the listed fields' values, each written as text (a
//! multivalue's values joined by newlines, a missing field as nothing) and
//! followed by a NUL byte, so equal combinations give equal icons
//! (docs/semantics.md#other-commands).

use md5::{Digest, Md5};

use crate::commands::common::bad;
use crate::commands::{field_list, CommandArgs};
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "iconify";

/// `iconify clientip method`.
#[derive(Debug, Clone, PartialEq)]
pub struct Iconify {
    /// The fields whose values pick the icon.
    pub fields: Vec<String>,
}

/// Parses `iconify`'s field list.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let fields = field_list(p, &[])?;
    if fields.is_empty() {
        return Err(bad(C, "expected a list of fields", name_span));
    }
    if let Some((name, span)) = fields.iter().find(|(f, _)| f.contains('*')) {
        return Err(bad(
            C,
            format!("wildcards are not allowed in the field list, found `{name}`"),
            *span,
        ));
    }
    Ok(CommandArgs::Iconify(Iconify {
        fields: fields.into_iter().map(|(f, _)| f).collect(),
    }))
}

impl super::Command for Iconify {
    /// Adds `_icon` to each result.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            let mut row = row?;
            let mut hasher = Md5::new();
            for field in &self.fields {
                if let Some(v) = row.get(field) {
                    hasher.update(v.to_text().as_bytes());
                }
                hasher.update([0u8]);
            }
            let digest = hasher.finalize();
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            row.set("_icon", Value::Str(hex));
            Ok(row)
        })))
    }
}

/// The registry entries of `iconify`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "iconify",
        aliases: &[],
        parse,
    },
];
