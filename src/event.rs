//! An event or search result: an ordered map from field name to [`Value`].

use std::hash::{BuildHasherDefault, Hasher};

use indexmap::IndexMap;

use crate::value::Value;

/// A fast, non-cryptographic hasher for field names (the Fx hash: a
/// word at a time, rotate, xor, multiply). Field maps keep insertion order,
/// so the hash never shows in results.
#[derive(Debug, Clone, Copy, Default)]
pub struct FieldHasher(u64);

impl FieldHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FieldHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`FieldHasher`]s.
pub type FieldBuildHasher = BuildHasherDefault<FieldHasher>;

/// One event (before a transforming command) or one result row (after).
///
/// Field order is insertion order; it is the order fields are shown in when
/// no command (`table`, `stats`) fixes one. An absent field is null.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    fields: IndexMap<String, Value, FieldBuildHasher>,
}

impl Event {
    /// An event with no fields.
    pub fn new() -> Self {
        Event::default()
    }

    /// An event with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        Event {
            fields: IndexMap::with_capacity_and_hasher(n, FieldBuildHasher::default()),
        }
    }

    /// The value of a field, or `None` when it is null.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// Sets a field, keeping its position if it already exists.
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.fields.insert(name.into(), value);
    }

    /// Sets a field or, for `None`, removes it.
    pub fn set_opt(&mut self, name: impl Into<String>, value: Option<Value>) {
        match value {
            Some(v) => self.set(name, v),
            None => {
                self.remove(&name.into());
            }
        }
    }

    /// Removes a field, keeping the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.fields.shift_remove(name)
    }

    /// Renames `from` to `to` in `from`'s position, replacing any existing
    /// `to`. Returns false (and changes nothing) when `from` is absent.
    pub fn rename(&mut self, from: &str, to: &str) -> bool {
        if from == to {
            return self.contains(from);
        }
        let Some(value) = self.fields.shift_remove(to).map(|old| (old, ())) else {
            return self.rename_into_free(from, to);
        };
        // `to` existed and is now gone; put it back if `from` is missing,
        // so a failed rename leaves the event unchanged for the caller.
        if !self.contains(from) {
            self.fields.insert(to.to_string(), value.0);
            return false;
        }
        self.rename_into_free(from, to)
    }

    fn rename_into_free(&mut self, from: &str, to: &str) -> bool {
        let Some(index) = self.fields.get_index_of(from) else {
            return false;
        };
        let Some(value) = self.fields.shift_remove(from) else {
            return false;
        };
        self.fields.insert(to.to_string(), value);
        let last = self.fields.len() - 1;
        self.fields.move_index(last, index);
        true
    }

    /// Whether the field is present (non-null).
    pub fn contains(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// Fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Field names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(|k| k.as_str())
    }

    /// Number of (non-null) fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the event has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Keeps only the fields for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Value) -> bool) {
        self.fields.retain(|k, v| keep(k, v));
    }

    /// `_time` as epoch seconds, if present and numeric.
    pub fn time(&self) -> Option<f64> {
        self.get("_time").and_then(Value::as_number)
    }

    /// `_raw`, the event's original text, if present.
    pub fn raw(&self) -> Option<&str> {
        match self.get("_raw") {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }
}

impl IntoIterator for Event {
    type Item = (String, Value);
    type IntoIter = indexmap::map::IntoIter<String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.into_iter()
    }
}

impl FromIterator<(String, Value)> for Event {
    fn from_iter<T: IntoIterator<Item = (String, Value)>>(iter: T) -> Self {
        Event {
            fields: iter.into_iter().collect(),
        }
    }
}
