//! Projected flattening: parses one JSON text and materialises only the
//! flattened fields a search can read, skipping every other subtree without
//! building it.
//!
//! Field names and values are exactly those of [`super::flatten_json`]
//! (`a.b.c`, `a{}.b`, scalars as their JSON text, `null` as `null`, empty
//! containers absent, repeated names collected into a multivalue); the
//! tests compare both over the sample files.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hasher};

use indexmap::IndexMap;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::flatten::NULL_TEXT;
use crate::event::{Event, FieldBuildHasher};
use crate::value::Value;

/// The flattened names to extract, with every path that leads to one.
#[derive(Debug, Clone, Default)]
pub struct FieldSet {
    names: HashSet<String, FieldBuildHasher>,
    /// Every wanted name and every `n[..i]` of a name `n` where `n[i]` is
    /// `.` or `{` (a path whose subtree may hold a wanted field), with
    /// (is a wanted name, leads to one).
    paths: HashMap<String, (bool, bool), FieldBuildHasher>,
}

impl FieldSet {
    /// A set extracting `names`.
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut set = FieldSet::default();
        for name in names {
            let name: String = name.into();
            for (i, b) in name.bytes().enumerate() {
                if b == b'.' || b == b'{' {
                    set.paths.entry(name[..i].to_string()).or_default().1 = true;
                }
            }
            set.paths.entry(name.clone()).or_default().0 = true;
            set.names.insert(name);
        }
        set
    }

    /// Whether `name` is one of the wanted names.
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// (the path itself is wanted, something below it may be).
    fn wants(&self, path: &str) -> (bool, bool) {
        self.paths.get(path).copied().unwrap_or_default()
    }
}

/// Why a projected parse failed.
#[derive(Debug)]
pub enum ProjectError {
    /// Not valid JSON (the message is serde_json's, as for a full parse).
    Json(serde_json::Error),
    /// An object repeats a wanted key; a full parse keeps only the last
    /// value, so the caller must flatten fully to agree.
    DuplicateKey,
}

/// Parses `text` and adds the wanted flattened fields to `event`, in the
/// order a full flatten would add them.
pub fn flatten_projected(
    text: &str,
    set: &FieldSet,
    event: &mut Event,
) -> Result<(), ProjectError> {
    let mut state = State {
        set,
        path: String::new(),
        fields: IndexMap::default(),
        duplicate: false,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_any(TopVisitor(&mut state))
        .map_err(ProjectError::Json)?;
    de.end().map_err(ProjectError::Json)?;
    if state.duplicate {
        return Err(ProjectError::DuplicateKey);
    }
    for (name, values) in state.fields {
        if let Some(value) = Value::from_list(values) {
            event.set(name, value);
        }
    }
    Ok(())
}

struct State<'a> {
    set: &'a FieldSet,
    path: String,
    fields: IndexMap<String, Vec<String>, FieldBuildHasher>,
    duplicate: bool,
}

impl State<'_> {
    fn push(&mut self, text: String) {
        match self.fields.get_mut(self.path.as_str()) {
            Some(values) => values.push(text),
            None => {
                self.fields.insert(self.path.clone(), vec![text]);
            }
        }
    }

    /// Reads an object's entries; `top` names children without a leading dot.
    fn read_map<'de, A: MapAccess<'de>>(&mut self, mut map: A, top: bool) -> Result<(), A::Error> {
        let len = self.path.len();
        // Hashes of the wanted keys seen; a repeated hash (a repeated key,
        // or very rarely a collision) asks for a full parse, which is safe.
        let mut seen: Vec<u64> = Vec::new();
        let mut first = true;
        loop {
            self.path.truncate(len);
            if !top {
                self.path.push('.');
            }
            if map.next_key_seed(KeySeed(&mut self.path))?.is_none() {
                break;
            }
            // serde_json (arbitrary_precision) hands a number over as a
            // one-entry map holding its source text: keep that text, as
            // Splunk shows it (`1.50`, `1e3`).
            if std::mem::take(&mut first)
                && self.path.get(len + usize::from(!top)..) == Some(NUMBER_TOKEN)
            {
                let text: String = map.next_value()?;
                self.path.truncate(len);
                if !top && self.set.wants(&self.path).0 {
                    self.push(text);
                }
                return Ok(());
            }
            let (here, below) = self.set.wants(&self.path);
            if here || below {
                let mut h = FieldBuildHasher::default().build_hasher();
                h.write(&self.path.as_bytes()[len..]);
                let key = h.finish();
                if seen.contains(&key) {
                    self.duplicate = true;
                } else {
                    seen.push(key);
                }
                map.next_value_seed(ValueSeed(self))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        self.path.truncate(len);
        Ok(())
    }
}

/// The key under which serde_json (feature `arbitrary_precision`) passes a
/// number's text to a visitor, as a one-entry map.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Appends a map key to the path.
struct KeySeed<'p>(&'p mut String);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
}

/// The top-level value: only an object produces fields.
struct TopVisitor<'s, 'a>(&'s mut State<'a>);

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.read_map(map, true)
    }
}

/// A value at `state.path`, which is wanted or leads to a wanted field.
struct ValueSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl ValueSeed<'_, '_> {
    fn scalar(self, text: impl FnOnce() -> String) {
        if self.0.set.wants(&self.0.path).0 {
            let text = text();
            self.0.push(text);
        }
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.scalar(|| v.to_string());
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.scalar(|| v.to_string());
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.scalar(|| v.to_string());
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // Not reached from JSON text (numbers come as their text, see
        // NUMBER_TOKEN); kept for a deserializer that does call it.
        self.scalar(|| {
            serde_json::Number::from_f64(v)
                .map(|n| n.to_string())
                .unwrap_or_default()
        });
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.scalar(|| v.to_string());
        Ok(())
    }
    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.scalar(|| v);
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.scalar(|| NULL_TEXT.to_string());
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        let len = state.path.len();
        state.path.push_str("{}");
        let (here, below) = state.set.wants(&state.path);
        if here || below {
            while seq.next_element_seed(ValueSeed(state))?.is_some() {}
        } else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        state.path.truncate(len);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.read_map(map, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::flatten_json;

    fn full(text: &str) -> Event {
        let mut e = Event::new();
        flatten_json(&serde_json::from_str(text).expect("json"), &mut e);
        e
    }

    fn projected(text: &str, names: &[&str]) -> Event {
        let mut e = Event::new();
        flatten_projected(text, &FieldSet::new(names.iter().copied()), &mut e).expect("parses");
        e
    }

    /// The full flatten restricted to `names`, in its order.
    fn restricted(text: &str, names: &[&str]) -> Event {
        let mut e = full(text);
        e.retain(|n, _| names.contains(&n));
        e
    }

    #[test]
    fn projection_equals_restricted_full_flatten_on_the_samples() {
        let mut lines = crate::events::tests::sample_lines();
        assert!(lines.len() > 100);
        lines.push(
            r#"{"a":[[1,2],[3]],"o":[{"p":[4,5],"q":{"r":1.50}},{"p":6}],"n":null,"e":{},"s":"caf\u00e9","x.y":1,"x":{"y":2},"big":1e300,"big2":18446744073709551616,"f":-0.0,"i":-7}"#
                .into(),
        );
        for line in &lines {
            let everything = full(line);
            let all: Vec<&str> = everything.names().collect();
            // Every field, each field alone, and pairs.
            assert_eq!(projected(line, &all), everything, "{line}");
            for (i, name) in all.iter().enumerate() {
                let one = [*name];
                assert_eq!(
                    projected(line, &one),
                    restricted(line, &one),
                    "{name} in {line}"
                );
                if let Some(next) = all.get(i + 1) {
                    let two = [*name, *next, "absent.field", "a{}"];
                    assert_eq!(projected(line, &two), restricted(line, &two));
                }
            }
        }
    }

    #[test]
    fn unwanted_subtrees_are_skipped_but_validated() {
        let set = FieldSet::new(["a"]);
        let mut e = Event::new();
        assert!(matches!(
            flatten_projected(r#"{"a":1,"b":{"c":[1,}}"#, &set, &mut e),
            Err(ProjectError::Json(_))
        ));
        let full_err = serde_json::from_str::<serde_json::Value>(r#"{"a":1,"b":{"c":[1,}}"#)
            .expect_err("invalid");
        let Err(ProjectError::Json(ours)) =
            flatten_projected(r#"{"a":1,"b":{"c":[1,}}"#, &set, &mut e)
        else {
            panic!("expected a JSON error");
        };
        assert_eq!(ours.to_string(), full_err.to_string());
        assert!(matches!(
            flatten_projected(r#"{"a":1} x"#, &set, &mut e),
            Err(ProjectError::Json(_))
        ));
    }

    #[test]
    fn repeated_wanted_keys_ask_for_a_full_parse() {
        let set = FieldSet::new(["a"]);
        let mut e = Event::new();
        assert!(matches!(
            flatten_projected(r#"{"a":1,"a":2}"#, &set, &mut e),
            Err(ProjectError::DuplicateKey)
        ));
        assert!(flatten_projected(r#"{"b":1,"b":2,"a":3}"#, &set, &mut e).is_ok());
    }

    #[test]
    fn non_objects_give_nothing() {
        assert!(projected("[1,2]", &["a"]).is_empty());
        assert!(projected("\"x\"", &["a"]).is_empty());
    }
}
