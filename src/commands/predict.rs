//! `predict`: forecasts of time series (one result per time bucket, as
//! `timechart` gives them) with Kalman-filter state-space models.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/predict>:
//! `predict <field-list> [AS <newfield>] [<predict_options>]`, options
//! `algorithm=LL|LLT|LLP|LLP5|LLB|BiLL` (default LLP5), `correlate=<field>`
//! (LLB only, required there), `future_timespan=<num>` (default 5),
//! `holdback=<num>` (default 0), `period=<num>` (at least 2),
//! `suppress=<field>`, `lower<int>=<name>` and `upper<int>=<name>` (the
//! confidence level in percent, default 95). Output per predicted field X:
//! `prediction(X)` (or the `AS` name), `upper95(prediction(X))` and
//! `lower95(prediction(X))`; a `upper90=high` level names the bound
//! `high(<prediction name>)`. Options after a field apply to the fields
//! listed before them since the previous options; a field after options
//! starts a new group (`predict foo1 algorithm=LL foo2 algorithm=LLP
//! period=7`, the page's example 10).
//!
//! Rows: the series runs from the first result with a number in one of the
//! group's fields; `holdback=h` leaves its last h values out of the model;
//! predictions are written to the first `n - h + future_timespan` results of
//! the series, results being appended (with only `_time` and the
//! predictions) when that passes the last one, `_time` continuing by the
//! step between the last two results. The models, their parameters and
//! what an in-sample row shows are spelunk's (the page names the model
//! families but gives no equations), set out in docs/semantics.md
//! ("predict"): Durbin & Koopman's local level, local linear trend and
//! seasonal local level models with exact diffuse initialisation, variance
//! ratios by maximum of the concentrated diffuse likelihood.

use crate::commands::accum::single_number;
use crate::commands::common::{at_option, bad, collect, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// A forecasting algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Local level.
    Ll,
    /// Local level with trend.
    Llt,
    /// Seasonal local level.
    Llp,
    /// LLT and LLP combined (the default).
    Llp5,
    /// Bivariate local level predicting one series from another.
    Llb,
    /// Bivariate local level predicting two series together.
    Bill,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Ll => "LL",
            Algorithm::Llt => "LLT",
            Algorithm::Llp => "LLP",
            Algorithm::Llp5 => "LLP5",
            Algorithm::Llb => "LLB",
            Algorithm::Bill => "BiLL",
        }
    }

    fn parse(text: &str) -> Option<Algorithm> {
        // The page spells them in capitals (BiLL mixed); Splunk's option
        // values are matched as written, we accept any case.
        Some(match text.to_ascii_uppercase().as_str() {
            "LL" => Algorithm::Ll,
            "LLT" => Algorithm::Llt,
            "LLP" => Algorithm::Llp,
            "LLP5" => Algorithm::Llp5,
            "LLB" => Algorithm::Llb,
            "BILL" => Algorithm::Bill,
            _ => return None,
        })
    }
}

/// One predicted field.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The field predicted.
    pub field: String,
    /// The prediction's field name (`prediction(<field>)` or the `AS` name).
    pub name: String,
}

/// A confidence bound: its level in percent and the name wrapping the
/// prediction field.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// The confidence level, 0 to under 100.
    pub level: f64,
    /// `upper95` by default; the option's value when given.
    pub label: String,
}

/// Fields predicted together with one set of options.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The fields.
    pub targets: Vec<Target>,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// How many results past the model's data are predicted.
    pub future_timespan: usize,
    /// How many trailing values are left out of the model.
    pub holdback: usize,
    /// The seasonal period in results (LLP, LLP5), found when `None`.
    pub period: Option<usize>,
    /// The upper bound.
    pub upper: Bound,
    /// The lower bound.
    pub lower: Bound,
    /// A field whose predictions are not written.
    pub suppress: Option<String>,
    /// The series LLB predicts from.
    pub correlate: Option<String>,
}

/// `predict foo AS foobar algorithm=LL upper90=high lower97=low`.
#[derive(Debug, Clone, PartialEq)]
pub struct Predict {
    /// The groups, computed one after the other.
    pub groups: Vec<Group>,
    /// The command's span, for runtime errors.
    pub span: Span,
}

const C: &str = "predict";

/// The most future rows one group may add (spelunk's limit, so a typo
/// cannot ask for billions of rows).
const MAX_FUTURE: usize = 1_000_000;

fn new_group() -> Group {
    Group {
        targets: Vec::new(),
        algorithm: Algorithm::Llp5,
        future_timespan: 5,
        holdback: 0,
        period: None,
        upper: Bound {
            level: 95.0,
            label: "upper95".into(),
        },
        lower: Bound {
            level: 95.0,
            label: "lower95".into(),
        },
        suppress: None,
        correlate: None,
    }
}

/// `upper90` -> 90, for `upper<int>` / `lower<int>` keys.
fn level_of(key: &str, prefix: &str, span: Span) -> Result<Option<f64>> {
    let Some(digits) = key.strip_prefix(prefix) else {
        return Ok(None);
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let level: f64 = digits
        .parse()
        .map_err(|_| bad(C, format!("`{key}`: the level must be a number"), span))?;
    if !(0.0..100.0).contains(&level) {
        return Err(bad(
            C,
            format!("`{key}`: the confidence level must be between 0 and 100 (below 100)"),
            span,
        ));
    }
    Ok(Some(level))
}

/// Parses `predict`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut groups: Vec<Group> = Vec::new();
    let mut current = new_group();
    let mut had_options = false;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            if current.targets.is_empty() {
                return Err(bad(
                    C,
                    format!("option `{key}` comes before any field to predict"),
                    span,
                ));
            }
            had_options = true;
            match key.as_str() {
                "algorithm" => {
                    current.algorithm = Algorithm::parse(&value).ok_or_else(|| {
                        bad(
                            C,
                            format!(
                                "unknown algorithm `{value}` (expected LL, LLT, LLP, LLP5, LLB or BiLL)"
                            ),
                            span,
                        )
                    })?;
                }
                "future_timespan" => {
                    let n = count_opt(C, &key, &value, span)?;
                    if n > MAX_FUTURE {
                        return Err(bad(
                            C,
                            format!("`future_timespan` is at most {MAX_FUTURE} (found {n})"),
                            span,
                        ));
                    }
                    current.future_timespan = n;
                }
                "holdback" => current.holdback = count_opt(C, &key, &value, span)?,
                "period" => {
                    let n = count_opt(C, &key, &value, span)?;
                    if n < 2 {
                        return Err(bad(C, "`period` must be at least 2", span));
                    }
                    current.period = Some(n);
                }
                "suppress" => current.suppress = Some(value),
                "correlate" | "correlate_field" => current.correlate = Some(value),
                _ => {
                    if let Some(level) = level_of(&key, "upper", span)? {
                        current.upper = Bound {
                            level,
                            label: value,
                        };
                    } else if let Some(level) = level_of(&key, "lower", span)? {
                        current.lower = Bound {
                            level,
                            label: value,
                        };
                    } else {
                        return Err(unknown_option(C, &key, span));
                    }
                }
            }
            continue;
        }
        if p.eat(&crate::syntax::lexer::Tok::Comma) {
            continue;
        }
        if had_options {
            groups.push(std::mem::replace(&mut current, new_group()));
            had_options = false;
        }
        let (field, _) = p.field_name("a field to predict")?;
        let name = if p.eat_keyword("as") {
            p.field_name("a new field name after AS")?.0
        } else {
            format!("prediction({field})")
        };
        current.targets.push(Target { field, name });
    }
    if !current.targets.is_empty() {
        groups.push(current);
    }
    if groups.is_empty() {
        return Err(bad(
            C,
            "at least one field to predict is required",
            name_span,
        ));
    }
    for g in &groups {
        check_group(g, name_span)?;
    }
    Ok(CommandArgs::Predict(Predict {
        groups,
        span: name_span,
    }))
}

fn check_group(g: &Group, span: Span) -> Result<()> {
    match g.algorithm {
        Algorithm::Llb => {
            if g.correlate.is_none() {
                return Err(bad(
                    C,
                    "algorithm=LLB needs `correlate=<field>`, the series it predicts from",
                    span,
                ));
            }
            if g.targets.len() != 1 {
                return Err(bad(C, "algorithm=LLB predicts exactly one field", span));
            }
        }
        Algorithm::Bill if g.targets.len() != 2 => {
            return Err(bad(
                C,
                "algorithm=BiLL predicts exactly two fields together",
                span,
            ));
        }
        _ => {}
    }
    if g.correlate.is_some() && g.algorithm != Algorithm::Llb {
        return Err(bad(
            C,
            format!(
                "`correlate` is used by algorithm=LLB only, not {}",
                g.algorithm.name()
            ),
            span,
        ));
    }
    if let Some(s) = &g.suppress {
        if !g.targets.iter().any(|t| &t.field == s || &t.name == s) {
            return Err(bad(
                C,
                format!("`suppress={s}` names none of the predicted fields"),
                span,
            ));
        }
    }
    Ok(())
}

/// A prediction: its mean and variance (in the data's units squared).
type Estimate = Option<(f64, f64)>;

/// The inverse of the standard normal distribution function (Acklam's
/// rational approximation, relative error below 1.2e-9).
pub(crate) fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const CC: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((CC[0] * q + CC[1]) * q + CC[2]) * q + CC[3]) * q + CC[4]) * q + CC[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// The two-sided multiplier of a confidence level in percent (95 -> 1.96).
fn z_of(level: f64) -> f64 {
    normal_quantile(0.5 + level / 200.0)
}

// ---------------------------------------------------------------------
// Models. Every filter runs in units of the observation noise variance
// (sigma^2 = 1); the concentrated likelihood gives sigma^2 afterwards.
// ---------------------------------------------------------------------

/// What one filter run gives: the sums of the concentrated likelihood and
/// each row's (filtered level, variance in sigma^2 units).
struct Run {
    /// Sum of v^2/F over the informative innovations (per series for
    /// several series: the matrix sum, see [`ll_multi`]).
    sumsq: Vec<f64>,
    /// Sum of log F over the same innovations.
    sumlog: f64,
    /// How many innovations.
    m: usize,
    /// Per series, per row (data and forecast rows): level and variance.
    out: Vec<Vec<Estimate>>,
}

/// The log-likelihood to minimise, concentrated over sigma^2 (Durbin &
/// Koopman 2012, 2.10.2): `m log(sigma^2) + sum log F`, generalised to k
/// series sharing gains with `log det` of their innovation covariance.
fn objective(run: &Run, k: usize) -> f64 {
    if run.m == 0 {
        return 0.0;
    }
    let m = run.m as f64;
    let det = if k == 1 {
        run.sumsq[0] / m
    } else {
        // sumsq holds [s11, s12, s22] for two series.
        (run.sumsq[0] * run.sumsq[2] - run.sumsq[1] * run.sumsq[1]) / (m * m)
    };
    if det <= 0.0 || !det.is_finite() {
        // A perfect fit: any ratio explains the data; prefer the smallest
        // prediction-error variances.
        return k as f64 * run.sumlog;
    }
    m * det.ln() + k as f64 * run.sumlog
}

/// The local level model for one or more series sharing the signal-to-noise
/// ratio `q` (for several series, the homogeneous model: the gains are the
/// same, rows missing any series are treated as missing). Rows from the
/// first present one; `future` forecast rows after the data.
fn ll_multi(ys: &[&[Option<f64>]], q: f64, future: usize) -> Run {
    let n = ys.first().map_or(0, |y| y.len());
    let k = ys.len();
    let present = |t: usize| -> Option<Vec<f64>> { ys.iter().map(|y| y[t]).collect() };
    let mut out: Vec<Vec<Estimate>> = vec![vec![None; n + future]; k];
    let mut sums = vec![0.0; if k == 1 { 1 } else { 3 }];
    let mut sumlog = 0.0;
    let mut m = 0usize;
    let Some(start) = (0..n).find(|&t| present(t).is_some()) else {
        return Run {
            sumsq: sums,
            sumlog,
            m,
            out,
        };
    };
    // Exact diffuse start: a_1|1 = y_1 with error variance 1 (one sigma^2).
    let mut a: Vec<f64> = present(start).unwrap_or_default();
    let mut p_filt = 1.0;
    for (s, series) in out.iter_mut().enumerate() {
        series[start] = Some((a[s], p_filt + 1.0));
    }
    for t in start + 1..n {
        let p = p_filt + q;
        match present(t) {
            Some(y) => {
                let f = p + 1.0;
                let gain = p / f;
                let v: Vec<f64> = y.iter().zip(&a).map(|(y, a)| y - a).collect();
                if k == 1 {
                    sums[0] += v[0] * v[0] / f;
                } else {
                    sums[0] += v[0] * v[0] / f;
                    sums[1] += v[0] * v[1] / f;
                    sums[2] += v[1] * v[1] / f;
                }
                sumlog += f.ln();
                m += 1;
                for (a, v) in a.iter_mut().zip(&v) {
                    *a += gain * v;
                }
                p_filt = p - gain * p;
            }
            None => p_filt = p,
        }
        for (s, series) in out.iter_mut().enumerate() {
            series[t] = Some((a[s], p_filt + 1.0));
        }
    }
    let mut p = p_filt;
    for j in 0..future {
        p += q;
        for (s, series) in out.iter_mut().enumerate() {
            series[n + j] = Some((a[s], p + 1.0));
        }
    }
    Run {
        sumsq: sums,
        sumlog,
        m,
        out,
    }
}

/// The local linear trend model (level and slope, each a random walk with
/// variance ratios `q1`, `q2`), exactly initialised from the first two
/// consecutive values; rows before the second of them get no estimate.
fn llt_run(y: &[Option<f64>], q1: f64, q2: f64, future: usize) -> Run {
    let n = y.len();
    let mut out: Vec<Estimate> = vec![None; n + future];
    let mut sumsq = 0.0;
    let mut sumlog = 0.0;
    let mut m = 0usize;
    let start = (0..n.saturating_sub(1)).find(|&t| y[t].is_some() && y[t + 1].is_some());
    let (Some(s), true) = (start, n >= 2) else {
        return Run {
            sumsq: vec![0.0],
            sumlog,
            m,
            out: vec![out],
        };
    };
    let (y0, y1) = (y[s].unwrap_or(0.0), y[s + 1].unwrap_or(0.0));
    // Filtered at s+1: level y1 (error -eps), slope y1 - y0.
    let mut a = [y1, y1 - y0];
    let mut pf = [[1.0, 1.0], [1.0, 2.0 + q1 + q2]];
    out[s + 1] = Some((a[0], pf[0][0] + 1.0));
    let predict = |a: [f64; 2], pf: [[f64; 2]; 2]| {
        let a = [a[0] + a[1], a[1]];
        let p00 = pf[0][0] + 2.0 * pf[0][1] + pf[1][1] + q1;
        let p01 = pf[0][1] + pf[1][1];
        let p11 = pf[1][1] + q2;
        (a, [[p00, p01], [p01, p11]])
    };
    for t in s + 2..n {
        let (ap, pp) = predict(a, pf);
        a = ap;
        pf = pp;
        if let Some(obs) = y[t] {
            let f = pp[0][0] + 1.0;
            let v = obs - ap[0];
            let k0 = pp[0][0] / f;
            let k1 = pp[1][0] / f;
            a = [ap[0] + k0 * v, ap[1] + k1 * v];
            pf = [
                [pp[0][0] - k0 * k0 * f, pp[0][1] - k0 * k1 * f],
                [pp[1][0] - k1 * k0 * f, pp[1][1] - k1 * k1 * f],
            ];
            sumsq += v * v / f;
            sumlog += f.ln();
            m += 1;
        }
        out[t] = Some((a[0], pf[0][0] + 1.0));
    }
    for j in 0..future {
        let (ap, pp) = predict(a, pf);
        a = ap;
        pf = pp;
        out[n + j] = Some((a[0], pf[0][0] + 1.0));
    }
    Run {
        sumsq: vec![sumsq],
        sumlog,
        m,
        out: vec![out],
    }
}

/// The seasonal local level model with period `period`: each phase of the
/// cycle is its own local level, all sharing `q` and sigma^2.
fn llp_run(y: &[Option<f64>], period: usize, q: f64, future: usize) -> Run {
    let n = y.len();
    let mut out: Vec<Estimate> = vec![None; n + future];
    let mut sumsq = 0.0;
    let mut sumlog = 0.0;
    let mut m = 0;
    for phase in 0..period.min(n) {
        let sub: Vec<Option<f64>> = y.iter().skip(phase).step_by(period).copied().collect();
        let last = phase + (sub.len().saturating_sub(1)) * period;
        // Forecast rows of this phase: last + period, last + 2 period, ...
        let ahead = (n + future).saturating_sub(last + 1).div_ceil(period);
        let run = ll_multi(&[&sub], q, ahead);
        sumsq += run.sumsq[0];
        sumlog += run.sumlog;
        m += run.m;
        for (i, est) in run.out[0].iter().enumerate() {
            let t = phase + i * period;
            if t < n + future {
                out[t] = *est;
            }
        }
    }
    Run {
        sumsq: vec![sumsq],
        sumlog,
        m,
        out: vec![out],
    }
}

/// Minimises `f` over `psi` in [-12, 6] (q = e^psi): a grid, then golden
/// section search around its best point.
fn minimise_1d(f: impl Fn(f64) -> f64) -> f64 {
    let (lo, hi, step) = (-12.0_f64, 6.0_f64, 0.5_f64);
    let mut best = (lo, f(lo));
    let mut x = lo + step;
    while x <= hi + 1e-9 {
        let v = f(x);
        if v < best.1 {
            best = (x, v);
        }
        x += step;
    }
    let (mut a, mut b) = ((best.0 - step).max(lo), (best.0 + step).min(hi));
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..40 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    let mid = (a + b) / 2.0;
    if f(mid) <= best.1 {
        mid
    } else {
        best.0
    }
}

/// Minimises `f` over (psi1, psi2) in [-12, 6]^2: a grid, then a pattern
/// search (coordinate steps, halved when none improves).
fn minimise_2d(f: impl Fn(f64, f64) -> f64) -> (f64, f64) {
    let (lo, hi, step) = (-12.0_f64, 6.0_f64, 1.5_f64);
    let mut best = (lo, lo, f(lo, lo));
    let mut x = lo;
    while x <= hi + 1e-9 {
        let mut y = lo;
        while y <= hi + 1e-9 {
            let v = f(x, y);
            if v < best.2 {
                best = (x, y, v);
            }
            y += step;
        }
        x += step;
    }
    let mut h = step / 2.0;
    while h > 1e-4 {
        let mut improved = false;
        for (dx, dy) in [(h, 0.0), (-h, 0.0), (0.0, h), (0.0, -h)] {
            let (nx, ny) = ((best.0 + dx).clamp(lo, hi), (best.1 + dy).clamp(lo, hi));
            let v = f(nx, ny);
            if v < best.2 {
                best = (nx, ny, v);
                improved = true;
            }
        }
        if !improved {
            h /= 2.0;
        }
    }
    (best.0, best.1)
}

/// Scales a run's variances by sigma^2 = sumsq/m (one series).
fn scaled(run: Run) -> Vec<Estimate> {
    let sigma2 = if run.m > 0 {
        run.sumsq[0] / run.m as f64
    } else {
        0.0
    };
    run.out
        .into_iter()
        .next()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.map(|(a, p)| (a, p * sigma2)))
        .collect()
}

fn fit_ll(y: &[Option<f64>], future: usize) -> Vec<Estimate> {
    let psi = minimise_1d(|psi| objective(&ll_multi(&[y], psi.exp(), 0), 1));
    scaled(ll_multi(&[y], psi.exp(), future))
}

fn fit_llt(y: &[Option<f64>], future: usize) -> Vec<Estimate> {
    let (p1, p2) = minimise_2d(|a, b| objective(&llt_run(y, a.exp(), b.exp(), 0), 1));
    scaled(llt_run(y, p1.exp(), p2.exp(), future))
}

fn fit_llp(y: &[Option<f64>], period: usize, future: usize) -> Vec<Estimate> {
    let psi = minimise_1d(|psi| objective(&llp_run(y, period, psi.exp(), 0), 1));
    scaled(llp_run(y, period, psi.exp(), future))
}

/// LLT and LLP combined: weights inversely proportional to the variances,
/// and the variance the same weighted average of the two (the page's
/// "weighted average of the variances").
fn combine(a: Estimate, b: Estimate) -> Estimate {
    match (a, b) {
        (Some((m1, v1)), Some((m2, v2))) => {
            if v1 + v2 <= 0.0 {
                Some(((m1 + m2) / 2.0, 0.0))
            } else {
                let w1 = v2 / (v1 + v2);
                let w2 = 1.0 - w1;
                Some((w1 * m1 + w2 * m2, w1 * v1 + w2 * v2))
            }
        }
        (x, None) | (None, x) => x,
    }
}

/// Missing values filled by linear interpolation between their neighbours
/// (the nearest value at the ends), for finding the period.
fn filled(y: &[Option<f64>]) -> Vec<f64> {
    let known: Vec<(usize, f64)> = y
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let Some(&(first_i, first_v)) = known.first() else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(y.len());
    let mut k = 0;
    for i in 0..y.len() {
        while k + 1 < known.len() && known[k + 1].0 <= i {
            k += 1;
        }
        let v = if i <= first_i {
            first_v
        } else if let Some(&(j, vj)) = known.get(k + 1) {
            let (i0, v0) = known[k];
            v0 + (vj - v0) * (i - i0) as f64 / (j - i0) as f64
        } else {
            known[k].1
        };
        out.push(v);
    }
    out
}

/// The period of a series from its sample autocorrelations (after removing
/// its least-squares line) up to half its length: the lags that are local peaks above the 95% white-noise bound
/// 1.96/sqrt(n) are candidates, and the smallest candidate within 90% of
/// the highest is the period (its multiples peak too). `None`: no period.
pub(crate) fn find_period(y: &[Option<f64>]) -> Option<usize> {
    let x = filled(y);
    let n = x.len();
    if n < 4 {
        return None;
    }
    // Detrended by the least-squares line, so a trend does not hide the
    // cycle; a straight line (to rounding) has no period.
    let (a, b) = crate::commands::x11::line(&x);
    let size = x.iter().map(|v| v.abs()).fold(0.0, f64::max);
    let x: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, v)| v - (a + b * i as f64))
        .collect();
    if x.iter().all(|v| v.abs() <= 1e-9 * (1.0 + size)) {
        return None;
    }
    let c0: f64 = x.iter().map(|v| v * v).sum();
    let max_lag = n / 2;
    let acf: Vec<f64> = (0..=max_lag + 1)
        .map(|k| {
            if k >= n {
                return 0.0;
            }
            (0..n - k).map(|i| x[i] * x[i + k]).sum::<f64>() / c0
        })
        .collect();
    let bound = 1.96 / (n as f64).sqrt();
    let peaks: Vec<(usize, f64)> = (2..=max_lag)
        .filter(|&k| acf[k] > acf[k - 1] && acf[k] >= acf[k + 1] && acf[k] > bound)
        .map(|k| (k, acf[k]))
        .collect();
    let top = peaks.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    peaks.iter().find(|p| p.1 >= 0.9 * top).map(|p| p.0)
}

/// The count of values present.
fn present(y: &[Option<f64>]) -> usize {
    y.iter().filter(|v| v.is_some()).count()
}

/// Whether a field counts things, so its lower bound is kept at 0: `c`,
/// `count`, `dc`, `distinct_count` or `estdc`, alone or as `count(...)`.
fn is_count(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let head = lower.split('(').next().unwrap_or("");
    matches!(head, "c" | "count" | "dc" | "distinct_count" | "estdc")
        && (lower == head || lower.starts_with(&format!("{head}(")))
}

impl Predict {
    fn fail(&self, message: String) -> Error {
        Error::Runtime {
            message: format!("predict: {message}"),
            span: Some(self.span),
        }
    }

    fn series(rows: &[Event], field: &str, from: usize, to: usize) -> Vec<Option<f64>> {
        rows[from..to]
            .iter()
            .map(|e| e.get(field).and_then(single_number))
            .collect()
    }

    fn too_few(&self, g: &Group, field: &str, have: usize, need: usize) -> Error {
        let hold = if g.holdback > 0 {
            format!(" after holdback={}", g.holdback)
        } else {
            String::new()
        };
        self.fail(format!(
            "too few data points for `{field}`: {have}{hold}; algorithm={} needs at least {need}",
            g.algorithm.name()
        ))
    }

    /// Each target's estimates for the rows of the series (model data,
    /// then forecasts).
    fn estimates(
        &self,
        g: &Group,
        data: &[Vec<Option<f64>>],
        corr: Option<&[Option<f64>]>,
        future: usize,
    ) -> Result<Vec<Vec<Estimate>>> {
        let mut all = Vec::new();
        match g.algorithm {
            Algorithm::Ll | Algorithm::Llt | Algorithm::Llp | Algorithm::Llp5 => {
                for (t, y) in g.targets.iter().zip(data) {
                    let have = present(y);
                    let est = match g.algorithm {
                        Algorithm::Ll => {
                            if have < 2 {
                                return Err(self.too_few(g, &t.field, have, 2));
                            }
                            fit_ll(y, future)
                        }
                        Algorithm::Llt => {
                            if have < 3 {
                                return Err(self.too_few(g, &t.field, have, 3));
                            }
                            fit_llt(y, future)
                        }
                        Algorithm::Llp => {
                            let period = match g.period.or_else(|| find_period(y)) {
                                Some(p) => p,
                                None => {
                                    return Err(self.fail(format!(
                                    "algorithm=LLP: `{}` shows no period (give one with period=)",
                                    t.field
                                )))
                                }
                            };
                            if y.len() < 2 * period {
                                return Err(self.fail(format!(
                                    "algorithm=LLP: `{}` has {} data points, fewer than twice the period {period}",
                                    t.field,
                                    y.len()
                                )));
                            }
                            fit_llp(y, period, future)
                        }
                        _ => {
                            if have < 3 {
                                return Err(self.too_few(g, &t.field, have, 3));
                            }
                            let trend = fit_llt(y, future);
                            match g.period.or_else(|| find_period(y)) {
                                Some(p) if y.len() >= 2 * p => {
                                    let seasonal = fit_llp(y, p, future);
                                    trend
                                        .into_iter()
                                        .zip(seasonal)
                                        .map(|(a, b)| combine(a, b))
                                        .collect()
                                }
                                _ => trend,
                            }
                        }
                    };
                    all.push(est);
                }
            }
            Algorithm::Bill => {
                let (a, b) = (&data[0], &data[1]);
                let both = a.iter().zip(b).filter(|(x, y)| x.is_some() && y.is_some());
                let have = both.count();
                if have < 2 {
                    return Err(self.too_few(g, &g.targets[0].field, have, 2));
                }
                let ys: [&[Option<f64>]; 2] = [a, b];
                let psi = minimise_1d(|psi| objective(&ll_multi(&ys, psi.exp(), 0), 2));
                let run = ll_multi(&ys, psi.exp(), future);
                let m = run.m.max(1) as f64;
                let scale = [run.sumsq[0] / m, run.sumsq[2] / m];
                for (s, series) in run.out.into_iter().enumerate() {
                    all.push(
                        series
                            .into_iter()
                            .map(|e| e.map(|(a, p)| (a, p * scale[s])))
                            .collect(),
                    );
                }
            }
            Algorithm::Llb => {
                let x = &data[0];
                let y = corr.unwrap_or(&[]);
                all.push(self.llb(g, x, y)?);
            }
        }
        Ok(all)
    }

    /// LLB: the homogeneous bivariate local level of the target and the
    /// correlated series, fitted where both are known; then a bivariate
    /// Kalman filter over every row, the target's value missing in the
    /// held-back rows, so the correlated series carries the prediction.
    fn llb(&self, g: &Group, x: &[Option<f64>], y: &[Option<f64>]) -> Result<Vec<Estimate>> {
        let field = &g.targets[0].field;
        let n_fit = x.len();
        let yfit = &y[..n_fit.min(y.len())];
        let have = x
            .iter()
            .zip(yfit)
            .filter(|(a, b)| a.is_some() && b.is_some())
            .count();
        if have < 2 {
            return Err(self.too_few(g, field, have, 2));
        }
        let ys: [&[Option<f64>]; 2] = [x, yfit];
        let psi = minimise_1d(|psi| objective(&ll_multi(&ys, psi.exp(), 0), 2));
        let q = psi.exp();
        let fit = ll_multi(&ys, q, 0);
        let m = fit.m.max(1) as f64;
        let h = [
            [fit.sumsq[0] / m, fit.sumsq[1] / m],
            [fit.sumsq[1] / m, fit.sumsq[2] / m],
        ];
        let n = y.len();
        let obs = |t: usize| -> [Option<f64>; 2] {
            [
                if t < x.len() { x[t] } else { None },
                y.get(t).copied().flatten(),
            ]
        };
        let mut out = vec![None; n];
        let Some(start) = (0..n).find(|&t| obs(t).iter().all(Option::is_some)) else {
            return Ok(out);
        };
        let o = obs(start);
        let mut a = [o[0].unwrap_or(0.0), o[1].unwrap_or(0.0)];
        let mut p = h;
        out[start] = Some((a[0], p[0][0] + h[0][0]));
        for (t, slot) in out.iter_mut().enumerate().skip(start + 1) {
            for (i, row) in p.iter_mut().enumerate() {
                for (j, cell) in row.iter_mut().enumerate() {
                    *cell += q * h[i][j];
                }
            }
            let o = obs(t);
            match o {
                [Some(ox), Some(oy)] => {
                    let f = [
                        [p[0][0] + h[0][0], p[0][1] + h[0][1]],
                        [p[1][0] + h[1][0], p[1][1] + h[1][1]],
                    ];
                    let det = f[0][0] * f[1][1] - f[0][1] * f[1][0];
                    if det.abs() > 1e-300 {
                        let fi = [
                            [f[1][1] / det, -f[0][1] / det],
                            [-f[1][0] / det, f[0][0] / det],
                        ];
                        // K = P F^-1
                        let k = [
                            [
                                p[0][0] * fi[0][0] + p[0][1] * fi[1][0],
                                p[0][0] * fi[0][1] + p[0][1] * fi[1][1],
                            ],
                            [
                                p[1][0] * fi[0][0] + p[1][1] * fi[1][0],
                                p[1][0] * fi[0][1] + p[1][1] * fi[1][1],
                            ],
                        ];
                        let v = [ox - a[0], oy - a[1]];
                        a = [
                            a[0] + k[0][0] * v[0] + k[0][1] * v[1],
                            a[1] + k[1][0] * v[0] + k[1][1] * v[1],
                        ];
                        // P - K P
                        let kp = [
                            [
                                k[0][0] * p[0][0] + k[0][1] * p[1][0],
                                k[0][0] * p[0][1] + k[0][1] * p[1][1],
                            ],
                            [
                                k[1][0] * p[0][0] + k[1][1] * p[1][0],
                                k[1][0] * p[0][1] + k[1][1] * p[1][1],
                            ],
                        ];
                        for i in 0..2 {
                            for j in 0..2 {
                                p[i][j] -= kp[i][j];
                            }
                        }
                    }
                }
                [None, Some(oy)] | [Some(oy), None] => {
                    let i = if o[1].is_some() { 1 } else { 0 };
                    let f = p[i][i] + h[i][i];
                    if f > 1e-300 {
                        let k = [p[0][i] / f, p[1][i] / f];
                        let v = oy - a[i];
                        a = [a[0] + k[0] * v, a[1] + k[1] * v];
                        for r in 0..2 {
                            for c in 0..2 {
                                p[r][c] -= k[r] * k[c] * f;
                            }
                        }
                    }
                }
                [None, None] => {}
            }
            *slot = Some((a[0], p[0][0] + h[0][0]));
        }
        Ok(out)
    }

    fn run_group(&self, g: &Group, rows: &mut Vec<Event>, n0: usize) -> Result<()> {
        let is_num = |e: &Event, f: &str| e.get(f).and_then(single_number).is_some();
        let Some(beginning) =
            (0..n0).find(|&i| g.targets.iter().any(|t| is_num(&rows[i], &t.field)))
        else {
            let names: Vec<&str> = g.targets.iter().map(|t| t.field.as_str()).collect();
            return Err(self.fail(format!(
                "no numeric values of `{}` to predict",
                names.join("`, `")
            )));
        };
        let numvals = n0 - beginning;
        if g.holdback >= numvals {
            return Err(self.fail(format!(
                "holdback={} leaves no data points of the {numvals}",
                g.holdback
            )));
        }
        let data_end = numvals - g.holdback;
        let (future, ext) = if g.algorithm == Algorithm::Llb {
            (0, numvals)
        } else {
            (g.future_timespan, data_end + g.future_timespan)
        };
        let data: Vec<Vec<Option<f64>>> = g
            .targets
            .iter()
            .map(|t| Self::series(rows, &t.field, beginning, beginning + data_end))
            .collect();
        let corr = g
            .correlate
            .as_ref()
            .map(|c| Self::series(rows, c, beginning, n0));
        if let Some(c) = &corr {
            if present(c) == 0 {
                return Err(self.fail(format!(
                    "the correlate field `{}` has no numeric values",
                    g.correlate.as_deref().unwrap_or("")
                )));
            }
        }
        let estimates = self.estimates(g, &data, corr.as_deref(), future)?;
        // Rows past the last result continue _time by the last step.
        if beginning + ext > rows.len() {
            let times: Vec<f64> = rows[..n0].iter().filter_map(Event::time).collect();
            let (last, step) = match times.as_slice() {
                [.., a, b] if b > a => (*b, b - a),
                _ => {
                    return Err(self.fail(
                        "the results need a _time increasing from one to the next to place future predictions (run predict after timechart)".into(),
                    ))
                }
            };
            let have = rows.len();
            for i in have..beginning + ext {
                let mut e = Event::new();
                e.set("_time", Value::Num(last + step * (i + 1 - n0) as f64));
                rows.push(e);
            }
        }
        let z_up = z_of(g.upper.level);
        let z_low = z_of(g.lower.level);
        for (t, est) in g.targets.iter().zip(&estimates) {
            if g.suppress.as_deref() == Some(t.field.as_str())
                || g.suppress.as_deref() == Some(t.name.as_str())
            {
                continue;
            }
            let nonneg = is_count(&t.field) || is_count(&t.name);
            let upper = format!("{}({})", g.upper.label, t.name);
            let lower = format!("{}({})", g.lower.label, t.name);
            for (i, e) in est.iter().enumerate().take(ext) {
                let Some((mean, var)) = e else { continue };
                let sd = var.abs().sqrt();
                let mut lo = mean - z_low * sd;
                if nonneg && lo < 0.0 {
                    lo = 0.0;
                }
                let row = &mut rows[beginning + i];
                row.set(t.name.clone(), Value::Num(*mean));
                row.set(upper.clone(), Value::Num(mean + z_up * sd));
                row.set(lower.clone(), Value::Num(lo));
            }
        }
        Ok(())
    }
}

impl super::Command for Predict {
    /// Predicts each group's fields over all the results.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let mut rows = collect(input)?;
        let n0 = rows.len();
        for g in &self.groups {
            self.run_group(g, &mut rows, n0)?;
        }
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// The registry entries of `predict`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "predict",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn some(v: &[f64]) -> Vec<Option<f64>> {
        v.iter().copied().map(Some).collect()
    }

    #[test]
    fn quantiles() {
        assert!((z_of(95.0) - 1.959_963_985).abs() < 1e-8);
        assert!((z_of(90.0) - 1.644_853_627).abs() < 1e-8);
        assert!((z_of(99.9) - 3.290_526_731).abs() < 1e-7);
        assert_eq!(z_of(0.0), 0.0);
    }

    #[test]
    fn local_level_filter_by_hand() {
        // q = 1: a=1, P|=1 -> P=2, F=3, K=2/3, v=3-1=2 -> a=1+4/3, P|=2/3
        let run = ll_multi(&[&some(&[1.0, 3.0])], 1.0, 2);
        let out = &run.out[0];
        assert_eq!(out[0], Some((1.0, 2.0)));
        let (a, p) = out[1].expect("estimate");
        assert!((a - 7.0 / 3.0).abs() < 1e-12);
        assert!((p - (2.0 / 3.0 + 1.0)).abs() < 1e-12);
        // forecasts: same level, variance grows by q each step
        let (a2, p2) = out[2].expect("forecast");
        assert!((a2 - 7.0 / 3.0).abs() < 1e-12 && (p2 - (2.0 / 3.0 + 2.0)).abs() < 1e-12);
        let (_, p3) = out[3].expect("forecast");
        assert!((p3 - (2.0 / 3.0 + 3.0)).abs() < 1e-12);
        assert_eq!(run.m, 1);
        assert!((run.sumsq[0] - 4.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn missing_values_are_skipped_and_estimated() {
        let run = ll_multi(&[&[Some(2.0), None, Some(2.0)]], 0.5, 0);
        let (a, p) = run.out[0][1].expect("estimate at the gap");
        assert_eq!(a, 2.0);
        assert!((p - 2.5).abs() < 1e-12);
        assert_eq!(run.m, 1);
    }

    #[test]
    fn local_linear_trend_extrapolates_a_line() {
        let out = fit_llt(&some(&[1.0, 3.0, 5.0, 7.0]), 2);
        assert_eq!(out[0], None);
        let means: Vec<f64> = out.iter().skip(1).map(|e| e.expect("estimate").0).collect();
        for (m, want) in means.iter().zip([3.0, 5.0, 7.0, 9.0, 11.0]) {
            assert!((m - want).abs() < 1e-9, "{means:?}");
        }
    }

    #[test]
    fn likelihood_picks_a_larger_ratio_for_a_random_walk() {
        // A walk with little noise needs a larger q than noise about a level.
        let walk = some(&[0.0, 5.0, 9.0, 16.0, 20.0, 27.0, 31.0, 38.0, 41.0, 48.0]);
        let noise = some(&[5.0, 6.0, 4.0, 5.5, 4.5, 5.0, 6.0, 4.0, 5.0, 5.5]);
        let q = |y: &[Option<f64>]| minimise_1d(|psi| objective(&ll_multi(&[y], psi.exp(), 0), 1));
        assert!(q(&walk) > q(&noise) + 2.0);
        // and the chosen ratio is a minimum of the objective
        // and the chosen ratio is no worse than any on a fine grid
        let mixed = some(&[0.0, 3.0, 1.0, 5.0, 4.0, 8.0, 6.0, 9.0, 7.0, 11.0]);
        let psi = q(&mixed);
        let f = |psi: f64| objective(&ll_multi(&[&mixed], psi.exp(), 0), 1);
        for i in 0..=72 {
            let other = -12.0 + 0.25 * i as f64;
            assert!(f(psi) <= f(other) + 1e-9, "{psi} vs {other}");
        }
    }

    #[test]
    fn periods_are_found_or_not() {
        let y = some(&[1.0, 5.0, 9.0, 1.0, 5.0, 9.0, 1.0, 5.0, 9.0, 1.0, 5.0, 9.0]);
        assert_eq!(find_period(&y), Some(3));
        assert_eq!(find_period(&some(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])), None);
        assert_eq!(find_period(&some(&[4.0; 8])), None);
    }

    #[test]
    fn seasonal_level_repeats_the_cycle() {
        let y = some(&[1.0, 5.0, 9.0, 1.0, 5.0, 9.0]);
        let out = fit_llp(&y, 3, 4);
        let means: Vec<f64> = out.iter().map(|e| e.expect("estimate").0).collect();
        assert_eq!(means, [1.0, 5.0, 9.0, 1.0, 5.0, 9.0, 1.0, 5.0, 9.0, 1.0]);
    }

    #[test]
    fn count_names() {
        assert!(is_count("count"));
        assert!(is_count("count(file)"));
        assert!(is_count("dc(user)"));
        assert!(!is_count("counter"));
        assert!(!is_count("foo"));
    }

    #[test]
    fn options_group_fields() {
        let parsed = crate::syntax::parse(
            "a=1 | predict foo1 algorithm=LL future_timespan=15 foo2 AS f2 algorithm=LLP period=7 upper90=high",
        )
        .expect("parses");
        let crate::syntax::ast::Command { args, .. } = &parsed.commands[1];
        let CommandArgs::Predict(p) = args else {
            panic!("not predict: {args:?}")
        };
        assert_eq!(p.groups.len(), 2);
        assert_eq!(p.groups[0].algorithm, Algorithm::Ll);
        assert_eq!(p.groups[0].future_timespan, 15);
        assert_eq!(p.groups[1].targets[0].name, "f2");
        assert_eq!(p.groups[1].period, Some(7));
        assert_eq!(p.groups[1].upper.label, "high");
        assert_eq!(p.groups[1].upper.level, 90.0);
    }
}
