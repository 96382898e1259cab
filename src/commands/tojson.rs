//! `tojson`: writes each result's fields as a JSON object into a field.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.2/search-commands/tojson>:
//! `| tojson [<tojson-function>]... [default_type=<datatype>]
//! [fill_null=<boolean>] [include_internal=<boolean>] [output_field=<string>]`,
//! functions `auto | bool | json | none | num | str (<wc-field>)`; named
//! fields limit the object to them (a bare name takes `default_type`,
//! default `none`); no fields means `none(*)`; internal fields (`_time`,
//! `_raw`, ...) only with `include_internal=true`; a skipped value becomes
//! `null` with `fill_null=true`; output in `_raw` by default; multivalue
//! fields become arrays with the function applied to each element. The
//! per-type rules are the page's table: `none` numbers purely numeric
//! values, strings the rest; `auto` also makes `true`/`false` booleans,
//! `null` a null and proper JSON nested JSON; `bool` takes a number (false
//! only for 0) or true/t/yes, false/f/no in any case, else skips; `json`
//! keeps numbers and parses strings as JSON, skipping invalid ones; `num`
//! parses numbers and skips the rest; `str` makes every value a string.
//!
//! Choices where the page is silent: the first function whose wildcard
//! matches a field decides its type (so `num(date_hour) str(date_*)` makes
//! `date_hour` a number, as the page's example 2 says); keys are written in
//! name order, as the page's example objects list them; a named internal
//! field (no wildcard) is included without `include_internal`.

use crate::commands::common::{at_option, bad, bool_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::matcher::Glob;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::{parse_number, Value};

/// A datatype function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// Detect numbers, booleans, null and nested JSON.
    Auto,
    /// Booleans only.
    Bool,
    /// JSON text parsed.
    Json,
    /// Numbers for numeric values, strings for the rest.
    None,
    /// Numbers only.
    Num,
    /// Strings.
    Str,
}

impl JsonType {
    fn from_name(name: &str) -> Option<JsonType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "auto" => JsonType::Auto,
            "bool" => JsonType::Bool,
            "json" => JsonType::Json,
            "none" => JsonType::None,
            "num" => JsonType::Num,
            "str" => JsonType::Str,
            _ => return None,
        })
    }
}

/// `| tojson num(date_hour) str(date_*) output_field=j`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tojson {
    /// The selected fields (wildcards allowed) with their type; `None` is a
    /// bare name taking `default_type`. Empty: every field.
    pub specs: Vec<(String, Option<JsonType>)>,
    /// The type of fields without a function.
    pub default_type: JsonType,
    /// Whether a skipped value is written as `null`.
    pub fill_null: bool,
    /// Whether `_` fields are included.
    pub include_internal: bool,
    /// Where the object is written.
    pub output_field: String,
}

/// Parses `tojson`'s arguments.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "tojson";
    let mut out = Tojson {
        specs: Vec::new(),
        default_type: JsonType::None,
        fill_null: false,
        include_internal: false,
        output_field: "_raw".to_string(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "default_type" => {
                    out.default_type = JsonType::from_name(&value).ok_or_else(|| {
                        bad(
                            c,
                            format!("`default_type` must be auto, bool, json, none, num or str, found `{value}`"),
                            span,
                        )
                    })?
                }
                "fill_null" => out.fill_null = bool_opt(c, &key, &value, span)?,
                "include_internal" => out.include_internal = bool_opt(c, &key, &value, span)?,
                "output_field" => out.output_field = value,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat(&crate::syntax::lexer::Tok::Comma) {
            continue;
        }
        let (text, span) = p.field_name("a field or a datatype function such as `num(x)`")?;
        match text.split_once('(') {
            Some((func, rest)) => {
                let ty = JsonType::from_name(func).ok_or_else(|| {
                    bad(
                        c,
                        format!("unknown datatype function `{func}` (expected auto, bool, json, none, num or str)"),
                        span,
                    )
                })?;
                let field = rest
                    .strip_suffix(')')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .ok_or_else(|| bad(c, format!("`{text}`: expected <type>(<field>)"), span))?;
                out.specs.push((field.to_string(), Some(ty)));
            }
            None => out.specs.push((text, None)),
        }
    }
    Ok(CommandArgs::Tojson(out))
}

/// A number as JSON: whole numbers without a fraction.
fn json_number(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 1e17 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// One value under a datatype function; `None` when it is skipped.
fn convert(ty: JsonType, text: &str) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    let number = parse_number(text);
    match ty {
        JsonType::Str => Some(J::String(text.to_string())),
        JsonType::None => Some(number.map_or_else(|| J::String(text.to_string()), json_number)),
        JsonType::Num => number.map(json_number),
        JsonType::Bool => {
            if let Some(n) = number {
                return Some(J::Bool(n != 0.0));
            }
            match text.to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" => Some(J::Bool(true)),
                "false" | "f" | "no" => Some(J::Bool(false)),
                _ => None,
            }
        }
        JsonType::Json => match number {
            Some(n) => Some(json_number(n)),
            None => serde_json::from_str(text).ok(),
        },
        JsonType::Auto => Some(match (number, text) {
            (Some(n), _) => json_number(n),
            (None, "true") => J::Bool(true),
            (None, "false") => J::Bool(false),
            (None, "null") => J::Null,
            (None, _) => match serde_json::from_str::<J>(text) {
                Ok(v @ (J::Object(_) | J::Array(_))) => v,
                _ => J::String(text.to_string()),
            },
        }),
    }
}

impl Tojson {
    /// The type for a field, or `None` when it is not selected.
    fn type_of(&self, name: &str, globs: &[(Glob, Option<JsonType>, bool)]) -> Option<JsonType> {
        let internal = name.starts_with('_');
        if self.specs.is_empty() {
            return (!internal || self.include_internal).then_some(self.default_type);
        }
        globs.iter().find_map(|(g, ty, wild)| {
            let allowed = !internal || self.include_internal || !wild;
            (allowed && g.matches(name)).then_some(ty.unwrap_or(self.default_type))
        })
    }
}

impl super::Command for Tojson {
    /// Writes the object into each result.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let globs: Vec<(Glob, Option<JsonType>, bool)> = self
            .specs
            .iter()
            .map(|(f, ty)| (Glob::new(f, true), *ty, f.contains('*')))
            .collect();
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                let mut fields: Vec<(&str, &Value)> = event.iter().collect();
                fields.sort_by(|a, b| a.0.cmp(b.0));
                let mut object = serde_json::Map::new();
                for (name, value) in fields {
                    let Some(ty) = self.type_of(name, &globs) else {
                        continue;
                    };
                    let converted = match value {
                        Value::Multi(items) => Some(serde_json::Value::Array(
                            items
                                .iter()
                                .filter_map(|t| {
                                    convert(ty, t)
                                        .or(self.fill_null.then_some(serde_json::Value::Null))
                                })
                                .collect(),
                        )),
                        Value::Num(n) if ty != JsonType::Str => match ty {
                            JsonType::Bool => Some(serde_json::Value::Bool(*n != 0.0)),
                            _ => Some(json_number(*n)),
                        },
                        other => convert(ty, &other.to_text()),
                    };
                    match converted {
                        Some(v) => {
                            object.insert(name.to_string(), v);
                        }
                        None if self.fill_null => {
                            object.insert(name.to_string(), serde_json::Value::Null);
                        }
                        None => {}
                    }
                }
                let text = serde_json::Value::Object(object).to_string();
                event.set(self.output_field.clone(), Value::Str(text));
                event
            })
        })))
    }
}

/// The registry entries of `tojson`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "tojson",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn datatype_functions_follow_the_page_table() {
        assert_eq!(convert(JsonType::None, "42"), Some(json!(42)));
        assert_eq!(convert(JsonType::None, "true"), Some(json!("true")));
        assert_eq!(convert(JsonType::Auto, "true"), Some(json!(true)));
        assert_eq!(convert(JsonType::Auto, "null"), Some(json!(null)));
        assert_eq!(convert(JsonType::Auto, "{\"a\":1}"), Some(json!({"a": 1})));
        assert_eq!(convert(JsonType::Auto, "x"), Some(json!("x")));
        assert_eq!(convert(JsonType::Bool, "NO"), Some(json!(false)));
        assert_eq!(convert(JsonType::Bool, "0"), Some(json!(false)));
        assert_eq!(convert(JsonType::Bool, "maybe"), None);
        assert_eq!(convert(JsonType::Num, "1.5"), Some(json!(1.5)));
        assert_eq!(convert(JsonType::Num, "abc"), None);
        assert_eq!(convert(JsonType::Json, "{bad"), None);
        assert_eq!(convert(JsonType::Str, "7"), Some(json!("7")));
    }
}
