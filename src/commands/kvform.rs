//! `kvform`: extracts fields from events with form templates.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.3/search-commands/kvform>:
//! `kvform [form=<string>] [field=<field>]`. A form is a `.form` file in
//! an app's `forms/` folder: the static text of a form with named
//! references to regular expressions, e.g.
//! `Students Name: [[string:student_name]]` / `Age: [[int:age]] Zip: [[int:zip]]`.
//! `form=<name>` matches every event against `<name>.form`; otherwise the
//! value of `field` (default `sourcetype`) names each event's form, and an
//! event whose value has no form is left as it is.
//!
//! spelunk reads the forms of the `--app` folders (a later app's form of a
//! name wins). Where the page does not say (docs/semantics.md#other-commands):
//! the form, its trailing blanks trimmed, becomes one regular expression
//! matched anywhere in `_raw`: its static text literally, except that each
//! run of blanks matches any run of blanks; `[[type:name]]` captures field
//! `name` with the type's expression (`[[type]]` matches without
//! capturing). A type is a transforms.conf stanza's `REGEX` when one of
//! that name is loaded, else one of spelunk's own: `string` (the rest of
//! the line when the form's line ends there, else as little text as
//! lets the rest match, never across lines), `int`, `float`/`num`, `word`
//! and `nspaces` (no blanks), `alphas`, `alphanums`, `digits`, `hex`,
//! `ipv4`, `qstr` (a quoted string), `all` (anything). An unknown type is
//! an error naming it. An event the form does not match is left as it is.

use std::collections::HashMap;

use crate::commands::common::{at_option, bad, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::{Context, Rows};
use crate::regex_compat::SplRegex;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "kvform";

/// `kvform form=sales_order` or `kvform field=eventtype`.
#[derive(Debug, Clone, PartialEq)]
pub struct Kvform {
    /// `form=`: one form for every event.
    pub form: Option<String>,
    /// `field=` (default `sourcetype`): the field naming each event's form.
    pub field: String,
    /// The command, for errors.
    pub span: Span,
}

/// Parses `kvform`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut form = None;
    let mut field = "sourcetype".to_string();
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "form" => form = Some(value.trim_end_matches(".form").to_string()),
            "field" => field = value,
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(p.expected("`form=`, `field=` or the end of `kvform`"));
    }
    Ok(CommandArgs::Kvform(Kvform {
        form,
        field,
        span: name_span.to(p.last_span()),
    }))
}

/// spelunk's own types, for a form type no transforms.conf stanza defines.
fn builtin_type(name: &str) -> Option<&'static str> {
    Some(match name {
        "int" => r"[+-]?\d+",
        "float" | "num" => r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)",
        "word" | "nspaces" => r"\S+",
        "alphas" => r"[A-Za-z]+",
        "alphanums" => r"[A-Za-z0-9]+",
        "digits" => r"\d+",
        "hex" => r"[0-9A-Fa-f]+",
        "ipv4" => r"\d{1,3}(?:\.\d{1,3}){3}",
        "qstr" => r#""(?:\\.|[^"\\])*""#,
        "all" => r"[\s\S]*",
        _ => return None,
    })
}

/// One piece of a form.
enum Piece {
    Text(String),
    Ref { kind: String, name: Option<String> },
}

fn pieces(form: &str) -> std::result::Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find("[[") {
        if i > 0 {
            out.push(Piece::Text(rest[..i].to_string()));
        }
        let after = &rest[i + 2..];
        let end = after
            .find("]]")
            .ok_or_else(|| "a `[[` reference has no closing `]]`".to_string())?;
        let inner = after[..end].trim();
        let (kind, name) = match inner.split_once(':') {
            Some((k, n)) => (k.trim(), Some(n.trim().to_string())),
            None => (inner, None),
        };
        if kind.is_empty() {
            return Err(format!("the reference `[[{inner}]]` names no type"));
        }
        if let Some(n) = &name {
            if n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "the reference `[[{inner}]]` names a field that is not letters, digits and `_`"
                ));
            }
        }
        out.push(Piece::Ref {
            kind: kind.to_string(),
            name,
        });
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_string()));
    }
    Ok(out)
}

/// The regular expression a form stands for.
pub fn form_regex(
    form: &str,
    types: &std::collections::BTreeMap<String, String>,
) -> std::result::Result<String, String> {
    let pieces = pieces(form.trim_end())?;
    let mut re = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(t) => {
                let mut blank = false;
                for ch in t.chars() {
                    if ch.is_whitespace() {
                        if !blank {
                            re.push_str(r"\s+");
                        }
                        blank = true;
                    } else {
                        blank = false;
                        re.push_str(&regex::escape(&ch.to_string()));
                    }
                }
            }
            Piece::Ref { kind, name } => {
                let body: String = match types.get(kind) {
                    Some(r) => r.clone(),
                    None if kind == "string" => {
                        let line_ends = match pieces.get(i + 1) {
                            None => true,
                            Some(Piece::Text(t)) => {
                                let lead: String =
                                    t.chars().take_while(|c| c.is_whitespace()).collect();
                                lead.contains('\n')
                            }
                            Some(Piece::Ref { .. }) => false,
                        };
                        if line_ends {
                            r"[^\n]*[^\s]".to_string()
                        } else {
                            r"[^\n]+?".to_string()
                        }
                    }
                    None => builtin_type(kind)
                        .ok_or_else(|| {
                            format!("unknown type `{kind}` (no transforms.conf stanza `[{kind}]` with a REGEX, and not one of spelunk's types)")
                        })?
                        .to_string(),
                };
                match name {
                    Some(n) => re.push_str(&format!("(?<{n}>{body})")),
                    None => re.push_str(&format!("(?:{body})")),
                }
            }
        }
    }
    Ok(re)
}

impl super::Command for Kvform {
    /// Extracts each event's form fields.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let files = &ctx.knowledge.apps.files;
        let compile = |name: &str| -> Result<Option<SplRegex>> {
            let Some(text) = files.forms.get(name) else {
                return Ok(None);
            };
            let re = form_regex(text, &files.regex_types)
                .map_err(|m| bad(C, format!("form `{name}.form`: {m}"), self.span))?;
            crate::regex_compat::compile(&re, false)
                .map(Some)
                .map_err(|e| bad(C, format!("form `{name}.form`: {}", e.message), self.span))
        };
        let fixed = match &self.form {
            Some(name) => Some(compile(name)?.ok_or_else(|| Error::Runtime {
                message: format!(
                    "kvform: no form `{name}.form` in the forms/ folder of any app given with --app"
                ),
                span: Some(self.span),
            })?),
            None => None,
        };
        let mut cache: HashMap<String, Option<SplRegex>> = HashMap::new();
        Ok(Box::new(input.map(move |row| {
            let mut row = row?;
            let regex = match &fixed {
                Some(r) => Some(r.clone()),
                None => {
                    let names: Vec<String> = row
                        .get(&self.field)
                        .map(|v| v.texts().into_iter().map(|t| t.into_owned()).collect())
                        .unwrap_or_default();
                    let mut found = None;
                    for name in names {
                        if !cache.contains_key(&name) {
                            let compiled = compile(&name)?;
                            cache.insert(name.clone(), compiled);
                        }
                        if let Some(Some(r)) = cache.get(&name) {
                            found = Some(r.clone());
                            break;
                        }
                    }
                    found
                }
            };
            let Some(regex) = regex else {
                return Ok(row);
            };
            let raw = row.get("_raw").map(|v| v.to_text().into_owned());
            if let Some(raw) = raw {
                if let Some(caps) = regex.captures(&raw) {
                    let mut found = Vec::new();
                    for (i, name) in regex.capture_names().iter().enumerate() {
                        if let (Some(name), Some(text)) = (name, caps.get(i)) {
                            found.push((name.clone(), text.to_string()));
                        }
                    }
                    for (name, text) in found {
                        row.set(name, Value::Str(text));
                    }
                }
            }
            Ok(row)
        })))
    }
}

/// The registry entries of `kvform`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "kvform",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_form() {
        let form = "Students Name: [[string:student_name]]\nAge: [[int:age]] Zip: [[int:zip]]\n";
        let re = form_regex(form, &Default::default()).expect("form");
        let r = crate::regex_compat::compile(&re, false).expect("regex");
        let caps = r
            .captures("Students Name: Ann Lee\nAge: 12 Zip: 94107")
            .expect("match");
        let names = r.capture_names().to_vec();
        let at = |n: &str| {
            let i = names
                .iter()
                .position(|x| x.as_deref() == Some(n))
                .expect("group");
            caps.get(i).map(str::to_string)
        };
        assert_eq!(at("student_name").as_deref(), Some("Ann Lee"));
        assert_eq!(at("age").as_deref(), Some("12"));
        assert_eq!(at("zip").as_deref(), Some("94107"));
        assert!(form_regex("[[nope:x]]", &Default::default()).is_err());
        assert!(form_regex("a [[int:x", &Default::default()).is_err());
    }
}
