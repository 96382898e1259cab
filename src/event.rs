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

    /// The state mixed so that every bit of it reaches the low bits (the
    /// splitmix64 finalizer, a bijection). The Fx steps alone carry a
    /// change of the input only upwards, and a hash table picks the bucket
    /// by the low bits: names differing after their first bytes (`k1`,
    /// `k2`, ... `k999999`) landed in a few hundred buckets, and an event
    /// with a million such keys took 17 s to read instead of a second.
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Builds [`FieldHasher`]s.
pub type FieldBuildHasher = BuildHasherDefault<FieldHasher>;

/// A field name kept for the life of the process, so that setting it on an
/// event copies no bytes: the names a search reads are the same in every
/// event, and building each event with its own copies was an allocation per
/// field per event. Interned names are never freed; there are as many as
/// distinct names ever interned (the fields of the searches run), each
/// stored once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldName(&'static str);

impl FieldName {
    /// A name known when the program is written (`_raw`, `sourcetype`).
    pub const fn from_static(name: &'static str) -> FieldName {
        FieldName(name)
    }

    /// The process-wide copy of `name`, made on first use.
    pub fn intern(name: &str) -> FieldName {
        use std::collections::HashSet;
        use std::sync::{Mutex, OnceLock};
        static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
        let names = NAMES.get_or_init(Default::default);
        // A panic elsewhere while holding the lock leaves the set intact.
        let mut names = names.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&known) = names.get(name) {
            return FieldName(known);
        }
        let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
        names.insert(leaked);
        FieldName(leaked)
    }

    /// The name.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl std::ops::Deref for FieldName {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl PartialEq<str> for FieldName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for FieldName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl AsRef<str> for FieldName {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl std::fmt::Display for FieldName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// A field name as an event holds it: an interned [`FieldName`] or an
/// owned string. Compared, hashed and ordered as its text.
#[derive(Debug, Clone)]
pub struct Key(KeyText);

#[derive(Debug, Clone)]
enum KeyText {
    Interned(&'static str),
    Owned(String),
}

impl Key {
    /// The name.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            KeyText::Interned(s) => s,
            KeyText::Owned(s) => s,
        }
    }

    /// The name as an owned string.
    pub fn into_string(self) -> String {
        match self.0 {
            KeyText::Interned(s) => s.to_string(),
            KeyText::Owned(s) => s,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Key {}

impl std::hash::Hash for Key {
    // As `str` hashes, so that maps keyed by `Key` are searched by `&str`.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl std::borrow::Borrow<str> for Key {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<FieldName> for Key {
    fn from(name: FieldName) -> Key {
        Key(KeyText::Interned(name.0))
    }
}

impl From<String> for Key {
    fn from(name: String) -> Key {
        Key(KeyText::Owned(name))
    }
}

impl From<&str> for Key {
    fn from(name: &str) -> Key {
        Key(KeyText::Owned(name.to_string()))
    }
}

impl From<&String> for Key {
    fn from(name: &String) -> Key {
        Key(KeyText::Owned(name.clone()))
    }
}

impl From<std::borrow::Cow<'_, str>> for Key {
    fn from(name: std::borrow::Cow<'_, str>) -> Key {
        Key(KeyText::Owned(name.into_owned()))
    }
}

/// One event (before a transforming command) or one result row (after).
///
/// Field order is insertion order; it is the order fields are shown in when
/// no command (`table`, `stats`) fixes one. An absent field is null.
#[derive(Debug, Clone, Default)]
pub struct Event {
    fields: Fields,
}

/// Most fields kept in a plain list: an event read through a projection
/// has a dozen, and finding one of a dozen names by its length and bytes
/// is cheaper than hashing it. Beyond this the fields move to a hash map.
const FEW_FIELDS: usize = 32;

#[derive(Debug, Clone)]
enum Fields {
    Few(Vec<(Key, Value)>),
    Many(IndexMap<Key, Value, FieldBuildHasher>),
}

impl Default for Fields {
    fn default() -> Self {
        Fields::Few(Vec::new())
    }
}

impl Fields {
    fn position(list: &[(Key, Value)], name: &str) -> Option<usize> {
        list.iter().position(|(k, _)| k.as_str() == name)
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        match self {
            Fields::Few(list) => Fields::position(list, name),
            Fields::Many(map) => map.get_index_of(name),
        }
    }

    /// Moves the fields into a hash map (once there are many).
    fn grow(&mut self) {
        if let Fields::Few(list) = self {
            let mut map =
                IndexMap::with_capacity_and_hasher(list.len() * 2, FieldBuildHasher::default());
            map.extend(list.drain(..));
            *self = Fields::Many(map);
        }
    }
}

impl PartialEq for Event {
    /// The same fields with the same values, in any order.
    fn eq(&self, other: &Event) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(name, value)| other.get(name) == Some(value))
    }
}

impl Event {
    /// An event with no fields.
    pub fn new() -> Self {
        Event::default()
    }

    /// An event with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        let fields = if n <= FEW_FIELDS {
            Fields::Few(Vec::with_capacity(n))
        } else {
            Fields::Many(IndexMap::with_capacity_and_hasher(
                n,
                FieldBuildHasher::default(),
            ))
        };
        Event { fields }
    }

    /// The value of a field, or `None` when it is null.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match &self.fields {
            Fields::Few(list) => Fields::position(list, name).map(|i| &list[i].1),
            Fields::Many(map) => map.get(name),
        }
    }

    /// Sets a field, keeping its position if it already exists.
    pub fn set(&mut self, name: impl Into<Key> + AsRef<str>, value: Value) {
        if let Fields::Few(list) = &mut self.fields {
            if let Some(i) = Fields::position(list, name.as_ref()) {
                list[i].1 = value;
                return;
            }
            if list.len() < FEW_FIELDS {
                list.push((name.into(), value));
                return;
            }
            self.fields.grow();
        }
        if let Fields::Many(map) = &mut self.fields {
            map.insert(name.into(), value);
        }
    }

    /// Sets a field that is not set yet; false (and no change) when it is.
    pub fn set_new(&mut self, name: impl Into<Key> + AsRef<str>, value: Value) -> bool {
        // One search of the list, not `contains` and then `set`'s own.
        if let Fields::Few(list) = &mut self.fields {
            if Fields::position(list, name.as_ref()).is_some() {
                return false;
            }
            if list.len() < FEW_FIELDS {
                list.push((name.into(), value));
                return true;
            }
        }
        if self.contains(name.as_ref()) {
            return false;
        }
        self.set(name, value);
        true
    }

    /// Adds a field the caller knows is absent, without searching the
    /// names (building an event from parts whose names are distinct).
    pub(crate) fn push_absent(&mut self, name: impl Into<Key> + AsRef<str>, value: Value) {
        debug_assert!(
            !self.contains(name.as_ref()),
            "{} is present",
            name.as_ref()
        );
        match &mut self.fields {
            Fields::Few(list) if list.len() < FEW_FIELDS => list.push((name.into(), value)),
            _ => self.set(name, value),
        }
    }

    /// Sets a field or, for `None`, removes it.
    pub fn set_opt(&mut self, name: impl Into<Key> + AsRef<str>, value: Option<Value>) {
        match value {
            Some(v) => self.set(name, v),
            None => {
                self.remove(name.as_ref());
            }
        }
    }

    /// Removes a field, keeping the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        match &mut self.fields {
            Fields::Few(list) => Fields::position(list, name).map(|i| list.remove(i).1),
            Fields::Many(map) => map.shift_remove(name),
        }
    }

    /// Renames `from` to `to` in `from`'s position, replacing any existing
    /// `to`. Returns false (and changes nothing) when `from` is absent.
    pub fn rename(&mut self, from: &str, to: &str) -> bool {
        let Some(at) = self.fields.index_of(from) else {
            return false;
        };
        if from == to {
            return true;
        }
        match &mut self.fields {
            Fields::Few(list) => {
                let mut at = at;
                if let Some(old) = Fields::position(list, to) {
                    list.remove(old);
                    if old < at {
                        at -= 1;
                    }
                }
                list[at].0 = to.into();
            }
            Fields::Many(map) => {
                map.shift_remove(to);
                // `to` may have stood before `from`.
                let Some(at) = map.get_index_of(from) else {
                    return false;
                };
                let Some(value) = map.shift_remove(from) else {
                    return false;
                };
                map.insert(to.into(), value);
                let last = map.len() - 1;
                map.move_index(last, at);
            }
        }
        true
    }

    /// Swaps a present field's value for `value` in its place and returns
    /// the old one; `None` (and no change) when the field is absent.
    pub fn replace(&mut self, name: &str, value: Value) -> Option<Value> {
        let slot = match &mut self.fields {
            Fields::Few(list) => Fields::position(list, name).map(|i| &mut list[i].1),
            Fields::Many(map) => map.get_mut(name),
        }?;
        Some(std::mem::replace(slot, value))
    }

    /// Whether the field is present (non-null).
    pub fn contains(&self, name: &str) -> bool {
        self.fields.index_of(name).is_some()
    }

    /// Fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        let (few, many) = match &self.fields {
            Fields::Few(list) => (Some(list.iter().map(|(k, v)| (k.as_str(), v))), None),
            Fields::Many(map) => (None, Some(map.iter().map(|(k, v)| (k.as_str(), v)))),
        };
        few.into_iter().flatten().chain(many.into_iter().flatten())
    }

    /// Field names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    /// Number of (non-null) fields.
    pub fn len(&self) -> usize {
        match &self.fields {
            Fields::Few(list) => list.len(),
            Fields::Many(map) => map.len(),
        }
    }

    /// Whether the event has no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps only the fields for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Value) -> bool) {
        match &mut self.fields {
            Fields::Few(list) => list.retain(|(k, v)| keep(k.as_str(), v)),
            Fields::Many(map) => map.retain(|k, v| keep(k.as_str(), v)),
        }
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

impl Event {
    /// The fields in order with their names as the event holds them
    /// (rebuilding an event from them copies no interned name).
    pub(crate) fn into_keyed(self) -> Vec<(Key, Value)> {
        match self.fields {
            Fields::Few(list) => list,
            Fields::Many(map) => map.into_iter().collect(),
        }
    }
}

impl IntoIterator for Event {
    type Item = (String, Value);
    type IntoIter = Box<dyn Iterator<Item = (String, Value)>>;
    fn into_iter(self) -> Self::IntoIter {
        match self.fields {
            Fields::Few(list) => Box::new(list.into_iter().map(|(k, v)| (k.into_string(), v))),
            Fields::Many(map) => Box::new(map.into_iter().map(|(k, v)| (k.into_string(), v))),
        }
    }
}

impl FromIterator<(String, Value)> for Event {
    fn from_iter<T: IntoIterator<Item = (String, Value)>>(iter: T) -> Self {
        let mut event = Event::new();
        for (name, value) in iter {
            event.set(name, value);
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names that differ only after their first bytes spread over the low
    /// bits of the hash, which pick a hash table's bucket.
    #[test]
    fn field_hashes_spread_over_the_low_bits() {
        use std::hash::BuildHasher;
        let hasher = FieldBuildHasher::default();
        let buckets: std::collections::HashSet<u64> = (0..100_000)
            .map(|i| hasher.hash_one(format!("k{i}")) & 0xffff)
            .collect();
        // 100,000 names into 65,536 buckets fill about 86% of them at
        // random; the unmixed hash filled a few hundred.
        assert!(buckets.len() > 50_000, "{} buckets", buckets.len());
    }

    /// The reference: an ordered list with the documented semantics.
    #[derive(Default)]
    struct Model(Vec<(String, Value)>);

    impl Model {
        fn at(&self, name: &str) -> Option<usize> {
            self.0.iter().position(|(k, _)| k == name)
        }
        fn set(&mut self, name: &str, value: Value) {
            match self.at(name) {
                Some(i) => self.0[i].1 = value,
                None => self.0.push((name.to_string(), value)),
            }
        }
        fn remove(&mut self, name: &str) -> Option<Value> {
            self.at(name).map(|i| self.0.remove(i).1)
        }
        fn rename(&mut self, from: &str, to: &str) -> bool {
            let Some(_) = self.at(from) else {
                return false;
            };
            if from != to {
                self.remove(to);
                let i = self.at(from).expect("still there");
                self.0[i].0 = to.to_string();
            }
            true
        }
    }

    /// Random operations over 60 names, so events cross from the list to
    /// the hash map; after each, the event equals the model in order.
    #[test]
    fn few_and_many_fields_behave_as_one_ordered_map() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut most = 0;
        for _round in 0..40 {
            let mut event = Event::new();
            let mut model = Model::default();
            for step in 0..400 {
                let name = format!("f{}", next(60));
                let other = format!("f{}", next(60));
                let value = Value::Str(format!("v{step}"));
                match next(10) {
                    0..=4 => {
                        event.set(name.as_str(), value.clone());
                        model.set(&name, value);
                    }
                    5 => assert_eq!(event.remove(&name), model.remove(&name)),
                    6 => assert_eq!(event.rename(&name, &other), model.rename(&name, &other)),
                    7 => {
                        let fresh = !event.contains(&name);
                        assert_eq!(event.set_new(name.as_str(), value.clone()), fresh);
                        if fresh {
                            model.set(&name, value);
                        }
                    }
                    8 => {
                        let cut = next(60);
                        let keep = |k: &str| {
                            k.trim_start_matches('f')
                                .parse::<u64>()
                                .is_ok_and(|n| n != cut)
                        };
                        event.retain(|k, _| keep(k));
                        model.0.retain(|(k, _)| keep(k));
                    }
                    _ => {
                        event.set_opt(name.as_str(), None);
                        model.remove(&name);
                    }
                }
                let got: Vec<(&str, &Value)> = event.iter().collect();
                let want: Vec<(&str, &Value)> =
                    model.0.iter().map(|(k, v)| (k.as_str(), v)).collect();
                assert_eq!(got, want);
                assert_eq!(event.len(), model.0.len());
                most = most.max(event.len());
                assert_eq!(event.get(&other), model.at(&other).map(|i| &model.0[i].1));
            }
        }
        assert!(most > FEW_FIELDS, "never left the list form: {most}");
    }

    #[test]
    fn equality_ignores_field_order_in_both_forms() {
        for n in [3, 40] {
            let names: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
            let forward: Event = names
                .iter()
                .map(|k| (k.clone(), Value::Str(k.clone())))
                .collect();
            let backward: Event = names
                .iter()
                .rev()
                .map(|k| (k.clone(), Value::Str(k.clone())))
                .collect();
            assert_eq!(forward, backward);
            let mut changed = backward.clone();
            changed.set("f1", Value::Str("other".into()));
            assert_ne!(forward, changed);
            let into: Vec<String> = forward.into_iter().map(|(k, _)| k).collect();
            assert_eq!(into, names);
        }
    }

    #[test]
    fn interned_names_are_shared_and_act_as_their_text() {
        let a = FieldName::intern("userIdentity.arn");
        let b = FieldName::intern(&String::from("userIdentity.arn"));
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(a, "userIdentity.arn");
        for n in [3, 40] {
            // Interned and owned names of the same text are one field, in
            // the list form and the map form alike.
            let mut event = Event::new();
            for i in 0..n {
                event.set(format!("f{i}"), Value::Str(i.to_string()));
            }
            event.set(FieldName::intern("f1"), Value::Str("interned".into()));
            event.set_new(FieldName::intern("f2"), Value::Str("kept".into()));
            event.set(FieldName::intern("new"), Value::Str("x".into()));
            assert_eq!(event.len(), n + 1);
            assert_eq!(event.get("f1"), Some(&Value::Str("interned".into())));
            assert_eq!(event.get("f2"), Some(&Value::Str("2".into())));
            assert!(event.rename("new", "renamed"));
            assert_eq!(event.get("renamed"), Some(&Value::Str("x".into())));
            let names: Vec<String> = event.clone().into_iter().map(|(k, _)| k).collect();
            assert_eq!(names.last().map(String::as_str), Some("renamed"));
        }
    }
}
