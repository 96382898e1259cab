//! `x11`: seasonal adjustment of a time series by the X-11 method.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/x11>:
//! `x11 [<type>] [<period>] (<fieldname>) [AS <newfield>]`, written as one
//! term such as `mult15(count)`, `add20(count)` or `15(count)`; type
//! `add()` or `mult()` (default mult), period "an integer between 5 and
//! 1000" (found from the data when left out). The result is the seasonally
//! adjusted series, in the field named by `AS`, otherwise in a field named
//! by the term as written (`mult15(count)`, or `count` itself for a bare
//! field name: the page gives no default name; this is the trendline
//! convention, `sma5(foo)`).
//!
//! The method (the page names it but gives no steps; docs/semantics.md,
//! "x11") is the classic X-11 decomposition without extreme-value
//! replacement: a centred moving average over one period for the first
//! trend, seasonal-irregular ratios (differences for add) smoothed per
//! phase of the cycle by a 3x3 moving average, normalised; the seasonally
//! adjusted series smoothed by a Henderson moving average for the second
//! trend, new ratios smoothed per phase by a 3x5 moving average, normalised;
//! the data divided by (less) these final seasonal factors.

use crate::commands::accum::single_number;
use crate::commands::common::{at_option, bad, collect, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// Additive or multiplicative seasonality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `add()`: data = trend + seasonal + irregular.
    Add,
    /// `mult()` (default): data = trend * seasonal * irregular.
    Mult,
}

/// `x11 mult15(count) AS adjusted`.
#[derive(Debug, Clone, PartialEq)]
pub struct X11 {
    /// add or mult.
    pub kind: Kind,
    /// The period in results, found from the data when `None`.
    pub period: Option<usize>,
    /// The field adjusted.
    pub field: String,
    /// The output field.
    pub out: String,
    /// The command's span, for runtime errors.
    pub span: Span,
}

const C: &str = "x11";
const MIN_PERIOD: usize = 5;
const MAX_PERIOD: usize = 1000;

/// Splits `mult15(count)` into type, period and field; a term without
/// parentheses is a bare field name.
fn parse_term(text: &str, span: Span) -> Result<(Kind, Option<usize>, String)> {
    let Some((head, rest)) = text.split_once('(') else {
        return Ok((Kind::Mult, None, text.to_string()));
    };
    let form = "expected [add|mult][<period>](<field>), e.g. `mult15(count)`";
    let field = rest
        .strip_suffix(')')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| bad(C, format!("`{text}`: {form}"), span))?;
    let lower = head.to_ascii_lowercase();
    let (kind, digits) = if let Some(d) = lower.strip_prefix("mult") {
        (Kind::Mult, d)
    } else if let Some(d) = lower.strip_prefix("add") {
        (Kind::Add, d)
    } else {
        (Kind::Mult, lower.as_str())
    };
    let period = if digits.is_empty() {
        None
    } else {
        let n: usize = digits.parse().map_err(|_| {
            bad(
                C,
                format!("`{text}`: unknown type or period `{head}` ({form})"),
                span,
            )
        })?;
        if !(MIN_PERIOD..=MAX_PERIOD).contains(&n) {
            return Err(bad(
                C,
                format!("`{text}`: the period must be between {MIN_PERIOD} and {MAX_PERIOD}"),
                span,
            ));
        }
        Some(n)
    };
    Ok((kind, period, field.to_string()))
}

/// Parses `x11`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    if at_option(p) {
        let (key, _, span) = option(p)?;
        return Err(unknown_option(C, &key, span));
    }
    if p.at_command_end() {
        return Err(bad(
            C,
            "a field such as `mult15(count)` or `count` is required",
            name_span,
        ));
    }
    let (text, span) = p.field_name("a field such as `mult15(count)`")?;
    let (kind, period, field) = parse_term(&text, span)?;
    let out = if p.eat_keyword("as") {
        p.field_name("a new field name after AS")?.0
    } else {
        text
    };
    if at_option(p) {
        let (key, _, span) = option(p)?;
        return Err(unknown_option(C, &key, span));
    }
    if !p.at_command_end() {
        return Err(p.expected("the end of `x11` (one field term and an optional AS name)"));
    }
    Ok(CommandArgs::X11(X11 {
        kind,
        period,
        field,
        out,
        span: name_span,
    }))
}

/// A centred moving average over one period: the plain p-term average for
/// an odd p, the 2xp average (half weights at both ends) for an even p.
/// `None` where the window does not fit.
fn centred_ma(x: &[f64], p: usize) -> Vec<Option<f64>> {
    let n = x.len();
    let h = p / 2;
    (0..n)
        .map(|t| {
            if t < h || t + h >= n {
                return None;
            }
            if !p.is_multiple_of(2) {
                Some(x[t - h..=t + h].iter().sum::<f64>() / p as f64)
            } else {
                let inner: f64 = x[t + 1 - h..t + h].iter().sum();
                Some((inner + (x[t - h] + x[t + h]) / 2.0) / p as f64)
            }
        })
        .collect()
}

/// Fills `None`s at the ends with the nearest value (the middle has none).
fn fill_ends(v: &[Option<f64>]) -> Vec<f64> {
    let first = v.iter().flatten().next().copied().unwrap_or(0.0);
    let mut last = first;
    v.iter()
        .map(|x| {
            if let Some(x) = x {
                last = *x;
            }
            x.unwrap_or(last)
        })
        .collect()
}

/// A weighted moving average of a short sequence (per phase of the cycle),
/// the ends taking the nearest value computed; fewer values than the
/// filter's length give their mean.
fn phase_ma(s: &[f64], weights: &[f64]) -> Vec<f64> {
    let k = s.len();
    let m = weights.len() / 2;
    if k < weights.len() {
        let mean = s.iter().sum::<f64>() / k.max(1) as f64;
        return vec![mean; k];
    }
    let total: f64 = weights.iter().sum();
    let inner: Vec<Option<f64>> = (0..k)
        .map(|j| {
            if j < m || j + m >= k {
                return None;
            }
            Some(
                weights
                    .iter()
                    .enumerate()
                    .map(|(i, w)| w * s[j + i - m])
                    .sum::<f64>()
                    / total,
            )
        })
        .collect();
    fill_ends(&inner)
}

/// Henderson moving average weights of odd length `len` (Kenny & Durbin's
/// closed form).
fn henderson(len: usize) -> Vec<f64> {
    let m = (len / 2) as f64;
    let n = m + 2.0;
    let denom =
        8.0 * n * (n * n - 1.0) * (4.0 * n * n - 1.0) * (4.0 * n * n - 9.0) * (4.0 * n * n - 25.0);
    (0..len)
        .map(|i| {
            let j = i as f64 - m;
            315.0
                * ((n - 1.0).powi(2) - j * j)
                * (n * n - j * j)
                * ((n + 1.0).powi(2) - j * j)
                * (3.0 * n * n - 16.0 - 11.0 * j * j)
                / denom
        })
        .collect()
}

/// The least-squares line through `(i, y[i])`: (intercept, slope).
pub(crate) fn line(y: &[f64]) -> (f64, f64) {
    let k = y.len() as f64;
    let mx = (k - 1.0) / 2.0;
    let my = y.iter().sum::<f64>() / k;
    let sxy: f64 = y
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64 - mx) * (v - my))
        .sum();
    let sxx: f64 = (0..y.len()).map(|i| (i as f64 - mx).powi(2)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (my - slope * mx, slope)
}

/// The Henderson trend of `x`, the series first extended at each end by
/// the straight line fitted to its first (last) `p` values, so the filter
/// fits everywhere and a straight line is kept exactly.
fn henderson_trend(x: &[f64], len: usize, p: usize) -> Vec<f64> {
    let n = x.len();
    let h = len / 2;
    let w = henderson(len);
    let head = &x[..p.min(n)];
    let tail = &x[n - p.min(n)..];
    let (a0, b0) = line(head);
    let (a1, b1) = line(tail);
    let t0 = tail.len() as f64 - 1.0;
    let ext: Vec<f64> = (0..n + 2 * h)
        .map(|i| {
            if i < h {
                a0 + b0 * (i as f64 - h as f64)
            } else if i >= n + h {
                a1 + b1 * (t0 + (i - n - h + 1) as f64)
            } else {
                x[i - h]
            }
        })
        .collect();
    (0..n)
        .map(|t| w.iter().enumerate().map(|(i, wi)| wi * ext[t + i]).sum())
        .collect()
}

impl X11 {
    fn fail(&self, message: String) -> Error {
        Error::Runtime {
            message: format!("x11: {message}"),
            span: Some(self.span),
        }
    }

    /// The ratio (difference) of a value to a trend, and its inverse.
    fn remove(&self, y: f64, t: f64) -> f64 {
        match self.kind {
            Kind::Mult => y / t,
            Kind::Add => y - t,
        }
    }

    /// Seasonal factors from seasonal-irregular values (None where the
    /// trend did not fit), smoothed per phase by `weights` and normalised
    /// so a period's factors average 1 (mult) or 0 (add).
    fn seasonal(&self, si: &[Option<f64>], p: usize, weights: &[f64]) -> Vec<f64> {
        let n = si.len();
        let mut s: Vec<Option<f64>> = vec![None; n];
        for phase in 0..p.min(n) {
            let idx: Vec<usize> = (phase..n).step_by(p).filter(|&t| si[t].is_some()).collect();
            let vals: Vec<f64> = idx.iter().filter_map(|&t| si[t]).collect();
            let smooth = phase_ma(&vals, weights);
            for (&t, v) in idx.iter().zip(smooth) {
                s[t] = Some(v);
            }
            // Rows of this phase without a value take the nearest one's.
            let (first, last) = (idx.first().copied(), idx.last().copied());
            for t in (phase..n).step_by(p) {
                if s[t].is_none() {
                    s[t] = match (first, last) {
                        (Some(f), _) if t < f => s[f],
                        (_, Some(l)) => s[l],
                        _ => None,
                    };
                }
            }
        }
        let s: Vec<f64> = s.into_iter().map(|v| v.unwrap_or(self.neutral())).collect();
        let norm = fill_ends(&centred_ma(&s, p));
        s.iter()
            .zip(norm)
            .map(|(v, c)| self.remove(*v, c))
            .collect()
    }

    fn neutral(&self) -> f64 {
        match self.kind {
            Kind::Mult => 1.0,
            Kind::Add => 0.0,
        }
    }

    /// The seasonally adjusted series.
    pub(crate) fn adjust(&self, y: &[f64], p: usize) -> Vec<f64> {
        let n = y.len();
        // B: first trend and seasonal (3x3).
        let t1 = centred_ma(y, p);
        let si1: Vec<Option<f64>> = y
            .iter()
            .zip(&t1)
            .map(|(v, t)| t.map(|t| self.remove(*v, t)))
            .collect();
        let s33 = [1.0, 2.0, 3.0, 2.0, 1.0];
        let s1 = self.seasonal(&si1, p, &s33);
        let a1: Vec<f64> = y
            .iter()
            .zip(&s1)
            .map(|(v, s)| self.remove(*v, *s))
            .collect();
        // C: Henderson trend and seasonal (3x5).
        let len = if p.is_multiple_of(2) { p + 1 } else { p };
        let t2 = henderson_trend(&a1, len.min(if n.is_multiple_of(2) { n - 1 } else { n }), p);
        let si2: Vec<Option<f64>> = y
            .iter()
            .zip(&t2)
            .map(|(v, t)| Some(self.remove(*v, *t)))
            .collect();
        let s35 = [1.0, 2.0, 3.0, 3.0, 3.0, 2.0, 1.0];
        let s2 = self.seasonal(&si2, p, &s35);
        y.iter()
            .zip(&s2)
            .map(|(v, s)| self.remove(*v, *s))
            .collect()
    }
}

impl super::Command for X11 {
    /// Writes the seasonally adjusted value to each result with a number.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let mut rows = collect(input)?;
        let idx: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].get(&self.field).and_then(single_number).is_some())
            .collect();
        let y: Vec<f64> = idx
            .iter()
            .filter_map(|&i| rows[i].get(&self.field).and_then(single_number))
            .collect();
        if y.is_empty() {
            return Err(self.fail(format!("no numeric values of `{}`", self.field)));
        }
        if self.kind == Kind::Mult && y.iter().any(|v| *v <= 0.0 || !v.is_finite()) {
            return Err(self.fail(format!(
                "mult() needs positive values and `{}` has a value of 0 or less; use add()",
                self.field
            )));
        }
        let period = match self.period {
            Some(p) => p,
            None => {
                let opt: Vec<Option<f64>> = y.iter().copied().map(Some).collect();
                match crate::commands::predict::find_period(&opt) {
                    Some(p) if (MIN_PERIOD..=MAX_PERIOD).contains(&p) => p,
                    Some(p) => {
                        return Err(self.fail(format!(
                            "the period found in `{}` is {p}, outside 5 to 1000; give one, e.g. `mult7({})`",
                            self.field, self.field
                        )))
                    }
                    None => {
                        return Err(self.fail(format!(
                            "no period found in `{}`; give one, e.g. `mult7({})`",
                            self.field, self.field
                        )))
                    }
                }
            }
        };
        if y.len() < 3 * period {
            return Err(self.fail(format!(
                "`{}` has {} values; the period {period} needs at least three periods ({})",
                self.field,
                y.len(),
                3 * period
            )));
        }
        let sa = self.adjust(&y, period);
        for (&i, v) in idx.iter().zip(sa) {
            rows[i].set(self.out.clone(), Value::Num(v));
        }
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// The registry entries of `x11`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "x11",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn x11(kind: Kind) -> X11 {
        X11 {
            kind,
            period: None,
            field: "x".into(),
            out: "sa".into(),
            span: Span::default(),
        }
    }

    #[test]
    fn henderson_weights_are_the_published_ones() {
        // The 13-term weights X-11 uses for monthly data.
        let w = henderson(13);
        let want = [-0.01935, -0.02786, 0.0, 0.06549, 0.14736, 0.21434, 0.24006];
        for (a, b) in w.iter().zip(want) {
            assert!((a - b).abs() < 5e-5, "{w:?}");
        }
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let w5 = henderson(5);
        for (a, b) in w5.iter().zip([-0.073, 0.294, 0.559]) {
            assert!((a - b).abs() < 5e-4, "{w5:?}");
        }
    }

    #[test]
    fn centred_averages() {
        let ma = centred_ma(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 4);
        // 2x4: (1/2*1 + 2 + 3 + 4 + 1/2*5) / 4 = 3
        assert_eq!(ma, [None, None, Some(3.0), Some(4.0), None, None]);
        let ma = centred_ma(&[1.0, 2.0, 6.0], 3);
        assert_eq!(ma, [None, Some(3.0), None]);
    }

    #[test]
    fn additive_season_on_a_line_leaves_the_line() {
        let season = [3.0, -1.0, 4.0, -2.0, -4.0];
        let y: Vec<f64> = (0..30)
            .map(|t| 10.0 + 0.5 * t as f64 + season[t % 5])
            .collect();
        let sa = x11(Kind::Add).adjust(&y, 5);
        for (t, v) in sa.iter().enumerate() {
            assert!((v - (10.0 + 0.5 * t as f64)).abs() < 1e-9, "{t}: {v}");
        }
    }

    #[test]
    fn multiplicative_season_on_a_level_leaves_the_level() {
        let season = [1.2, 0.9, 1.1, 0.8, 1.0, 1.0];
        let y: Vec<f64> = (0..36).map(|t| 50.0 * season[t % 6]).collect();
        let sa = x11(Kind::Mult).adjust(&y, 6);
        for v in &sa {
            assert!((v - 50.0).abs() < 1e-9, "{sa:?}");
        }
    }

    #[test]
    fn terms_parse() {
        let s = Span::default();
        assert_eq!(
            parse_term("mult15(count)", s).expect("parses"),
            (Kind::Mult, Some(15), "count".to_string())
        );
        assert_eq!(
            parse_term("add20(count)", s).expect("parses"),
            (Kind::Add, Some(20), "count".to_string())
        );
        assert_eq!(
            parse_term("15(count)", s).expect("parses"),
            (Kind::Mult, Some(15), "count".to_string())
        );
        assert_eq!(
            parse_term("add(count)", s).expect("parses"),
            (Kind::Add, None, "count".to_string())
        );
        assert_eq!(
            parse_term("count", s).expect("parses"),
            (Kind::Mult, None, "count".to_string())
        );
        assert!(parse_term("mult4(count)", s).is_err());
        assert!(parse_term("sub7(count)", s).is_err());
        assert!(parse_term("mult7()", s).is_err());
    }
}
