//! Splunk's `strftime` / `strptime`: epoch seconds to text and back, with
//! Splunk's format variables (`%N` subseconds, `%Q`, `%:z`, `%Ez`, ...).
//!
//! Variables follow the Splunk "Date and time format variables" page
//! (<https://help.splunk.com/en/splunk-enterprise/spl-search-reference/9.3/time-format-variables-and-modifiers>).
//! Locale-dependent variables (`%c`, `%x`, `%X`, `%+`) use the C / US-English
//! forms a Linux Splunk server produces. An unknown variable is copied
//! literally, so a typo shows up in the output instead of vanishing.
//!
//! Subsecond precision: an `f64` epoch near today holds about microsecond
//! precision, so `strftime` rounds to the microsecond before printing
//! (`%3N` of `1.123` is `123`, not `122` from `1.12299999`).

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone,
    Timelike, Utc,
};
use chrono_tz::{OffsetName, Tz};

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// One piece of a format string.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// Text copied (formatting) or matched (parsing) as is.
    Lit(String),
    /// A `%` variable: `%3N` is `Var { conv: 'N', width: Some(3), .. }`.
    Var {
        conv: char,
        width: Option<usize>,
        /// Number of `:` before the conversion (`%:z` = 1).
        colons: usize,
        /// Whether the `E` modifier was given (`%Ez`).
        e_mod: bool,
    },
}

/// Conversions this module understands; anything else is literal text.
const KNOWN: &str = "YymdejHIklMSpaAbBhFTszZNQfcxXVUWwuDRntCGg%+";

/// Splits a format into literal text and variables.
fn pieces(fmt: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = fmt.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        let mut width = String::new();
        while let Some(&(_, d)) = chars.peek() {
            if !d.is_ascii_digit() {
                break;
            }
            width.push(d);
            chars.next();
        }
        let mut colons = 0;
        while let Some(&(_, ':')) = chars.peek() {
            colons += 1;
            chars.next();
        }
        let mut e_mod = false;
        if let Some(&(_, 'E')) = chars.peek() {
            e_mod = true;
            chars.next();
        }
        match chars.next() {
            Some((_, conv)) if KNOWN.contains(conv) => {
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(Piece::Var {
                    conv,
                    width: width.parse().ok(),
                    colons,
                    e_mod,
                });
            }
            // Unknown variable or a trailing `%`: keep the text as written.
            Some((end, other)) => lit.push_str(&fmt[start..end + other.len_utf8()]),
            None => lit.push_str(&fmt[start..]),
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    out
}

/// The format a composite variable stands for (`%F` = `%Y-%m-%d`).
fn composite(conv: char) -> Option<&'static str> {
    Some(match conv {
        'F' => "%Y-%m-%d",
        'T' => "%H:%M:%S",
        'D' | 'x' => "%m/%d/%y",
        'R' => "%H:%M",
        'X' => "%H:%M:%S",
        'c' => "%a %b %e %H:%M:%S %Y",
        '+' => "%a %b %e %H:%M:%S %Z %Y",
        _ => return None,
    })
}

// ---------------------------------------------------------------- formatting

/// Splits an epoch into whole seconds and nanoseconds, rounded to the
/// microsecond (the precision an `f64` epoch actually carries).
fn split_epoch(epoch: f64) -> Option<(i64, u32)> {
    if !epoch.is_finite() {
        return None;
    }
    let micros = (epoch * 1e6).round();
    if micros.abs() > 9.0e18 {
        return None;
    }
    let micros = micros as i64;
    let secs = micros.div_euclid(1_000_000);
    let nanos = (micros.rem_euclid(1_000_000) * 1000) as u32;
    Some((secs, nanos))
}

/// Formats epoch seconds in `tz` with a Splunk time format. An epoch that is
/// not a finite number or is outside the representable range gives `""`.
pub fn strftime(epoch: f64, fmt: &str, tz: Tz) -> String {
    let Some((secs, nanos)) = split_epoch(epoch) else {
        return String::new();
    };
    let Some(utc) = DateTime::<Utc>::from_timestamp(secs, nanos) else {
        return String::new();
    };
    let local = utc.with_timezone(&tz);
    let mut out = String::new();
    format_into(&mut out, &local, secs, &pieces(fmt));
    out
}

fn format_into(out: &mut String, t: &DateTime<Tz>, epoch_secs: i64, pieces: &[Piece]) {
    for piece in pieces {
        match piece {
            Piece::Lit(s) => out.push_str(s),
            Piece::Var {
                conv,
                width,
                colons,
                e_mod,
            } => format_var(out, t, epoch_secs, *conv, *width, *colons, *e_mod),
        }
    }
}

fn format_var(
    out: &mut String,
    t: &DateTime<Tz>,
    epoch_secs: i64,
    conv: char,
    width: Option<usize>,
    colons: usize,
    e_mod: bool,
) {
    use std::fmt::Write;
    if let Some(sub) = composite(conv) {
        format_into(out, t, epoch_secs, &pieces(sub));
        return;
    }
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    let offset = t.offset().fix().local_minus_utc();
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = match conv {
        'Y' => write!(out, "{:04}", t.year()),
        'y' => write!(out, "{:02}", t.year().rem_euclid(100)),
        'C' => write!(out, "{:02}", t.year().div_euclid(100)),
        'G' => write!(out, "{:04}", t.iso_week().year()),
        'g' => write!(out, "{:02}", t.iso_week().year().rem_euclid(100)),
        'm' => write!(out, "{:02}", t.month()),
        'd' => write!(out, "{:02}", t.day()),
        'e' => write!(out, "{:>2}", t.day()),
        'j' => write!(out, "{:03}", t.ordinal()),
        'H' => write!(out, "{:02}", t.hour()),
        'k' => write!(out, "{:>2}", t.hour()),
        'I' => write!(out, "{hour12:02}"),
        'l' => write!(out, "{hour12:>2}"),
        'M' => write!(out, "{:02}", t.minute()),
        'S' => write!(out, "{:02}", t.second()),
        'p' => write!(out, "{}", if t.hour() < 12 { "AM" } else { "PM" }),
        'a' => write!(out, "{}", &WEEKDAYS[weekday_index(t)][..3]),
        'A' => write!(out, "{}", WEEKDAYS[weekday_index(t)]),
        'b' | 'h' => write!(out, "{}", &MONTHS[t.month0() as usize][..3]),
        'B' => write!(out, "{}", MONTHS[t.month0() as usize]),
        's' => write!(out, "{epoch_secs}"),
        'z' if e_mod => write!(out, "{}", offset / 60),
        'z' => write!(out, "{}", format_offset(offset, colons)),
        'Z' => write!(out, "{}", zone_abbreviation(t)),
        'N' => write!(out, "{}", subseconds(t.nanosecond(), width.unwrap_or(9))),
        'Q' => write!(out, "{}", subseconds(t.nanosecond(), width.unwrap_or(3))),
        'f' => write!(out, "{}", subseconds(t.nanosecond(), width.unwrap_or(6))),
        'V' => write!(out, "{:02}", t.iso_week().week()),
        'U' => write!(out, "{:02}", week_of_year(t, 0)),
        'W' => write!(out, "{:02}", week_of_year(t, 1)),
        'w' => write!(out, "{}", t.weekday().num_days_from_sunday()),
        'u' => write!(out, "{}", t.weekday().number_from_monday()),
        'n' => writeln!(out),
        't' => write!(out, "\t"),
        '%' => write!(out, "%"),
        other => write!(out, "%{other}"),
    };
}

fn weekday_index(t: &DateTime<Tz>) -> usize {
    t.weekday().num_days_from_monday() as usize
}

/// Week of the year, weeks starting on Sunday (`first` = 0, `%U`) or Monday
/// (`first` = 1, `%W`); days before the first such weekday are week 0.
fn week_of_year(t: &DateTime<Tz>, first: u32) -> u32 {
    let yday = t.ordinal0();
    let wday = (t.weekday().num_days_from_sunday() + 7 - first) % 7;
    (yday + 7 - wday) / 7
}

/// `+hhmm` (no colons), `+hh:mm` (1), `+hh:mm:ss` (2) or `+hh` (3).
fn format_offset(offset_secs: i32, colons: usize) -> String {
    let sign = if offset_secs < 0 { '-' } else { '+' };
    let abs = offset_secs.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    match colons {
        0 => format!("{sign}{h:02}{m:02}"),
        1 => format!("{sign}{h:02}:{m:02}"),
        2 => format!("{sign}{h:02}:{m:02}:{s:02}"),
        _ => format!("{sign}{h:02}"),
    }
}

fn zone_abbreviation(t: &DateTime<Tz>) -> String {
    match t.offset().abbreviation() {
        Some(a) => a.to_string(),
        None => format_offset(t.offset().fix().local_minus_utc(), 0),
    }
}

/// The first `digits` digits of the fraction of a second (truncated, as
/// Splunk does); more than 9 digits pads with zeros.
fn subseconds(nanos: u32, digits: usize) -> String {
    let nine = format!("{:09}", nanos.min(999_999_999));
    if digits <= 9 {
        nine[..digits].to_string()
    } else {
        format!("{nine:0<digits$}")
    }
}

// ------------------------------------------------------------------- parsing

/// The parts of a timestamp a format read from text, before they become an
/// instant: what was written, nothing inferred (a missing year stays
/// `None`). [`TimeFormat::parse_prefix`] fills it; so do readers that
/// recognize timestamp shapes themselves (`events::rawtime`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeParts {
    /// `%Y` / `%y`.
    pub year: Option<i32>,
    /// `%m`, `%b`, `%B` (1-12).
    pub month: Option<u32>,
    /// `%d`, `%e` (1-31).
    pub day: Option<u32>,
    /// `%j` (1-366).
    pub yday: Option<u32>,
    /// `%H`, `%k` (0-24).
    pub hour: Option<u32>,
    /// `%I`, `%l` (1-12).
    pub hour12: Option<u32>,
    /// `%p`: whether the text said PM.
    pub pm: Option<bool>,
    /// `%M`.
    pub minute: Option<u32>,
    /// `%S` (0-60).
    pub second: Option<u32>,
    /// `%N`, `%Q`, `%f`: the fraction of a second, in nanoseconds.
    pub nanos: Option<u32>,
    /// `%s`: epoch seconds (with a fraction when the format ends with `%s`).
    pub epoch: Option<f64>,
    /// A fixed UTC offset in seconds read from the text.
    pub offset: Option<i32>,
    /// A named zone read from the text (`America/New_York`).
    pub zone: Option<Tz>,
}

impl TimeParts {
    /// Whether the text gave a calendar date: month and day, day of the
    /// year, or epoch seconds.
    pub fn has_date(&self) -> bool {
        self.epoch.is_some() || self.yday.is_some() || (self.month.is_some() && self.day.is_some())
    }

    /// The hour on a 24-hour clock, from `%H` or `%I` with `%p`.
    pub fn hour_of_day(&self) -> u32 {
        match (self.hour12, self.pm) {
            (Some(h), pm) => h % 12 + if pm == Some(true) { 12 } else { 0 },
            (None, pm) => {
                let h = self.hour.unwrap_or(0);
                // `%H %p` with a 12-hour value still honours PM.
                if pm == Some(true) && h < 12 {
                    h + 12
                } else {
                    h
                }
            }
        }
    }

    /// The date in `year` (used when the text gave none): day of the year,
    /// or month and day (each defaulting to 1).
    pub fn date_in(&self, year: i32) -> Option<NaiveDate> {
        let year = self.year.unwrap_or(year);
        match (self.yday, self.month, self.day) {
            (Some(yday), None, None) => NaiveDate::from_yo_opt(year, yday),
            (_, month, day) => NaiveDate::from_ymd_opt(year, month.unwrap_or(1), day.unwrap_or(1)),
        }
    }

    /// The wall-clock time written, on `date`. Seconds are added rather
    /// than building a time of day, so `24:00:00` and a leap second `:60`
    /// roll over instead of failing.
    pub fn wall_clock(&self, date: NaiveDate) -> Option<NaiveDateTime> {
        let seconds = i64::from(self.hour_of_day()) * 3600
            + i64::from(self.minute.unwrap_or(0)) * 60
            + i64::from(self.second.unwrap_or(0));
        date.and_hms_opt(0, 0, 0)?
            .checked_add_signed(Duration::seconds(seconds))
    }

    /// Epoch seconds (without the fraction) of the wall-clock time `naive`:
    /// an offset read from the text wins, then a zone read from the text,
    /// then `tz`.
    pub fn whole_seconds_at(&self, naive: NaiveDateTime, tz: Tz) -> i64 {
        match (self.offset, self.zone) {
            (Some(offset), _) => naive.and_utc().timestamp() - i64::from(offset),
            (None, Some(zone)) => local_to_epoch(naive, zone),
            (None, None) => local_to_epoch(naive, tz),
        }
    }

    /// The fraction of a second read, in seconds.
    pub fn fraction(&self) -> f64 {
        f64::from(self.nanos.unwrap_or(0)) / 1e9
    }

    /// Epoch seconds, with missing date parts defaulting to 1970-01-01
    /// (`strptime`'s rule).
    pub fn resolve(&self, tz: Tz) -> Option<f64> {
        if let Some(epoch) = self.epoch {
            return Some(if epoch.fract() == 0.0 {
                epoch + self.fraction()
            } else {
                epoch
            });
        }
        let naive = self.wall_clock(self.date_in(1970)?)?;
        Some(self.whole_seconds_at(naive, tz) as f64 + self.fraction())
    }
}

/// A time format split into its pieces once, to parse many texts with.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeFormat {
    /// Composite variables (`%T`, `%F`, ...) already expanded.
    pieces: Vec<Piece>,
}

impl TimeFormat {
    /// Splits `fmt` (a Splunk time format; unknown variables are literal
    /// text, so this cannot fail).
    pub fn new(fmt: &str) -> TimeFormat {
        let mut expanded = Vec::new();
        expand_composites(pieces(fmt), &mut expanded);
        TimeFormat { pieces: expanded }
    }

    /// Parses a timestamp at the very start of `text`: the parts read and
    /// how many bytes of `text` the format consumed. Text after the format
    /// is left alone.
    pub fn parse_prefix(&self, text: &str) -> Option<(TimeParts, usize)> {
        let mut parts = TimeParts::default();
        let mut rest = text;
        parse_pieces(&self.pieces, &mut rest, &mut parts)?;
        Some((parts, text.len() - rest.len()))
    }
}

/// Replaces composite variables by the pieces they stand for (composites do
/// not nest beyond one level, but recursion keeps that an implementation
/// detail).
fn expand_composites(input: Vec<Piece>, out: &mut Vec<Piece>) {
    for piece in input {
        match &piece {
            Piece::Var { conv, .. } => match composite(*conv) {
                Some(sub) => expand_composites(pieces(sub), out),
                None => out.push(piece),
            },
            Piece::Lit(_) => out.push(piece),
        }
    }
}

/// [`TimeFormat::parse_prefix`] for a one-off format.
pub fn strptime_prefix(text: &str, fmt: &str) -> Option<(TimeParts, usize)> {
    TimeFormat::new(fmt).parse_prefix(text)
}

/// Parses `text` with a Splunk time format into epoch seconds (with
/// subseconds). The whole format must match from the start of `text`;
/// text left over after the format is ignored, as Splunk's `strptime`
/// accepts `"2019-01-01T00:00:00Z"` with `"%Y-%m-%dT%H:%M:%S"`. A time zone
/// or offset in the text wins over `tz`. Missing date parts default to
/// 1970-01-01 (deterministic; Splunk's own default is not documented).
pub fn strptime(text: &str, fmt: &str, tz: Tz) -> Option<f64> {
    let (parts, _) = strptime_prefix(text, fmt)?;
    parts.resolve(tz)
}

fn parse_pieces(pieces: &[Piece], rest: &mut &str, p: &mut TimeParts) -> Option<()> {
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Lit(lit) => match_literal(lit, rest)?,
            // `%s` takes a fraction only when it ends the format, so
            // `%s.%3N` still splits `1.250` into seconds and subseconds.
            Piece::Var { conv: 's', .. } => {
                p.epoch = Some(epoch_number(rest, i + 1 == pieces.len())?);
            }
            Piece::Var {
                conv, width, e_mod, ..
            } => parse_var(*conv, *width, *e_mod, rest, p)?,
        }
    }
    Some(())
}

/// Whitespace in the format matches any run of whitespace (even none), as in
/// C `strptime`; other characters must match exactly.
fn match_literal(lit: &str, rest: &mut &str) -> Option<()> {
    for c in lit.chars() {
        if c.is_whitespace() {
            *rest = rest.trim_start();
        } else {
            *rest = rest.strip_prefix(c)?;
        }
    }
    Some(())
}

fn parse_var(
    conv: char,
    width: Option<usize>,
    e_mod: bool,
    rest: &mut &str,
    p: &mut TimeParts,
) -> Option<()> {
    if let Some(sub) = composite(conv) {
        return parse_pieces(&pieces(sub), rest, p);
    }
    match conv {
        'Y' => p.year = Some(signed_number(rest, 4)? as i32),
        'y' => {
            // POSIX: 69-99 are 1969-1999, 00-68 are 2000-2068.
            let y = number(rest, 2, false)? as i32;
            p.year = Some(if y < 69 { 2000 + y } else { 1900 + y });
        }
        'm' => p.month = Some(in_range(number(rest, 2, false)?, 1, 12)?),
        'd' | 'e' => p.day = Some(in_range(number(rest, 2, true)?, 1, 31)?),
        'j' => p.yday = Some(in_range(number(rest, 3, false)?, 1, 366)?),
        'H' | 'k' => p.hour = Some(in_range(number(rest, 2, true)?, 0, 24)?),
        'I' | 'l' => p.hour12 = Some(in_range(number(rest, 2, true)?, 1, 12)?),
        'M' => p.minute = Some(in_range(number(rest, 2, false)?, 0, 59)?),
        'S' => p.second = Some(in_range(number(rest, 2, false)?, 0, 60)?),
        'p' => p.pm = Some(am_pm(rest)?),
        'a' | 'A' => {
            name_index(&WEEKDAYS, rest)?;
        }
        'b' | 'B' | 'h' => p.month = Some(name_index(&MONTHS, rest)? as u32 + 1),
        's' => p.epoch = Some(epoch_number(rest, false)?),
        'z' if e_mod => p.offset = Some(signed_number(rest, 4)? as i32 * 60),
        'z' | 'Z' => zone(rest, p)?,
        'N' | 'Q' | 'f' => p.nanos = Some(fraction(rest, width.unwrap_or(9))?),
        // Week numbers and weekdays are read but do not decide the date.
        'V' | 'U' | 'W' | 'C' | 'G' | 'g' => {
            number(rest, 4, false)?;
        }
        'w' | 'u' => {
            number(rest, 1, false)?;
        }
        'n' | 't' => *rest = rest.trim_start(),
        '%' => *rest = rest.strip_prefix('%')?,
        _ => return None,
    }
    Some(())
}

fn in_range(n: u32, lo: u32, hi: u32) -> Option<u32> {
    (lo..=hi).contains(&n).then_some(n)
}

/// Up to `max` ASCII digits (at least one); `spaces` allows leading blanks
/// (`%e`, `%k`).
fn number(rest: &mut &str, max: usize, spaces: bool) -> Option<u32> {
    if spaces {
        *rest = rest.trim_start_matches(' ');
    }
    let len = rest
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if len == 0 {
        return None;
    }
    let n = rest[..len].parse().ok()?;
    *rest = &rest[len..];
    Some(n)
}

fn signed_number(rest: &mut &str, max: usize) -> Option<i64> {
    let negative = rest.starts_with('-');
    if negative || rest.starts_with('+') {
        *rest = &rest[1..];
    }
    let n = i64::from(number(rest, max, false)?);
    Some(if negative { -n } else { n })
}

/// `%s`: integer epoch seconds, optionally signed and (when
/// `with_fraction`) with a decimal fraction.
fn epoch_number(rest: &mut &str, with_fraction: bool) -> Option<f64> {
    let bytes = rest.as_bytes();
    let mut len = usize::from(bytes.first() == Some(&b'-'));
    let digits_start = len;
    while bytes.get(len).is_some_and(u8::is_ascii_digit) {
        len += 1;
    }
    if len == digits_start {
        return None;
    }
    if with_fraction
        && bytes.get(len) == Some(&b'.')
        && bytes.get(len + 1).is_some_and(u8::is_ascii_digit)
    {
        len += 1;
        while bytes.get(len).is_some_and(u8::is_ascii_digit) {
            len += 1;
        }
    }
    let n = rest[..len].parse().ok()?;
    *rest = &rest[len..];
    Some(n)
}

/// Subsecond digits: up to `max` (9 at most count), scaled by how many were
/// actually read, so `%N` reads `.5` as half a second.
fn fraction(rest: &mut &str, max: usize) -> Option<u32> {
    let len = rest
        .bytes()
        .take(max.max(1))
        .take_while(u8::is_ascii_digit)
        .count();
    if len == 0 {
        return None;
    }
    let digits = &rest[..len.min(9)];
    let value: u32 = digits.parse().ok()?;
    *rest = &rest[len..];
    Some(value * 10u32.pow(9 - digits.len() as u32))
}

fn am_pm(rest: &mut &str) -> Option<bool> {
    let head = rest.get(..2)?.to_ascii_uppercase();
    let pm = match head.as_str() {
        "AM" => false,
        "PM" => true,
        _ => return None,
    };
    *rest = &rest[2..];
    Some(pm)
}

/// Matches a full name or its three-letter abbreviation, case-insensitively.
fn name_index(names: &[&str], rest: &mut &str) -> Option<usize> {
    for (i, name) in names.iter().enumerate() {
        for candidate in [*name, &name[..3]] {
            if let Some(head) = rest.get(..candidate.len()) {
                if head.eq_ignore_ascii_case(candidate) {
                    *rest = &rest[candidate.len()..];
                    return Some(i);
                }
            }
        }
    }
    None
}

/// Abbreviations for fixed offsets that show up in logs. Abbreviations are
/// ambiguous in general (`IST`); these are the common US/European readings.
const ABBREVIATIONS: [(&str, i32); 14] = [
    ("UTC", 0),
    ("GMT", 0),
    ("UT", 0),
    ("Z", 0),
    ("EST", -5),
    ("EDT", -4),
    ("CST", -6),
    ("CDT", -5),
    ("MST", -7),
    ("MDT", -6),
    ("PST", -8),
    ("PDT", -7),
    ("CET", 1),
    ("CEST", 2),
];

/// The UTC offset, in seconds, of a zone abbreviation `%Z` reads as a
/// fixed offset (`UTC`, `EST`, `CEST`, ...; case-insensitive); `None` for
/// any other word.
pub fn abbreviation_offset(word: &str) -> Option<i32> {
    ABBREVIATIONS
        .iter()
        .find(|(abbr, _)| abbr.eq_ignore_ascii_case(word))
        .map(|(_, hours)| hours * 3600)
}

/// `%z` / `%Z`: `Z`, `UTC`, `GMT`, a common abbreviation, `+hh:mm`, `+hhmm`,
/// `+hh`, or a tz database name (`Europe/Paris`).
fn zone(rest: &mut &str, p: &mut TimeParts) -> Option<()> {
    if rest.starts_with('+') || rest.starts_with('-') {
        p.offset = Some(numeric_offset(rest)?);
        return Some(());
    }
    let len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
        .map_or(rest.len(), |(i, _)| i);
    let word = &rest[..len];
    if word.contains('/') {
        p.zone = Some(word.parse::<Tz>().ok()?);
        *rest = &rest[len..];
        return Some(());
    }
    // Longest abbreviation first so `CEST` is not read as `CET`... prefix.
    let mut best: Option<(&str, i32)> = None;
    for (abbr, hours) in ABBREVIATIONS {
        let matches = rest
            .get(..abbr.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(abbr));
        if matches && best.is_none_or(|(b, _)| abbr.len() > b.len()) {
            best = Some((abbr, hours));
        }
    }
    let Some((abbr, hours)) = best else {
        // Another abbreviation (`IST`, `JST`): abbreviations are ambiguous,
        // so it is read and the zone argument decides the offset.
        let is_abbreviation =
            (2..=5).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_uppercase());
        if !is_abbreviation {
            return None;
        }
        *rest = &rest[len..];
        return Some(());
    };
    *rest = &rest[abbr.len()..];
    p.offset = Some(hours * 3600);
    // `UTC+02:00` / `GMT-5` style suffixes.
    if abbr.len() > 1 && (rest.starts_with('+') || rest.starts_with('-')) {
        let mut probe = *rest;
        if let Some(off) = numeric_offset(&mut probe) {
            *rest = probe;
            p.offset = Some(off);
        }
    }
    Some(())
}

/// `+hh:mm`, `+hhmm` or `+hh` (also `-`), in seconds east of UTC.
fn numeric_offset(rest: &mut &str) -> Option<i32> {
    let sign = match rest.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let mut s = &rest[1..];
    let hours = number(&mut s, 2, false)? as i32;
    let mut minutes = 0;
    let after_colon = s.strip_prefix(':');
    let mut probe = after_colon.unwrap_or(s);
    if let Some(m) = number(&mut probe, 2, false) {
        minutes = m as i32;
        s = probe;
    }
    if hours > 23 || minutes > 59 {
        return None;
    }
    *rest = s;
    Some(sign * (hours * 3600 + minutes * 60))
}

/// A wall-clock time in `tz` as epoch seconds. An ambiguous time (DST fall
/// back) takes the earlier instant; a time in a DST gap uses the offset in
/// effect just before the gap.
pub fn local_to_epoch(naive: NaiveDateTime, tz: Tz) -> i64 {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp(),
        LocalResult::None => {
            let before = naive - Duration::hours(3);
            let offset = tz.offset_from_utc_datetime(&before).fix().local_minus_utc();
            naive.and_utc().timestamp() - i64::from(offset)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTC: Tz = chrono_tz::UTC;
    const NY: Tz = chrono_tz::America::New_York;
    // 2019-07-18T09:30:05.123456Z, a Thursday, day 199.
    const T: f64 = 1_563_442_205.123_456;

    fn f(fmt: &str) -> String {
        strftime(T, fmt, UTC)
    }

    #[test]
    fn date_variables_format() {
        assert_eq!(f("%Y %y %m %d %e %j %C"), "2019 19 07 18 18 199 20");
        assert_eq!(f("%a %A %b %B %h"), "Thu Thursday Jul July Jul");
        assert_eq!(f("%F|%D|%x"), "2019-07-18|07/18/19|07/18/19");
        assert_eq!(f("%V %U %W %w %u %G %g"), "29 28 28 4 4 2019 19");
        assert_eq!(strftime(T + 86400.0 * 14.0, "%e", UTC), " 1");
    }

    #[test]
    fn time_variables_format() {
        assert_eq!(f("%H %I %k %l %M %S %p"), "09 09  9  9 30 05 AM");
        assert_eq!(f("%T|%R|%X"), "09:30:05|09:30|09:30:05");
        assert_eq!(
            strftime(T + 6.0 * 3600.0, "%H %I %l %p", UTC),
            "15 03  3 PM"
        );
        assert_eq!(strftime(T - 9.5 * 3600.0, "%I %p", UTC), "12 AM");
        assert_eq!(f("%s"), "1563442205");
        assert_eq!(f("%c"), "Thu Jul 18 09:30:05 2019");
        assert_eq!(f("%+"), "Thu Jul 18 09:30:05 UTC 2019");
    }

    #[test]
    fn subsecond_variables_format() {
        assert_eq!(f("%N"), "123456000");
        assert_eq!(f("%3N %6N %9N"), "123 123456 123456000");
        assert_eq!(f("%Q %3Q %6Q"), "123 123 123456");
        assert_eq!(f("%f"), "123456");
        assert_eq!(strftime(1.123, "%3N", UTC), "123");
    }

    #[test]
    fn zone_variables_format() {
        assert_eq!(f("%z %:z %::z %Z %Ez"), "+0000 +00:00 +00:00:00 UTC 0");
        assert_eq!(
            strftime(T, "%H:%M %z %:z %Z %Ez", NY),
            "05:30 -0400 -04:00 EDT -240"
        );
        assert_eq!(strftime(1_547_000_000.0, "%Z %z", NY), "EST -0500");
        let kolkata = chrono_tz::Asia::Kolkata;
        assert_eq!(strftime(T, "%:z %:::z", kolkata), "+05:30 +05");
    }

    #[test]
    fn literals_and_unknown_variables_are_copied() {
        assert_eq!(f("%% %n%t|%q|%"), "% \n\t|%q|%");
        assert_eq!(f("at %Y!"), "at 2019!");
        assert_eq!(strftime(f64::NAN, "%Y", UTC), "");
        assert_eq!(strftime(1e300, "%Y", UTC), "");
    }

    #[test]
    fn parses_common_forms() {
        assert_eq!(
            strptime("2019-01-01T00:00:00Z", "%Y-%m-%dT%H:%M:%S%Z", UTC),
            Some(1_546_300_800.0)
        );
        assert_eq!(
            strptime("2019-01-01T00:00:00+01:00", "%Y-%m-%dT%H:%M:%S%z", UTC),
            Some(1_546_297_200.0)
        );
        assert_eq!(
            strptime("2019-01-01T00:00:00-0500", "%Y-%m-%dT%H:%M:%S%z", UTC),
            Some(1_546_318_800.0)
        );
        assert_eq!(
            strptime("01/01/2019 00:00:00", "%m/%d/%Y %H:%M:%S", NY),
            Some(1_546_318_800.0)
        );
        assert_eq!(strptime("1563442205", "%s", UTC), Some(1_563_442_205.0));
        assert_eq!(strptime("1563442205.5", "%s", UTC), Some(1_563_442_205.5));
    }

    #[test]
    fn parses_subseconds() {
        let base = 1_546_300_800.0;
        let p = |t, fm| strptime(t, fm, UTC).map(|v| ((v - base) * 1e6).round() / 1e6);
        assert_eq!(p("2019-01-01 00:00:00.5", "%F %T.%N"), Some(0.5));
        assert_eq!(p("2019-01-01 00:00:00.123", "%F %T.%3N"), Some(0.123));
        assert_eq!(p("2019-01-01 00:00:00.123456", "%F %T.%6N"), Some(0.123456));
        assert_eq!(p("2019-01-01 00:00:00.000000001", "%F %T.%9N"), Some(0.0));
        assert_eq!(p("2019-01-01 00:00:00.250", "%F %T.%Q"), Some(0.25));
        assert_eq!(p("2019-01-01 00:00:00.000250", "%F %T.%f"), Some(0.00025));
    }

    #[test]
    fn parses_names_twelve_hour_and_day_of_year() {
        assert_eq!(
            strptime("Thu Jul 18 09:30:05 2019", "%c", UTC),
            Some(1_563_442_205.0)
        );
        assert_eq!(
            strptime(
                "thursday, JULY 18 2019 9:30:05 pm",
                "%A, %B %e %Y %l:%M:%S %p",
                UTC
            ),
            Some(1_563_442_205.0 + 12.0 * 3600.0)
        );
        assert_eq!(
            strptime("12:00 AM 2019-01-01", "%I:%M %p %F", UTC),
            Some(1_546_300_800.0)
        );
        assert_eq!(strptime("2019 199", "%Y %j", UTC), Some(1_563_408_000.0));
        assert_eq!(strptime("19-07-18", "%y-%m-%d", UTC), Some(1_563_408_000.0));
        assert_eq!(strptime("70-01-01", "%y-%m-%d", UTC), Some(0.0));
        assert_eq!(strptime("07/18/19", "%D", UTC), Some(1_563_408_000.0));
        assert_eq!(
            strptime("07/18/19 09:30", "%x %R", UTC),
            strptime("2019-07-18 09:30", "%F %R", UTC)
        );
    }

    #[test]
    fn parses_zone_names_and_abbreviations() {
        let at = |t| strptime(t, "%F %T %Z", UTC);
        let expected = Some(1_546_300_800.0);
        assert_eq!(at("2019-01-01 00:00:00 UTC"), expected);
        assert_eq!(at("2019-01-01 00:00:00 GMT"), expected);
        assert_eq!(at("2019-01-01 00:00:00 +00:00"), expected);
        assert_eq!(at("2018-12-31 19:00:00 EST"), expected);
        assert_eq!(at("2018-12-31 19:00:00 America/New_York"), expected);
        assert_eq!(at("2019-01-01 01:00:00 +0100"), expected);
        assert_eq!(
            strptime("2019-01-01 01:00 60", "%F %H:%M %Ez", UTC),
            expected
        );
        assert_eq!(at("2019-01-01 00:00:00 Mars/Base"), None);
    }

    #[test]
    fn zone_argument_applies_without_offset_in_text() {
        assert_eq!(
            strptime("2019-07-18 05:30:05", "%F %T", NY),
            Some(1_563_442_205.0)
        );
        // DST gap (02:30 does not exist on 2019-03-10 in New York).
        assert!(strptime("2019-03-10 02:30:00", "%F %T", NY).is_some());
    }

    #[test]
    fn mismatches_fail_and_trailing_text_is_ignored() {
        assert_eq!(strptime("2019-13-01", "%Y-%m-%d", UTC), None);
        assert_eq!(strptime("2019/01/01", "%Y-%m-%d", UTC), None);
        assert_eq!(strptime("", "%Y", UTC), None);
        assert_eq!(strptime("2019-02-30", "%F", UTC), None);
        assert_eq!(
            strptime(
                "2019-01-01T00:00:00.000Z trailing",
                "%Y-%m-%dT%H:%M:%S",
                UTC
            ),
            Some(1_546_300_800.0)
        );
        assert_eq!(strptime("100%", "%Y%%", UTC), strptime("100", "%Y", UTC));
    }

    #[test]
    fn round_trips() {
        for tz in [UTC, NY, chrono_tz::Asia::Kolkata] {
            for fmt in [
                "%Y-%m-%dT%H:%M:%S.%6N%:z",
                "%F %T.%3Q %z",
                "%s.%6N",
                "%d %b %Y %I:%M:%S.%f %p %Z",
                "%A %B %d %y %H:%M:%S.%N",
            ] {
                let text = strftime(T, fmt, tz);
                let back = strptime(&text, fmt, tz).expect(&text);
                let digits = if fmt.contains("%3Q") { 1e3 } else { 1e6 };
                assert_eq!(
                    (back * digits).round(),
                    (T * digits).floor(),
                    "{fmt} {tz} {text}"
                );
            }
        }
    }

    #[test]
    fn parse_prefix_reports_bytes_consumed_and_leaves_the_rest() {
        // Syslog: `%d` takes a space-padded day; the rest of the line stays.
        let (parts, used) =
            strptime_prefix("Jan  4 11:14:32 myserver sudo: x", "%b %d %H:%M:%S").unwrap();
        assert_eq!(used, 15);
        assert_eq!(
            (parts.year, parts.month, parts.day),
            (None, Some(1), Some(4))
        );
        assert_eq!(
            (parts.hour, parts.minute, parts.second),
            (Some(11), Some(14), Some(32))
        );
        assert!(parts.has_date());
        // Windows text logs: 12-hour clock and AM/PM.
        let (parts, used) = strptime_prefix(
            "12/04/2020 09:24:11 PM\nLogName=System",
            "%m/%d/%Y %I:%M:%S %p",
        )
        .unwrap();
        assert_eq!(used, 22);
        assert_eq!(parts.hour_of_day(), 21);
        // Subseconds and a colon offset.
        let (parts, used) = strptime_prefix(
            "2020-10-08T11:03:46.617+02:00 rest",
            "%Y-%m-%dT%H:%M:%S.%3N%:z",
        )
        .unwrap();
        assert_eq!(used, 29);
        assert_eq!(parts.nanos, Some(617_000_000));
        assert_eq!(parts.offset, Some(7200));
        // Epoch with fraction (`%s` last) stops at the first non-digit.
        let (parts, used) = strptime_prefix("1723044684.257:15795)", "%s").unwrap();
        assert_eq!(used, 14);
        assert_eq!(parts.epoch, Some(1_723_044_684.257));
        // Two-digit year and day of the year.
        let (parts, used) = strptime_prefix("25 045 x", "%y %j").unwrap();
        assert_eq!((parts.year, parts.yday, used), (Some(2025), Some(45), 6));
        assert!(parts.has_date());
        assert!(!strptime_prefix("11:14:32", "%H:%M:%S")
            .unwrap()
            .0
            .has_date());
    }

    #[test]
    fn a_compiled_format_parses_like_strptime() {
        let fmt = TimeFormat::new("%F %T.%3N %z");
        let text = "2019-01-01 01:00:00.250 +0100 trailing";
        let (parts, used) = fmt.parse_prefix(text).unwrap();
        assert_eq!(used, text.len() - " trailing".len());
        assert_eq!(parts.resolve(UTC), strptime(text, "%F %T.%3N %z", UTC));
        assert_eq!(parts.resolve(UTC), Some(1_546_300_800.25));
        assert_eq!(fmt.parse_prefix("2019/01/01"), None);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            "%",
            "\u{feff}2019",
            "２０１９",
            "99999999999",
            "-",
            "+99:99",
        ] {
            for fmt in ["%Y", "%z", "%N", "%s", "%Z", "%e", "%p", "%b", "%%", "%5"] {
                let _ = strptime(text, fmt, UTC);
                let _ = strftime(-1e12, fmt, UTC);
            }
        }
    }
}
