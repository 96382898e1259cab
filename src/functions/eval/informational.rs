//! Informational functions: `isbool`, `isint`, `isnotnull`, `isnull`,
//! `isnum`, `isstr`, `typeof`. Text that is a number counts as a number,
//! as Splunk types field values.

use crate::error::Result;
use crate::eval::EvalValue;
use crate::functions::eval::{arg, eager, CallSite, FnSpec};
use crate::value::parse_number;

/// The functions of this category.
pub const FUNCTIONS: &[FnSpec] = &[
    eager("isbool", 1, 1, |a, _| {
        Ok(EvalValue::Bool(matches!(arg(&a, 0), EvalValue::Bool(_))))
    }),
    eager("isint", 1, 1, |a, _| {
        Ok(EvalValue::Bool(
            number(arg(&a, 0)).is_some_and(|n| n.fract() == 0.0),
        ))
    }),
    eager("isnum", 1, 1, |a, _| {
        Ok(EvalValue::Bool(number(arg(&a, 0)).is_some()))
    }),
    eager("isstr", 1, 1, |a, _| {
        Ok(EvalValue::Bool(
            matches!(arg(&a, 0), EvalValue::Str(_)) && number(arg(&a, 0)).is_none(),
        ))
    }),
    eager("isnull", 1, 1, |a, _| {
        Ok(EvalValue::Bool(arg(&a, 0).is_null()))
    }),
    eager("isnotnull", 1, 1, |a, _| {
        Ok(EvalValue::Bool(!arg(&a, 0).is_null()))
    }),
    eager("typeof", 1, 1, type_of),
];

/// A single value's number: a number, or text that parses as one.
fn number(v: &EvalValue) -> Option<f64> {
    match v {
        EvalValue::Num(n) => Some(*n),
        EvalValue::Str(s) => parse_number(s),
        _ => None,
    }
}

fn type_of(args: Vec<EvalValue>, _: &CallSite) -> Result<EvalValue> {
    let v = arg(&args, 0);
    let name = match v {
        EvalValue::Str(_) if number(v).is_some() => "Number",
        other => other.type_name(),
    };
    Ok(EvalValue::Str(name.into()))
}
