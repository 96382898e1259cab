//! The eval expression tree. Every node carries its span in the expanded
//! search text, so runtime errors point at the user's line and column.

use crate::functions::eval::FnSpec;
use crate::source::Span;

/// An expression and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Its bytes in the expanded search text.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number literal, e.g. `42`, `1.5`, `1e3`.
    Num(f64),
    /// A double-quoted string literal, e.g. `"a \"b\""`.
    Str(String),
    /// A field reference: bare `src_ip` or single-quoted `'userIdentity.arn'`.
    Field(String),
    /// A function call, e.g. `if(x>1, "a", "b")`; the function was resolved
    /// and its arity checked when parsing.
    Call {
        /// The function.
        func: &'static FnSpec,
        /// The arguments, unevaluated (some functions evaluate lazily).
        args: Vec<Expr>,
    },
    /// A prefix operator, e.g. `NOT x`, `-y`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
    },
    /// An infix operator, e.g. `a + 1`, `x = "y"`, `a AND b`, `u LIKE "adm%"`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `x IN ("a", "b")`: true when `x` equals any listed value.
    In {
        /// The tested value.
        expr: Box<Expr>,
        /// The list.
        list: Vec<Expr>,
    },
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `NOT x`
    Not,
    /// `-x`
    Neg,
}

/// Infix operators, loosest first in [`BinaryOp::precedence`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a XOR b`
    Xor,
    /// `a OR b`
    Or,
    /// `a AND b`
    And,
    /// `a = b` or `a == b`
    Eq,
    /// `a != b`
    Neq,
    /// `a < b`
    Lt,
    /// `a <= b`
    Le,
    /// `a > b`
    Gt,
    /// `a >= b`
    Ge,
    /// `a LIKE "pat%"`
    Like,
    /// `a + b` (also concatenates two strings)
    Add,
    /// `a - b`
    Sub,
    /// `a . b` (string concatenation)
    Concat,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a % b`
    Mod,
}

impl BinaryOp {
    /// Binding strength: higher binds tighter. Splunk's eval order is
    /// parentheses, NOT, AND, OR, XOR (help.splunk.com "Boolean expressions
    /// with logical operators"), comparisons above the logical operators and
    /// arithmetic above comparisons.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Xor => 1,
            BinaryOp::Or => 2,
            BinaryOp::And => 3,
            BinaryOp::Eq
            | BinaryOp::Neq
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Like => 5,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Concat => 6,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 7,
        }
    }

    /// The operator as written, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Xor => "XOR",
            BinaryOp::Or => "OR",
            BinaryOp::And => "AND",
            BinaryOp::Eq => "=",
            BinaryOp::Neq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Like => "LIKE",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Concat => ".",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }
}

/// Precedence of `NOT`: looser than comparisons (`NOT x=1` is `NOT (x=1)`),
/// tighter than `AND`.
pub const NOT_PRECEDENCE: u8 = 4;

impl Expr {
    /// The field names the expression reads, in first-use order (used by
    /// `mvfilter`, which binds the one field its predicate references).
    pub fn fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    /// The fields the expression can read, or `None` when it may read any
    /// (`searchmatch`, which matches a search against the whole event).
    pub fn reads(&self) -> Option<Vec<String>> {
        if self.calls("searchmatch") {
            return None;
        }
        Some(self.fields())
    }

    /// Whether the expression calls the eval function `name`.
    pub fn calls(&self, name: &str) -> bool {
        match &self.kind {
            ExprKind::Call { func, args } => {
                func.name == name || args.iter().any(|a| a.calls(name))
            }
            ExprKind::Num(_) | ExprKind::Str(_) | ExprKind::Field(_) => false,
            ExprKind::Unary { expr, .. } => expr.calls(name),
            ExprKind::Binary { lhs, rhs, .. } => lhs.calls(name) || rhs.calls(name),
            ExprKind::In { expr, list } => expr.calls(name) || list.iter().any(|a| a.calls(name)),
        }
    }

    fn collect_fields(&self, out: &mut Vec<String>) {
        match &self.kind {
            ExprKind::Field(name) => {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
            ExprKind::Num(_) | ExprKind::Str(_) => {}
            ExprKind::Call { args, .. } => args.iter().for_each(|a| a.collect_fields(out)),
            ExprKind::Unary { expr, .. } => expr.collect_fields(out),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.collect_fields(out);
                rhs.collect_fields(out);
            }
            ExprKind::In { expr, list } => {
                expr.collect_fields(out);
                list.iter().for_each(|a| a.collect_fields(out));
            }
        }
    }
}
