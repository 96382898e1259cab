//! Automatic lookups: props.conf `LOOKUP-<class> = <lookup> <match_field>
//! [AS <event_field>] ... [OUTPUT|OUTPUTNEW <output> [AS <event_field>]
//! ...]` (props.conf.spec `LOOKUP-<class>`;
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.4/use-the-configuration-files-to-configure-lookups/make-your-lookup-automatic>).
//!
//! - Without an output list, every column except the match fields is
//!   written.
//! - `OUTPUT` replaces the output fields; `OUTPUTNEW` writes only those the
//!   event does not have. "Any event that has all of the <match_field>
//!   values but no matching entry in the lookup table clears all of the
//!   output fields" (with `OUTPUT`).
//! - Lookups run after extractions, aliases and calculated fields, in ASCII
//!   order of their class.

use crate::event::Event;
use crate::lookup::TableMatcher;

/// A parsed `LOOKUP-` setting.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoLookupSpec {
    /// The lookup (transforms.conf stanza, or a `.csv` file).
    pub lookup: String,
    /// (lookup column, event field) pairs that must match.
    pub inputs: Vec<(String, String)>,
    /// (lookup column, event field) pairs to write; empty: every other
    /// column.
    pub outputs: Vec<(String, String)>,
    /// `OUTPUTNEW`.
    pub output_new: bool,
}

impl AutoLookupSpec {
    /// Parses a setting's value.
    pub fn parse(value: &str) -> Result<AutoLookupSpec, String> {
        let words: Vec<&str> = value
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        let Some((lookup, rest)) = words.split_first() else {
            return Err("expected `<lookup> <match_field> ... [OUTPUT|OUTPUTNEW ...]`".into());
        };
        let split_at = rest
            .iter()
            .position(|w| w.eq_ignore_ascii_case("OUTPUT") || w.eq_ignore_ascii_case("OUTPUTNEW"));
        let (input_words, output_words, output_new) = match split_at {
            Some(i) => (
                &rest[..i],
                &rest[i + 1..],
                rest[i].eq_ignore_ascii_case("OUTPUTNEW"),
            ),
            None => (rest, &[][..], false),
        };
        let inputs = pairs(input_words)?;
        if inputs.is_empty() {
            return Err(format!("lookup `{lookup}` has no match field"));
        }
        let outputs = pairs(output_words)?;
        if split_at.is_some() && outputs.is_empty() {
            return Err("expected output fields after OUTPUT/OUTPUTNEW".into());
        }
        Ok(AutoLookupSpec {
            lookup: lookup.to_string(),
            inputs,
            outputs,
            output_new,
        })
    }
}

/// `field [AS name] field [AS name] ...`.
fn pairs(words: &[&str]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let column = words[i];
        if column.eq_ignore_ascii_case("AS") {
            return Err("`AS` without a field before it".into());
        }
        if words
            .get(i + 1)
            .is_some_and(|w| w.eq_ignore_ascii_case("AS"))
        {
            let field = words
                .get(i + 2)
                .ok_or_else(|| format!("`{column} AS` needs a field name"))?;
            out.push((column.to_string(), field.to_string()));
            i += 3;
        } else {
            out.push((column.to_string(), column.to_string()));
            i += 1;
        }
    }
    Ok(out)
}

/// An automatic lookup ready to run.
#[derive(Debug, Clone)]
pub struct AutoLookup {
    /// The setting (`LOOKUP-<class>`) it comes from.
    pub key: String,
    matcher: TableMatcher,
    output_new: bool,
}

impl AutoLookup {
    /// Pairs a spec with its prepared table.
    pub fn new(key: String, spec: &AutoLookupSpec, matcher: TableMatcher) -> AutoLookup {
        AutoLookup {
            key,
            matcher,
            output_new: spec.output_new,
        }
    }

    /// The fields it matches on.
    pub fn input_fields(&self) -> impl Iterator<Item = &str> {
        self.matcher.input_fields()
    }

    /// The fields it writes.
    pub fn output_fields(&self) -> impl Iterator<Item = &str> {
        self.matcher.output_fields()
    }

    /// Enriches an event that has every match field.
    pub fn apply(&self, event: &mut Event) {
        self.matcher.enrich_if_inputs(event, self.output_new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_inputs_outputs_and_aliases() {
        let s = AutoLookupSpec::parse(
            "eventcode EventCode OUTPUTNEW EventDescription EventDescription AS signature",
        )
        .unwrap();
        assert_eq!(s.lookup, "eventcode");
        assert_eq!(s.inputs, [("EventCode".into(), "EventCode".into())]);
        assert_eq!(
            s.outputs,
            [
                ("EventDescription".into(), "EventDescription".into()),
                ("EventDescription".into(), "signature".into())
            ]
        );
        assert!(s.output_new);
        let s = AutoLookupSpec::parse("users uid AS user_id, dept AS d").unwrap();
        assert_eq!(
            s.inputs,
            [
                ("uid".into(), "user_id".into()),
                ("dept".into(), "d".into())
            ]
        );
        assert!(s.outputs.is_empty() && !s.output_new);
    }

    #[test]
    fn malformed_specs_are_refused() {
        assert!(AutoLookupSpec::parse("").is_err());
        assert!(AutoLookupSpec::parse("tbl OUTPUT x").is_err());
        assert!(AutoLookupSpec::parse("tbl a OUTPUT").is_err());
        assert!(AutoLookupSpec::parse("tbl a AS").is_err());
    }
}
