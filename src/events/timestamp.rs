//! Finding a JSON event's `_time`: from the fields `TIMESTAMP_FIELDS`
//! names (structured data), else in its raw text as for any event
//! ([`super::rawtime`]: `TIME_PREFIX`, `MAX_TIMESTAMP_LOOKAHEAD`,
//! `TIME_FORMAT`, or the common timestamp shapes in the first 128
//! characters). props.conf.spec, `TIMESTAMP_FIELDS`: "If not specified,
//! Splunk software tries to automatically extract the timestamp of the
//! event."

use std::borrow::Cow;
use std::sync::OnceLock;

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use regex::Regex;

use super::rawtime::{RawTimestamp, TimestampRecognizer};
use crate::error::Result;
use crate::knowledge::SourcetypeProps;
use crate::timefmt;

/// Where a JSON event's time was found.
#[derive(Debug, Clone, PartialEq)]
pub enum FoundTime {
    /// In a `TIMESTAMP_FIELDS` field.
    Field(f64),
    /// In the raw text (with its position and parts, for the `date_*`
    /// default fields).
    Raw(RawTimestamp),
}

impl FoundTime {
    /// The epoch time.
    pub fn epoch(&self) -> f64 {
        match self {
            FoundTime::Field(t) => *t,
            FoundTime::Raw(ts) => ts.epoch,
        }
    }

    /// The `date_*`, `timestartpos`, `timeendpos` fields, for a time read
    /// from the raw text.
    pub fn default_fields(&self) -> Option<[(&'static str, String); 10]> {
        match self {
            FoundTime::Field(_) => None,
            FoundTime::Raw(ts) => Some(ts.default_fields()),
        }
    }
}

/// The recognizer for the raw text of `st`'s events, unless their time
/// comes from `TIMESTAMP_FIELDS`. A setting that cannot be used is an error
/// naming its file and line.
pub fn recognizer_for(st: &SourcetypeProps, tz: Tz) -> Result<Option<TimestampRecognizer>> {
    if !st.timestamp_fields.is_empty() {
        return Ok(None);
    }
    let get = |key: &str| st.index_setting(key);
    TimestampRecognizer::from_settings(&get, tz)
        .map(Some)
        .map_err(|e| st.index_setting_error(&e.key, &e.message))
}

/// The epoch time of an event, from its flattened `fields` and `raw` text
/// (for tests: no cache, now as the anchor).
#[cfg(test)]
pub fn event_time(
    st: &SourcetypeProps,
    fields: &crate::event::Event,
    raw: &str,
    tz: Tz,
) -> Option<f64> {
    let recognizer = recognizer_for(st, tz).ok().flatten();
    let first_text = |name: &str| fields.get(name).and_then(crate::value::Value::first_text);
    event_time_from(
        st,
        &first_text,
        raw,
        tz,
        &mut TimeCache::default(),
        recognizer.as_ref(),
        crate::eval::search_start_time(),
    )
    .map(|t| t.epoch())
}

/// The last timestamp text parsed and its result: consecutive events often
/// carry the same text (one-second resolution), and parsing is the costly
/// part of reading a small event.
#[derive(Debug, Clone, Default)]
pub struct TimeCache {
    last: Option<(String, Option<f64>)>,
}

/// A JSON event's time: with `TIMESTAMP_FIELDS`, the first of those fields
/// present (read through `first_text`, a field's first value), parsed with
/// `TIME_FORMAT` and, when that fails, by [`detect`] (real CloudTrail
/// exports mix `2019-01-01T00:00:00Z` and `2022-09-15 13:45:24`);
/// otherwise the `recognizer` over `raw` (`anchor` completes a timestamp
/// without year or date). `None` when there is none: the caller gives the
/// event Splunk's fallback time.
pub fn event_time_from<'f>(
    st: &SourcetypeProps,
    first_text: &dyn Fn(&str) -> Option<Cow<'f, str>>,
    raw: &str,
    tz: Tz,
    cache: &mut TimeCache,
    recognizer: Option<&TimestampRecognizer>,
    anchor: f64,
) -> Option<FoundTime> {
    if st.timestamp_fields.is_empty() {
        return recognizer?.find(raw, anchor).map(FoundTime::Raw);
    }
    let tz = st.tz.unwrap_or(tz);
    let text = st.timestamp_fields.iter().find_map(|f| first_text(f))?;
    if let Some((last, value)) = &cache.last {
        if *last == *text {
            return value.map(FoundTime::Field);
        }
    }
    let value = st
        .time_format
        .as_deref()
        .and_then(|fmt| iso_utc_seconds(&text, fmt).or_else(|| timefmt::strptime(&text, fmt, tz)))
        .or_else(|| detect(&text, tz));
    // The text's buffer is reused: most events' times differ.
    match &mut cache.last {
        Some((last, cached)) => {
            last.clear();
            last.push_str(&text);
            *cached = value;
        }
        None => cache.last = Some((text.to_string(), value)),
    }
    value.map(FoundTime::Field)
}

/// The format CloudTrail's `eventTime` is read with.
const ISO_UTC_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%Z";

/// `strptime(text, "%Y-%m-%dT%H:%M:%S%Z")` for the one shape CloudTrail
/// writes, `2024-03-01T12:34:56Z`, without the general parser (the costly
/// part of reading a small event); `None` for anything else, which the
/// general parser then reads. A `Z` zone makes the machine's zone moot.
fn iso_utc_seconds(text: &str, fmt: &str) -> Option<f64> {
    if fmt != ISO_UTC_FORMAT {
        return None;
    }
    let b = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    if b.len() != shape.len()
        || !b.iter().zip(shape).all(|(&c, &s)| {
            if s == b'd' {
                c.is_ascii_digit()
            } else {
                c == s
            }
        })
    {
        return None;
    }
    let num =
        |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    let date = NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10))?;
    let time = date.and_hms_opt(num(11..13), num(14..16), num(17..19))?;
    Some(time.and_utc().timestamp() as f64)
}

fn iso_regex() -> &'static Regex {
    static ISO: OnceLock<Regex> = OnceLock::new();
    ISO.get_or_init(|| {
        // Only literal, always-valid pattern text here.
        Regex::new(
            r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?",
        )
        .expect("static ISO 8601 pattern")
    })
}

/// Detects common timestamp shapes: ISO 8601 with `T` or a space, optional
/// seconds and fraction of any length, optional `Z` / `UTC` / offset
/// (`tz` applies otherwise); a bare date; or a number of epoch seconds,
/// milliseconds, microseconds or nanoseconds (told apart by magnitude).
pub fn detect(text: &str, tz: Tz) -> Option<f64> {
    if let Some(epoch) = epoch_number(text.trim()) {
        return Some(epoch);
    }
    let caps = iso_regex().captures(text)?;
    let num = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let date = NaiveDate::from_ymd_opt(caps.get(1)?.as_str().parse().ok()?, num(2)?, num(3)?)?;
    let (hour, minute, second) = (
        num(4).unwrap_or(0),
        num(5).unwrap_or(0),
        num(6).unwrap_or(0),
    );
    if hour > 24 || minute > 59 || second > 60 {
        return None;
    }
    let fraction = caps.get(7).map_or(0.0, |m| {
        format!("0.{}", m.as_str()).parse::<f64>().unwrap_or(0.0)
    });
    let naive = date.and_hms_opt(0, 0, 0)?
        + Duration::seconds(i64::from(hour * 3600 + minute * 60 + second));
    // Reuse strptime's zone handling for the offset and for local time.
    let stamp = naive.format("%Y-%m-%d %H:%M:%S").to_string();
    let whole = match caps.get(8) {
        Some(zone) => timefmt::strptime(
            &format!("{stamp} {}", zone.as_str()),
            "%Y-%m-%d %H:%M:%S %z",
            tz,
        )?,
        None => timefmt::strptime(&stamp, "%Y-%m-%d %H:%M:%S", tz)?,
    };
    Some(whole + fraction)
}

/// A plain number as epoch time; larger magnitudes are read as finer units.
fn epoch_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() < 9
    {
        // Fewer than 9 digits is more likely a year, a count or an id than a
        // time after 1973.
        return None;
    }
    let n: f64 = text.parse().ok()?;
    let scale = match int.len() {
        0..=11 => 1.0,
        12..=14 => 1e3,
        15..=17 => 1e6,
        _ => 1e9,
    };
    Some(n / scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::knowledge::Props;
    use crate::value::Value;

    const UTC: Tz = chrono_tz::UTC;

    #[test]
    fn detects_the_cloudtrail_shapes() {
        assert_eq!(detect("2019-01-01T00:00:00Z", UTC), Some(1_546_300_800.0));
        assert_eq!(detect("2022-09-15 13:45:24", UTC), Some(1_663_249_524.0));
        let t = detect("2025-02-19 16:32:39.000000000", UTC).unwrap();
        assert_eq!(t, 1_739_982_759.0);
        let t = detect("2025-02-19 16:32:39.250", UTC).unwrap();
        assert_eq!(t, 1_739_982_759.25);
        assert_eq!(detect("2022-09-15 13:45:24Z", UTC), Some(1_663_249_524.0));
    }

    #[test]
    fn detects_offsets_zones_and_epochs() {
        assert_eq!(
            detect("2019-01-01T01:00:00+01:00", UTC),
            Some(1_546_300_800.0)
        );
        assert_eq!(
            detect("2019-01-01T01:00:00+0100", UTC),
            Some(1_546_300_800.0)
        );
        assert_eq!(
            detect("2018-12-31 19:00:00", chrono_tz::America::New_York),
            Some(1_546_300_800.0)
        );
        assert_eq!(detect("2019-01-01", UTC), Some(1_546_300_800.0));
        assert_eq!(detect("1546300800", UTC), Some(1_546_300_800.0));
        assert_eq!(detect("1546300800.5", UTC), Some(1_546_300_800.5));
        assert_eq!(detect("1546300800500", UTC), Some(1_546_300_800.5));
        assert_eq!(detect("redacted", UTC), None);
        assert_eq!(detect("2019", UTC), None);
        assert_eq!(detect("2019-02-30T00:00:00Z", UTC), None);
    }

    fn fields(pairs: &[(&str, &str)]) -> Event {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect()
    }

    #[test]
    fn configured_fields_format_and_fallback() {
        let mut props = Props::new();
        props
            .load_str(
                "[ct]\nTIMESTAMP_FIELDS = eventTime\nTIME_FORMAT = %Y-%m-%dT%H:%M:%S%Z\nTZ = UTC\n\
                 [pre]\nTIME_PREFIX = \"at\":\\s*\"\nTIME_FORMAT = %d/%m/%Y\n",
                "p",
            )
            .unwrap();
        let ct = props.sourcetype("ct");
        let at = |v| event_time(&ct, &fields(&[("time", "1"), ("eventTime", v)]), "", UTC);
        assert_eq!(at("2019-01-01T00:00:00Z"), Some(1_546_300_800.0));
        assert_eq!(at("2022-09-15 13:45:24"), Some(1_663_249_524.0));
        assert_eq!(at("redacted"), None);
        let pre = props.sourcetype("pre");
        assert_eq!(
            event_time(&pre, &Event::new(), r#"{"at": "02/01/2019", "x": 1}"#, UTC),
            Some(1_546_387_200.0)
        );
        assert_eq!(event_time(&pre, &Event::new(), "{}", UTC), None);
    }

    /// props.conf.spec `TIMESTAMP_FIELDS`: "If not specified, Splunk
    /// software tries to automatically extract the timestamp of the event"
    /// (from its text, within `MAX_TIMESTAMP_LOOKAHEAD`, default 128).
    #[test]
    fn without_timestamp_fields_the_time_is_found_in_the_text() {
        let st = Props::new().sourcetype("x");
        let raw = r#"{"id":"a","recorded":"2023-05-10T16:07:27.763Z","n":1}"#;
        assert_eq!(
            event_time(&st, &Event::new(), raw, UTC),
            Some(1_683_734_847.763)
        );
        let late = format!(
            r#"{{"pad":"{}","time":"2019-01-01T00:00:00Z"}}"#,
            "x".repeat(130)
        );
        assert_eq!(event_time(&st, &Event::new(), &late, UTC), None);
        assert_eq!(event_time(&st, &Event::new(), "{}", UTC), None);
    }

    #[test]
    fn iso_fast_path_equals_strptime() {
        let zones = [UTC, chrono_tz::America::New_York, chrono_tz::Asia::Kolkata];
        let mut texts: Vec<String> = Vec::new();
        for (y, m, d) in [
            (2024, 2, 29),
            (2023, 2, 28),
            (1970, 1, 1),
            (2038, 1, 19),
            (1999, 12, 31),
        ] {
            for (h, mi, sec) in [(0, 0, 0), (23, 59, 59), (12, 34, 56)] {
                texts.push(format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}Z"));
            }
        }
        for text in &texts {
            for tz in zones {
                assert_eq!(
                    iso_utc_seconds(text, ISO_UTC_FORMAT),
                    timefmt::strptime(text, ISO_UTC_FORMAT, tz),
                    "{text} in {tz}"
                );
                assert!(iso_utc_seconds(text, ISO_UTC_FORMAT).is_some());
            }
        }
        // Other shapes and impossible dates go to the general parser.
        for other in [
            "2023-02-29T00:00:00Z",
            "2024-03-01T00:00:00+01:00",
            "2024-03-01 00:00:00Z",
            "2024-03-01T00:00:00.5Z",
        ] {
            assert_eq!(iso_utc_seconds(other, ISO_UTC_FORMAT), None, "{other}");
        }
        assert_eq!(
            iso_utc_seconds("2024-03-01T00:00:00Z", "%Y-%m-%dT%H:%M:%S"),
            None
        );
    }
}
