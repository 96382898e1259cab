//! The syntax tree: a faithful record of the search text, every node spanned.
//!
//! Commands' own argument types live beside their implementation in
//! [`crate::commands`]; this module holds what is shared: pipelines and search
//! expressions (used by `search`, subsearches and `inputlookup ... where`).

use crate::commands::CommandArgs;
use crate::source::Span;

/// Commands separated by `|`, e.g. `foo=1 | stats count by x`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// The commands in order; the first is often an implicit `search`.
    pub commands: Vec<Command>,
    /// The whole pipeline.
    pub span: Span,
}

/// One command, e.g. `stats count by x`.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The command name, lower-cased (`search` for an implicit search).
    pub name: String,
    /// The name as written (empty span for an implicit search). For a
    /// command lowered from another (a `tstats` over a data model), the
    /// part of that command it carries out, such as its `datamodel=...` or
    /// its `where ...`, which `--explain` counts rows after.
    pub name_span: Span,
    /// The command including its arguments.
    pub span: Span,
    /// The parsed arguments.
    pub args: CommandArgs,
}

/// A search expression, e.g. `user=adm* NOT (x=1 OR y!=2)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchExpr {
    /// What it is.
    pub kind: SearchKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of search expression.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchKind {
    /// Terms that must all match: implicit or explicit `AND`, e.g. `a=1 b=2`.
    And(Vec<SearchExpr>),
    /// Alternatives, e.g. `a=1 OR b=2`.
    Or(Vec<SearchExpr>),
    /// Negation, e.g. `NOT a=1`.
    Not(Box<SearchExpr>),
    /// A field comparison, e.g. `user=adm*`, `count>5`, `host!=web01`.
    Compare {
        /// The field name (may contain `*`).
        field: String,
        /// The operator.
        op: CompareOp,
        /// The value.
        value: SearchValue,
    },
    /// A membership test, e.g. `user IN (a, "b c", d*)`.
    In {
        /// The field name.
        field: String,
        /// The alternatives.
        values: Vec<SearchValue>,
    },
    /// A bare term matched against `_raw`, e.g. `error`, `"access denied"`.
    Term(SearchValue),
    /// A subsearch, e.g. `[| inputlookup users | fields user]`, replaced by
    /// its formatted results before the outer search runs.
    Subsearch(Box<Pipeline>),
    /// A time modifier, e.g. `earliest=-24h`; offline searches run over all
    /// time, so it matches every event.
    TimeModifier {
        /// `earliest` or `latest` (or their `_index_` forms).
        name: String,
        /// The value as written.
        value: String,
    },
    /// An empty group `( )`: matches everything (so `NOT ( )`, what a
    /// subsearch with no results formats to, matches nothing).
    Empty,
}

/// A comparison operator in a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Neq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Neq => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// A value in a search: a word or quoted string, possibly with `*` wildcards.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchValue {
    /// The text, unescaped.
    pub text: String,
    /// Written in double quotes.
    pub quoted: bool,
    /// Written as `CASE(x)`: matched case-sensitively.
    pub case_sensitive: bool,
    /// Written as `TERM(x)`.
    pub term: bool,
    /// Where.
    pub span: Span,
}
