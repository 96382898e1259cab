//! Reader for Splunk's `.conf` files (`macros.conf`, `props.conf`,
//! `transforms.conf`): `[stanza]` headers, `key = value` lines, `#` comments,
//! and a trailing backslash that continues a value on the next line.

use indexmap::IndexMap;

use crate::error::{Error, Result};

/// One `[stanza]` with its settings in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stanza {
    /// The text between the brackets.
    pub name: String,
    /// 1-based line of the header.
    pub line: usize,
    /// Settings; a repeated key keeps its last value, as Splunk does.
    pub settings: IndexMap<String, Setting>,
}

/// One `key = value` setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The value, continuation lines joined with a newline.
    pub value: String,
    /// 1-based line the setting starts on.
    pub line: usize,
}

impl Stanza {
    /// A setting's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.get(key).map(|s| s.value.as_str())
    }
}

/// Parses a `.conf` text. Settings before any header belong to a stanza named
/// `default`, as in Splunk. `file` is used in error messages.
pub fn parse(text: &str, file: &str) -> Result<Vec<Stanza>> {
    let mut stanzas: Vec<Stanza> = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((idx, raw_line)) = lines.next() {
        let line_no = idx + 1;
        let line = raw_line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            let Some(end) = line.rfind(']') else {
                return Err(Error::Config {
                    file: file.to_string(),
                    line: line_no,
                    message: "stanza header has no closing `]`".to_string(),
                });
            };
            stanzas.push(Stanza {
                name: line[1..end].trim().to_string(),
                line: line_no,
                settings: IndexMap::new(),
            });
            continue;
        }
        let Some(eq) = line.find('=') else {
            return Err(Error::Config {
                file: file.to_string(),
                line: line_no,
                message: format!("expected `key = value`, found `{line}`"),
            });
        };
        let key = line[..eq].trim().to_string();
        let mut value = line[eq + 1..].trim_start().to_string();
        // A value ending in a backslash goes on with the next line.
        while value.ends_with('\\') {
            value.pop();
            match lines.next() {
                Some((_, next)) => {
                    value.push('\n');
                    value.push_str(next);
                }
                None => break,
            }
        }
        let value = value.trim_end().to_string();
        if stanzas.is_empty() {
            stanzas.push(Stanza {
                name: "default".to_string(),
                line: line_no,
                settings: IndexMap::new(),
            });
        }
        if let Some(stanza) = stanzas.last_mut() {
            stanza.settings.insert(
                key,
                Setting {
                    value,
                    line: line_no,
                },
            );
        }
    }
    Ok(stanzas)
}

/// Whether a `.conf` boolean is true (`1`, `true`, `t`, `yes`, `y`, `on`).
pub fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "t" | "yes" | "y" | "on"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stanzas_settings_and_continuations() {
        let text = "# comment\n[a(1)]\nargs = x\ndefinition = foo \\\n| bar\n\n[b]\nk=v\nk = w\n";
        let st = parse(text, "m.conf").unwrap();
        assert_eq!(st.len(), 2);
        assert_eq!(st[0].name, "a(1)");
        assert_eq!(st[0].get("definition"), Some("foo \n| bar"));
        assert_eq!(st[1].get("k"), Some("w"));
        assert_eq!(st[1].line, 7);
    }

    #[test]
    fn a_line_without_equals_is_an_error_with_its_line() {
        let err = parse("[a]\nnonsense\n", "x.conf").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.conf:2: expected `key = value`, found `nonsense`"
        );
    }
}
