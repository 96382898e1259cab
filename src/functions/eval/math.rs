//! Mathematical and statistical eval functions: `abs`, `ceiling`/`ceil`,
//! `exact`, `exp`, `floor`, `ln`, `log`, `pi`, `pow`, `round`, `sigfig`,
//! `sqrt`, `sum`, `min`, `max`, `avg`, `random`, and the bitwise
//! `bit_and`, `bit_or`, `bit_xor`, `bit_not`, `bit_shift_left`,
//! `bit_shift_right`.

use std::cmp::Ordering;

use crate::error::Result;
use crate::eval::{BinaryOp, EvalValue, Expr, ExprKind, Scope};
use crate::functions::eval::trig::{binary, unary};
use crate::functions::eval::{arg, eager, lazy, CallSite, FnSpec, MANY};
use crate::value::{compare_text, parse_number};

/// The functions of this category.
pub const FUNCTIONS: &[FnSpec] = &[
    eager("abs", 1, 1, |a, s| unary(a, s, f64::abs)),
    eager("ceiling", 1, 1, |a, s| unary(a, s, f64::ceil)),
    eager("ceil", 1, 1, |a, s| unary(a, s, f64::ceil)),
    eager("floor", 1, 1, |a, s| unary(a, s, f64::floor)),
    eager("exact", 1, 1, |a, s| unary(a, s, |x| x)),
    eager("exp", 1, 1, |a, s| unary(a, s, f64::exp)),
    eager("ln", 1, 1, |a, s| unary(a, s, f64::ln)),
    eager("sqrt", 1, 1, |a, s| unary(a, s, f64::sqrt)),
    eager("pow", 2, 2, |a, s| binary(a, s, f64::powf)),
    eager("log", 1, 2, log),
    eager("pi", 0, 0, |_, _| Ok(EvalValue::Num(std::f64::consts::PI))),
    eager("round", 1, 2, round),
    lazy("sigfig", 1, 1, sigfig),
    eager("sum", 1, MANY, sum),
    eager("avg", 1, MANY, avg),
    eager("min", 1, MANY, |a, _| Ok(extreme(a, Ordering::Less))),
    eager("max", 1, MANY, |a, _| Ok(extreme(a, Ordering::Greater))),
    eager("random", 0, 0, |_, s| {
        Ok(EvalValue::Num(s.ctx.next_random() as f64))
    })
    .differs("a fixed seed: every run gives the same sequence, so results repeat"),
    eager("bit_and", 2, MANY, |a, _| Ok(bits(a, |x, y| x & y))),
    eager("bit_or", 2, MANY, |a, _| Ok(bits(a, |x, y| x | y))),
    eager("bit_xor", 2, MANY, |a, _| Ok(bits(a, |x, y| x ^ y))),
    eager("bit_not", 1, 2, bit_not),
    eager("bit_shift_left", 2, 2, |a, _| {
        Ok(bits(a, |x, y| x.checked_shl(y as u32).unwrap_or(0)))
    }),
    eager("bit_shift_right", 2, 2, |a, _| {
        Ok(bits(a, |x, y| x.checked_shr(y as u32).unwrap_or(0)))
    }),
];

/// `log(X [, base])`, base 10 by default.
fn log(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let Some(x) = arg(&args, 0).as_number() else {
        return Ok(EvalValue::Null);
    };
    let base = match args.get(1) {
        Some(b) => match b.as_number() {
            Some(b) => b,
            None => return Ok(EvalValue::Null),
        },
        None => 10.0,
    };
    // log10 is exact for powers of ten, where `log(base)` is not.
    let value = if base == 10.0 {
        x.log10()
    } else if base == 2.0 {
        x.log2()
    } else {
        x.ln() / base.ln()
    };
    Ok(EvalValue::num(value))
}

/// `round(X [, digits])`: halves away from zero.
fn round(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let Some(x) = arg(&args, 0).as_number() else {
        return Ok(EvalValue::Null);
    };
    let digits = args
        .get(1)
        .and_then(EvalValue::as_number)
        .unwrap_or(0.0)
        .trunc() as i32;
    Ok(EvalValue::num(round_to(x, digits)))
}

/// Rounds to `digits` decimals (negative rounds to tens, hundreds...), half
/// away from zero, on the number as written: its shortest decimal text, so
/// that `2.675` rounds to `2.68` and large values such as epoch times stay
/// exact.
pub fn round_to(x: f64, digits: i32) -> f64 {
    round_decimal(x, |point| point + i64::from(digits))
}

/// Rounds `x`'s shortest decimal text `0.d1d2...dn × 10^point`, keeping the
/// first `keep(point)` digits, half away from zero.
fn round_decimal(x: f64, keep: impl Fn(i64) -> i64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    // `{:e}` is the shortest text that reads back as `x`: `1.7000000001e9`.
    let text = format!("{:e}", x.abs());
    let Some((mantissa, exp)) = text.split_once('e') else {
        return x;
    };
    let Ok(exp) = exp.parse::<i64>() else {
        return x;
    };
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let mut point = exp + 1;
    let k = keep(point);
    if k >= digits.len() as i64 {
        return x;
    }
    if k < 0 {
        return 0.0;
    }
    let k = k as usize;
    let up = digits[k] >= b'5';
    digits.truncate(k);
    if up {
        // Add one at the last kept digit, carrying.
        let mut i = k;
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                point += 1;
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    if digits.is_empty() {
        return 0.0;
    }
    let text = format!("0.{}e{point}", String::from_utf8_lossy(&digits));
    let rounded = text.parse::<f64>().unwrap_or(x).clamp(f64::MIN, f64::MAX);
    if x < 0.0 {
        -rounded
    } else {
        rounded
    }
}

/// `sum(X, ...)`: the sum of every numeric value (multivalues included).
fn sum(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let nums = numbers(&args);
    Ok(if nums.is_empty() {
        EvalValue::Null
    } else {
        EvalValue::num(nums.iter().sum())
    })
}

fn avg(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let nums = numbers(&args);
    Ok(if nums.is_empty() {
        EvalValue::Null
    } else {
        EvalValue::num(nums.iter().sum::<f64>() / nums.len() as f64)
    })
}

fn numbers(args: &[EvalValue]) -> Vec<f64> {
    args.iter()
        .flat_map(|a| match a {
            EvalValue::Num(n) => vec![*n],
            other => other
                .texts()
                .iter()
                .filter_map(|t| parse_number(t))
                .collect(),
        })
        .collect()
}

/// `min`/`max`: numbers compare numerically and before strings; strings
/// compare lexicographically (so `max(3, "abc")` is `abc`).
fn extreme(args: Vec<EvalValue>, want: Ordering) -> EvalValue {
    let mut best: Option<EvalValue> = None;
    for a in args {
        let values: Vec<EvalValue> = match a {
            EvalValue::Null => continue,
            EvalValue::Num(n) => vec![EvalValue::Num(n)],
            other => other.texts().into_iter().map(EvalValue::Str).collect(),
        };
        for v in values {
            let better = match &best {
                None => true,
                Some(b) => key_cmp(&v, b) == want,
            };
            if better {
                best = Some(v);
            }
        }
    }
    best.map_or(EvalValue::Null, |v| match &v {
        EvalValue::Str(s) => parse_number(s).map_or(v.clone(), EvalValue::Num),
        _ => v,
    })
}

fn key_cmp(a: &EvalValue, b: &EvalValue) -> Ordering {
    compare_text(
        &a.as_text().unwrap_or_default(),
        &b.as_text().unwrap_or_default(),
    )
}

fn bits(args: Vec<EvalValue>, f: fn(i64, i64) -> i64) -> EvalValue {
    let mut it = args.iter().map(EvalValue::as_number);
    let Some(Some(first)) = it.next() else {
        return EvalValue::Null;
    };
    let mut acc = first.trunc() as i64;
    for n in it {
        let Some(n) = n else {
            return EvalValue::Null;
        };
        acc = f(acc, n.trunc() as i64);
    }
    EvalValue::Num(acc as f64)
}

/// `bit_not(X [, bits])`: the complement within `bits` bits (32 default).
fn bit_not(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let Some(x) = arg(&args, 0).as_number() else {
        return Ok(EvalValue::Null);
    };
    let width = args
        .get(1)
        .and_then(EvalValue::as_number)
        .unwrap_or(32.0)
        .clamp(1.0, 63.0) as u32;
    // In u64: `1 << 63` is no i64, and 63 bits is a valid width.
    let mask = ((1u64 << width) - 1) as i64;
    Ok(EvalValue::Num((!(x.trunc() as i64) & mask) as f64))
}

/// `sigfig(X)`: the result of the arithmetic in X rounded to the
/// significant figures of its operands: for `*` and `/` the fewest
/// significant figures of the two, for `+` and `-` the fewest decimals.
/// Other expressions are returned as they are.
fn sigfig(args: &[Expr], scope: &Scope, _: &CallSite) -> Result<EvalValue> {
    let value = args[0].eval_in(scope)?;
    let Some(result) = value.as_number() else {
        return Ok(EvalValue::Null);
    };
    let ExprKind::Binary { op, lhs, rhs } = &args[0].kind else {
        return Ok(value);
    };
    let operand = |e: &Expr| -> Result<Option<String>> {
        Ok(match &e.kind {
            ExprKind::Num(_) => Some(scope_text(e, scope)),
            _ => e.eval_in(scope)?.as_text(),
        })
    };
    let (Some(a), Some(b)) = (operand(lhs)?, operand(rhs)?) else {
        return Ok(value);
    };
    Ok(match op {
        BinaryOp::Mul | BinaryOp::Div => {
            let figures = significant_figures(&a).min(significant_figures(&b)).max(1);
            EvalValue::num(to_figures(result, figures))
        }
        BinaryOp::Add | BinaryOp::Sub => {
            let decimals = decimals(&a).min(decimals(&b));
            EvalValue::num(round_to(result, decimals as i32))
        }
        _ => value,
    })
}

/// A literal's text as written in the search.
fn scope_text(e: &Expr, scope: &Scope) -> String {
    let _ = scope;
    match &e.kind {
        ExprKind::Num(n) => format_literal(*n, e),
        _ => String::new(),
    }
}

/// Literals lose trailing zeros once parsed; the span length recovers how
/// many decimals were written (`1.00` spans four bytes).
fn format_literal(n: f64, e: &Expr) -> String {
    let written = e.span.end.saturating_sub(e.span.start);
    let plain = crate::value::format_number(n);
    if written > plain.len() && !plain.contains('e') {
        let extra = written - plain.len();
        if plain.contains('.') {
            format!("{plain}{}", "0".repeat(extra))
        } else if extra >= 2 {
            format!("{plain}.{}", "0".repeat(extra - 1))
        } else {
            plain
        }
    } else {
        plain
    }
}

fn significant_figures(text: &str) -> usize {
    let t = text.trim().trim_start_matches(['-', '+']);
    let mantissa = t.split(['e', 'E']).next().unwrap_or(t);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let trimmed = digits.trim_start_matches('0');
    if mantissa.contains('.') {
        trimmed.len()
    } else {
        trimmed.trim_end_matches('0').len().max(1)
    }
}

fn decimals(text: &str) -> usize {
    text.split_once('.').map_or(0, |(_, f)| f.len())
}

/// `x` rounded to `figures` significant figures, half away from zero.
fn to_figures(x: f64, figures: usize) -> f64 {
    let figures = i64::try_from(figures).unwrap_or(i64::MAX);
    round_decimal(x, |_| figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero_as_written() {
        assert_eq!(round_to(2.5, 0), 3.0);
        assert_eq!(round_to(-2.5, 0), -3.0);
        assert_eq!(round_to(2.675, 2), 2.68);
        assert_eq!(round_to(1234.0, -2), 1200.0);
    }

    #[test]
    fn rounding_large_values_is_exact() {
        assert_eq!(round_to(1_000_000_000.0, 0), 1_000_000_000.0);
        assert_eq!(round_to(500_000_000.0, 0), 500_000_000.0);
        assert_eq!(round_to(1_700_000_000.123, 1), 1_700_000_000.1);
        assert_eq!(round_to(1_700_000_000.123, 2), 1_700_000_000.12);
        assert_eq!(round_to(1_700_000_000.5, 0), 1_700_000_001.0);
        assert_eq!(round_to(1_700_000_000.45, 1), 1_700_000_000.5);
        assert_eq!(round_to(-1_700_000_000.123, 1), -1_700_000_000.1);
        assert_eq!(round_to(-1_700_000_000.5, 0), -1_700_000_001.0);
        assert_eq!(round_to(-1_000_000_000.0, 0), -1_000_000_000.0);
        assert_eq!(
            round_to(9_007_199_254_740_993.0, 0),
            9_007_199_254_740_992.0
        );
        assert_eq!(round_to(1e300, 2), 1e300);
        assert_eq!(round_to(1.5e300, -300), 2e300);
        assert_eq!(round_to(f64::MAX, -308), f64::MAX);
        // Halves, small values, carries, and digits past the text.
        assert_eq!(round_to(0.5, 0), 1.0);
        assert_eq!(round_to(-0.5, 0), -1.0);
        assert_eq!(round_to(1.5, 0), 2.0);
        assert_eq!(round_to(0.4, 0), 0.0);
        assert_eq!(round_to(0.125, 2), 0.13);
        assert_eq!(round_to(-0.125, 2), -0.13);
        assert_eq!(round_to(1.005, 2), 1.01);
        assert_eq!(round_to(9.995, 2), 10.0);
        assert_eq!(round_to(999.5, 0), 1000.0);
        assert_eq!(round_to(0.0004, 3), 0.0);
        assert_eq!(round_to(0.0005, 3), 0.001);
        assert_eq!(round_to(1.25, 10), 1.25);
        assert_eq!(round_to(1.25, i32::MAX), 1.25);
        assert_eq!(round_to(1.25, i32::MIN), 0.0);
        assert_eq!(round_to(55.0, -1), 60.0);
        assert_eq!(round_to(-55.0, -1), -60.0);
        assert!(round_to(f64::NAN, 1).is_nan());
        assert_eq!(round_to(f64::INFINITY, 1), f64::INFINITY);
    }

    #[test]
    fn significant_figures_of_large_values_are_exact() {
        assert_eq!(to_figures(1_700_000_000.123, 12), 1_700_000_000.12);
        assert_eq!(to_figures(1_000_000_000.0, 3), 1_000_000_000.0);
        assert_eq!(to_figures(1_234_567_890.0, 3), 1_230_000_000.0);
        assert_eq!(to_figures(-1_234_567_890.0, 3), -1_230_000_000.0);
        assert_eq!(to_figures(1000.0, 1), 1000.0);
        assert_eq!(to_figures(999.0, 1), 1000.0);
        assert_eq!(to_figures(0.00125, 2), 0.0013);
        assert_eq!(to_figures(2.5, 1), 3.0);
        assert_eq!(to_figures(-2.5, 1), -3.0);
        assert_eq!(to_figures(0.0, 3), 0.0);
    }

    #[test]
    fn significant_figures_count() {
        assert_eq!(significant_figures("1.00"), 3);
        assert_eq!(significant_figures("1111"), 4);
        assert_eq!(significant_figures("0.0050"), 2);
        assert_eq!(to_figures(1111.0, 3), 1110.0);
    }
}
