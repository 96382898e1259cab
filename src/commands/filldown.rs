//! `filldown`: fills a missing field with the last value it had in an
//! earlier result, in pipeline order.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2408/search-commands/filldown>:
//! `filldown <wc-field-list>`; "Replaces null values with the last non-null
//! value for a field or set of fields. If no list of fields is given, the
//! filldown command will be applied to all fields. If there are not any
//! previous values for a field, it is left blank (NULL)." A null value is a
//! field missing from a result; an empty string is a value.

use crate::commands::common::{at_option, option, unknown_option};
use crate::commands::{field_list, CommandArgs};
use crate::error::Result;
use crate::exec::matcher::Glob;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `filldown count score*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filldown {
    /// The fields filled (wildcards allowed); empty: every field.
    pub fields: Vec<String>,
}

/// Parses `filldown`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    if at_option(p) {
        let (key, _, span) = option(p)?;
        return Err(unknown_option("filldown", &key, span));
    }
    let fields = field_list(p, &[])?.into_iter().map(|(f, _)| f).collect();
    Ok(CommandArgs::Filldown(Filldown { fields }))
}

impl super::Command for Filldown {
    /// Remembers each selected field's latest value and gives it to the
    /// results that lack the field.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let globs: Vec<Glob> = self.fields.iter().map(|f| Glob::new(f, true)).collect();
        let selected = move |name: &str| globs.is_empty() || globs.iter().any(|g| g.matches(name));
        // Fields in first-seen order, so filled fields keep a stable order.
        let mut last: indexmap::IndexMap<String, Value> = indexmap::IndexMap::new();
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                for (name, value) in event.iter() {
                    if selected(name) {
                        match last.get_mut(name) {
                            Some(slot) => *slot = value.clone(),
                            None => {
                                last.insert(name.to_string(), value.clone());
                            }
                        }
                    }
                }
                for (name, value) in &last {
                    if event.get(name).is_none() {
                        event.set(name.clone(), value.clone());
                    }
                }
                event
            })
        })))
    }
}

/// The registry entries of `filldown`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "filldown",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    fn rows(vals: &[&[(&str, &str)]]) -> Vec<Result<Event>> {
        vals.iter()
            .map(|fields| {
                let mut e = Event::new();
                for (k, v) in *fields {
                    e.set(*k, Value::from(*v));
                }
                Ok(e)
            })
            .collect()
    }

    fn run(c: &Filldown, input: Vec<Result<Event>>, field: &str) -> Vec<Option<String>> {
        crate::commands::apply_in_test(c, Box::new(input.into_iter()))
            .expect("apply")
            .map(|r| r.expect("row").get(field).map(|v| v.to_text().into_owned()))
            .collect()
    }

    #[test]
    fn fills_only_after_a_first_value_and_only_named_fields() {
        let input = || rows(&[&[("a", "x")], &[("count", "1")], &[], &[("count", "")], &[]]);
        let c = Filldown {
            fields: vec!["count".into()],
        };
        assert_eq!(
            run(&c, input(), "count"),
            [
                None,
                Some("1".into()),
                Some("1".into()),
                Some("".into()),
                Some("".into())
            ]
        );
        assert_eq!(
            run(&c, input(), "a"),
            [Some("x".into()), None, None, None, None]
        );
    }

    #[test]
    fn no_fields_means_every_field_and_wildcards_match() {
        let input = || rows(&[&[("a", "x"), ("score1", "5")], &[]]);
        let all = Filldown { fields: vec![] };
        assert_eq!(
            run(&all, input(), "a"),
            [Some("x".into()), Some("x".into())]
        );
        let wc = Filldown {
            fields: vec!["score*".into()],
        };
        assert_eq!(
            run(&wc, input(), "score1"),
            [Some("5".into()), Some("5".into())]
        );
        assert_eq!(run(&wc, input(), "a"), [Some("x".into()), None]);
    }
}
