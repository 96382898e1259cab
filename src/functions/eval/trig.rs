//! Trigonometry and hyperbolic functions; a result that is not a real
//! number (`acos(2)`) is null.

use crate::error::Result;
use crate::eval::EvalValue;
use crate::functions::eval::{arg, eager, CallSite, FnSpec};

/// The functions of this category.
pub const FUNCTIONS: &[FnSpec] = &[
    eager("acos", 1, 1, |a, s| unary(a, s, f64::acos)),
    eager("acosh", 1, 1, |a, s| unary(a, s, f64::acosh)),
    eager("asin", 1, 1, |a, s| unary(a, s, f64::asin)),
    eager("asinh", 1, 1, |a, s| unary(a, s, f64::asinh)),
    eager("atan", 1, 1, |a, s| unary(a, s, f64::atan)),
    eager("atanh", 1, 1, |a, s| unary(a, s, f64::atanh)),
    eager("cos", 1, 1, |a, s| unary(a, s, f64::cos)),
    eager("cosh", 1, 1, |a, s| unary(a, s, f64::cosh)),
    eager("sin", 1, 1, |a, s| unary(a, s, f64::sin)),
    eager("sinh", 1, 1, |a, s| unary(a, s, f64::sinh)),
    eager("tan", 1, 1, |a, s| unary(a, s, f64::tan)),
    eager("tanh", 1, 1, |a, s| unary(a, s, f64::tanh)),
    eager("atan2", 2, 2, |a, s| binary(a, s, f64::atan2)),
    eager("hypot", 2, 2, |a, s| binary(a, s, f64::hypot)),
];

/// Applies a one-argument numeric function; null unless the argument is a
/// number.
pub fn unary(args: Vec<EvalValue>, _: &CallSite, f: fn(f64) -> f64) -> Result<EvalValue> {
    Ok(arg(&args, 0)
        .as_number()
        .map_or(EvalValue::Null, |x| EvalValue::num(f(x))))
}

/// Applies a two-argument numeric function.
pub fn binary(args: Vec<EvalValue>, _: &CallSite, f: fn(f64, f64) -> f64) -> Result<EvalValue> {
    Ok(
        match (arg(&args, 0).as_number(), arg(&args, 1).as_number()) {
            (Some(x), Some(y)) => EvalValue::num(f(x, y)),
            _ => EvalValue::Null,
        },
    )
}
