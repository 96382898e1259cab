//! `lookup(<lookup_table>, <json_object> [, <json_array>])`: a CSV lookup
//! from an eval expression, returning the matching row's output fields as
//! a JSON object.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/evaluation-functions/comparison-and-conditional-functions>.
//! The lookup is the `lookup` command's ([`crate::lookup::TableMatcher`]):
//! a transforms.conf stanza or a CSV file name, with its `match_type`,
//! `case_sensitive_match`, `max_matches` and `default_match`. The JSON
//! object's keys are lookup columns and its values the values to match; the
//! JSON array names the columns returned, in its order (every column not
//! matched on, in file order, when it is left out). Choices the page does
//! not state (docs/semantics.md): several matching rows give a JSON array
//! of strings per field; no matching row gives null.

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::eval::EvalValue;
use crate::event::Event;
use crate::functions::eval::{arg, eager, CallSite, FnSpec};
use crate::value::Value;

/// The functions of this file.
pub const FUNCTIONS: &[FnSpec] = &[eager("lookup", 2, 3, lookup).differs(
    "eval and where only (fieldformat and other commands' expressions refuse it); several matching rows give a JSON array per field, no match gives null (the page does not say)",
)];

fn lookup(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let Some(name) = arg(&args, 0).as_text() else {
        return Err(site.error("the first argument must name a lookup"));
    };
    let Some(lookups) = site.ctx.lookups.as_ref() else {
        return Err(site.error(
            "lookup tables are read only by the `eval` and `where` commands of a search (not by other commands' expressions, calculated fields or macros)",
        ));
    };
    let inputs = input_object(arg(&args, 1), site)?;
    let outputs = match args.get(2) {
        Some(v) => output_array(v, site)?,
        None => Vec::new(),
    };
    let in_pairs: Vec<(String, String)> =
        inputs.iter().map(|(k, _)| (k.clone(), k.clone())).collect();
    let out_pairs: Vec<(String, String)> = outputs.iter().map(|k| (k.clone(), k.clone())).collect();
    let matcher = lookups
        .prepared
        .get(&lookups.registry, &name, &in_pairs, &out_pairs)
        .map_err(|message| Error::Lookup {
            name: name.clone(),
            message,
            span: Some(site.span),
        })?;
    let mut event = Event::new();
    for (column, value) in inputs {
        event.set(column, value);
    }
    let fields: Vec<String> = matcher.output_fields().map(str::to_string).collect();
    matcher.enrich(&mut event, false);
    let mut object = Map::new();
    for f in fields {
        match event.get(&f) {
            Some(Value::Multi(values)) => {
                object.insert(
                    f,
                    Json::Array(values.iter().cloned().map(Json::String).collect()),
                );
            }
            Some(v) => {
                object.insert(f, Json::String(v.to_text().into_owned()));
            }
            None => {}
        }
    }
    if object.is_empty() {
        return Ok(EvalValue::Null);
    }
    Ok(EvalValue::Str(Json::Object(object).to_string()))
}

/// The JSON object of input columns and values: strings and numbers as
/// text, an array as a multivalue (any value matches), null left out.
fn input_object(v: &EvalValue, site: &CallSite) -> Result<Vec<(String, Value)>> {
    let parsed = v
        .as_text()
        .and_then(|t| serde_json::from_str::<Json>(&t).ok());
    let Some(Json::Object(map)) = parsed else {
        return Err(site.error(
            "the second argument must be a JSON object of lookup columns and values, e.g. json_object(\"user\", user)",
        ));
    };
    let text = |j: &Json| match j {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out = Vec::with_capacity(map.len());
    for (k, j) in map {
        let value = match &j {
            Json::Null => continue,
            Json::Array(items) => {
                match Value::from_list(items.iter().filter(|i| !i.is_null()).map(text).collect()) {
                    Some(v) => v,
                    None => continue,
                }
            }
            other => Value::Str(text(other)),
        };
        out.push((k, value));
    }
    if out.is_empty() {
        return Err(site.error("the JSON object names no lookup column to match on"));
    }
    Ok(out)
}

/// The JSON array of output column names.
fn output_array(v: &EvalValue, site: &CallSite) -> Result<Vec<String>> {
    let parsed = v
        .as_text()
        .and_then(|t| serde_json::from_str::<Json>(&t).ok());
    let bad = || {
        site.error(
            "the third argument must be a JSON array of column names, e.g. json_array(\"dept\")",
        )
    };
    let Some(Json::Array(items)) = parsed else {
        return Err(bad());
    };
    items
        .into_iter()
        .map(|i| match i {
            Json::String(s) => Ok(s),
            _ => Err(bad()),
        })
        .collect()
}
