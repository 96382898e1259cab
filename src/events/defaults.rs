//! Default fields Splunk gives every event when indexing it, besides
//! `_raw`, `_time`, `host`, `source`, `sourcetype` and `index` ("Use
//! default fields",
//! <https://help.splunk.com/splunk-cloud-platform/manage-knowledge-objects/knowledge-management-manual/10.0.2503/fields-and-field-extractions/use-default-fields>):
//!
//! - `linecount`: the number of lines of `_raw`;
//! - `punct`: the punctuation pattern of the event (Splexicon "punct": "the
//!   pattern of the first 30 punctuation characters in the first line of
//!   the event"; the Splunk 3.0 Admin manual's "punct::" page gives the
//!   rules: spaces become `_`, tabs `t`, quotes and backslashes are
//!   escaped, dashes that follow an alphanumeric character are left out);
//! - `splunk_server`: the server that returned the event (here `spelunk`);
//! - `date_second` ... `date_zone`, `timestartpos`, `timeendpos`: where and
//!   how the timestamp was written, only for events whose time was read
//!   from their text (see [`crate::events::timestamp`]).

use crate::event::{Event, FieldName};
use crate::value::Value;

/// The `splunk_server` of every event spelunk reads.
pub const SPLUNK_SERVER: &str = "spelunk";

/// How many punctuation characters `punct` keeps.
const PUNCT_LENGTH: usize = 30;

/// Which default fields to add (all of them unless a reader knows the
/// search cannot see some).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultFields {
    /// `linecount`.
    pub linecount: bool,
    /// `punct`.
    pub punct: bool,
    /// `splunk_server`.
    pub splunk_server: bool,
    /// `date_*`, `timestartpos`, `timeendpos`.
    pub timestamp: bool,
}

/// The names of the default fields.
pub const NAMES: &[&str] = &[
    "linecount",
    "punct",
    "splunk_server",
    "timestartpos",
    "timeendpos",
    "date_second",
    "date_minute",
    "date_hour",
    "date_mday",
    "date_month",
    "date_year",
    "date_wday",
    "date_zone",
];

impl DefaultFields {
    /// Every default field.
    pub const ALL: DefaultFields = DefaultFields {
        linecount: true,
        punct: true,
        splunk_server: true,
        timestamp: true,
    };

    /// None of them.
    pub const NONE: DefaultFields = DefaultFields {
        linecount: false,
        punct: false,
        splunk_server: false,
        timestamp: false,
    };

    /// The default fields among `wanted` field names.
    pub fn among(wanted: &[String]) -> DefaultFields {
        let has = |n: &str| wanted.iter().any(|w| w == n);
        DefaultFields {
            linecount: has("linecount"),
            punct: has("punct"),
            splunk_server: has("splunk_server"),
            timestamp: wanted
                .iter()
                .any(|w| w.starts_with("date_") || w == "timestartpos" || w == "timeendpos"),
        }
    }

    /// How many fields at most.
    pub fn count(&self) -> usize {
        usize::from(self.linecount)
            + usize::from(self.punct)
            + usize::from(self.splunk_server)
            + if self.timestamp { 10 } else { 0 }
    }

    /// Whether computing them needs `_raw`.
    pub fn need_raw(&self) -> bool {
        self.linecount || self.punct
    }

    /// Adds them to an event holding `_raw`; `timestamp` is the fields
    /// describing where its time was read from its text, if it was.
    pub fn add_to(&self, event: &mut Event, timestamp: Option<&[(&'static str, String)]>) {
        let raw = event.raw().map(str::to_string);
        if let Some(raw) = raw.as_deref() {
            if self.linecount {
                event.set(
                    FieldName::from_static("linecount"),
                    Value::Str(linecount(raw).to_string()),
                );
            }
            if self.punct {
                event.set(FieldName::from_static("punct"), Value::Str(punct(raw)));
            }
        }
        if self.splunk_server {
            event.set(
                FieldName::from_static("splunk_server"),
                Value::Str(SPLUNK_SERVER.to_string()),
            );
        }
        if self.timestamp {
            for (name, value) in timestamp.unwrap_or_default() {
                event.set(FieldName::from_static(name), Value::Str(value.clone()));
            }
        }
    }
}

/// The number of lines of an event's text.
pub fn linecount(raw: &str) -> usize {
    raw.trim_end_matches(['\r', '\n']).split('\n').count()
}

/// The punctuation pattern of an event's first line.
pub fn punct(raw: &str) -> String {
    let first_line = raw.split(['\n', '\r']).next().unwrap_or("");
    let mut out = String::new();
    let mut kept = 0;
    let mut previous: Option<char> = None;
    for c in first_line.chars() {
        if kept >= PUNCT_LENGTH {
            break;
        }
        let piece: Option<&str> = match c {
            ' ' => Some("_"),
            '\t' => Some("t"),
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '-' if previous.is_some_and(|p| p.is_alphanumeric()) => None,
            c if c.is_alphanumeric() => None,
            c if c.is_control() => None,
            _ => {
                out.push(c);
                kept += 1;
                previous = Some(c);
                continue;
            }
        };
        if let Some(piece) = piece {
            out.push_str(piece);
            kept += 1;
        }
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linecount_counts_lines() {
        assert_eq!(linecount("one"), 1);
        assert_eq!(linecount("a\nb\r\nc\n"), 3);
    }

    /// The Splunk 3.0 Admin manual's "punct::" example (WebLogic).
    #[test]
    fn punct_follows_the_documented_example() {
        assert_eq!(
            punct("####<Jun 3, 2005 5:38:22 PM MDT> <Notice> <WebLogicServer> <bea03> <asiAdminServer> <WrapperStartStopAppMain> <>WLS Kernel<> <> <BEA-000360> <Server started in RUNNING mode>"),
            "####<_,__::__>_<>_<>_<>_<>_<>_"
        );
    }

    #[test]
    fn punct_escapes_quotes_and_drops_dashes_after_words() {
        assert_eq!(punct("a-b \"c\"\tx\\y"), "_\\\"\\\"t\\\\");
        assert_eq!(punct("first\nsecond: line"), "");
    }
}
