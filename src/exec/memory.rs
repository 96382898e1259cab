//! The memory budget of one search (`--max-memory`, [`Limits::max_memory`]).
//!
//! Streaming commands hold one row at a time and charge nothing. Commands
//! that hold rows or keys until their input ends (`sort`, `dedup`,
//! `eventstats`, `transaction`, `join`, `selfjoin`, `stats` group tables,
//! the parallel `stats` workers' partial tables) charge an estimate of what
//! they hold to the search's [`MemoryBudget`], and so do the rows a search
//! keeps as its results (the output of its last command: `makeresults
//! count=`, `mvexpand`, ...). A charge that would take the total over the
//! limit fails with [`Error::MemoryBudget`], naming the command and the
//! limit, instead of the process aborting when the allocator runs out.
//!
//! The budget is an atomic counter shared by everything one search runs:
//! its subsearches, nested pipelines and the `stats` workers of the
//! streaming path. It is per search: `spelunk hunt` and `spelunk test` run
//! several searches at once, each with its own budget.
//!
//! # The estimate
//!
//! The estimate is cheap (no walk of the allocator). Its constants were
//! measured: `| makeresults count=1000000 | eval ... | sort 0 f1` peaks
//! at about 370 bytes a row with one 10-byte field besides `_time` and
//! 650 with five (the estimate: 281 and 585; the rest is `sort`'s own
//! scratch space):
//!
//! * a row: [`ROW_OVERHEAD`] plus, per field, the name's length, the
//!   value's length ([`value_bytes`]: a text's bytes, 8 for a number, each
//!   element's bytes plus [`ELEMENT_OVERHEAD`] for a multivalue) and
//!   [`VALUE_OVERHEAD`];
//! * a key (`dedup`'s combinations): [`ROW_OVERHEAD`] plus, per part, its
//!   length and [`VALUE_OVERHEAD`];
//! * a `stats` or `eventstats` group: its key plus [`STATE_OVERHEAD`] per
//!   aggregation.
//!
//! In `stats` and `eventstats`, a running state that grows inside a group
//! is charged its growth as well: each new element of `dc()`, `values()`,
//! `list()` or `mode()` its text plus [`ELEMENT_OVERHEAD`], each number
//! `median()`, `perc()` and the like keep 8 bytes, each sparkline point
//! its value plus 40 ([`crate::functions::stats::AggState::add_value`]).
//! The states `streamstats`, `chart` and `timechart` keep are not
//! charged, nor are the indexes `join` and `selfjoin` build over rows
//! they already charged.
//!
//! A holder ([`Held`]) gives back what it charged when it is dropped. A
//! blocking command hands its rows on through [`Releasing`], which gives
//! back each row's charge as the row leaves (the next command charges it
//! again if it holds it), so a charge lasts while the rows are held.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};
use crate::event::Event;
use crate::value::Value;

#[cfg(doc)]
use crate::exec::Limits;

/// The default budget: 2 GiB.
pub const DEFAULT_MAX_MEMORY: u64 = 2 * 1024 * 1024 * 1024;

/// Fixed cost of a row or key: the struct, its slot in the holder's
/// vector or map (grown by doubling), the allocation headers.
pub const ROW_OVERHEAD: u64 = 128;

/// Fixed cost of one field or key part: its slot (name and value, 56
/// bytes) in a field list grown by doubling, and the value's allocation.
pub const VALUE_OVERHEAD: u64 = 64;

/// Fixed cost of one element of a multivalue: its string header and
/// allocation.
pub const ELEMENT_OVERHEAD: u64 = 32;

/// Fixed cost of one aggregation's running state in a `stats` group.
pub const STATE_OVERHEAD: u64 = 48;

/// The estimated bytes of a value (see the module's documentation).
pub fn value_bytes(value: &Value) -> u64 {
    match value {
        Value::Str(s) => s.len() as u64,
        Value::Num(_) => 8,
        Value::Multi(vs) => vs
            .iter()
            .map(|s| s.len() as u64 + ELEMENT_OVERHEAD)
            .fold(0, u64::saturating_add),
    }
}

/// The estimated bytes of a row (see the module's documentation).
pub fn row_bytes(event: &Event) -> u64 {
    event
        .iter()
        .map(|(name, value)| name.len() as u64 + value_bytes(value) + VALUE_OVERHEAD)
        .fold(ROW_OVERHEAD, u64::saturating_add)
}

/// The estimated bytes of a group key (see the module's documentation).
pub fn key_bytes(key: &[String]) -> u64 {
    key.iter()
        .map(|part| part.len() as u64 + VALUE_OVERHEAD)
        .fold(ROW_OVERHEAD, u64::saturating_add)
}

/// A search's memory budget: a limit and the bytes charged so far, shared
/// (cheaply cloned) by everything the search runs.
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    limit: u64,
    used: AtomicU64,
    /// The command of the first charge refused, if any.
    exceeded: OnceLock<String>,
}

impl Default for MemoryBudget {
    fn default() -> Self {
        MemoryBudget::new(DEFAULT_MAX_MEMORY)
    }
}

impl MemoryBudget {
    /// A budget of `limit` bytes, nothing charged.
    pub fn new(limit: u64) -> Self {
        MemoryBudget {
            shared: Arc::new(Shared {
                limit,
                used: AtomicU64::new(0),
                exceeded: OnceLock::new(),
            }),
        }
    }

    /// The limit, in bytes.
    pub fn limit(&self) -> u64 {
        self.shared.limit
    }

    /// The bytes charged and not yet released.
    pub fn used(&self) -> u64 {
        self.shared.used.load(Ordering::Relaxed)
    }

    /// Charges `bytes` to `command`, or fails (charging nothing) when the
    /// total would go over the limit.
    pub fn charge(&self, command: &str, bytes: u64) -> Result<()> {
        let limit = self.shared.limit;
        self.shared
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                let total = used.saturating_add(bytes);
                (total <= limit).then_some(total)
            })
            .map(|_| ())
            .map_err(|_| {
                let _ = self.shared.exceeded.set(command.to_string());
                self.error(command)
            })
    }

    /// The error of a charge in `command`'s name going over the limit.
    fn error(&self, command: &str) -> Error {
        Error::MemoryBudget {
            command: command.to_string(),
            limit: self.shared.limit,
            span: None,
        }
    }

    /// The error of the first charge this budget refused, if one was: for
    /// a caller that saw work fail without its error (the streaming path's
    /// workers).
    pub fn exceeded(&self) -> Option<Error> {
        self.shared
            .exceeded
            .get()
            .map(|command| self.error(command))
    }

    /// Gives back `bytes` charged earlier.
    pub fn release(&self, bytes: u64) {
        // Never below zero, whatever a caller gives back.
        let _ = self
            .shared
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                Some(used.saturating_sub(bytes))
            });
    }

    /// A holder charging to this budget in `command`'s name, which gives
    /// back what it charged when dropped.
    pub fn hold(&self, command: impl Into<String>) -> Held {
        Held {
            budget: self.clone(),
            command: command.into(),
            bytes: 0,
        }
    }
}

/// What one command holds, charged to a [`MemoryBudget`]; released when
/// dropped.
#[derive(Debug)]
pub struct Held {
    budget: MemoryBudget,
    command: String,
    bytes: u64,
}

impl Held {
    /// Charges `bytes` more.
    pub fn charge(&mut self, bytes: u64) -> Result<()> {
        self.budget.charge(&self.command, bytes)?;
        self.bytes = self.bytes.saturating_add(bytes);
        Ok(())
    }

    /// Charges one row ([`row_bytes`]).
    pub fn charge_row(&mut self, event: &Event) -> Result<()> {
        self.charge(row_bytes(event))
    }

    /// Charges one key ([`key_bytes`]).
    pub fn charge_key(&mut self, key: &[String]) -> Result<()> {
        self.charge(key_bytes(key))
    }

    /// Gives back `bytes` of what this holder charged (no more than it
    /// holds).
    pub fn release(&mut self, bytes: u64) {
        let bytes = bytes.min(self.bytes);
        self.budget.release(bytes);
        self.bytes -= bytes;
    }

    /// The bytes this holder has charged and not released.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.release(self.bytes);
    }
}

/// A blocking command's output: rows it held, each released from its
/// charge as it is handed on (the next command charges it again if it
/// holds it too); what is left (keys, tables) is released when the
/// iterator is dropped.
pub struct Releasing<I> {
    inner: I,
    held: Held,
}

impl<I> Releasing<I> {
    /// `inner`'s rows, released from `held` one by one.
    pub fn new(inner: I, held: Held) -> Self {
        Releasing { inner, held }
    }
}

impl<I: Iterator<Item = Event>> Iterator for Releasing<I> {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Result<Event>> {
        let row = self.inner.next()?;
        self.held.release(row_bytes(&row));
        Some(Ok(row))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// A byte count as `--max-memory` takes it: the largest unit (`K`, `M`,
/// `G`, `T`, powers of 1024) that divides it exactly, else bytes (`B`).
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1 << 40, "T"),
        (1 << 30, "G"),
        (1 << 20, "M"),
        (1 << 10, "K"),
    ];
    for (size, unit) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes}B")
}

/// Parses a size as `--max-memory` takes it: a whole number, optionally
/// followed by `K`, `M`, `G` or `T` (powers of 1024; any case, optionally
/// with `B` or `iB` after it, as in `512MB` or `2GiB`), or `B` for bytes.
/// Zero is refused (nothing could run).
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = t.split_at(digits);
    let wrong = || format!("expected a size such as 512M, 2G or a number of bytes, found `{text}`");
    let n: u64 = number.parse().map_err(|_| wrong())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let scale: u64 = match unit {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return Err(wrong()),
    };
    let bytes = n
        .checked_mul(scale)
        .ok_or_else(|| format!("the size `{text}` is too large"))?;
    if bytes == 0 {
        return Err("the memory budget must be more than 0 bytes".to_string());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_format_back() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("2gib"), Ok(2 << 30));
        assert_eq!(parse_size("10MB"), Ok(10 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("100b"), Ok(100));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1.5G").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(format_size(2 << 30), "2G");
        assert_eq!(format_size(10 << 20), "10M");
        assert_eq!(format_size(1536), "1536B");
        assert_eq!(parse_size(&format_size(1536)), Ok(1536));
        assert_eq!(format_size(3 << 10), "3K");
        assert_eq!(format_size(100), "100B");
    }

    #[test]
    fn a_charge_over_the_limit_fails_and_charges_nothing() {
        let budget = MemoryBudget::new(1000);
        let mut held = budget.hold("sort");
        held.charge(600).expect("fits");
        let err = held.charge(600).expect_err("over");
        assert!(matches!(
            &err,
            Error::MemoryBudget { command, limit: 1000, .. } if command == "sort"
        ));
        assert_eq!(budget.used(), 600);
        held.charge(400).expect("fits exactly");
        drop(held);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn holders_share_the_budget_and_release_what_they_hold() {
        let budget = MemoryBudget::new(100);
        let mut a = budget.hold("a");
        let mut b = budget.hold("b");
        a.charge(60).expect("fits");
        assert!(b.charge(60).is_err());
        a.release(1000);
        assert_eq!(a.bytes(), 0);
        b.charge(60).expect("fits after the release");
        budget.release(u64::MAX);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_row_costs_its_names_values_and_overheads() {
        let mut e = Event::new();
        e.set("ab", Value::from("xyz"));
        e.set("n", Value::Num(1.0));
        e.set("m", Value::Multi(vec!["p".into(), "qq".into()]));
        let expected = ROW_OVERHEAD
            + (2 + 3 + VALUE_OVERHEAD)
            + (1 + 8 + VALUE_OVERHEAD)
            + (1 + (1 + ELEMENT_OVERHEAD) + (2 + ELEMENT_OVERHEAD) + VALUE_OVERHEAD);
        assert_eq!(row_bytes(&e), expected);
        assert_eq!(
            key_bytes(&["ab".into(), String::new()]),
            ROW_OVERHEAD + 2 + 2 * VALUE_OVERHEAD
        );
    }
}
