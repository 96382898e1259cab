//! `lookup`: enriches results with matching rows of a lookup table.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.1/search-commands/lookup>
//! and the matching rules (`match_type`, `case_sensitive_match`,
//! `max_matches`, `min_matches`, `default_match`):
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.4/use-the-configuration-files-to-configure-lookups/add-field-matching-rules-to-your-lookup-configuration>.

use std::net::IpAddr;

use crate::commands::common::{at_option, bad, option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::matcher::Glob;
use crate::exec::{Context, Rows};
use crate::lookup::{LookupDef, LookupTable};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// Splunk's default `max_matches` for a lookup without a time field.
const DEFAULT_MAX_MATCHES: usize = 100;

/// `lookup users uid AS user_id OUTPUT name AS full_name, dept`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// The lookup name (definition or `.csv` file).
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// (lookup column, event field) pairs that must match.
    pub inputs: Vec<(String, String)>,
    /// (lookup column, event field) pairs to write; empty = every other column.
    pub outputs: Vec<(String, String)>,
    /// `OUTPUTNEW`: only write fields the result does not have.
    pub output_new: bool,
}

/// Parses `lookup`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    while at_option(p) {
        let (key, _, span) = option(p)?;
        if key != "local" && key != "update" {
            return Err(crate::commands::common::unknown_option(
                "lookup", &key, span,
            ));
        }
    }
    let (name, lspan) = p.value("a lookup name")?;
    let inputs = field_pairs(p)?;
    if inputs.is_empty() {
        return Err(bad(
            "lookup",
            "expected at least one lookup field to match",
            name_span.to(lspan),
        ));
    }
    let mut outputs = Vec::new();
    let mut output_new = false;
    if p.at_keyword("output") || p.at_keyword("outputnew") {
        let (kw, kspan) = p.word("OUTPUT")?;
        output_new = kw.eq_ignore_ascii_case("outputnew");
        outputs = field_pairs(p)?;
        if outputs.is_empty() {
            return Err(bad(
                "lookup",
                format!("expected fields after `{kw}`"),
                kspan,
            ));
        }
    }
    Ok(CommandArgs::Lookup(Lookup {
        name,
        name_span: lspan,
        inputs,
        outputs,
        output_new,
    }))
}

/// `<field> [AS <name>]` pairs separated by spaces or commas, up to
/// `OUTPUT`/`OUTPUTNEW` or the end of the command.
fn field_pairs(p: &mut Parser) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    while !p.at_command_end() && !p.at_keyword("output") && !p.at_keyword("outputnew") {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (column, _) = p.field_name("a lookup field")?;
        let field = if p.eat_keyword("as") {
            p.field_name("a field name after `AS`")?.0
        } else {
            column.clone()
        };
        out.push((column, field));
    }
    Ok(out)
}

/// How one input column is compared.
#[derive(Debug, Clone)]
enum Rule {
    Exact,
    Wildcard,
    Cidr,
}

/// A table ready for matching.
struct Prepared {
    table: LookupTable,
    /// Per input: column index and rule.
    inputs: Vec<(Option<usize>, Rule)>,
    /// Per output: column index and event field.
    outputs: Vec<(usize, String)>,
    case_sensitive: bool,
    max_matches: usize,
    min_matches: usize,
    default_match: Option<String>,
    /// Globs for wildcard columns, per row and input (compiled once).
    globs: Vec<Vec<Option<Glob>>>,
}

impl Lookup {
    /// Adds the output fields to every row.
    pub fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let prepared = self.prepare(ctx)?;
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                self.enrich(&prepared, &mut event);
                event
            })
        })))
    }

    fn prepare(&self, ctx: &Context<'_>) -> Result<Prepared> {
        let lookup_error = |message: String| Error::Lookup {
            name: self.name.clone(),
            message,
            span: Some(self.name_span),
        };
        let table = ctx.lookups.table(&self.name).map_err(lookup_error)?;
        let def: Option<&LookupDef> = ctx.lookups.get(&self.name);
        let column = |c: &str| table.columns.iter().position(|x| x == c);
        let rule_for = |c: &str| -> Rule {
            let Some(def) = def else { return Rule::Exact };
            for mt in &def.match_type {
                let upper = mt.to_ascii_uppercase();
                let inner = mt
                    .find('(')
                    .and_then(|i| mt.strip_suffix(')').map(|s| s[i + 1..].trim()));
                if inner == Some(c) {
                    if upper.starts_with("WILDCARD") {
                        return Rule::Wildcard;
                    }
                    if upper.starts_with("CIDR") {
                        return Rule::Cidr;
                    }
                }
            }
            Rule::Exact
        };
        let inputs: Vec<(Option<usize>, Rule)> = self
            .inputs
            .iter()
            .map(|(c, _)| (column(c), rule_for(c)))
            .collect();
        if let Some((c, _)) = self.inputs.iter().find(|(c, _)| column(c).is_none()) {
            return Err(lookup_error(format!("has no column `{c}`")));
        }
        let outputs: Vec<(usize, String)> = if self.outputs.is_empty() {
            table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| !self.inputs.iter().any(|(i, _)| i == *c))
                .map(|(i, c)| (i, c.clone()))
                .collect()
        } else {
            let mut out = Vec::new();
            for (c, f) in &self.outputs {
                let i = column(c).ok_or_else(|| lookup_error(format!("has no column `{c}`")))?;
                out.push((i, f.clone()));
            }
            out
        };
        let case_sensitive = def.is_none_or(|d| d.case_sensitive_match);
        let globs = table
            .rows
            .iter()
            .map(|row| {
                inputs
                    .iter()
                    .map(
                        |(i, rule)| match (rule, i.and_then(|i| row.get(i).cloned().flatten())) {
                            (Rule::Wildcard, Some(text)) => Some(Glob::new(&text, case_sensitive)),
                            _ => None,
                        },
                    )
                    .collect()
            })
            .collect();
        Ok(Prepared {
            inputs,
            outputs,
            case_sensitive,
            max_matches: def
                .and_then(|d| d.max_matches)
                .unwrap_or(DEFAULT_MAX_MATCHES)
                .max(1),
            min_matches: def.and_then(|d| d.min_matches).unwrap_or(0),
            default_match: def.and_then(|d| d.default_match.clone()),
            globs,
            table,
        })
    }

    fn enrich(&self, t: &Prepared, event: &mut Event) {
        // Every input field must be present; each may be multivalue.
        let mut wanted: Vec<Vec<String>> = Vec::new();
        for (_, field) in &self.inputs {
            match event.get(field) {
                Some(v) => wanted.push(v.texts().iter().map(|s| s.to_string()).collect()),
                None => {
                    wanted.clear();
                    break;
                }
            }
        }
        let mut matched: Vec<usize> = Vec::new();
        if wanted.len() == self.inputs.len() {
            for (r, row) in t.table.rows.iter().enumerate() {
                if matched.len() >= t.max_matches {
                    break;
                }
                let all = t.inputs.iter().enumerate().all(|(k, (col, rule))| {
                    let Some(cell) = col.and_then(|c| row.get(c)).and_then(|c| c.as_deref()) else {
                        return false;
                    };
                    wanted[k].iter().any(|v| {
                        cell_matches(rule, cell, v, t.case_sensitive, t.globs[r][k].as_ref())
                    })
                });
                if all {
                    matched.push(r);
                }
            }
        }
        for (col, field) in &t.outputs {
            if self.output_new && event.contains(field) {
                continue;
            }
            let mut values: Vec<String> = matched
                .iter()
                .filter_map(|r| t.table.rows[*r].get(*col).cloned().flatten())
                .collect();
            if matched.len() < t.min_matches {
                if let Some(d) = &t.default_match {
                    values = vec![d.clone()];
                }
            }
            event.set_opt(field.clone(), Value::from_list(values));
        }
    }
}

fn cell_matches(
    rule: &Rule,
    cell: &str,
    value: &str,
    case_sensitive: bool,
    glob: Option<&Glob>,
) -> bool {
    match rule {
        Rule::Exact if case_sensitive => cell == value,
        Rule::Exact => cell.to_lowercase() == value.to_lowercase(),
        Rule::Wildcard => glob.is_some_and(|g| g.matches(value)),
        Rule::Cidr => cidr_contains(cell, value),
    }
}

/// Whether `ip` is inside `cidr` (`10.0.0.0/8`, `2001:db8::/32`, or a
/// plain address, which must be equal).
pub fn cidr_contains(cidr: &str, ip: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => (n.trim(), b.trim().parse::<u32>().ok()),
        None => (cidr.trim(), None),
    };
    let (Ok(net), Ok(ip)) = (net.parse::<IpAddr>(), ip.trim().parse::<IpAddr>()) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_matching() {
        assert!(cidr_contains("10.0.0.0/8", "10.2.3.4"));
        assert!(!cidr_contains("10.0.0.0/8", "11.2.3.4"));
        assert!(cidr_contains("0.0.0.0/0", "1.2.3.4"));
        assert!(cidr_contains("1.2.3.4", "1.2.3.4"));
        assert!(cidr_contains("2001:db8::/32", "2001:db8::1"));
        assert!(!cidr_contains("10.0.0.0/8", "not-an-ip"));
    }
}
