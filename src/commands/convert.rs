//! `convert`: converts field values, e.g. epoch times to text with `ctime`.

use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::matcher::Glob;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;
use crate::timefmt;
use crate::value::{format_number, parse_number, Value};

/// Splunk's default `timeformat` for `convert`.
pub const DEFAULT_TIMEFORMAT: &str = "%m/%d/%Y %H:%M:%S";

/// `convert [timeformat=<fmt>] <fn>(<field>) [AS <name>] ...`, e.g.
/// `convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Convert {
    /// The time format for `ctime` and `mktime`.
    pub timeformat: String,
    /// The conversions, applied in order.
    pub conversions: Vec<Conversion>,
}

/// One conversion, e.g. `ctime(_time) AS time`.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// The function.
    pub func: ConvertFn,
    /// The field (may contain `*` when there is no `AS`).
    pub field: String,
    /// The `AS` name; without one the field is converted in place.
    pub alias: Option<String>,
    /// Where it is written.
    pub span: Span,
}

/// A conversion function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertFn {
    /// `ctime`: epoch seconds to text in `timeformat`.
    Ctime,
    /// `mktime`: text in `timeformat` to epoch seconds.
    Mktime,
    /// `auto`: to a number when every value converts, else unchanged.
    Auto,
    /// `num`: like `auto`, but values that do not convert are removed.
    Num,
    /// `rmcomma`: removes commas, then to a number.
    Rmcomma,
    /// `rmunit`: the leading number, without its unit.
    Rmunit,
    /// `dur2sec`: `[D+]HH:MM:SS` to seconds.
    Dur2sec,
    /// `memk`: `10k`, `10m`, `10g` to kilobytes.
    Memk,
    /// `none`: no conversion.
    None,
}

fn find_fn(name: &str) -> Option<ConvertFn> {
    Some(match name.to_ascii_lowercase().as_str() {
        "ctime" => ConvertFn::Ctime,
        "mktime" => ConvertFn::Mktime,
        "auto" => ConvertFn::Auto,
        "num" => ConvertFn::Num,
        "rmcomma" => ConvertFn::Rmcomma,
        "rmunit" => ConvertFn::Rmunit,
        "dur2sec" => ConvertFn::Dur2sec,
        "memk" => ConvertFn::Memk,
        "none" => ConvertFn::None,
        _ => return None,
    })
}

/// Parses `convert`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut timeformat = DEFAULT_TIMEFORMAT.to_string();
    for (key, value, _) in p.options(&["timeformat"])? {
        if key == "timeformat" {
            timeformat = value;
        }
    }
    p.reject_unknown_option("convert", &["timeformat"])?;
    let mut conversions = Vec::new();
    while !p.at_command_end() {
        if p.eat(&Tok::Comma) {
            continue;
        }
        let (name, fn_span) = p.word("a conversion such as `ctime(field)`")?;
        let Some(func) = find_fn(&name) else {
            return Err(Error::BadArgument {
                command: "convert".into(),
                message: format!("unknown conversion function `{name}`"),
                span: fn_span,
            });
        };
        p.expect(&Tok::LParen, "`(` after the conversion function")?;
        let (field, _) = p.field_name("a field name")?;
        p.expect(&Tok::RParen, "a closing `)`")?;
        let mut span = fn_span.to(p.last_span());
        let alias = if p.eat_keyword("as") {
            let (alias, alias_span) = p.field_name("a name after `AS`")?;
            span = span.to(alias_span);
            Some(alias)
        } else {
            None
        };
        if alias.is_some() && field.contains('*') {
            return Err(Error::Unsupported {
                command: Some("convert".into()),
                message: "a wildcard field with `AS` is not supported yet".into(),
                span,
            });
        }
        conversions.push(Conversion {
            func,
            field,
            alias,
            span,
        });
    }
    if conversions.is_empty() {
        return Err(Error::BadArgument {
            command: "convert".into(),
            message: "expected a conversion such as `ctime(field)`".into(),
            span: name_span,
        });
    }
    Ok(CommandArgs::Convert(Convert {
        timeformat,
        conversions,
    }))
}

impl Convert {
    fn convert(&self, c: &Conversion, event: &mut Event, tz: chrono_tz::Tz) {
        let fields: Vec<String> = if c.field.contains('*') {
            let g = Glob::new(&c.field, true);
            event
                .names()
                .filter(|n| g.matches(n))
                .map(str::to_string)
                .collect()
        } else {
            vec![c.field.clone()]
        };
        for field in fields {
            let Some(value) = event.get(&field) else {
                continue;
            };
            let converted = convert_value(c.func, value, &self.timeformat, tz);
            let target = c.alias.clone().unwrap_or(field);
            match converted {
                Converted::Value(v) => event.set(target, v),
                Converted::Removed => {
                    event.remove(&target);
                }
                Converted::Unchanged => {
                    if c.alias.is_some() {
                        if let Some(v) = event.get(&c.field).cloned() {
                            event.set(target, v);
                        }
                    }
                }
            }
        }
    }
}

impl super::Command for Convert {
    /// Converts in every row.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let tz = ctx.tz;
        Ok(Box::new(input.map(move |row| {
            row.map(|mut event| {
                for c in &self.conversions {
                    self.convert(c, &mut event, tz);
                }
                event
            })
        })))
    }
}

enum Converted {
    Value(Value),
    Removed,
    Unchanged,
}

fn convert_value(func: ConvertFn, value: &Value, timeformat: &str, tz: chrono_tz::Tz) -> Converted {
    let texts: Vec<String> = value.texts().into_iter().map(|t| t.into_owned()).collect();
    let one = |t: &str| -> Option<String> {
        match func {
            ConvertFn::Ctime => parse_number(t).map(|n| timefmt::strftime(n, timeformat, tz)),
            ConvertFn::Mktime => timefmt::strptime(t, timeformat, tz).map(format_number),
            ConvertFn::Auto | ConvertFn::Num => parse_number(t).map(format_number),
            ConvertFn::Rmcomma => parse_number(&t.replace(',', "")).map(format_number),
            ConvertFn::Rmunit => leading_number(t).map(format_number),
            ConvertFn::Dur2sec => duration_seconds(t).map(format_number),
            ConvertFn::Memk => kilobytes(t).map(format_number),
            ConvertFn::None => None,
        }
    };
    if func == ConvertFn::None {
        return Converted::Unchanged;
    }
    // Single numbers keep their numeric type for later commands.
    if texts.len() == 1 && func != ConvertFn::Ctime {
        return match one(&texts[0]) {
            Some(s) => Converted::Value(match parse_number(&s) {
                Some(n) => Value::Num(n),
                None => Value::Str(s),
            }),
            None if func == ConvertFn::Num => Converted::Removed,
            None => Converted::Unchanged,
        };
    }
    let out: Vec<Option<String>> = texts.iter().map(|t| one(t)).collect();
    if func == ConvertFn::Auto && out.iter().any(Option::is_none) {
        return Converted::Unchanged;
    }
    // Values that do not convert stay as they were (ctime of a non-number),
    // except for `num`, which drops them.
    let merged: Vec<String> = texts
        .into_iter()
        .zip(out)
        .filter_map(|(orig, conv)| match conv {
            Some(c) => Some(c),
            None if func == ConvertFn::Num => None,
            None => Some(orig),
        })
        .collect();
    match Value::from_list(merged) {
        Some(v) => Converted::Value(v),
        None => Converted::Removed,
    }
}

fn leading_number(t: &str) -> Option<f64> {
    let t = t.trim();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    parse_number(&t[..end])
}

fn duration_seconds(t: &str) -> Option<f64> {
    let t = t.trim();
    let (days, clock) = match t.split_once('+') {
        Some((d, c)) => (parse_number(d)?, c),
        None => (0.0, t),
    };
    let parts: Vec<f64> = clock
        .split(':')
        .map(parse_number)
        .collect::<Option<Vec<_>>>()?;
    let secs = match parts.as_slice() {
        [h, m, s] => h * 3600.0 + m * 60.0 + s,
        [m, s] => m * 60.0 + s,
        [s] => *s,
        _ => return None,
    };
    Some(days * 86400.0 + secs)
}

fn kilobytes(t: &str) -> Option<f64> {
    let t = t.trim();
    let (num, factor) = match t.chars().last()?.to_ascii_lowercase() {
        'k' => (&t[..t.len() - 1], 1.0),
        'm' => (&t[..t.len() - 1], 1024.0),
        'g' => (&t[..t.len() - 1], 1024.0 * 1024.0),
        _ => (t, 1.0),
    };
    parse_number(num).map(|n| n * factor)
}

/// The registry entries of `convert`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "convert",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_convert_units() {
        assert_eq!(duration_seconds("1+01:00:05"), Some(90005.0));
        assert_eq!(duration_seconds("00:02:03"), Some(123.0));
        assert_eq!(kilobytes("2m"), Some(2048.0));
        assert_eq!(leading_number("42ms"), Some(42.0));
        assert_eq!(leading_number("ms"), None);
    }
}
