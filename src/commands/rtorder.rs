//! `rtorder`: buffers results to hand them on in ascending time order.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.2/search-commands/rtorder>:
//! `rtorder [discard=<bool>] [buffer_span=<span-length>] [max_buffer_size=<int>]`
//! (defaults false, 10 seconds, 50000). The buffer keeps events in
//! ascending time order and emits each once "the current time reaches at
//! least the span of time given by buffer_span, after the timestamp of the
//! event", or early when the buffer grows past `max_buffer_size`. An event
//! earlier than one already emitted is out of order: emitted at once, or
//! dropped with `discard=true`.
//!
//! Offline there is no real-time search and no clock that moves while the
//! results arrive: every result is in the buffer when the search ends, and
//! the buffer is emitted then, oldest first (docs/semantics.md#other-commands).
//! `max_buffer_size` still emits the oldest buffered result early when the
//! buffer overflows, and `discard` then drops later arrivals older than it;
//! `buffer_span` is checked for a time span and has nothing to wait for.
//! Results without `_time` count as older than any other.

use std::collections::BTreeMap;

use crate::commands::common::{
    at_option, bad, bool_opt, count_opt, option, time_span_seconds, unknown_option,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::memory::Releasing;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;

const C: &str = "rtorder";

/// `rtorder discard=t buffer_span=5m`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rtorder {
    /// Drop out-of-order results instead of emitting them at once.
    pub discard: bool,
    /// The buffer's span in seconds (default 10).
    pub buffer_span: f64,
    /// The most results the buffer holds (default 50000).
    pub max_buffer_size: usize,
}

/// Parses `rtorder`'s options.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let mut out = Rtorder {
        discard: false,
        buffer_span: 10.0,
        max_buffer_size: 50_000,
    };
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "discard" => out.discard = bool_opt(C, &key, &value, span)?,
            "buffer_span" => {
                out.buffer_span = time_span_seconds(&value).ok_or_else(|| {
                    bad(
                        C,
                        format!(
                            "`buffer_span` must be a time span such as 10s or 5m, found `{value}`"
                        ),
                        span,
                    )
                })?
            }
            "max_buffer_size" => {
                let n = count_opt(C, &key, &value, span)?;
                if n == 0 {
                    return Err(bad(C, "`max_buffer_size` must be at least 1", span));
                }
                out.max_buffer_size = n;
            }
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(
            p.expected("`discard=`, `buffer_span=`, `max_buffer_size=` or the end of `rtorder`")
        );
    }
    Ok(CommandArgs::Rtorder(out))
}

/// A buffer key: the time (none before any), then the arrival number.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(Option<f64>, usize);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let time = match (self.0, other.0) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(a), Some(b)) => a.total_cmp(&b),
        };
        time.then(self.1.cmp(&other.1))
    }
}

impl super::Command for Rtorder {
    /// The results, in the order the buffer emits them.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut held = ctx.memory.hold(C);
        let mut buffer: BTreeMap<Key, Event> = BTreeMap::new();
        let mut out: Vec<Event> = Vec::new();
        // The key of the latest result emitted from the buffer.
        let mut emitted: Option<Key> = None;
        for (n, row) in input.enumerate() {
            let row = row?;
            let key = Key(row.time(), n);
            if emitted.is_some_and(|last| Key(key.0, 0) < Key(last.0, 0)) {
                // Out of order: earlier than a result already emitted.
                if !self.discard {
                    held.charge_row(&row)?;
                    out.push(row);
                }
                continue;
            }
            held.charge_row(&row)?;
            buffer.insert(key, row);
            if buffer.len() > self.max_buffer_size {
                if let Some((k, oldest)) = buffer.pop_first() {
                    emitted = Some(k);
                    out.push(oldest);
                }
            }
        }
        out.extend(buffer.into_values());
        Ok(Box::new(Releasing::new(out.into_iter(), held)))
    }
}

/// The registry entries of `rtorder`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "rtorder",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_untimed_first_then_time_then_arrival() {
        assert!(Key(None, 5) < Key(Some(-1e9), 0));
        assert!(Key(Some(1.0), 3) < Key(Some(2.0), 0));
        assert!(Key(Some(2.0), 0) < Key(Some(2.0), 1));
    }
}
