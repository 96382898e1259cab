//! `tags`: annotates results with the tags (tags.conf) of their field
//! values, as the search-time knowledge does for events.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/tags>:
//! `tags [outputfield=<field>] [inclname=<bool>] [inclvalue=<bool>]
//! [allowed_tags=<string>] [<field-list>]`; with fields named "only
//! annotates tags for those fields", otherwise all fields; without
//! `outputfield` "a new field is created for each field that contains tags"
//! (the examples name it `tag::host`) and "a new field is created called
//! tag that lists all of the tag names" (example 1: `tag` and `tag::host`,
//! `apache tag2` for a result whose sourcetype is tagged apache and host
//! tag2, nothing for an untagged result); with `outputfield` the tag names
//! for all of the fields go to that one field, `inclname` adding the field
//! name (`host::tag2`) and `inclvalue` the value, both giving
//! `<field>::<value>::<tag>`; `allowed_tags` (a comma-separated list)
//! keeps only the tags it names.
//!
//! Tags come from the loaded tags.conf (and eventtypes.conf `tags`), the
//! same compiled tags the reader applies (src/knowledge/tags.rs). Choices
//! where the page is silent: `tag` and each `tag::<field>` hold sorted,
//! distinct tags, as at read time; `outputfield` lists the fields in the
//! order the tag stanzas were loaded (example 4 shows `sourcetype::apache`
//! before `host::tag2`, not text order), each field's tags sorted; with
//! `inclvalue` alone an entry is `<value>::<tag>`; a result with no tag
//! keeps whatever tag fields it had.

use crate::commands::common::{at_option, bool_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `tags outputfield=test inclname=t allowed_tags="error, group" host`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tags {
    /// The one field receiving every tag, if given.
    pub outputfield: Option<String>,
    /// Whether `outputfield` entries name the field.
    pub inclname: bool,
    /// Whether `outputfield` entries hold the value.
    pub inclvalue: bool,
    /// The only tags returned, if given.
    pub allowed_tags: Option<Vec<String>>,
    /// The fields looked at (empty: every tagged field).
    pub fields: Vec<String>,
}

/// Parses `tags`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "tags";
    let mut out = Tags {
        outputfield: None,
        inclname: false,
        inclvalue: false,
        allowed_tags: None,
        fields: Vec::new(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "outputfield" => out.outputfield = Some(value),
                "inclname" => out.inclname = bool_opt(c, &key, &value, span)?,
                "inclvalue" => out.inclvalue = bool_opt(c, &key, &value, span)?,
                "allowed_tags" => {
                    out.allowed_tags = Some(
                        value
                            .split(',')
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(str::to_string)
                            .collect(),
                    )
                }
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        out.fields.push(p.field_name("a field name")?.0);
    }
    Ok(CommandArgs::Tags(out))
}

impl Tags {
    /// Whether tag `t` may be returned.
    fn allowed(&self, t: &str) -> bool {
        self.allowed_tags
            .as_ref()
            .is_none_or(|list| list.iter().any(|a| a == t))
    }

    /// The tags of one result: per tagged field, its (value, tag) pairs,
    /// tags sorted and distinct per field.
    fn found(&self, event: &Event, ctx: &Context<'_>) -> Vec<(String, Vec<(String, String)>)> {
        let tags = &ctx.knowledge.tags;
        let mut out = Vec::new();
        for field in tags.tagged_fields() {
            if !self.fields.is_empty() && !self.fields.iter().any(|f| f == field) {
                continue;
            }
            let Some(value) = event.get(field) else {
                continue;
            };
            let mut pairs: Vec<(String, String)> = Vec::new();
            for text in value.texts() {
                for t in tags.tags_of(field, &text).unwrap_or_default() {
                    if self.allowed(t) {
                        pairs.push((text.to_string(), t.clone()));
                    }
                }
            }
            pairs.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            pairs.dedup();
            if !pairs.is_empty() {
                out.push((field.to_string(), pairs));
            }
        }
        out
    }

    /// Annotates one result.
    fn annotate(&self, event: &mut Event, ctx: &Context<'_>) {
        let found = self.found(event, ctx);
        if found.is_empty() {
            return;
        }
        if let Some(output) = &self.outputfield {
            let entries: Vec<String> = found
                .iter()
                .flat_map(|(field, pairs)| {
                    pairs
                        .iter()
                        .map(move |(value, t)| match (self.inclname, self.inclvalue) {
                            (true, true) => format!("{field}::{value}::{t}"),
                            (true, false) => format!("{field}::{t}"),
                            (false, true) => format!("{value}::{t}"),
                            (false, false) => t.clone(),
                        })
                })
                .collect();
            let mut distinct: Vec<String> = Vec::new();
            for e in entries {
                if !distinct.contains(&e) {
                    distinct.push(e);
                }
            }
            event.set_opt(output.as_str(), Value::from_list(distinct));
            return;
        }
        let mut all: Vec<String> = Vec::new();
        for (field, pairs) in &found {
            let mut names: Vec<String> = pairs.iter().map(|(_, t)| t.clone()).collect();
            names.dedup();
            all.extend(names.iter().cloned());
            event.set_opt(format!("tag::{field}"), Value::from_list(names));
        }
        all.sort();
        all.dedup();
        event.set_opt("tag", Value::from_list(all));
    }
}

impl super::Command for Tags {
    /// Annotates every result.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            self.annotate(&mut event, ctx);
            Ok(event)
        })))
    }
}

/// The registry entries of `tags`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "tags",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_tags_is_a_comma_list() {
        let q = crate::syntax::parse(
            "| tags outputfield=test inclname=t allowed_tags=\"error, group\" host",
        )
        .expect("parses");
        let Some(CommandArgs::Tags(t)) = q.commands.first().map(|c| &c.args) else {
            panic!("not tags");
        };
        assert_eq!(
            t.allowed_tags,
            Some(vec!["error".to_string(), "group".to_string()])
        );
        assert!(t.allowed("group") && !t.allowed("other"));
        assert!(t.inclname && !t.inclvalue);
        assert_eq!(t.fields, ["host"]);
    }
}
