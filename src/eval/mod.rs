//! The eval expression language, shared by `eval`, `where`, `stats
//! f(eval(...))`, props.conf `EVAL-` calculated fields and macro `iseval` /
//! `validation`.
//!
//! ```text
//! text ──lexer::lex──▶ tokens ──parser::parse_expr──▶ Expr (spanned; functions resolved)
//!      ──Expr::eval(&Event, &EvalContext)──▶ EvalValue ──into_value──▶ Option<Value>
//! ```
//!
//! Rules (`docs/semantics.md#eval-and-where`; help.splunk.com "Use the eval command and
//! functions"): arithmetic with a null operand is null; `+` adds numbers and
//! concatenates anything else; `.` concatenates as text; comparisons are
//! numeric when both sides are numbers (field text such as `"5"` counts as a
//! number) and case-sensitive string comparisons otherwise; a comparison
//! with null is null, which `where` treats as false; a multivalue field
//! compares true when any of its values does; `AND`/`OR`/`XOR`/`NOT` take
//! booleans (three-valued with null).
//!
//! ```
//! use spelunk::eval::{parse_expr, EvalContext, EvalValue};
//! use spelunk::{Event, Value};
//!
//! let mut event = Event::new();
//! event.set("status", Value::from("404"));
//! let expr = parse_expr("if(status >= 400, \"error\", \"ok\")", 0).unwrap();
//! let ctx = EvalContext::new(chrono_tz::UTC);
//! assert_eq!(expr.eval(&event, &ctx).unwrap(), EvalValue::Str("error".into()));
//! ```

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod value;

use std::cell::Cell;
use std::cmp::Ordering;

pub use ast::{BinaryOp, Expr, ExprKind, UnaryOp};
pub use parser::{parse_assignments, parse_expr, Assignment};
pub use value::EvalValue;

use crate::error::{Error, Result};
use crate::event::Event;
use crate::functions::eval::{CallSite, Imp};
use crate::source::Span;

/// What an evaluation can see besides the event: the search's `now()`, the
/// time zone, the state of `random()`, and the search's lookups (for the
/// `lookup()` function).
#[derive(Debug, Clone)]
pub struct EvalContext {
    /// The search's lookups, when the evaluation runs inside a search.
    pub lookups: Option<EvalLookups>,
    /// `now()`: the search's start time, epoch seconds, taken once.
    pub now: f64,
    /// Time zone of `strftime`/`strptime`/`relative_time`.
    pub tz: chrono_tz::Tz,
    /// State of `random()`'s generator (deterministic: the same search
    /// gives the same numbers).
    random_state: Cell<u64>,
}

/// The lookups an evaluation may read (`lookup()`): the search's
/// registry and its tables prepared so far (shared with the `lookup`
/// command, so a table is read once per search).
#[derive(Debug, Clone)]
pub struct EvalLookups {
    /// Lookup definitions and files.
    pub registry: std::sync::Arc<crate::lookup::LookupRegistry>,
    /// Tables read so far in the search.
    pub prepared: crate::lookup::PreparedLookups,
}

/// The time a search starts, in epoch seconds: the clock, or the
/// `SPELUNK_NOW` environment variable for reproducible runs.
pub fn search_start_time() -> f64 {
    std::env::var("SPELUNK_NOW")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or_else(|| chrono::Utc::now().timestamp() as f64)
}

/// Seed of `random()`: fixed, so results are reproducible.
const RANDOM_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

impl EvalContext {
    /// A context whose `now()` is the current time (or the `SPELUNK_NOW`
    /// environment variable, epoch seconds, for reproducible runs).
    pub fn new(tz: chrono_tz::Tz) -> Self {
        EvalContext::at(search_start_time(), tz)
    }

    /// A context with a fixed `now()`.
    pub fn at(now: f64, tz: chrono_tz::Tz) -> Self {
        EvalContext {
            lookups: None,
            now,
            tz,
            random_state: Cell::new(RANDOM_SEED),
        }
    }

    /// A context for `eval`/`where` in a running search: its `now()`,
    /// time zone, and, when one of `exprs` calls `lookup()`, its lookups
    /// (copied once per command, so only when needed).
    pub fn for_search<'e>(
        ctx: &crate::exec::Context<'_>,
        exprs: impl IntoIterator<Item = &'e Expr>,
    ) -> Self {
        let lookups = exprs
            .into_iter()
            .any(|e| e.calls("lookup"))
            .then(|| EvalLookups {
                registry: std::sync::Arc::new(ctx.lookups.clone()),
                prepared: ctx.prepared.clone(),
            });
        EvalContext {
            lookups,
            ..EvalContext::at(ctx.now, ctx.tz)
        }
    }

    /// The next `random()` number: 0 to 2^31-1, like Splunk's (xorshift64*).
    pub fn next_random(&self) -> u64 {
        let mut x = self.random_state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.random_state.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) & 0x7FFF_FFFF
    }
}

/// Where names are looked up: the event, and possibly one name bound to a
/// single value (`mvfilter` and `mvmap` bind their field to each value).
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// The event (or result row).
    pub event: &'a Event,
    /// The evaluation context.
    pub ctx: &'a EvalContext,
    binding: Option<(&'a str, &'a EvalValue)>,
}

impl<'a> Scope<'a> {
    /// A scope over an event.
    pub fn new(event: &'a Event, ctx: &'a EvalContext) -> Self {
        Scope {
            event,
            ctx,
            binding: None,
        }
    }

    /// The same scope with `name` bound to `value`.
    pub fn bind(&self, name: &'a str, value: &'a EvalValue) -> Scope<'a> {
        Scope {
            binding: Some((name, value)),
            ..*self
        }
    }

    /// The value of a field.
    pub fn lookup(&self, name: &str) -> EvalValue {
        match self.binding {
            Some((bound, value)) if bound == name => value.clone(),
            _ => EvalValue::from_field(self.event.get(name)),
        }
    }
}

impl Expr {
    /// Evaluates the expression against an event.
    pub fn eval(&self, event: &Event, ctx: &EvalContext) -> Result<EvalValue> {
        self.eval_in(&Scope::new(event, ctx))
    }

    /// Evaluates the expression in a scope (used by functions that bind names).
    pub fn eval_in(&self, scope: &Scope<'_>) -> Result<EvalValue> {
        match &self.kind {
            ExprKind::Num(n) => Ok(EvalValue::Num(*n)),
            ExprKind::Str(s) => Ok(EvalValue::Str(s.clone())),
            ExprKind::Field(name) => Ok(scope.lookup(name)),
            ExprKind::Call { func, args } => {
                let site = CallSite {
                    name: func.name,
                    span: self.span,
                    ctx: scope.ctx,
                };
                match func.imp {
                    Imp::Eager(f) => {
                        let values = args
                            .iter()
                            .map(|a| a.eval_in(scope))
                            .collect::<Result<Vec<_>>>()?;
                        f(values, &site)
                    }
                    Imp::Lazy(f) => f(args, scope, &site),
                }
            }
            ExprKind::Unary { op, expr } => {
                let v = expr.eval_in(scope)?;
                match op {
                    UnaryOp::Neg => Ok(v
                        .as_number()
                        .map_or(EvalValue::Null, |n| EvalValue::Num(-n))),
                    UnaryOp::Not => match v {
                        EvalValue::Null => Ok(EvalValue::Null),
                        EvalValue::Bool(b) => Ok(EvalValue::Bool(!b)),
                        other => Err(type_error("NOT", &other, self.span)),
                    },
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, scope),
            ExprKind::In { expr, list } => {
                if let Some(found) = field_in_texts(expr, list, scope) {
                    return Ok(found);
                }
                let v = expr.eval_in(scope)?;
                if v.is_null() {
                    return Ok(EvalValue::Null);
                }
                for item in list {
                    let w = item.eval_in(scope)?;
                    if any_compare(&v, &w, |o| o == Ordering::Equal) == Some(true) {
                        return Ok(EvalValue::Bool(true));
                    }
                }
                Ok(EvalValue::Bool(false))
            }
        }
    }

    /// Evaluates as a condition: true, false, or null (as `None`); anything
    /// else is a type error naming `what` (`where`, `if`, ...).
    pub fn eval_condition(&self, scope: &Scope<'_>, what: &str) -> Result<Option<bool>> {
        match self.eval_in(scope)? {
            EvalValue::Null => Ok(None),
            EvalValue::Bool(b) => Ok(Some(b)),
            other => Err(Error::Runtime {
                message: format!(
                    "{what}: the expression must be a boolean (a comparison or a function such as isnull), found a {}",
                    other.type_name().to_ascii_lowercase()
                ),
                span: Some(self.span),
            }),
        }
    }

    fn binary(&self, op: BinaryOp, lhs: &Expr, rhs: &Expr, scope: &Scope<'_>) -> Result<EvalValue> {
        if matches!(op, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor) {
            return self.logical(op, lhs, rhs, scope);
        }
        if let Some(result) = field_text_compare(op, lhs, rhs, scope) {
            return Ok(result);
        }
        let a = lhs.eval_in(scope)?;
        let b = rhs.eval_in(scope)?;
        if a.is_null() || b.is_null() {
            return Ok(EvalValue::Null);
        }
        let cmp = |want: fn(Ordering) -> bool| {
            Ok(any_compare(&a, &b, want).map_or(EvalValue::Null, EvalValue::Bool))
        };
        match op {
            BinaryOp::Eq => cmp(|o| o == Ordering::Equal),
            BinaryOp::Neq => cmp(|o| o != Ordering::Equal),
            BinaryOp::Lt => cmp(|o| o == Ordering::Less),
            BinaryOp::Le => cmp(|o| o != Ordering::Greater),
            BinaryOp::Gt => cmp(|o| o == Ordering::Greater),
            BinaryOp::Ge => cmp(|o| o != Ordering::Less),
            BinaryOp::Like => {
                let Some(pattern) = b.as_text() else {
                    return Ok(EvalValue::Null);
                };
                let re = crate::functions::eval::text::like_regex(&pattern, rhs.span)?;
                Ok(EvalValue::Bool(a.texts().iter().any(|t| re.is_match(t))))
            }
            BinaryOp::Concat => Ok(match (a.as_text(), b.as_text()) {
                (Some(x), Some(y)) => EvalValue::Str(x + &y),
                _ => EvalValue::Null,
            }),
            BinaryOp::Add => Ok(match (a.as_number(), b.as_number()) {
                (Some(x), Some(y)) => EvalValue::num(x + y),
                // Splunk's `+` concatenates when the operands are not both numbers.
                _ => match (a.as_text(), b.as_text()) {
                    (Some(x), Some(y)) => EvalValue::Str(x + &y),
                    _ => EvalValue::Null,
                },
            }),
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let (Some(x), Some(y)) = (a.as_number(), b.as_number()) else {
                    return Ok(EvalValue::Null);
                };
                Ok(EvalValue::num(match op {
                    BinaryOp::Sub => x - y,
                    BinaryOp::Mul => x * y,
                    // Division by zero gives null (a non-finite result).
                    BinaryOp::Div => x / y,
                    _ => x % y,
                }))
            }
            BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => Ok(EvalValue::Null),
        }
    }

    /// `AND`/`OR`/`XOR` with null as "unknown"; `AND`/`OR` short-circuit.
    fn logical(
        &self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        scope: &Scope<'_>,
    ) -> Result<EvalValue> {
        let operand = |e: &Expr| -> Result<Option<bool>> {
            match e.eval_in(scope)? {
                EvalValue::Null => Ok(None),
                EvalValue::Bool(b) => Ok(Some(b)),
                other => Err(type_error(op.as_str(), &other, e.span)),
            }
        };
        let a = operand(lhs)?;
        let out = match (op, a) {
            (BinaryOp::And, Some(false)) => Some(false),
            (BinaryOp::Or, Some(true)) => Some(true),
            (BinaryOp::And, a) => match (a, operand(rhs)?) {
                (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            (BinaryOp::Or, a) => match (a, operand(rhs)?) {
                (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            (_, a) => match (a, operand(rhs)?) {
                (Some(x), Some(y)) => Some(x != y),
                _ => None,
            },
        };
        Ok(out.map_or(EvalValue::Null, EvalValue::Bool))
    }
}

/// `field <op> "text"` (either way round) when the text is not a number:
/// the comparison is then of the field's texts with it, whatever they are
/// (see [`value::compare`]), so it is made on the event's values in place
/// instead of on copies. `None` when this shortcut does not apply (a
/// number, a bound name, another operator).
fn field_text_compare(
    op: BinaryOp,
    lhs: &Expr,
    rhs: &Expr,
    scope: &Scope<'_>,
) -> Option<EvalValue> {
    let want: fn(Ordering) -> bool = match op {
        BinaryOp::Eq => |o| o == Ordering::Equal,
        BinaryOp::Neq => |o| o != Ordering::Equal,
        BinaryOp::Lt => |o| o == Ordering::Less,
        BinaryOp::Le => |o| o != Ordering::Greater,
        BinaryOp::Gt => |o| o == Ordering::Greater,
        BinaryOp::Ge => |o| o != Ordering::Less,
        _ => return None,
    };
    let (name, text, flipped) = match (&lhs.kind, &rhs.kind) {
        (ExprKind::Field(name), ExprKind::Str(text)) => (name, text, false),
        (ExprKind::Str(text), ExprKind::Field(name)) => (name, text, true),
        _ => return None,
    };
    if scope.binding.is_some() || crate::value::parse_number(text).is_some() {
        return None;
    }
    let Some(value) = scope.event.get(name) else {
        return Some(EvalValue::Null);
    };
    let matched = value.any_text(|t| {
        let order = t.cmp(text.as_str());
        want(if flipped { order.reverse() } else { order })
    });
    Some(EvalValue::Bool(matched))
}

/// `field IN ("a", "b", ...)` when no listed text is a number: whether any
/// of the field's texts equals one, decided on the event's values in place.
/// `None` when this shortcut does not apply.
fn field_in_texts(expr: &Expr, list: &[Expr], scope: &Scope<'_>) -> Option<EvalValue> {
    let ExprKind::Field(name) = &expr.kind else {
        return None;
    };
    if scope.binding.is_some() {
        return None;
    }
    let mut texts = Vec::with_capacity(list.len());
    for item in list {
        match &item.kind {
            ExprKind::Str(t) if crate::value::parse_number(t).is_none() => texts.push(t.as_str()),
            _ => return None,
        }
    }
    let Some(value) = scope.event.get(name) else {
        return Some(EvalValue::Null);
    };
    Some(EvalValue::Bool(value.any_text(|t| texts.contains(&t))))
}

/// Compares `a` and `b`, true when any pair of their values (a multivalue
/// has several) satisfies `want`. `None` when either is null.
pub fn any_compare(a: &EvalValue, b: &EvalValue, want: fn(Ordering) -> bool) -> Option<bool> {
    if a.is_null() || b.is_null() {
        return None;
    }
    let expand = |v: &EvalValue| -> Vec<EvalValue> {
        match v {
            EvalValue::Multi(vs) => vs
                .iter()
                .map(|s| EvalValue::from_field(Some(&crate::value::Value::Str(s.clone()))))
                .collect(),
            other => vec![other.clone()],
        }
    };
    let (xs, ys) = (expand(a), expand(b));
    Some(
        xs.iter()
            .any(|x| ys.iter().any(|y| value::compare(x, y).is_some_and(want))),
    )
}

fn type_error(op: &str, found: &EvalValue, span: Span) -> Error {
    Error::Runtime {
        message: format!(
            "type checking failed: `{op}` takes booleans, found a {}",
            found.type_name().to_ascii_lowercase()
        ),
        span: Some(span),
    }
}

#[cfg(test)]
mod tests;
