//! JSON functions (help.splunk.com, SPL reference 9.4, "JSON functions"):
//! `json`, `json_object`, `json_array`, `json_extract`,
//! `json_extract_exact`, `json_keys`, `json_set`, `json_set_exact`,
//! `json_valid`, `json_array_to_mv`, `mv_to_json_array`, `json_append`,
//! `json_extend`, `json_delete`, `json_has_key_exact`, `json_entries`.
//!
//! Paths use Splunk's notation: `a.b` for keys, `{0}` for an array
//! element, `{}` for every element.

use serde_json::{Map, Value as Json};

use crate::error::Result;
use crate::eval::EvalValue;
use crate::functions::eval::{arg, eager, CallSite, FnSpec, MANY};
use crate::value::format_number;

/// The functions of this category.
pub const FUNCTIONS: &[FnSpec] = &[
    eager("json", 1, 1, json),
    eager("json_object", 0, MANY, json_object),
    eager("json_array", 0, MANY, json_array),
    eager("json_extract", 1, MANY, json_extract),
    eager("json_extract_exact", 1, MANY, json_extract_exact),
    eager("json_keys", 1, 1, json_keys),
    eager("json_set", 3, MANY, |a, s| json_set_with(a, s, false)),
    eager("json_set_exact", 3, MANY, |a, s| json_set_with(a, s, true)),
    eager("json_valid", 1, 1, json_valid),
    eager("json_array_to_mv", 1, 2, json_array_to_mv),
    eager("mv_to_json_array", 1, 2, mv_to_json_array),
    eager("json_append", 3, MANY, |a, s| json_add(a, s, false)),
    eager("json_extend", 3, MANY, |a, s| json_add(a, s, true)),
    eager("json_delete", 1, MANY, json_delete),
    eager("json_has_key_exact", 2, 2, json_has_key_exact),
    eager("json_entries", 1, 1, json_entries),
];

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// An object key.
    Key(String),
    /// An array element (negative counts from the end).
    Index(i64),
    /// Every array element: `{}`.
    All,
}

/// Parses `a.b{0}.c{}` into steps.
pub fn parse_path(path: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut key = String::new();
    let mut chars = path.chars().peekable();
    let flush = |key: &mut String, steps: &mut Vec<Step>| {
        if !key.is_empty() {
            steps.push(Step::Key(std::mem::take(key)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '.' => flush(&mut key, &mut steps),
            '{' => {
                flush(&mut key, &mut steps);
                let mut inner = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    inner.push(d);
                }
                match inner.trim().parse::<i64>() {
                    Ok(i) => steps.push(Step::Index(i)),
                    Err(_) => steps.push(Step::All),
                }
            }
            c => key.push(c),
        }
    }
    flush(&mut key, &mut steps);
    steps
}

/// The values at a path (several with `{}`).
pub fn select<'a>(doc: &'a Json, path: &[Step]) -> Vec<&'a Json> {
    let mut current = vec![doc];
    for step in path {
        let mut next = Vec::new();
        for v in current {
            match (step, v) {
                (Step::Key(k), Json::Object(m)) => next.extend(m.get(k)),
                (Step::Index(i), Json::Array(a)) => {
                    let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                    if idx >= 0 {
                        next.extend(a.get(idx as usize));
                    }
                }
                (Step::All, Json::Array(a)) => next.extend(a.iter()),
                _ => {}
            }
        }
        current = next;
    }
    current
}

/// A JSON value as Splunk returns it: strings without quotes, other values
/// as compact JSON.
pub fn to_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An eval value as JSON: numbers as numbers, booleans as booleans, a
/// multivalue as an array of strings.
pub fn to_json(v: &EvalValue) -> Json {
    match v {
        EvalValue::Null => Json::Null,
        EvalValue::Bool(b) => Json::Bool(*b),
        EvalValue::Num(n) => number(*n),
        EvalValue::Str(s) => Json::String(s.clone()),
        EvalValue::Multi(vs) => Json::Array(vs.iter().cloned().map(Json::String).collect()),
    }
}

fn number(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Json::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)
    }
}

/// A JSON result back into an eval value: text for strings, numbers for
/// numbers, JSON text for the rest.
fn from_json(v: &Json) -> EvalValue {
    match v {
        Json::Null => EvalValue::Null,
        Json::Bool(b) => EvalValue::Str(b.to_string()),
        Json::Number(n) => n.as_f64().map_or(EvalValue::Null, EvalValue::Num),
        Json::String(s) => EvalValue::Str(s.clone()),
        other => EvalValue::Str(other.to_string()),
    }
}

fn parse_doc(v: &EvalValue) -> Option<Json> {
    serde_json::from_str(&v.as_text()?).ok()
}

fn json(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    Ok(match parse_doc(arg(&args, 0)) {
        Some(doc) => EvalValue::Str(doc.to_string()),
        None => EvalValue::Null,
    })
}

fn json_object(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    if !args.len().is_multiple_of(2) {
        return Err(site.error("expects key/value pairs (an even number of arguments)"));
    }
    let mut map = Map::new();
    for pair in args.chunks(2) {
        let Some(key) = pair[0].as_text() else {
            continue;
        };
        map.insert(key, to_json(&pair[1]));
    }
    Ok(EvalValue::Str(Json::Object(map).to_string()))
}

fn json_array(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    Ok(EvalValue::Str(
        Json::Array(args.iter().map(to_json).collect()).to_string(),
    ))
}

/// `json_extract(json, path...)`: no path gives the whole document; one
/// path its value (several matches as a JSON array); several paths a JSON
/// array of their values.
fn json_extract(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let Some(doc) = parse_doc(arg(&args, 0)) else {
        return Ok(EvalValue::Null);
    };
    let paths: Vec<String> = args[1..].iter().filter_map(EvalValue::as_text).collect();
    extract(&doc, &paths, parse_path)
}

fn json_extract_exact(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let Some(doc) = parse_doc(arg(&args, 0)) else {
        return Ok(EvalValue::Null);
    };
    let keys: Vec<String> = args[1..].iter().filter_map(EvalValue::as_text).collect();
    extract(&doc, &keys, |k| vec![Step::Key(k.to_string())])
}

fn extract(doc: &Json, paths: &[String], steps: impl Fn(&str) -> Vec<Step>) -> Result<EvalValue> {
    if paths.is_empty() {
        return Ok(from_json(doc));
    }
    let one = |p: &str| -> Json {
        let found = select(doc, &steps(p));
        match found.len() {
            0 => Json::Null,
            1 => found[0].clone(),
            _ => Json::Array(found.into_iter().cloned().collect()),
        }
    };
    if paths.len() == 1 {
        return Ok(from_json(&one(&paths[0])));
    }
    Ok(EvalValue::Str(
        Json::Array(paths.iter().map(|p| one(p)).collect()).to_string(),
    ))
}

fn json_keys(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    Ok(match parse_doc(arg(&args, 0)) {
        Some(Json::Object(m)) => {
            EvalValue::Str(Json::Array(m.keys().cloned().map(Json::String).collect()).to_string())
        }
        _ => EvalValue::Null,
    })
}

fn json_valid(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let v = arg(&args, 0);
    if v.is_null() {
        return Ok(EvalValue::Null);
    }
    Ok(EvalValue::Bool(parse_doc(v).is_some()))
}

fn json_has_key_exact(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let (Some(doc), Some(key)) = (parse_doc(arg(&args, 0)), arg(&args, 1).as_text()) else {
        return Ok(EvalValue::Null);
    };
    Ok(EvalValue::Bool(
        matches!(doc, Json::Object(ref m) if m.contains_key(&key)),
    ))
}

fn json_entries(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    Ok(match parse_doc(arg(&args, 0)) {
        Some(Json::Object(m)) => EvalValue::Str(
            Json::Array(
                m.into_iter()
                    .map(|(k, v)| {
                        let mut e = Map::new();
                        e.insert("key".into(), Json::String(k));
                        e.insert("value".into(), v);
                        Json::Object(e)
                    })
                    .collect(),
            )
            .to_string(),
        ),
        _ => EvalValue::Null,
    })
}

/// `json_array_to_mv(array [, keep_quotes])`: the elements as a
/// multivalue; string elements lose their quotes unless `keep_quotes`.
fn json_array_to_mv(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let keep_quotes = matches!(args.get(1), Some(EvalValue::Bool(true)))
        || args
            .get(1)
            .and_then(EvalValue::as_text)
            .is_some_and(|s| s.eq_ignore_ascii_case("true"));
    Ok(match parse_doc(arg(&args, 0)) {
        Some(Json::Array(items)) => EvalValue::from_list(
            items
                .iter()
                .map(|v| {
                    if keep_quotes {
                        v.to_string()
                    } else {
                        to_text(v)
                    }
                })
                .collect(),
        ),
        _ => EvalValue::Null,
    })
}

/// `mv_to_json_array(mv [, infer_types])`: a JSON array of the values, as
/// strings, or as JSON values where they parse when `infer_types` is true.
fn mv_to_json_array(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let infer = matches!(args.get(1), Some(EvalValue::Bool(true)))
        || args
            .get(1)
            .and_then(EvalValue::as_text)
            .is_some_and(|s| s.eq_ignore_ascii_case("true"));
    let v = arg(&args, 0);
    if v.is_null() {
        return Ok(EvalValue::Null);
    }
    let items = v
        .texts()
        .into_iter()
        .map(|s| {
            if infer {
                serde_json::from_str(&s).unwrap_or(Json::String(s))
            } else {
                Json::String(s)
            }
        })
        .collect();
    Ok(EvalValue::Str(Json::Array(items).to_string()))
}

/// Writes `value` at `path`, creating objects on the way. With `exact` the
/// path is one literal key.
fn set_at(doc: &mut Json, path: &[Step], value: Json) {
    let Some((first, rest)) = path.split_first() else {
        *doc = value;
        return;
    };
    match first {
        Step::Key(k) => {
            if !doc.is_object() {
                *doc = Json::Object(Map::new());
            }
            if let Json::Object(m) = doc {
                let child = m.entry(k.clone()).or_insert(Json::Null);
                set_at(child, rest, value);
            }
        }
        Step::Index(i) => {
            if let Json::Array(a) = doc {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                if let Some(child) = usize::try_from(idx).ok().and_then(|i| a.get_mut(i)) {
                    set_at(child, rest, value);
                }
            }
        }
        Step::All => {
            if let Json::Array(a) = doc {
                for child in a {
                    set_at(child, rest, value.clone());
                }
            }
        }
    }
}

fn json_set_with(args: Vec<EvalValue>, site: &CallSite, exact: bool) -> Result<EvalValue> {
    let Some(mut doc) = parse_doc(arg(&args, 0)) else {
        return Ok(EvalValue::Null);
    };
    if !(args.len() - 1).is_multiple_of(2) {
        return Err(site.error("expects path/value pairs after the JSON"));
    }
    for pair in args[1..].chunks(2) {
        let Some(path) = pair[0].as_text() else {
            continue;
        };
        let steps = if exact {
            vec![Step::Key(path)]
        } else {
            parse_path(&path)
        };
        set_at(&mut doc, &steps, to_json(&pair[1]));
    }
    Ok(EvalValue::Str(doc.to_string()))
}

/// `json_append(json, path, value, ...)` adds each value to the array at
/// its path; `json_extend` adds the elements of a JSON array. A path that
/// is not an array is left unchanged.
fn json_add(args: Vec<EvalValue>, site: &CallSite, extend: bool) -> Result<EvalValue> {
    let Some(mut doc) = parse_doc(arg(&args, 0)) else {
        return Ok(EvalValue::Null);
    };
    if !(args.len() - 1).is_multiple_of(2) {
        return Err(site.error("expects path/value pairs after the JSON"));
    }
    for pair in args[1..].chunks(2) {
        let Some(path) = pair[0].as_text() else {
            continue;
        };
        let new: Vec<Json> = if extend {
            match parse_doc(&pair[1]) {
                Some(Json::Array(items)) => items,
                _ => continue,
            }
        } else {
            vec![to_json(&pair[1])]
        };
        if let Some(Json::Array(a)) = select_mut(&mut doc, &parse_path(&path)) {
            a.extend(new);
        }
    }
    Ok(EvalValue::Str(doc.to_string()))
}

fn select_mut<'a>(doc: &'a mut Json, path: &[Step]) -> Option<&'a mut Json> {
    let mut cur = doc;
    for step in path {
        cur = match (step, cur) {
            (Step::Key(k), Json::Object(m)) => m.get_mut(k)?,
            (Step::Index(i), Json::Array(a)) => {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                a.get_mut(usize::try_from(idx).ok()?)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

fn json_delete(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let Some(mut doc) = parse_doc(arg(&args, 0)) else {
        return Ok(EvalValue::Null);
    };
    for p in args[1..].iter().filter_map(EvalValue::as_text) {
        let steps = parse_path(&p);
        let Some((last, parent)) = steps.split_last() else {
            continue;
        };
        match (select_mut(&mut doc, parent), last) {
            (Some(Json::Object(m)), Step::Key(k)) => {
                m.shift_remove(k);
            }
            (Some(Json::Array(a)), Step::Index(i)) => {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                if let Ok(idx) = usize::try_from(idx) {
                    if idx < a.len() {
                        a.remove(idx);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(EvalValue::Str(doc.to_string()))
}

/// Renders a number the way JSON functions need it in text.
pub fn number_text(n: f64) -> String {
    format_number(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_keys_indexes_and_all() {
        assert_eq!(
            parse_path("a.b{1}.c{}"),
            vec![
                Step::Key("a".into()),
                Step::Key("b".into()),
                Step::Index(1),
                Step::Key("c".into()),
                Step::All
            ]
        );
    }

    #[test]
    fn select_follows_arrays() {
        let doc: Json = serde_json::from_str(r#"{"a":[{"b":1},{"b":2}]}"#).unwrap();
        let found: Vec<String> = select(&doc, &parse_path("a{}.b"))
            .into_iter()
            .map(to_text)
            .collect();
        assert_eq!(found, ["1", "2"]);
        assert_eq!(select(&doc, &parse_path("a{-1}.b"))[0], &Json::from(2));
    }
}
