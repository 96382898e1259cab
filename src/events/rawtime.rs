//! Finding an event's timestamp in its raw text, as Splunk's indexer does,
//! from the props.conf timestamp settings.
//!
//! The rules ("How timestamp assignment works",
//! <https://docs.splunk.com/Documentation/Splunk/9.3.1/Data/HowSplunkextractstimestamps>
//! and its older editions such as
//! <https://docs.splunk.com/Documentation/Splunk/4.1.5/Admin/HowSplunkextractstimestamps>;
//! "Configure timestamp recognition",
//! <https://docs.splunk.com/Documentation/Splunk/8.0.4/Data/Configuretimestamprecognition>;
//! Splunk 10.2's `props.conf.spec`, "Timestamp extraction configuration"):
//!
//! - `TIME_PREFIX`: the timestamp is looked for only after the end of the
//!   regex's first match; no match means no timestamp.
//! - `MAX_TIMESTAMP_LOOKAHEAD` (default 128): the timestamp must lie within
//!   that many characters from where it may start (the event start, or the
//!   end of the `TIME_PREFIX` match). `0` or `-1` lifts the limit.
//! - `TIME_FORMAT` (Splunk strptime, [`crate::timefmt`]) is read exactly
//!   where the timestamp may start ("the TIME_PREFIX regex must match up to
//!   and including the character before the TIME_FORMAT date"). When there
//!   is no `TIME_FORMAT`, "or no match is found", common timestamp shapes
//!   are recognized automatically anywhere in the window ([`recognize`]'s
//!   shapes are this module's own, not Splunk's datetime.xml).
//! - `TZ` is the zone of timestamps that carry none; a zone written in the
//!   event wins; without either, the caller's default zone ("the time zone
//!   of the host that indexes the event").
//! - `DATETIME_CONFIG = CURRENT` or `NONE` turn recognition off.
//!
//! When nothing is found, [`TimeFallback`] gives the event the time Splunk
//! would.
//!
//! What a found timestamp becomes ([`RawTimestamp::default_fields`]):
//! `timestartpos` / `timeendpos` are the byte offsets of the timestamp text
//! in `_raw`, end exclusive, and `date_*` are the timestamp's parts as
//! written, not converted to UTC. Real Splunk results pin these down:
//! `Jan  4 11:14:32 myserver sudo: ...` (sourcetype syslog, no zone) gave
//! `timestartpos=0 timeendpos=15 date_mday=4 date_hour=11 date_zone=local
//! date_wday=wednesday date_month=january date_year=2017`
//! (zulip/zulip `zerver/webhooks/splunk/fixtures/search_one_result.json`);
//! `07-17-2023 18:01:36.996 +0200 INFO Metrics ...` gave `date_hour=18
//! date_minute=1 date_zone=120` (a Splunk alert action's sample input); a
//! Sysmon event read with `TZ = UTC` on a +05:30 server gave `date_hour=6
//! date_zone=0` for `2021-10-22 06:38:15.540`, whose `timestartpos=648
//! timeendpos=671` span the fraction too. Values are unpadded numbers and
//! lower-case English names; `date_zone` is `local` when the zone came from
//! the host's default, else the offset east of UTC in minutes.

use chrono::{DateTime, Datelike, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::linebreak::{int_setting, regex_setting, setting, DateTest, SettingError, Settings};
use crate::regex_compat::SplRegex;
use crate::timefmt::{self, TimeFormat, TimeParts};

/// Splunk's `MAX_TIMESTAMP_LOOKAHEAD` default, in characters.
pub const DEFAULT_LOOKAHEAD: usize = 128;
/// Splunk's `MAX_DAYS_AGO` default.
pub const DEFAULT_MAX_DAYS_AGO: u32 = 2000;
/// Splunk's `MAX_DAYS_HENCE` default.
pub const DEFAULT_MAX_DAYS_HENCE: u32 = 2;

/// The latest epoch second Splunk can index: "Since Splunk uses 32-bit
/// epoch time, events after 2038 cannot be indexed"
/// (<https://docs.splunk.com/Documentation/SplunkCloud/9.2.2406/Data/Configuretimestamprecognition>).
/// A bare 10-digit number past it is not taken for a timestamp.
const LAST_EPOCH: i64 = i32::MAX as i64;
/// The earliest 10-digit epoch (2001-09-09): shorter numbers are counts and
/// ids far more often than times.
const FIRST_TEN_DIGIT_EPOCH: i64 = 1_000_000_000;
/// Years a written date may have to be recognized automatically.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=2099;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// `DATETIME_CONFIG`: Splunk's patterns (any file name), or no recognition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatetimeConfig {
    /// Recognize timestamps (the default, `/etc/datetime.xml`).
    Patterns,
    /// `CURRENT`: every event gets the time it is read.
    Current,
    /// `NONE`: every event gets the input's time (a file's modification
    /// time).
    None,
}

/// Where the zone of a found timestamp came from; decides `date_zone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneOrigin {
    /// Written in the event (`Z`, `+0200`, `CET`, `America/New_York`).
    Text {
        /// Minutes east of UTC at that instant.
        offset_minutes: i32,
    },
    /// The sourcetype's `TZ` setting.
    Setting {
        /// Minutes east of UTC at that instant.
        offset_minutes: i32,
    },
    /// The caller's default zone (`date_zone=local`).
    Default,
}

/// A timestamp's parts as written in the event (after a missing year or
/// date was filled in), for the `date_*` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    /// The year.
    pub year: i32,
    /// 1-12.
    pub month: u32,
    /// 1-31.
    pub day: u32,
    /// 0-23.
    pub hour: u32,
    /// 0-59.
    pub minute: u32,
    /// 0-59.
    pub second: u32,
}

impl WallClock {
    fn of(naive: NaiveDateTime) -> WallClock {
        WallClock {
            year: naive.year(),
            month: naive.month(),
            day: naive.day(),
            hour: naive.hour(),
            minute: naive.minute(),
            second: naive.second(),
        }
    }

    fn naive(&self) -> Option<NaiveDateTime> {
        chrono::NaiveDate::from_ymd_opt(self.year, self.month, self.day)?.and_hms_opt(
            self.hour,
            self.minute,
            self.second,
        )
    }
}

/// A timestamp found in an event's raw text.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTimestamp {
    /// Epoch seconds, fraction kept (`_time`).
    pub epoch: f64,
    /// Byte offset in `_raw` where the timestamp text starts
    /// (`timestartpos`).
    pub start: usize,
    /// Byte offset in `_raw` just after the timestamp text (`timeendpos`).
    pub end: usize,
    /// The parts as written.
    pub wall: WallClock,
    /// Where the zone came from.
    pub zone: ZoneOrigin,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl RawTimestamp {
    /// Splunk's default time fields for this timestamp, in this order:
    /// `date_second`, `date_minute`, `date_hour`, `date_mday`,
    /// `date_month`, `date_year`, `date_wday`, `date_zone`, `timestartpos`,
    /// `timeendpos` (see the module documentation for the values).
    pub fn default_fields(&self) -> [(&'static str, String); 10] {
        let w = &self.wall;
        let weekday = w.naive().map_or("", |n| {
            WEEKDAYS[n.weekday().num_days_from_monday() as usize]
        });
        let month = MONTHS
            .get(w.month.wrapping_sub(1) as usize)
            .copied()
            .unwrap_or("");
        let zone = match self.zone {
            ZoneOrigin::Text { offset_minutes } | ZoneOrigin::Setting { offset_minutes } => {
                offset_minutes.to_string()
            }
            ZoneOrigin::Default => "local".to_string(),
        };
        [
            ("date_second", w.second.to_string()),
            ("date_minute", w.minute.to_string()),
            ("date_hour", w.hour.to_string()),
            ("date_mday", w.day.to_string()),
            ("date_month", month.to_string()),
            ("date_year", w.year.to_string()),
            ("date_wday", weekday.to_string()),
            ("date_zone", zone),
            ("timestartpos", self.start.to_string()),
            ("timeendpos", self.end.to_string()),
        ]
    }
}

/// A sourcetype's timestamp settings, ready to find timestamps in events.
#[derive(Debug, Clone)]
pub struct TimestampRecognizer {
    config: DatetimeConfig,
    prefix: Option<SplRegex>,
    /// In characters; `None` is no limit.
    lookahead: Option<usize>,
    format: Option<TimeFormat>,
    /// `TZ`, when set.
    tz_setting: Option<Tz>,
    default_tz: Tz,
    max_days_ago: u32,
    max_days_hence: u32,
}

impl TimestampRecognizer {
    /// The recognizer `settings` describe (`TIME_PREFIX`,
    /// `MAX_TIMESTAMP_LOOKAHEAD`, `TIME_FORMAT`, `TZ`, `DATETIME_CONFIG`,
    /// `MAX_DAYS_AGO`, `MAX_DAYS_HENCE`; Splunk's defaults when absent).
    /// `default_tz` is the zone of timestamps without one when `TZ` is not
    /// set.
    pub fn from_settings<'s>(
        get: &Settings<'s>,
        default_tz: Tz,
    ) -> Result<TimestampRecognizer, SettingError> {
        let config = match setting(get, "DATETIME_CONFIG") {
            Some(v) if v.eq_ignore_ascii_case("CURRENT") => DatetimeConfig::Current,
            Some(v) if v.eq_ignore_ascii_case("NONE") => DatetimeConfig::None,
            _ => DatetimeConfig::Patterns,
        };
        let lookahead = match int_setting(get, "MAX_TIMESTAMP_LOOKAHEAD", DEFAULT_LOOKAHEAD as i64)?
        {
            0 | -1 => None,
            n => Some(usize::try_from(n).map_err(|_| {
                SettingError::new(
                    "MAX_TIMESTAMP_LOOKAHEAD",
                    format!("{n} is neither positive, 0 nor -1"),
                )
            })?),
        };
        let tz_setting = setting(get, "TZ")
            .map(|name| {
                name.parse::<Tz>().map_err(|_| {
                    SettingError::new("TZ", format!("{name} is not a tz database time zone"))
                })
            })
            .transpose()?;
        Ok(TimestampRecognizer {
            config,
            prefix: regex_setting(get, "TIME_PREFIX")?,
            lookahead,
            format: setting(get, "TIME_FORMAT").map(TimeFormat::new),
            tz_setting,
            default_tz,
            max_days_ago: days(get, "MAX_DAYS_AGO", DEFAULT_MAX_DAYS_AGO)?,
            max_days_hence: days(get, "MAX_DAYS_HENCE", DEFAULT_MAX_DAYS_HENCE)?,
        })
    }

    /// `DATETIME_CONFIG`.
    pub fn datetime_config(&self) -> DatetimeConfig {
        self.config
    }

    /// The zone of timestamps that carry none: `TZ`, else the default.
    pub fn zone(&self) -> Tz {
        self.tz_setting.unwrap_or(self.default_tz)
    }

    /// The timestamp of an event whose text is `raw`. `anchor` is the
    /// time a timestamp without a year or date is completed from (the
    /// source's previous timestamp, else the file's modification time,
    /// else now: [`TimeFallback::anchor`]):
    ///
    /// - no year (`May 27 09:28:36`): the latest year that does not put the
    ///   time more than `MAX_DAYS_HENCE` days after the anchor (Splunk's
    ///   docs do not say how it picks the year; this keeps a syslog file's
    ///   December-to-January rollover in order, and never dates an event
    ///   into the future);
    /// - no date at all (`TIME_FORMAT = %H:%M:%S`): the anchor's date, as
    ///   `DETERMINE_TIMESTAMP_DATE_WITH_SYSTEM_TIME = false` (the default)
    ///   describes ("uses the last successfully-parsed timestamp to
    ///   determine the timestamp date").
    pub fn find(&self, raw: &str, anchor: f64) -> Option<RawTimestamp> {
        let (from, window) = self.window(raw)?;
        let complete = |(parts, start, end): Located| {
            let (epoch, wall, zone) = self.complete(&parts, anchor)?;
            Some(RawTimestamp {
                epoch,
                start: from + start,
                end: from + end,
                wall,
                zone,
            })
        };
        // A format match that is no real time (February 30) falls back to
        // the automatic shapes like a format that does not match.
        self.formatted(window)
            .and_then(complete)
            .or_else(|| recognize(window).and_then(complete))
    }

    /// Whether an extracted time lies within `MAX_DAYS_AGO` days before and
    /// `MAX_DAYS_HENCE` days after `reference` (the input's current time).
    /// Splunk gives events outside the window the previous acceptable
    /// event's time, or the current time; that depends on the wall clock,
    /// so replaying old data offline is the caller's decision.
    pub fn within_window(&self, epoch: f64, reference: f64) -> bool {
        epoch >= reference - f64::from(self.max_days_ago) * SECONDS_PER_DAY
            && epoch <= reference + f64::from(self.max_days_hence) * SECONDS_PER_DAY
    }

    /// Where a timestamp may lie in `raw`: the offset the window starts at
    /// (after `TIME_PREFIX`'s first match) and the window's text (as long
    /// as `MAX_TIMESTAMP_LOOKAHEAD` allows); `None` when recognition is
    /// off or the prefix does not match.
    fn window<'r>(&self, raw: &'r str) -> Option<(usize, &'r str)> {
        if self.config != DatetimeConfig::Patterns {
            return None;
        }
        let from = match &self.prefix {
            Some(prefix) => prefix.find_iter(raw).next()?.1,
            None => 0,
        };
        Some((from, raw.get(from..self.window_end(raw, from))?))
    }

    /// `TIME_FORMAT` read at the start of the window.
    fn formatted(&self, window: &str) -> Option<Located> {
        let (parts, used) = self.format.as_ref()?.parse_prefix(window)?;
        (used > 0).then_some((parts, 0, used))
    }

    /// The byte offset `MAX_TIMESTAMP_LOOKAHEAD` characters after `from`.
    fn window_end(&self, raw: &str, from: usize) -> usize {
        match (self.lookahead, raw.get(from..)) {
            (Some(chars), Some(rest)) => rest
                .char_indices()
                .nth(chars)
                .map_or(raw.len(), |(i, _)| from + i),
            _ => raw.len(),
        }
    }

    /// Epoch seconds, wall clock and zone origin of `parts`.
    fn complete(&self, parts: &TimeParts, anchor: f64) -> Option<(f64, WallClock, ZoneOrigin)> {
        let tz = self.zone();
        if let Some(epoch) = parts.epoch {
            let epoch = if epoch.fract() == 0.0 {
                epoch + parts.fraction()
            } else {
                epoch
            };
            let utc = DateTime::<Utc>::from_timestamp(epoch.floor() as i64, 0)?;
            let local = utc.with_timezone(&tz).naive_local();
            return Some((epoch, WallClock::of(local), self.zone_of_setting(utc, tz)));
        }
        let naive = self.wall_clock(parts, anchor, tz)?;
        let whole = parts.whole_seconds_at(naive, tz);
        let epoch = whole as f64 + parts.fraction();
        let utc = DateTime::<Utc>::from_timestamp(whole, 0)?;
        let zone = match (parts.offset, parts.zone) {
            (Some(offset), _) => ZoneOrigin::Text {
                offset_minutes: offset / 60,
            },
            (None, Some(named)) => ZoneOrigin::Text {
                offset_minutes: offset_minutes(utc, named),
            },
            (None, None) => self.zone_of_setting(utc, tz),
        };
        Some((epoch, WallClock::of(naive), zone))
    }

    fn zone_of_setting(&self, utc: DateTime<Utc>, tz: Tz) -> ZoneOrigin {
        match self.tz_setting {
            Some(_) => ZoneOrigin::Setting {
                offset_minutes: offset_minutes(utc, tz),
            },
            None => ZoneOrigin::Default,
        }
    }

    /// The wall-clock time written, its missing year or date filled in
    /// from `anchor` (see [`TimestampRecognizer::find`]).
    fn wall_clock(&self, parts: &TimeParts, anchor: f64, tz: Tz) -> Option<NaiveDateTime> {
        let anchor_local = DateTime::<Utc>::from_timestamp(anchor.floor() as i64, 0)
            .unwrap_or_default()
            .with_timezone(&tz)
            .naive_local();
        if !parts.has_date() {
            return parts.wall_clock(anchor_local.date());
        }
        if let Some(year) = parts.year {
            return parts.wall_clock(parts.date_in(year)?);
        }
        let latest = anchor + f64::from(self.max_days_hence) * SECONDS_PER_DAY;
        // Eight years back reach a leap year for February 29.
        (anchor_local.year() - 8..=anchor_local.year() + 1)
            .rev()
            .filter_map(|year| parts.wall_clock(parts.date_in(year)?))
            .find(|naive| parts.whole_seconds_at(*naive, tz) as f64 <= latest)
    }
}

fn offset_minutes(utc: DateTime<Utc>, tz: Tz) -> i32 {
    tz.offset_from_utc_datetime(&utc.naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

fn days(get: &Settings<'_>, key: &str, default: u32) -> Result<u32, SettingError> {
    let value = int_setting(get, key, i64::from(default))?;
    u32::try_from(value)
        .map_err(|_| SettingError::new(key, format!("{value} is not a number of days")))
}

/// `BREAK_ONLY_BEFORE_DATE`'s test: whether the recognizer finds a
/// timestamp with a date in the line (a time alone is no date).
impl DateTest for TimestampRecognizer {
    fn line_has_date(&self, line: &str) -> bool {
        self.window(line).is_some_and(|(_, window)| {
            self.formatted(window)
                .or_else(|| recognize(window))
                .is_some_and(|(parts, _, _)| parts.has_date())
        })
    }
}

/// What [`TimeFallback::assign`] based an event's time on, in Splunk's
/// order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeOrigin {
    /// A timestamp in the event.
    Event,
    /// The most recent previous timestamp of the same source.
    PreviousEvent,
    /// The file's modification time.
    FileModified,
    /// The current time.
    Now,
}

/// The time of events that have no timestamp, per source. Splunk's
/// precedence ("How timestamp assignment works",
/// <https://docs.splunk.com/Documentation/Splunk/4.1.5/Admin/HowSplunkextractstimestamps>):
/// the event's own timestamp; else "the timestamp from the most recent
/// previous event of the same source"; else (a date in the source name,
/// not done here) "for file sources, ... the modification time on the
/// file"; else "the current system time". spelunk never leaves an event
/// without `_time`: one `TimeFallback` per source, fed every event in order.
#[derive(Debug, Clone)]
pub struct TimeFallback {
    last: Option<f64>,
    file_modified: Option<f64>,
    now: f64,
}

impl TimeFallback {
    /// The fallback for one source: its file's modification time, if a
    /// file, and the current time (fixed by the caller, so a run is
    /// reproducible).
    pub fn new(file_modified: Option<f64>, now: f64) -> TimeFallback {
        TimeFallback {
            last: None,
            file_modified,
            now,
        }
    }

    /// The time a timestamp without year or date is completed from: the
    /// previous timestamp of the source, else the file's modification
    /// time, else now.
    pub fn anchor(&self) -> f64 {
        self.last.or(self.file_modified).unwrap_or(self.now)
    }

    /// Remembers a time found otherwise (in a `TIMESTAMP_FIELDS` field) for
    /// the events after it.
    pub fn remember(&mut self, epoch: f64) {
        self.last = Some(epoch);
    }

    /// The event's time: `found` (remembered for the events after it), or
    /// the fallback.
    pub fn assign(&mut self, found: Option<&RawTimestamp>) -> (f64, TimeOrigin) {
        match (found, self.last, self.file_modified) {
            (Some(ts), _, _) => {
                self.last = Some(ts.epoch);
                (ts.epoch, TimeOrigin::Event)
            }
            (None, Some(last), _) => (last, TimeOrigin::PreviousEvent),
            (None, None, Some(modified)) => (modified, TimeOrigin::FileModified),
            (None, None, None) => (self.now, TimeOrigin::Now),
        }
    }
}

// ------------------------------------------------- automatic recognition

/// A timestamp's parts and its byte span (start, exclusive end) in the
/// text it was read from.
pub type Located = (TimeParts, usize, usize);

/// The leftmost timestamp of a known shape in `window`: its parts and byte
/// span. Shapes (all with an optional `.fraction` or `,fraction` after the
/// seconds, then an optional zone: `Z`, `+hh:mm`, `+hhmm`, `UTC`/`GMT`
/// with an optional offset, or a common abbreviation):
///
/// | shape                     | example                              |
/// |---------------------------|--------------------------------------|
/// | ISO 8601, `T` or space    | `2020-10-08T11:03:46.617920300Z`     |
/// | year first with `/`       | `2011/10/21 18:30:22`                |
/// | US, 12 or 24 hours        | `12/04/2020 09:24:11 AM`, `07-17-2023 18:01:36.996 +0200` |
/// | syslog (no year)          | `May 27 09:28:36`                    |
/// | ctime                     | `Mon Dec 15 10:11:12 2025`           |
/// | Apache / CLF              | `10/Oct/2000:13:55:36 -0700`         |
/// | RFC 2822                  | `Tue, 15 Dec 2025 10:11:12 +0000`    |
/// | epoch seconds             | `1723044684.257` in `audit(1723044684.257:15795)` |
///
/// A date alone (`2020-10-08`, `12/04/2020`) counts too, at midnight.
/// Numbers glued to letters or digits are not timestamps (`T1202`,
/// `x2020-01-01`), nor are 10-digit numbers outside 2001-2038.
pub fn recognize(window: &str) -> Option<Located> {
    let bytes = window.as_bytes();
    (0..bytes.len())
        .filter(|&i| starts_word(bytes, i))
        .find_map(|i| longest_shape_at(bytes, i).map(|(parts, end)| (parts, i, end)))
}

/// Whether a timestamp may start at `i`: an ASCII letter or digit not
/// glued to the one before.
fn starts_word(bytes: &[u8], i: usize) -> bool {
    bytes[i].is_ascii_alphanumeric() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
}

type Shape = fn(&mut Cursor<'_>) -> Option<TimeParts>;

const DIGIT_SHAPES: [Shape; 5] = [year_first, month_first, apache, day_month_name, epoch];
const LETTER_SHAPES: [Shape; 2] = [month_name_first, day_month_name];

fn longest_shape_at(bytes: &[u8], start: usize) -> Option<(TimeParts, usize)> {
    let shapes: &[Shape] = if bytes[start].is_ascii_digit() {
        &DIGIT_SHAPES
    } else {
        &LETTER_SHAPES
    };
    shapes
        .iter()
        .filter_map(|shape| {
            let mut cursor = Cursor { bytes, pos: start };
            let parts = shape(&mut cursor)?;
            Some((parts, cursor.pos))
        })
        .max_by_key(|(_, end)| *end)
}

/// A position in the window and the small readers shapes are made of.
/// Every reader either advances past what it read or leaves the position
/// alone and answers `None` / `false`.
struct Cursor<'t> {
    bytes: &'t [u8],
    pos: usize,
}

impl<'t> Cursor<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.pos += usize::from(found);
        found
    }

    fn eat_any(&mut self, set: &[u8]) -> Option<u8> {
        let byte = self.peek().filter(|b| set.contains(b))?;
        self.pos += 1;
        Some(byte)
    }

    /// Between `min` and `max` spaces.
    fn spaces(&mut self, min: usize, max: usize) -> bool {
        let n = self.bytes[self.pos..]
            .iter()
            .take(max)
            .take_while(|&&b| b == b' ')
            .count();
        if n < min {
            return false;
        }
        self.pos += n;
        true
    }

    /// A number of `min` to `max` digits, not followed by another digit
    /// (`None`, consuming nothing, when it does not fit a u64).
    fn digits(&mut self, min: usize, max: usize) -> Option<u64> {
        let run = self.bytes[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if run < min || run > max {
            return None;
        }
        let value = self.bytes[self.pos..self.pos + run]
            .iter()
            .try_fold(0u64, |n, &d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            })?;
        self.pos += run;
        Some(value)
    }

    /// [`Cursor::digits`] that fit a u32 (`None`, consuming nothing, when
    /// they do not).
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.pos;
        let value = u32::try_from(self.digits(min, max)?).ok();
        if value.is_none() {
            self.pos = start;
        }
        value
    }

    /// A number within `range`.
    fn number_in(
        &mut self,
        min: usize,
        max: usize,
        range: std::ops::RangeInclusive<u32>,
    ) -> Option<u32> {
        let start = self.pos;
        let n = self.number(min, max).filter(|n| range.contains(n));
        if n.is_none() {
            self.pos = start;
        }
        n
    }

    /// A run of ASCII letters, not followed by a digit.
    fn word(&mut self) -> Option<&'t [u8]> {
        let run = self.bytes[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        if run == 0
            || self
                .bytes
                .get(self.pos + run)
                .is_some_and(u8::is_ascii_digit)
        {
            return None;
        }
        let word = &self.bytes[self.pos..self.pos + run];
        self.pos += run;
        Some(word)
    }

    /// A month name, full or abbreviated (any case): its number.
    fn month(&mut self) -> Option<u32> {
        self.name(&MONTHS).map(|i| i as u32 + 1)
    }

    /// A day name, full or abbreviated.
    fn weekday(&mut self) -> Option<usize> {
        self.name(&WEEKDAYS)
    }

    fn name(&mut self, names: &[&str]) -> Option<usize> {
        let start = self.pos;
        let word = self.word()?;
        let found = names.iter().position(|name| {
            (word.len() == 3 || word.len() == name.len())
                && name
                    .as_bytes()
                    .get(..word.len())
                    .is_some_and(|n| n.eq_ignore_ascii_case(word))
        });
        if found.is_none() {
            self.pos = start;
        }
        found
    }

    /// Whether the text ends here as a token (no letter or digit next).
    fn at_boundary(&self) -> bool {
        !self.peek().is_some_and(|b| b.is_ascii_alphanumeric())
    }

    /// Runs `read`; on `None`, puts the position back.
    fn attempt<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let start = self.pos;
        let result = read(self);
        if result.is_none() {
            self.pos = start;
        }
        result
    }
}

/// `hh:mm[:ss][.frac][ AM|PM][ zone]` into `parts`.
fn time_of_day(c: &mut Cursor<'_>, parts: &mut TimeParts) -> Option<()> {
    c.attempt(|c| {
        let hour = c.number_in(1, 2, 0..=24)?;
        c.eat(b':').then_some(())?;
        let minute = c.number_in(2, 2, 0..=59)?;
        let second = c.attempt(|c| {
            c.eat(b':').then_some(())?;
            c.number_in(2, 2, 0..=60)
        });
        if second.is_some() {
            if let Some(nanos) = c.attempt(fraction) {
                parts.nanos = Some(nanos);
            }
        }
        parts.hour = Some(hour);
        parts.minute = Some(minute);
        parts.second = second;
        if (1..=12).contains(&hour) {
            if let Some(pm) = c.attempt(am_pm) {
                parts.hour = None;
                parts.hour12 = Some(hour);
                parts.pm = Some(pm);
            }
        }
        c.attempt(|c| zone(c, parts));
        Some(())
    })
}

/// `.ddd` or `,ddd` (any number of digits; nanoseconds from the first 9).
fn fraction(c: &mut Cursor<'_>) -> Option<u32> {
    c.eat_any(b".,")?;
    let digits = c.bytes[c.pos..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let nanos = (0..9).fold(0u32, |n, i| {
        let digit = if i < digits {
            c.bytes[c.pos + i] - b'0'
        } else {
            0
        };
        n * 10 + u32::from(digit)
    });
    c.pos += digits;
    Some(nanos)
}

/// ` AM` / `pm` (an optional space first).
fn am_pm(c: &mut Cursor<'_>) -> Option<bool> {
    c.spaces(0, 1);
    let pm = matches!(c.eat_any(b"AaPp")?, b'P' | b'p');
    c.eat_any(b"Mm")?;
    c.at_boundary().then_some(pm)
}

/// A zone after the time: `Z` right after it, or after an optional space
/// a numeric offset (`+02:00`, `-0700`), `UTC` / `GMT` / `UT` with an
/// optional offset, or a common abbreviation (`CET`, `PST`, ...).
fn zone(c: &mut Cursor<'_>, parts: &mut TimeParts) -> Option<()> {
    if c.peek() == Some(b'Z') && !c.peek_at(1).is_some_and(|b| b.is_ascii_alphanumeric()) {
        c.pos += 1;
        parts.offset = Some(0);
        return Some(());
    }
    c.spaces(0, 1);
    if let Some(offset) = c.attempt(numeric_offset) {
        parts.offset = Some(offset);
        return Some(());
    }
    let word = std::str::from_utf8(c.word()?).ok()?;
    let offset = timefmt::abbreviation_offset(word)?;
    let universal = ["UTC", "GMT", "UT"]
        .iter()
        .any(|u| u.eq_ignore_ascii_case(word));
    let offset = if universal {
        c.attempt(numeric_offset).unwrap_or(offset)
    } else {
        offset
    };
    c.at_boundary().then_some(())?;
    parts.offset = Some(offset);
    Some(())
}

/// `+hh:mm` or `+hhmm` (or `-`), in seconds east of UTC.
fn numeric_offset(c: &mut Cursor<'_>) -> Option<i32> {
    let sign = match c.eat_any(b"+-")? {
        b'+' => 1,
        _ => -1,
    };
    let hours = c.attempt(|c| {
        let h = c.number_in(2, 2, 0..=23)?;
        c.eat(b':').then_some(h)
    });
    let (hours, minutes) = match hours {
        Some(h) => (h, c.number_in(2, 2, 0..=59)?),
        None => {
            let hhmm = c.number(4, 4)?;
            (hhmm / 100, hhmm % 100)
        }
    };
    (hours <= 23 && minutes <= 59).then_some(sign * (hours as i32 * 3600 + minutes as i32 * 60))
}

/// After a date: an optional time, introduced by `T` (ISO) or spaces;
/// without one the date must end as a token.
fn optional_time(c: &mut Cursor<'_>, parts: &mut TimeParts, allow_t: bool) -> Option<()> {
    let timed = c.attempt(|c| {
        let separated = (allow_t && c.eat(b'T')) || c.spaces(1, 2);
        separated.then_some(())?;
        time_of_day(c, parts)
    });
    (timed.is_some() || c.at_boundary()).then_some(())
}

fn year(value: u32) -> Option<i32> {
    let year = i32::try_from(value).ok()?;
    YEARS.contains(&year).then_some(year)
}

/// `2020-10-08[T ]11:03:46...` or `2011/10/21 18:30:22`.
fn year_first(c: &mut Cursor<'_>) -> Option<TimeParts> {
    let year = year(c.number(4, 4)?)?;
    let sep = c.eat_any(b"-/")?;
    let month = c.number_in(1, 2, 1..=12)?;
    c.eat(sep).then_some(())?;
    let day = c.number_in(1, 2, 1..=31)?;
    let mut parts = date_parts(year, month, day)?;
    optional_time(c, &mut parts, true)?;
    Some(parts)
}

/// `12/04/2020 09:24:11 AM`, `12/04/20`, `07-17-2023 18:01:36.996 +0200`.
/// Month first, as in the US, unless the first number cannot be a month.
fn month_first(c: &mut Cursor<'_>) -> Option<TimeParts> {
    let first = c.number_in(1, 2, 1..=31)?;
    let sep = c.eat_any(b"/-")?;
    let second = c.number_in(1, 2, 1..=31)?;
    c.eat(sep).then_some(())?;
    let year = match c.number(2, 4)? {
        y if y >= 1000 => year(y)?,
        y if y < 100 && sep == b'/' => {
            if y < 69 {
                2000 + y as i32
            } else {
                1900 + y as i32
            }
        }
        _ => return None,
    };
    let (month, day) = if first > 12 {
        (second, first)
    } else {
        (first, second)
    };
    let mut parts = date_parts(year, month, day)?;
    optional_time(c, &mut parts, false)?;
    Some(parts)
}

/// `10/Oct/2000:13:55:36 -0700`.
fn apache(c: &mut Cursor<'_>) -> Option<TimeParts> {
    let day = c.number_in(1, 2, 1..=31)?;
    c.eat(b'/').then_some(())?;
    let month = c.month()?;
    c.eat(b'/').then_some(())?;
    let year = year(c.number(4, 4)?)?;
    c.eat(b':').then_some(())?;
    let mut parts = date_parts(year, month, day)?;
    time_of_day(c, &mut parts)?;
    Some(parts)
}

/// `[Tue, ]15 Dec 2025 10:11:12 +0000` and `15-Dec-2025 10:11:12`.
fn day_month_name(c: &mut Cursor<'_>) -> Option<TimeParts> {
    c.attempt(|c| {
        c.weekday()?;
        c.eat(b',');
        c.spaces(1, 2).then_some(())
    });
    let day = c.number_in(1, 2, 1..=31)?;
    let sep = if c.spaces(1, 1) {
        b' '
    } else {
        c.eat_any(b"-")?
    };
    let month = c.month()?;
    (if sep == b' ' {
        c.spaces(1, 1)
    } else {
        c.eat(sep)
    })
    .then_some(())?;
    let year = year(c.number(4, 4)?)?;
    (c.spaces(1, 2) || c.eat(b':')).then_some(())?;
    let mut parts = date_parts(year, month, day)?;
    time_of_day(c, &mut parts)?;
    Some(parts)
}

/// Syslog `May 27 09:28:36` (no year), `Mar  1 2020 10:11:12`,
/// `Dec 15, 2025 10:11:12 AM`, and ctime `Mon Dec 15 10:11:12 [UTC] 2025`.
fn month_name_first(c: &mut Cursor<'_>) -> Option<TimeParts> {
    c.attempt(|c| {
        c.weekday()?;
        c.eat(b',');
        c.spaces(1, 2).then_some(())
    });
    let month = c.month()?;
    c.spaces(1, 2).then_some(())?;
    let day = c.number_in(1, 2, 1..=31)?;
    let year_before_time = c.attempt(|c| {
        c.eat(b',');
        c.spaces(1, 1).then_some(())?;
        year(c.number(4, 4)?)
    });
    c.spaces(1, 2).then_some(())?;
    let mut parts = TimeParts {
        month: Some(month),
        day: Some(day),
        year: year_before_time,
        ..TimeParts::default()
    };
    time_of_day(c, &mut parts)?;
    if parts.year.is_none() {
        parts.year = c.attempt(|c| {
            c.spaces(1, 1).then_some(())?;
            year(c.number(4, 4)?)
        });
    }
    // A named day must exist in that year; checked when the year is known.
    if let Some(year) = parts.year {
        chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    }
    Some(parts)
}

/// 10-digit epoch seconds with an optional fraction, within 2001-2038.
/// Not a piece of a dotted or dashed number: Windows SIDs
/// (`S-1-5-21-498674726-1695882068-...`) and versions are full of them.
fn epoch(c: &mut Cursor<'_>) -> Option<TimeParts> {
    if c.pos > 0 && matches!(c.bytes[c.pos - 1], b'.' | b'-') {
        return None;
    }
    // Ten digits pass u32::MAX from 2106 on: read them as a u64.
    let seconds = i64::try_from(c.digits(10, 10)?).ok()?;
    if !(FIRST_TEN_DIGIT_EPOCH..=LAST_EPOCH).contains(&seconds) {
        return None;
    }
    let nanos = c.attempt(|c| {
        c.peek().filter(|&b| b == b'.')?;
        fraction(c)
    });
    (c.at_boundary() && c.peek() != Some(b'-')).then_some(())?;
    let epoch = seconds as f64 + f64::from(nanos.unwrap_or(0)) / 1e9;
    Some(TimeParts {
        epoch: Some(epoch),
        ..TimeParts::default()
    })
}

/// A valid calendar date's parts.
fn date_parts(year: i32, month: u32, day: u32) -> Option<TimeParts> {
    chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    Some(TimeParts {
        year: Some(year),
        month: Some(month),
        day: Some(day),
        ..TimeParts::default()
    })
}

#[cfg(test)]
mod tests {
    //! Rules from "How timestamp assignment works"
    //! (<https://docs.splunk.com/Documentation/Splunk/9.3.1/Data/HowSplunkextractstimestamps>),
    //! "Configure timestamp recognition"
    //! (<https://docs.splunk.com/Documentation/Splunk/8.0.4/Data/Configuretimestamprecognition>),
    //! "Tune timestamp recognition for better indexing performance"
    //! (<https://help.splunk.com/splunk-enterprise/get-started/get-data-in/9.3/configure-timestamps/tune-timestamp-recognition-for-better-indexing-performance>),
    //! "Specify time zones for timestamps"
    //! (<https://docs.splunk.com/Documentation/Splunk/6.4.3/Data/Applytimezoneoffsetstotimestamps>),
    //! "Use default fields"
    //! (<https://help.splunk.com/splunk-cloud-platform/manage-knowledge-objects/knowledge-management-manual/10.0.2503/fields-and-field-extractions/use-default-fields>)
    //! and Splunk 10.2's `props.conf.spec`.

    use super::*;

    const UTC: Tz = chrono_tz::UTC;
    /// 2024-06-01T00:00:00Z, an anchor for timestamps without a year.
    const JUNE_2024: f64 = 1_717_200_000.0;

    fn recognizer(settings: &[(&str, &str)], default_tz: Tz) -> TimestampRecognizer {
        try_recognizer(settings, default_tz).unwrap()
    }

    fn try_recognizer(
        settings: &[(&str, &str)],
        default_tz: Tz,
    ) -> Result<TimestampRecognizer, SettingError> {
        TimestampRecognizer::from_settings(
            &|key| settings.iter().find(|(k, _)| *k == key).map(|(_, v)| *v),
            default_tz,
        )
    }

    fn auto() -> TimestampRecognizer {
        recognizer(&[], UTC)
    }

    /// Epoch seconds of a UTC date and time.
    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> f64 {
        chrono::NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, s))
            .map(|t| t.and_utc().timestamp() as f64)
            .unwrap()
    }

    fn fields(ts: &RawTimestamp) -> Vec<String> {
        ts.default_fields()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// The found text and epoch.
    fn found(r: &TimestampRecognizer, raw: &str) -> Option<(String, f64)> {
        r.find(raw, JUNE_2024)
            .map(|ts| (raw[ts.start..ts.end].to_string(), ts.epoch))
    }

    fn assert_close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-6, "{got} != {want}");
    }

    #[test]
    fn iso_8601_with_or_without_t_fraction_and_zone() {
        let (text, epoch) = found(&auto(), "2020-10-08T11:03:46.617920300Z host x").unwrap();
        assert_eq!(text, "2020-10-08T11:03:46.617920300Z");
        assert_close(epoch, utc(2020, 10, 8, 11, 3, 46) + 0.6179203);
        let (text, epoch) = found(&auto(), "2022-09-15 13:45:24 INFO started").unwrap();
        assert_eq!(
            (text.as_str(), epoch),
            ("2022-09-15 13:45:24", utc(2022, 9, 15, 13, 45, 24))
        );
        let (text, epoch) = found(&auto(), "at 2019-01-01T01:00:00+01:00.").unwrap();
        assert_eq!(
            (text.as_str(), epoch),
            ("2019-01-01T01:00:00+01:00", utc(2019, 1, 1, 0, 0, 0))
        );
        let (text, epoch) = found(&auto(), "[2019-01-01 01:00:00,250 -0100]").unwrap();
        assert_eq!(text, "2019-01-01 01:00:00,250 -0100");
        assert_close(epoch, utc(2019, 1, 1, 2, 0, 0) + 0.25);
    }

    #[test]
    fn windows_us_dates_with_am_pm() {
        // Classic WinEventLog text starts each event with this shape.
        let (text, epoch) = found(&auto(), "12/04/2020 09:24:11 AM\nLogName=System").unwrap();
        assert_eq!(
            (text.as_str(), epoch),
            ("12/04/2020 09:24:11 AM", utc(2020, 12, 4, 9, 24, 11))
        );
        let (_, epoch) = found(&auto(), "03/25/2022 05:46:37 PM").unwrap();
        assert_eq!(epoch, utc(2022, 3, 25, 17, 46, 37));
        let (_, epoch) = found(&auto(), "12/04/2020 12:01:00 AM").unwrap();
        assert_eq!(epoch, utc(2020, 12, 4, 0, 1, 0));
        // A first number that cannot be a month makes it day first.
        let (_, epoch) = found(&auto(), "25/03/2022 17:46:37").unwrap();
        assert_eq!(epoch, utc(2022, 3, 25, 17, 46, 37));
    }

    #[test]
    fn syslog_without_a_year_takes_the_year_nearest_before_the_anchor() {
        // The real syslog result: indexed 2017-01-04 19:14:32 UTC on a US
        // Pacific server, `Jan  4 11:14:32` became _time 1483557272 with
        // date_year=2017 (zulip/zulip
        // zerver/webhooks/splunk/fixtures/search_one_result.json).
        let pacific = chrono_tz::America::Los_Angeles;
        let r = recognizer(&[], pacific);
        let raw =
            "Jan  4 11:14:32 myserver sudo: pam_unix(sudo:session): session closed for user root";
        let ts = r.find(raw, 1_483_557_272.0).unwrap();
        assert_eq!(ts.epoch, 1_483_557_272.0);
        assert_eq!(
            fields(&ts),
            [
                "date_second=32",
                "date_minute=14",
                "date_hour=11",
                "date_mday=4",
                "date_month=january",
                "date_year=2017",
                "date_wday=wednesday",
                "date_zone=local",
                "timestartpos=0",
                "timeendpos=15",
            ]
        );
        // A December line read in January belongs to the year before; a
        // year rollover in a file keeps its order; nothing lands more than
        // MAX_DAYS_HENCE (2) days after the anchor.
        let jan_5_2025 = utc(2025, 1, 5, 0, 0, 0);
        let dec = auto().find("Dec 31 23:59:59 h x", jan_5_2025).unwrap();
        assert_eq!(dec.epoch, utc(2024, 12, 31, 23, 59, 59));
        let next = auto().find("Jan  1 00:00:01 h x", dec.epoch).unwrap();
        assert_eq!(next.epoch, utc(2025, 1, 1, 0, 0, 1));
        let soon = auto().find("Jan  6 10:00:00 h x", jan_5_2025).unwrap();
        assert_eq!(soon.wall.year, 2025);
        let far = auto().find("Jan  9 10:00:00 h x", jan_5_2025).unwrap();
        assert_eq!(far.wall.year, 2024);
        // February 29 goes back to the last leap year.
        let leap = auto()
            .find("Feb 29 10:00:00 h x", utc(2027, 3, 1, 0, 0, 0))
            .unwrap();
        assert_eq!(leap.wall.year, 2024);
    }

    #[test]
    fn linux_audit_epoch_inside_the_message() {
        let raw = "type=EXECVE msg=audit(1723044684.257:15795): argc=3 a0=\"sudo\"";
        let ts = auto().find(raw, JUNE_2024).unwrap();
        assert_close(ts.epoch, 1_723_044_684.257);
        assert_eq!(&raw[ts.start..ts.end], "1723044684.257");
        assert_eq!(ts.start, raw.find("1723").unwrap());
        // Ten digits glued to letters, an IP-like dotted number, a count
        // past 2038 and a hex id are not epochs.
        for raw in [
            "Sid=S-1-5-21-498674726-1695882068-1765845329-500",
            "id=x1723044684 y",
            "v=10.1723044684",
            "n=4294967295 z",
            "Keywords=0x8020000000000000",
        ] {
            assert_eq!(auto().find(raw, JUNE_2024), None, "{raw}");
        }
    }

    #[test]
    fn apache_ctime_and_rfc_2822() {
        let (text, epoch) = found(
            &auto(),
            "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /\"",
        )
        .unwrap();
        assert_eq!(
            (text.as_str(), epoch),
            ("10/Oct/2000:13:55:36 -0700", 971_211_336.0)
        );
        let (text, epoch) = found(&auto(), "Mon Dec 15 10:11:12 2025 kernel: x").unwrap();
        assert_eq!(
            (text.as_str(), epoch),
            ("Mon Dec 15 10:11:12 2025", utc(2025, 12, 15, 10, 11, 12))
        );
        let (text, epoch) = found(&auto(), "Mon Dec 15 10:11:12 UTC 2025").unwrap();
        assert_eq!(
            (text.as_str(), epoch),
            (
                "Mon Dec 15 10:11:12 UTC 2025",
                utc(2025, 12, 15, 10, 11, 12)
            )
        );
        let (text, epoch) = found(&auto(), "Date: Tue, 16 Dec 2025 10:11:12 +0100\n").unwrap();
        assert_eq!(
            (text.as_str(), epoch),
            (
                "Tue, 16 Dec 2025 10:11:12 +0100",
                utc(2025, 12, 16, 9, 11, 12)
            )
        );
        let (_, epoch) = found(&auto(), "16-Dec-2025 10:11:12.5").unwrap();
        assert_close(epoch, utc(2025, 12, 16, 10, 11, 12) + 0.5);
    }

    #[test]
    fn date_fields_are_the_parts_as_written_with_the_zone_in_minutes() {
        // Real splunkd result: `07-17-2023 18:01:36.996 +0200` gave
        // _time=1689609696.996 date_hour=18 date_minute=1 date_zone=120.
        let raw = "07-17-2023 18:01:36.996 +0200 INFO  Metrics - group=searchscheduler";
        let ts = auto().find(raw, JUNE_2024).unwrap();
        assert_close(ts.epoch, 1_689_609_696.996);
        assert_eq!(
            fields(&ts),
            [
                "date_second=36",
                "date_minute=1",
                "date_hour=18",
                "date_mday=17",
                "date_month=july",
                "date_year=2023",
                "date_wday=monday",
                "date_zone=120",
                "timestartpos=0",
                "timeendpos=29",
            ]
        );
        let ts = auto().find("2019-01-01T00:00:00Z", JUNE_2024).unwrap();
        assert_eq!(ts.default_fields()[7].1, "0");
    }

    #[test]
    fn positions_are_byte_offsets_with_an_exclusive_end() {
        // Real result: this event gave timestartpos=66 timeendpos=85; the
        // `:767` after the seconds is no fraction.
        let raw = "<L_MSG MN=\"up02212\" PID=\"w010_managed1\" TID=\"asyncDelivery21\" \
                   DT=\"2011/10/21 18:30:22:767\" PT=\"ERROR\" AP=\"wts\">";
        let ts = auto().find(raw, JUNE_2024).unwrap();
        assert_eq!((ts.start, ts.end), (66, 85));
        // Multi-byte characters before the timestamp count in bytes.
        let raw = "é 2020-01-01 00:00:00";
        let ts = auto().find(raw, JUNE_2024).unwrap();
        assert_eq!((ts.start, ts.end), (3, 22));
    }

    const SYSMON: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\
        <System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/>\
        <EventID>5</EventID><Version>3</Version><Level>4</Level><Task>5</Task><Opcode>0</Opcode>\
        <Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2021-10-22T06:38:15.548776000Z'/>\
        <EventRecordID>157268</EventRecordID><Correlation/><Execution ProcessID='2888' ThreadID='3648'/>\
        <Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>dhcp-ad01.testdhcp2.local</Computer>\
        <Security UserID='S-1-5-18'/></System><EventData><Data Name='RuleName'>-</Data>\
        <Data Name='UtcTime'>2021-10-22 06:38:15.540</Data><Data Name='ProcessId'>5616</Data></EventData></Event>";

    #[test]
    fn time_prefix_time_format_and_tz() {
        // Real XmlWinEventLog (Sysmon) result on a +05:30 server: read after
        // `<Data Name='UtcTime'>` as UTC: date_hour=6 date_zone=0
        // timestartpos=648 timeendpos=671.
        let r = recognizer(
            &[
                ("TIME_PREFIX", "<Data Name='UtcTime'>"),
                ("TIME_FORMAT", "%Y-%m-%d %H:%M:%S.%3N"),
                ("TZ", "UTC"),
            ],
            chrono_tz::Asia::Kolkata,
        );
        let ts = r.find(SYSMON, JUNE_2024).unwrap();
        assert_close(ts.epoch, utc(2021, 10, 22, 6, 38, 15) + 0.54);
        assert_eq!((ts.start, ts.end), (648, 671));
        assert_eq!(ts.wall.hour, 6);
        assert_eq!(ts.zone, ZoneOrigin::Setting { offset_minutes: 0 });
        // Without TZ the server's zone applies and date_zone is `local`.
        let r = recognizer(
            &[
                ("TIME_PREFIX", "<Data Name='UtcTime'>"),
                ("TIME_FORMAT", "%Y-%m-%d %H:%M:%S.%3N"),
            ],
            chrono_tz::Asia::Kolkata,
        );
        let ts = r.find(SYSMON, JUNE_2024).unwrap();
        assert_close(ts.epoch, utc(2021, 10, 22, 1, 8, 15) + 0.54);
        assert_eq!(ts.default_fields()[7].1, "local");
        // A TZ with daylight saving gives that instant's offset; a zone in
        // the text still wins ("Use the time zone specified in raw event
        // data ... if present").
        let r = recognizer(&[("TZ", "America/New_York")], UTC);
        let ts = r.find("2024-07-01 12:00:00 x", JUNE_2024).unwrap();
        assert_eq!(ts.epoch, utc(2024, 7, 1, 16, 0, 0));
        assert_eq!(ts.default_fields()[7].1, "-240");
        let ts = r.find("2024-07-01 12:00:00Z x", JUNE_2024).unwrap();
        assert_eq!(ts.epoch, utc(2024, 7, 1, 12, 0, 0));
    }

    #[test]
    fn time_format_reads_exactly_after_the_prefix_else_automatic() {
        // "the TIME_PREFIX regex must match up to and including the
        // character before the TIME_FORMAT date"; and "If no TIME_FORMAT is
        // provided, or no match is found, attempt to automatically identify
        // a time or date in the event itself"
        // (<https://docs.splunk.com/Documentation/Splunk/4.1.5/Admin/HowSplunkextractstimestamps>).
        let r = recognizer(
            &[("TIME_PREFIX", "at="), ("TIME_FORMAT", "%d/%m/%Y %H:%M")],
            UTC,
        );
        // Day first, as the format says (automatic would read February 1).
        assert_eq!(
            found(&r, "x at=02/01/2019 10:30 y").unwrap().1,
            utc(2019, 1, 2, 10, 30, 0)
        );
        // Another shape: the format does not match, the automatic shapes
        // find the date after the prefix.
        assert_eq!(
            found(&r, "x at=2019-02-01 10:30 y").unwrap().1,
            utc(2019, 2, 1, 10, 30, 0)
        );
        // Only the first match of the prefix counts, and without it there
        // is no timestamp ("If the TIME_PREFIX cannot be found in the event
        // text, timestamp extraction does not occur").
        assert_eq!(found(&r, "2019-01-01 00:00:00 no prefix"), None);
        // A format match that is no real date falls back too.
        assert_eq!(
            found(&r, "x at=30/02/2019 10:30 2019-02-01 10:30")
                .unwrap()
                .1,
            utc(2019, 2, 1, 10, 30, 0)
        );
        let r2 = recognizer(&[("TIME_FORMAT", "%d/%m/%Y")], UTC);
        assert_eq!(
            found(&r2, "30/02/2019 2019-02-01").unwrap().1,
            utc(2019, 2, 1, 0, 0, 0)
        );
        // Without TIME_PREFIX, TIME_FORMAT reads at the start of the event.
        let r = recognizer(&[("TIME_FORMAT", "%s")], UTC);
        assert_eq!(
            found(&r, "1546300800 x").unwrap(),
            ("1546300800".into(), 1_546_300_800.0)
        );
    }

    #[test]
    fn lookahead_bounds_where_the_timestamp_may_lie() {
        // "MAX_TIMESTAMP_LOOKAHEAD: The number of characters into an event
        // Splunk software should look for a timestamp. ... applied from the
        // point of the TIME_PREFIX-set location": prefix ending 11 characters
        // in with lookahead 10 constrains extraction to characters 11-20.
        let late = format!("{}2020-01-01 00:00:00", "x ".repeat(64));
        assert_eq!(found(&auto(), &late), None);
        let unlimited = recognizer(&[("MAX_TIMESTAMP_LOOKAHEAD", "0")], UTC);
        assert_eq!(
            found(&unlimited, &late).unwrap().1,
            utc(2020, 1, 1, 0, 0, 0)
        );
        let unlimited = recognizer(&[("MAX_TIMESTAMP_LOOKAHEAD", "-1")], UTC);
        assert!(found(&unlimited, &late).is_some());
        let r = recognizer(
            &[("TIME_PREFIX", "^.{11}"), ("MAX_TIMESTAMP_LOOKAHEAD", "10")],
            UTC,
        );
        assert_eq!(
            found(&r, "0123456789 2020-01-01 x").unwrap().0,
            "2020-01-01"
        );
        assert_eq!(found(&r, "0123456789 ab2020-01-01"), None);
        // A window shorter than the timestamp cuts it: the log4j-style
        // lookahead of 19 drops the milliseconds.
        let r = recognizer(&[("MAX_TIMESTAMP_LOOKAHEAD", "19")], UTC);
        assert_eq!(
            found(&r, "2014-05-11 12:34:11,372 INFO").unwrap().0,
            "2014-05-11 12:34:11"
        );
        // Characters, not bytes.
        let r = recognizer(&[("MAX_TIMESTAMP_LOOKAHEAD", "14")], UTC);
        assert_eq!(found(&r, "ééé 1546300800").unwrap().1, 1_546_300_800.0);
        let r = recognizer(&[("MAX_TIMESTAMP_LOOKAHEAD", "13")], UTC);
        assert_eq!(found(&r, "ééé 1546300800"), None);
    }

    #[test]
    fn a_time_alone_takes_the_anchor_date_and_is_no_date_for_line_merging() {
        // DETERMINE_TIMESTAMP_DATE_WITH_SYSTEM_TIME = false (default): "uses
        // the last successfully-parsed timestamp to determine the timestamp
        // date".
        let r = recognizer(&[("TIME_FORMAT", "%H:%M:%S")], UTC);
        let ts = r.find("10:11:12 x", utc(2024, 3, 5, 23, 0, 0)).unwrap();
        assert_eq!(ts.epoch, utc(2024, 3, 5, 10, 11, 12));
        assert!(!r.line_has_date("10:11:12 x"));
    }

    #[test]
    fn line_has_date_uses_the_same_recognizer() {
        // "BREAK_ONLY_BEFORE_DATE ... creates a new event only if it
        // encounters a new line with a date."
        let r = auto();
        for line in [
            "12/04/2020 09:24:11 AM",
            "type=PATH msg=audit(1781194335.799:10901): item=1",
            "Jan 16 03:48:22 hostname1 61:",
        ] {
            assert!(r.line_has_date(line), "{line}");
        }
        for line in [
            "LogName=System",
            "RecordNumber=82974",
            "Keywords=0x8020000000000000",
            "Message=A new process has been created.",
            "\tLogon ID:\t\t0x181B6B",
            "T1202 atomic test",
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>",
        ] {
            assert!(!r.line_has_date(line), "{line}");
        }
        let prefixed = recognizer(&[("TIME_PREFIX", "SystemTime='")], UTC);
        assert!(!prefixed.line_has_date("2020-01-01 00:00:00 but no prefix"));
        assert!(
            prefixed.line_has_date("<TimeCreated SystemTime='2023-05-25T12:47:37.394191200Z'/>")
        );
    }

    #[test]
    fn datetime_config_current_or_none_turns_recognition_off() {
        for value in ["CURRENT", "NONE", "none"] {
            let r = recognizer(&[("DATETIME_CONFIG", value)], UTC);
            assert_eq!(found(&r, "2020-01-01 00:00:00"), None);
            assert!(!r.line_has_date("2020-01-01 00:00:00"));
            assert_ne!(r.datetime_config(), DatetimeConfig::Patterns);
        }
        let r = recognizer(&[("DATETIME_CONFIG", "/etc/datetime.xml")], UTC);
        assert_eq!(r.datetime_config(), DatetimeConfig::Patterns);
    }

    #[test]
    fn bad_settings_name_their_key() {
        for (key, value) in [
            ("TIME_PREFIX", "(unclosed"),
            ("TZ", "Mars/Olympus_Mons"),
            ("MAX_TIMESTAMP_LOOKAHEAD", "-2"),
            ("MAX_TIMESTAMP_LOOKAHEAD", "lots"),
            ("MAX_DAYS_AGO", "-1"),
            ("MAX_DAYS_HENCE", "soon"),
        ] {
            let err = try_recognizer(&[(key, value)], UTC).unwrap_err();
            assert_eq!(err.key, key, "{value}: {err}");
        }
    }

    #[test]
    fn fallback_follows_splunks_precedence() {
        // "If an event doesn't have a time or date, use the timestamp from
        // the most recent previous event of the same source ... For file
        // sources, ... use the modification time on the file. If no other
        // timestamp is found, set the timestamp to the current system time"
        // (<https://docs.splunk.com/Documentation/Splunk/4.1.5/Admin/HowSplunkextractstimestamps>).
        let ts = auto().find("2020-01-01 00:00:00", JUNE_2024).unwrap();
        let mut file = TimeFallback::new(Some(100.0), 200.0);
        assert_eq!(file.anchor(), 100.0);
        assert_eq!(file.assign(None), (100.0, TimeOrigin::FileModified));
        assert_eq!(file.assign(Some(&ts)), (ts.epoch, TimeOrigin::Event));
        assert_eq!(file.assign(None), (ts.epoch, TimeOrigin::PreviousEvent));
        assert_eq!(file.anchor(), ts.epoch);
        let mut stdin = TimeFallback::new(None, 200.0);
        assert_eq!(stdin.assign(None), (200.0, TimeOrigin::Now));
    }

    #[test]
    fn the_accepted_window_is_max_days_ago_to_max_days_hence() {
        // MAX_DAYS_AGO default 2000, MAX_DAYS_HENCE default 2.
        let r = auto();
        let now = JUNE_2024;
        assert!(r.within_window(now - 1999.0 * SECONDS_PER_DAY, now));
        assert!(!r.within_window(now - 2001.0 * SECONDS_PER_DAY, now));
        assert!(r.within_window(now + 1.5 * SECONDS_PER_DAY, now));
        assert!(!r.within_window(now + 3.0 * SECONDS_PER_DAY, now));
        let r = recognizer(&[("MAX_DAYS_AGO", "10951")], UTC);
        assert!(r.within_window(now - 10_000.0 * SECONDS_PER_DAY, now));
    }

    #[test]
    fn arbitrary_text_never_panics_and_spans_are_inside_the_event() {
        let recognizers = [
            auto(),
            recognizer(&[("MAX_TIMESTAMP_LOOKAHEAD", "7")], UTC),
            recognizer(
                &[("TIME_FORMAT", "%b %d %H:%M:%S")],
                chrono_tz::America::New_York,
            ),
            recognizer(
                &[("TIME_PREFIX", "=\\s*"), ("TIME_FORMAT", "%s.%3N%z")],
                UTC,
            ),
            recognizer(
                &[
                    ("TIME_FORMAT", "%Y-%m-%dT%H:%M:%S%Z"),
                    ("TZ", "Asia/Kolkata"),
                ],
                UTC,
            ),
        ];
        const PIECES: [&str; 24] = [
            "1",
            "12",
            "2020",
            "1723044684",
            "-",
            "/",
            ":",
            ".",
            ",",
            " ",
            "  ",
            "T",
            "Z",
            "+02:00",
            "AM",
            "Jan",
            "Mon",
            "é",
            "\u{1f600}",
            "UTC",
            "=",
            "\n",
            "\r\n",
            "x",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..3000 {
            let text: String = (0..round % 24)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            let anchor = match round % 4 {
                0 => f64::NAN,
                1 => -1e18,
                2 => 1e18,
                _ => JUNE_2024,
            };
            for r in &recognizers {
                let _ = r.line_has_date(&text);
                if let Some(ts) = r.find(&text, anchor) {
                    assert!(ts.start <= ts.end && ts.end <= text.len(), "{text:?}");
                    assert!(text.is_char_boundary(ts.start) && text.is_char_boundary(ts.end));
                    let _ = ts.default_fields();
                }
            }
        }
        for _ in 0..500 {
            let bytes: Vec<u8> = (0..48).map(|_| next() as u8).collect();
            let text = String::from_utf8_lossy(&bytes);
            for r in &recognizers {
                let _ = r.find(&text, JUNE_2024);
            }
        }
    }
}

#[cfg(test)]
mod real_files {
    //! The line breaker and the recognizer together over real attack data
    //! (`../shared/corpus/events/attack_data`, read only). Counts were
    //! verified by hand: `grep -c '^LogName='` for Windows text logs,
    //! `grep -o '<Event xmlns' | wc -l` for XML, `wc -l` for one-line
    //! formats.

    use super::super::linebreak::{LineBreaking, RawEvent};
    use super::*;

    const ATTACK_DATA: &str = "../shared/corpus/events/attack_data/datasets/attack_techniques";

    /// The file's text, or `None` (after saying why) when the shared corpus
    /// is not there.
    fn read(relative: &str) -> Option<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(ATTACK_DATA)
            .join(relative);
        match std::fs::read(&path) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) => {
                eprintln!("skipping {}: {e}", path.display());
                None
            }
        }
    }

    fn settings<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
        move |key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// Breaks and timestamps `relative` with `props`: the events and, for
    /// each, the timestamp found in it (if any).
    fn ingest(
        relative: &str,
        props: &[(&str, &str)],
    ) -> Option<Vec<(RawEvent<'static>, Option<RawTimestamp>)>> {
        let text = read(relative)?;
        let get = settings(props);
        let breaking = LineBreaking::from_settings(&get).unwrap();
        let recognizer = TimestampRecognizer::from_settings(&get, chrono_tz::UTC).unwrap();
        // A fixed "now" (2024-06-01) keeps year completion reproducible.
        let mut fallback = TimeFallback::new(None, 1_717_200_000.0);
        let events = breaking
            .events(&text, &recognizer)
            .map(|event| {
                let found = recognizer.find(&event.text, fallback.anchor());
                fallback.assign(found.as_ref());
                let owned = RawEvent {
                    text: std::borrow::Cow::Owned(event.text.into_owned()),
                    ..event
                };
                (owned, found)
            })
            .collect();
        Some(events)
    }

    /// Every event got a timestamp from its own text.
    fn assert_all_timed(file: &str, events: &[(RawEvent<'_>, Option<RawTimestamp>)]) {
        let untimed: Vec<usize> = events
            .iter()
            .filter(|(_, ts)| ts.is_none())
            .map(|(e, _)| e.line)
            .collect();
        assert!(
            untimed.is_empty(),
            "{file}: events without a timestamp at lines {untimed:?}"
        );
    }

    /// Splunk's `[source::WinEventLog...]` stanza (system props.conf).
    const WINEVENTLOG_SOURCE: [(&str, &str); 3] = [
        ("SHOULD_LINEMERGE", "false"),
        (
            "LINE_BREAKER",
            r"([\r\n](?=\d{2}/\d{2}/\d{2,4} \d{2}:\d{2}:\d{2} [aApPmM]{2}))",
        ),
        ("MAX_TIMESTAMP_LOOKAHEAD", "30"),
    ];

    /// Breaking XML Windows events before each `<Event xmlns=`, the time
    /// after `SystemTime='`.
    const XML_EVENTS: [(&str, &str); 3] = [
        ("LINE_BREAKER", "([\\r\\n]+)(?=<Event xmlns=)"),
        ("SHOULD_LINEMERGE", "false"),
        ("TIME_PREFIX", "<TimeCreated SystemTime='"),
    ];

    #[test]
    fn classic_windows_event_logs_merge_into_one_event_per_record() {
        for (file, records) in [
            ("T1003.002/atomic_red_team/windows-system.log", 1070),
            ("T1033/atomic_red_team/windows-system.log", 1057),
            ("T1202/atomic_red_team/windows-security.log", 8),
        ] {
            // Default props: SHOULD_LINEMERGE and BREAK_ONLY_BEFORE_DATE.
            let Some(merged) = ingest(file, &[]) else {
                return;
            };
            assert_eq!(merged.len(), records, "{file}");
            assert_all_timed(file, &merged);
            for (event, ts) in &merged {
                assert_eq!(
                    event.text.matches("LogName=").count(),
                    1,
                    "{file}:{}",
                    event.line
                );
                let ts = ts.as_ref().unwrap();
                assert_eq!((ts.start, ts.end), (0, 22), "{file}:{}", event.line);
            }
            // Splunk's own WinEventLog source stanza breaks the same events.
            let Some(broken) = ingest(file, &WINEVENTLOG_SOURCE) else {
                return;
            };
            let texts = |events: &[(RawEvent<'_>, _)]| -> Vec<String> {
                events.iter().map(|(e, _)| e.text.to_string()).collect()
            };
            assert_eq!(texts(&merged), texts(&broken), "{file}");
        }
        // CRLF line ends inside a message stay in the event.
        let Some(system) = ingest("T1003.002/atomic_red_team/windows-system.log", &[]) else {
            return;
        };
        let (event, ts) = system.iter().find(|(e, _)| e.text.contains('\r')).unwrap();
        assert!(event.text.contains("capabilities:\r\n\r\nIdle state type"));
        assert_eq!(ts.as_ref().unwrap().epoch, 1_607_073_856.0); // 12/04/2020 09:24:16 AM
        assert_eq!(system[1].0.line, 16);
    }

    #[test]
    fn xml_windows_events_break_before_each_event_element() {
        let file = "T1649/certify_abuse/certify_esc1_abuse_winsecurity.log";
        let Some(events) = ingest(file, &XML_EVENTS) else {
            return;
        };
        assert_eq!(events.len(), 13);
        assert_all_timed(file, &events);
        let lines: Vec<usize> = events.iter().map(|(e, _)| e.line).collect();
        assert_eq!(lines, [1, 3, 5, 7, 9, 11, 13, 15, 17, 18, 20, 22, 24]);
        for (event, _) in &events {
            assert!(event.text.starts_with("<Event xmlns=") && event.text.ends_with("</Event>"));
        }
        // A Data value with a line break inside stays in its event.
        assert!(events[0].0.text.contains("\r\nSAN:dns=victim_machine"));
        let first = events[0].1.as_ref().unwrap();
        assert_eq!(
            &events[0].0.text[first.start..first.end],
            "2023-05-25T12:47:37.394191200Z"
        );
        // The same events after a leading comment line, which is an event
        // of its own with no timestamp (it takes the fallback time).
        let file = "T1649/certify_abuse/certify_esc1_abuse.log";
        let Some(events) = ingest(file, &XML_EVENTS) else {
            return;
        };
        assert_eq!(events.len(), 39);
        assert_eq!(events[0].0.text, "#Bulk AD CS Events");
        assert!(events[0].1.is_none());
        assert_all_timed(file, &events[1..]);
    }

    #[test]
    fn one_line_formats() {
        let file = "T1068/linux_dirtyfrag/dirty_frag_lpe_attack_data.log";
        // Splunk's [linux_audit] stanza sets BREAK_ONLY_BEFORE_DATE = False.
        for props in [&[][..], &[("BREAK_ONLY_BEFORE_DATE", "False")][..]] {
            let Some(events) = ingest(file, props) else {
                return;
            };
            assert_eq!(events.len(), 447);
            assert_all_timed(file, &events);
            for (event, ts) in &events {
                let ts = ts.as_ref().unwrap();
                assert_eq!(&event.text[ts.start - 6..ts.start], "audit(");
            }
        }
        let file = "T1557.002/cisco_ios/cisco_ios.log";
        let Some(events) = ingest(file, &[]) else {
            return;
        };
        assert_eq!(events.len(), 5);
        assert_all_timed(file, &events);
        // No year: the one that does not put it after the anchor (2024-06).
        assert_eq!(
            events[0].1.as_ref().unwrap().epoch,
            utc(2024, 1, 16, 3, 48, 22)
        );
    }

    #[test]
    fn splunk_audit_events_keep_their_continuation_lines() {
        let file = "T1499/splunk/splunk_improperly_formatted_ingest_eval_parameter_crashes_splunkd_data.log";
        let Some(events) = ingest(file, &[]) else {
            return;
        };
        assert_eq!(events.len(), 2);
        assert_all_timed(file, &events);
        assert!(events[0]
            .0
            .text
            .contains("\n| eval _raw=\"anything\" \n| ingestpreview"));
        let ts = events[0].1.as_ref().unwrap();
        assert_eq!(
            &events[0].0.text[ts.start..ts.end],
            "03-21-2023 21:03:05.372"
        );
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> f64 {
        chrono::NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, s))
            .map(|t| t.and_utc().timestamp() as f64)
            .unwrap()
    }
}
