//! Automatic key/value extraction, `KV_MODE = auto | auto_escaped`
//! (props.conf.spec `KV_MODE`, `KV_TRIM_SPACES`; "Configure automatic
//! key-value field extraction",
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/10.0/use-the-configuration-files-to-configure-field-extractions/configure-automatic-key-value-field-extraction>).
//!
//! - Pairs are `key=value`, found left to right ("in the order that it
//!   finds them in events"). A value is double-quoted (`auto_escaped`
//!   honours `\"` and `\\` inside) or runs to the next space, comma or
//!   semicolon.
//! - Keys are cleaned like transforms' keys (`CLEAN_KEYS`); pairs with an
//!   empty value are ignored ("Autokv ignores field/value pairs with empty
//!   values", transforms.conf.spec `KEEP_EMPTY_VALS`).
//! - `KV_TRIM_SPACES` (default true) trims spaces around quoted values.
//! - At most 100 fields per event: limits.conf `[kv] limit`, "the maximum
//!   number of fields that an automatic key-value field extraction (auto
//!   kv) can generate", default 100.
//! - The first value of a key found in the text wins; an automatic value
//!   replaces what an explicit extraction found earlier (see
//!   [`super::extracted::OnExisting::Replace`]).

use super::extracted::{add_field, clean_key, OnExisting};
use crate::event::Event;

/// limits.conf `[kv] limit`.
pub const KV_FIELD_LIMIT: usize = 100;

/// Settings of the automatic extraction.
#[derive(Debug, Clone, Copy)]
pub struct AutoKv {
    /// `auto_escaped`.
    pub escaped: bool,
    /// `KV_TRIM_SPACES`.
    pub trim_spaces: bool,
}

impl AutoKv {
    /// Adds the pairs found in `_raw`.
    pub fn apply(&self, event: &mut Event) {
        let Some(raw) = event.raw() else { return };
        let pairs = self.pairs(raw);
        for (key, value) in pairs {
            add_field(event, &key, value, OnExisting::Replace);
        }
    }

    /// The pairs of a text, first value of each key, at most
    /// [`KV_FIELD_LIMIT`].
    pub fn pairs(&self, text: &str) -> Vec<(String, String)> {
        let bytes = text.as_bytes();
        let mut out: Vec<(String, String)> = Vec::new();
        let mut search_from = 0;
        while let Some(offset) = memchr::memchr(b'=', &bytes[search_from..]) {
            let eq = search_from + offset;
            search_from = eq + 1;
            let key_start = bytes[..eq]
                .iter()
                .rposition(|&b| !is_key_byte(b))
                .map_or(0, |p| p + 1);
            let key = &text[key_start..eq];
            let (value, end) = self.value_at(text, eq + 1);
            search_from = search_from.max(end);
            let key = clean_key(key);
            if key.is_empty() || value.is_empty() || out.iter().any(|(k, _)| *k == key) {
                continue;
            }
            out.push((key, value));
            if out.len() >= KV_FIELD_LIMIT {
                break;
            }
        }
        out
    }

    /// The value starting at `start` and where it ends.
    fn value_at(&self, text: &str, start: usize) -> (String, usize) {
        let bytes = text.as_bytes();
        if bytes.get(start) == Some(&b'"') {
            let mut value = String::new();
            let mut chars = text[start + 1..].char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        let end = start + 1 + i + 1;
                        let value = if self.trim_spaces {
                            value.trim_matches(' ').to_string()
                        } else {
                            value
                        };
                        return (value, end);
                    }
                    '\\' if self.escaped => match chars.next() {
                        Some((_, next @ ('"' | '\\'))) => value.push(next),
                        Some((_, other)) => {
                            value.push('\\');
                            value.push(other);
                        }
                        None => value.push('\\'),
                    },
                    c => value.push(c),
                }
            }
            // No closing quote: not a quoted value.
            return (String::new(), start + 1);
        }
        let end = bytes[start..]
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b == b',' || b == b';' || b == b'"')
            .map_or(bytes.len(), |p| start + p);
        (text[start..end].to_string(), end)
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        AutoKv {
            escaped: false,
            trim_spaces: true,
        }
        .pairs(text)
    }

    #[test]
    fn plain_and_quoted_values() {
        assert_eq!(
            pairs(
                r#"type=EXECVE msg=audit(1723044684.257:15795): argc=3 a0="sudo" a1="LD_PRELOAD=./x.so""#
            ),
            [
                ("type".to_string(), "EXECVE".to_string()),
                ("msg".into(), "audit(1723044684.257:15795):".into()),
                ("argc".into(), "3".into()),
                ("a0".into(), "sudo".into()),
                ("a1".into(), "LD_PRELOAD=./x.so".into()),
            ]
        );
    }

    #[test]
    fn delimiters_empty_values_and_repeats() {
        assert_eq!(
            pairs("a=1,b=2;c= d=4 a=5 e=\"\""),
            [
                ("a".to_string(), "1".to_string()),
                ("b".into(), "2".into()),
                ("d".into(), "4".into()),
            ]
        );
    }

    #[test]
    fn keys_are_cleaned_and_escapes_follow_the_mode() {
        assert_eq!(
            pairs("id.orig_h=10.0.0.1"),
            [("id_orig_h".to_string(), "10.0.0.1".to_string())]
        );
        let escaped = AutoKv {
            escaped: true,
            trim_spaces: true,
        };
        assert_eq!(
            escaped.pairs(r#"f="value with \"nested\" quotes""#),
            [("f".to_string(), r#"value with "nested" quotes"#.to_string())]
        );
        assert_eq!(
            pairs(r#"f=" apples ""#),
            [("f".to_string(), "apples".to_string())]
        );
    }

    #[test]
    fn at_most_a_hundred_fields() {
        let text: Vec<String> = (0..150).map(|i| format!("k{i}=v")).collect();
        assert_eq!(pairs(&text.join(" ")).len(), KV_FIELD_LIMIT);
    }
}
