//! Conversion functions: `tonumber`, `tostring` (with `"hex"`, `"commas"`,
//! `"duration"`), `printf`, `ipmask`.

use std::net::Ipv4Addr;

use crate::error::Result;
use crate::eval::EvalValue;
use crate::functions::eval::{arg, eager, CallSite, FnSpec, MANY};
use crate::value::{format_number, parse_number};

/// The functions of this category.
pub const FUNCTIONS: &[FnSpec] = &[
    eager("tonumber", 1, 2, tonumber),
    eager("tostring", 1, 2, tostring),
    eager("printf", 1, MANY, printf),
    eager("ipmask", 2, 2, ipmask),
];

/// `tonumber(X [, base])`: base 10 by default, 2 to 36 otherwise; text that
/// is not a number gives null. Base 16 accepts a `0x` prefix.
fn tonumber(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let v = arg(&args, 0);
    let base = match args.get(1) {
        Some(b) => match b.as_number() {
            Some(b) if (2.0..=36.0).contains(&b) && b.fract() == 0.0 => b as u32,
            _ => return Err(site.error("the base must be an integer from 2 to 36")),
        },
        None => 10,
    };
    if let (EvalValue::Num(n), 10) = (v, base) {
        return Ok(EvalValue::Num(*n));
    }
    let Some(text) = v.as_text() else {
        return Ok(EvalValue::Null);
    };
    let t = text.trim();
    if base == 10 {
        return Ok(parse_number(t).map_or(EvalValue::Null, EvalValue::Num));
    }
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let digits = if base == 16 {
        digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
            .unwrap_or(digits)
    } else {
        digits
    };
    Ok(match i64::from_str_radix(digits, base) {
        Ok(n) => EvalValue::Num(if neg { -(n as f64) } else { n as f64 }),
        Err(_) => EvalValue::Null,
    })
}

/// `tostring(X [, format])`: a boolean becomes `True`/`False`; numbers may
/// be formatted as `hex` (`0xF`), `commas` (`12,345.68`, two decimals at
/// most) or `duration` (seconds as `[D+]HH:MM:SS`).
fn tostring(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let v = arg(&args, 0);
    let Some(format) = args.get(1) else {
        return Ok(match v {
            EvalValue::Bool(b) => EvalValue::Str(if *b { "True" } else { "False" }.into()),
            EvalValue::Multi(_) => v.clone(),
            other => other.as_text().map_or(EvalValue::Null, EvalValue::Str),
        });
    };
    let Some(format) = format.as_text() else {
        return Ok(EvalValue::Null);
    };
    let Some(n) = v.as_number() else {
        return Ok(v.as_text().map_or(EvalValue::Null, EvalValue::Str));
    };
    let text = match format.to_ascii_lowercase().as_str() {
        "hex" => {
            let i = n.trunc() as i64;
            // `unsigned_abs`: `-i` overflows for i64::MIN, where a huge
            // negative number saturates.
            if i < 0 {
                format!("-0x{:X}", i.unsigned_abs())
            } else {
                format!("0x{i:X}")
            }
        }
        "commas" => commas(n),
        "duration" => duration(n),
        other => {
            return Err(site.error(format!(
                "unknown format \"{other}\" (expected \"hex\", \"commas\" or \"duration\")"
            )))
        }
    };
    Ok(EvalValue::Str(text))
}

/// `12345.678` → `12,345.68`; integers keep no decimals.
fn commas(n: f64) -> String {
    let rounded = (n * 100.0).round() / 100.0;
    let text = format_number(rounded);
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text.clone(), None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", int),
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Seconds as `HH:MM:SS`, with `D+` in front past a day.
pub fn duration(n: f64) -> String {
    let total = n.trunc().abs() as u64;
    let sign = if n < 0.0 { "-" } else { "" };
    let (days, rest) = (total / 86_400, total % 86_400);
    let hms = format!(
        "{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    if days > 0 {
        format!("{sign}{days}+{hms}")
    } else {
        format!("{sign}{hms}")
    }
}

/// `ipmask(mask, ip)`: the address with the mask applied.
fn ipmask(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let (Some(mask), Some(ip)) = (arg(&args, 0).as_text(), arg(&args, 1).as_text()) else {
        return Ok(EvalValue::Null);
    };
    let (Ok(mask), Ok(ip)) = (
        mask.trim().parse::<Ipv4Addr>(),
        ip.trim().parse::<Ipv4Addr>(),
    ) else {
        return Ok(EvalValue::Null);
    };
    Ok(EvalValue::Str(
        Ipv4Addr::from(u32::from(mask) & u32::from(ip)).to_string(),
    ))
}

/// The largest width or precision `printf` accepts: Splunk documents no
/// limit, and a larger one would only build a huge string (or, past 65,535,
/// exceed what Rust's formatter takes).
pub const PRINTF_MAX_WIDTH: usize = 10_000;

/// `printf(format, args...)`: C-style conversions `%d %i %u %f %F %e %E %g
/// %G %x %X %o %s %c %%` with flags `-+ 0#'`, width and precision (`*`
/// takes them from the arguments), each at most [`PRINTF_MAX_WIDTH`] (more
/// is an error).
fn printf(args: Vec<EvalValue>, site: &CallSite) -> Result<EvalValue> {
    let Some(format) = arg(&args, 0).as_text() else {
        return Ok(EvalValue::Null);
    };
    let mut values = args[1..].iter();
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                '#' => spec.alt = true,
                '\'' => spec.group = true,
                _ => break,
            }
            chars.next();
        }
        let too_big = |what: &str| {
            site.error(format!(
                "the {what} of a conversion must be at most {PRINTF_MAX_WIDTH}"
            ))
        };
        spec.width = read_count(&mut chars, &mut values).map_err(|()| too_big("width"))?;
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.precision = Some(
                read_count(&mut chars, &mut values)
                    .map_err(|()| too_big("precision"))?
                    .unwrap_or(0),
            );
        }
        // Length modifiers are accepted and ignored.
        while matches!(chars.peek(), Some('h' | 'l' | 'L' | 'q' | 'j' | 'z' | 't')) {
            chars.next();
        }
        let Some(conv) = chars.next() else {
            out.push('%');
            break;
        };
        if conv == '%' {
            out.push('%');
            continue;
        }
        let value = values.next().cloned().unwrap_or(EvalValue::Null);
        out.push_str(&spec.render(conv, &value));
    }
    Ok(EvalValue::Str(out))
}

/// A width or precision: digits, or `*` for the next argument; `Err` when
/// it is over [`PRINTF_MAX_WIDTH`].
fn read_count<'a>(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    values: &mut impl Iterator<Item = &'a EvalValue>,
) -> std::result::Result<Option<usize>, ()> {
    let count = if chars.peek() == Some(&'*') {
        chars.next();
        match values.next().and_then(EvalValue::as_number) {
            Some(n) if n > PRINTF_MAX_WIDTH as f64 => return Err(()),
            Some(n) => Some(n.max(0.0) as usize),
            None => None,
        }
    } else {
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        // Digits too many for a usize are over the limit as well.
        let trimmed = digits.trim_start_matches('0');
        if trimmed.len() > 9 {
            return Err(());
        }
        digits.parse().ok()
    };
    match count {
        Some(n) if n > PRINTF_MAX_WIDTH => Err(()),
        other => Ok(other),
    }
}

/// A parsed `%` conversion's flags, width and precision.
#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alt: bool,
    group: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

impl Spec {
    fn render(&self, conv: char, value: &EvalValue) -> String {
        let number = value.as_number().unwrap_or(0.0);
        let body = match conv {
            'd' | 'i' | 'u' => {
                let mut s = (number.trunc() as i64).unsigned_abs().to_string();
                if self.group {
                    s = commas(s.parse::<f64>().unwrap_or(0.0));
                }
                self.signed(number < 0.0, s)
            }
            'f' | 'F' => self.signed(
                number < 0.0,
                format!("{:.*}", self.precision.unwrap_or(6), number.abs()),
            ),
            'e' | 'E' => {
                let s = exponent(number.abs(), self.precision.unwrap_or(6));
                self.signed(number < 0.0, if conv == 'E' { s.to_uppercase() } else { s })
            }
            'g' | 'G' => {
                let s = general(number.abs(), self.precision.unwrap_or(6), self.alt);
                self.signed(number < 0.0, if conv == 'G' { s.to_uppercase() } else { s })
            }
            'x' | 'X' | 'o' => {
                let i = number.trunc() as i64;
                let s = match conv {
                    'x' => format!("{i:x}"),
                    'X' => format!("{i:X}"),
                    _ => format!("{i:o}"),
                };
                match (self.alt, conv) {
                    (true, 'x') => format!("0x{s}"),
                    (true, 'X') => format!("0X{s}"),
                    (true, _) => format!("0{s}"),
                    _ => s,
                }
            }
            'c' => value
                .as_number()
                .and_then(|n| char::from_u32(n as u32))
                .map(String::from)
                .or_else(|| {
                    value
                        .as_text()
                        .and_then(|s| s.chars().next().map(String::from))
                })
                .unwrap_or_default(),
            's' => {
                let s = value.as_text().unwrap_or_default();
                match self.precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            other => format!("%{other}"),
        };
        self.pad(
            body,
            matches!(
                conv,
                'd' | 'i' | 'u' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o'
            ),
        )
    }

    fn signed(&self, negative: bool, digits: String) -> String {
        let sign = if negative {
            "-"
        } else if self.plus {
            "+"
        } else if self.space {
            " "
        } else {
            ""
        };
        format!("{sign}{digits}")
    }

    fn pad(&self, body: String, numeric: bool) -> String {
        let width = self.width.unwrap_or(0);
        let len = body.chars().count();
        if len >= width {
            return body;
        }
        let fill = width - len;
        if self.left {
            format!("{body}{}", " ".repeat(fill))
        } else if self.zero && numeric {
            let sign_len = body.starts_with(['-', '+', ' ']) as usize;
            format!(
                "{}{}{}",
                &body[..sign_len],
                "0".repeat(fill),
                &body[sign_len..]
            )
        } else {
            format!("{}{body}", " ".repeat(fill))
        }
    }
}

/// `%e`: `1.234500e+03`.
fn exponent(n: f64, precision: usize) -> String {
    let s = format!("{n:.precision$e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let e: i32 = exp.parse().unwrap_or(0);
            format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s,
    }
}

/// `%g`: the shorter of `%e` and `%f` with `precision` significant digits,
/// trailing zeros removed unless `alt`.
fn general(n: f64, precision: usize, alt: bool) -> String {
    let p = precision.max(1);
    let exp = if n == 0.0 {
        0
    } else {
        n.log10().floor() as i32
    };
    let s = if exp < -4 || exp >= p as i32 {
        exponent(n, p - 1)
    } else {
        format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, n)
    };
    if alt {
        return s;
    }
    let (mantissa, tail) = match s.find('e') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s.as_str(), ""),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    format!("{mantissa}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pf(fmt: &str, args: Vec<EvalValue>) -> String {
        let ctx = crate::eval::EvalContext::at(0.0, chrono_tz::UTC);
        let site = CallSite {
            name: "printf",
            span: Default::default(),
            ctx: &ctx,
        };
        let mut all = vec![EvalValue::Str(fmt.into())];
        all.extend(args);
        printf(all, &site).unwrap().as_text().unwrap()
    }

    fn pf_err(fmt: &str, args: Vec<EvalValue>) -> String {
        let ctx = crate::eval::EvalContext::at(0.0, chrono_tz::UTC);
        let site = CallSite {
            name: "printf",
            span: Default::default(),
            ctx: &ctx,
        };
        let mut all = vec![EvalValue::Str(fmt.into())];
        all.extend(args);
        match printf(all, &site) {
            Ok(v) => panic!("{fmt}: expected an error, got {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn printf_width_and_precision_are_capped_with_an_error() {
        let n = EvalValue::Num;
        for fmt in [
            "%.65536f",
            "%.65536e",
            "%.65536g",
            "%.10001s",
            "%999999999d",
            "%99999999999999999999999d",
            "%.99999999999999999999999f",
        ] {
            let e = pf_err(fmt, vec![n(1.0)]);
            assert!(e.contains("printf") && e.contains("10000"), "{fmt}: {e}");
        }
        let e = pf_err("%*d", vec![n(1e12), n(1.0)]);
        assert!(e.contains("width"), "{e}");
        let e = pf_err("%.*f", vec![n(65536.0), n(1.0)]);
        assert!(e.contains("precision"), "{e}");
        // At the limit it works.
        assert_eq!(pf("%10000d", vec![n(1.0)]).len(), 10_000);
        assert_eq!(pf("%.10000f", vec![n(1.0)]).len(), 10_002);
        assert!(pf("%.10000e", vec![n(1.0)]).ends_with("e+00"));
        assert_eq!(pf("%.10000g", vec![n(1.5)]), "1.5");
        assert_eq!(pf("%05.1f", vec![n(2.25)]), "002.2");
    }

    #[test]
    fn printf_conversions() {
        let n = EvalValue::Num;
        assert_eq!(pf("%.2f", vec![n(1.23456)]), "1.23");
        assert_eq!(
            pf(
                "%05d|%-4s|%x",
                vec![n(42.0), EvalValue::Str("ab".into()), n(255.0)]
            ),
            "00042|ab  |ff"
        );
        assert_eq!(
            pf("%+d %e %%", vec![n(5.0), n(1234.5)]),
            "+5 1.234500e+03 %"
        );
        assert_eq!(
            pf("%g %g", vec![n(0.0001), n(123456789.0)]),
            "0.0001 1.23457e+08"
        );
        assert_eq!(pf("%'d", vec![n(1234567.0)]), "1,234,567");
    }

    #[test]
    fn commas_and_duration() {
        assert_eq!(commas(12345.678), "12,345.68");
        assert_eq!(commas(-1234567.0), "-1,234,567");
        assert_eq!(duration(615.0), "00:10:15");
        assert_eq!(duration(90061.0), "1+01:01:01");
    }
}
