//! Eval functions: one registry (name → arity → implementation), with the
//! implementations grouped by the categories of Splunk's "Evaluation
//! functions" reference.
//!
//! Most functions receive their arguments evaluated ([`Imp::Eager`]); those
//! that decide what to evaluate (`if`, `case`, `mvfilter`, `mvmap`,
//! `validate`, `sigfig`) receive the expressions ([`Imp::Lazy`]).

pub mod conditional;
pub mod conversion;
pub mod crypto;
pub mod datetime;
pub mod informational;
pub mod json;
pub mod lookup;
pub mod math;
pub mod multivalue;
pub mod text;
pub mod trig;

use crate::error::{Error, Result};
use crate::eval::{EvalContext, EvalValue, Expr, Scope};
use crate::source::Span;

/// What a function implementation knows about its call.
pub struct CallSite<'a> {
    /// The function's name.
    pub name: &'static str,
    /// The whole call, for errors.
    pub span: Span,
    /// The evaluation context (`now()`, time zone, random state).
    pub ctx: &'a EvalContext,
}

impl CallSite<'_> {
    /// A runtime error at the call.
    pub fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::Runtime {
            message: format!("{}: {message}", self.name),
            span: Some(self.span),
        }
    }
}

/// How a function is implemented.
#[derive(Clone, Copy)]
pub enum Imp {
    /// Receives its arguments' values.
    Eager(fn(Vec<EvalValue>, &CallSite) -> Result<EvalValue>),
    /// Receives its arguments unevaluated, and the scope to evaluate them in.
    Lazy(fn(&[Expr], &Scope, &CallSite) -> Result<EvalValue>),
}

/// A registry entry.
pub struct FnSpec {
    /// The name, lower case.
    pub name: &'static str,
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments (`usize::MAX` for any number).
    pub max: usize,
    /// The implementation.
    pub imp: Imp,
    /// How it differs from Splunk, when it does (shown by
    /// `spelunk reference`); set with [`FnSpec::differs`].
    pub difference: Option<&'static str>,
}

impl std::fmt::Debug for FnSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}()", self.name)
    }
}

impl PartialEq for FnSpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// Any number of arguments.
pub const MANY: usize = usize::MAX;

/// An eagerly evaluated function.
pub const fn eager(
    name: &'static str,
    min: usize,
    max: usize,
    f: fn(Vec<EvalValue>, &CallSite) -> Result<EvalValue>,
) -> FnSpec {
    FnSpec {
        name,
        min,
        max,
        imp: Imp::Eager(f),
        difference: None,
    }
}

/// A function that evaluates its own arguments.
pub const fn lazy(
    name: &'static str,
    min: usize,
    max: usize,
    f: fn(&[Expr], &Scope, &CallSite) -> Result<EvalValue>,
) -> FnSpec {
    FnSpec {
        name,
        min,
        max,
        imp: Imp::Lazy(f),
        difference: None,
    }
}

impl FnSpec {
    /// The same function, noting how it differs from Splunk's (a short
    /// sentence for the reference list).
    pub const fn differs(self, note: &'static str) -> FnSpec {
        FnSpec {
            difference: Some(note),
            ..self
        }
    }

    /// Fails unless `n` arguments are accepted.
    pub fn check_arity(&self, n: usize, span: Span) -> Result<()> {
        if n >= self.min && n <= self.max {
            return Ok(());
        }
        let wanted = if self.max == MANY {
            format!("at least {}", self.min)
        } else if self.min == self.max {
            self.min.to_string()
        } else {
            format!("{} to {}", self.min, self.max)
        };
        Err(Error::Syntax {
            expected: format!("{wanted} argument(s) to `{}`", self.name),
            found: format!("{n}"),
            span,
        })
    }
}

/// Every category's functions.
const CATEGORIES: &[&[FnSpec]] = &[
    conditional::FUNCTIONS,
    conversion::FUNCTIONS,
    crypto::FUNCTIONS,
    datetime::FUNCTIONS,
    informational::FUNCTIONS,
    json::FUNCTIONS,
    lookup::FUNCTIONS,
    math::FUNCTIONS,
    multivalue::FUNCTIONS,
    text::FUNCTIONS,
    trig::FUNCTIONS,
];

/// Splunk eval functions spelunk knows of but does not run, with why: a
/// call fails with the reason rather than as an unknown function.
pub const UNSUPPORTED: &[(&str, &str)] = &[];

/// Why a known Splunk eval function is not run, when it is one.
pub fn unsupported(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    UNSUPPORTED
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, why)| *why)
}

/// Looks a function up by name (case-insensitive).
pub fn find(name: &str) -> Option<&'static FnSpec> {
    let lower = name.to_ascii_lowercase();
    CATEGORIES
        .iter()
        .flat_map(|c| c.iter())
        .find(|f| f.name == lower)
}

/// Names of every eval function.
pub fn names() -> impl Iterator<Item = &'static str> {
    all().map(|f| f.name)
}

/// Every eval function's registry entry.
pub fn all() -> impl Iterator<Item = &'static FnSpec> {
    CATEGORIES.iter().flat_map(|c| c.iter())
}

/// The argument as text; `None` when null.
pub fn text_arg(v: &EvalValue) -> Option<String> {
    v.as_text()
}

/// The argument as a number; `None` when null or not numeric.
pub fn num_arg(v: &EvalValue) -> Option<f64> {
    v.as_number()
}

/// An optional argument (None past the end).
pub fn opt(args: &[EvalValue], i: usize) -> Option<&EvalValue> {
    args.get(i)
}

/// Shorthand: the `i`th argument (arity was checked when parsing; null
/// when missing anyway, never a panic).
pub fn arg(args: &[EvalValue], i: usize) -> &EvalValue {
    args.get(i).unwrap_or(&EvalValue::Null)
}

#[cfg(test)]
mod tests;
