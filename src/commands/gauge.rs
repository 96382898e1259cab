//! `gauge`: one result holding a gauge's value (`x`) and range (`y1`,
//! `y2`, ...), for gauge charts.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.3/search-commands/gauge>:
//! `gauge <value> [<range_val1> <range_val2> ...]`. The value is "a numeric
//! field or literal number"; of a field, "the gauge command uses the first
//! value in that field". Range values are numbers or numeric fields (again
//! the field's first value), at least two; "the range values are returned
//! as a series of fields called y1, y2, and so on"; "if you do not specify
//! range values, the range defaults to a low value of 0 and a high value of
//! 100"; "if a single range value is specified, it is ignored". The page's
//! example: `stats count as myCount | gauge myCount 750 1000 1250 1500`
//! gives one row `x=3321 y1=750 y2=1000 y3=1250 y4=1500`.
//!
//! A field's "first value" is its value in the first result that has it;
//! with no such result the output has no `x` (or that `y`). The default
//! range is written out as `y1=0 y2=100` (docs/semantics.md#other-commands).

use crate::commands::common::bad;
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::{parse_number, Value};

const C: &str = "gauge";

/// A value or range bound: a literal number or a field's first value.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A number as written, e.g. `750`.
    Number(f64),
    /// A field name, e.g. `myCount`.
    Field(String),
}

/// `gauge myCount 750 1000 1250 1500`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauge {
    /// The gauge's current value.
    pub value: Operand,
    /// The range bounds (empty, or at least two).
    pub range: Vec<Operand>,
}

/// Parses `gauge`'s value and range.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut operands = Vec::new();
    while !p.at_command_end() {
        let (text, _) = p.value("a field name or a number")?;
        operands.push(match parse_number(&text) {
            Some(n) => Operand::Number(n),
            None => Operand::Field(text),
        });
    }
    let mut operands = operands.into_iter();
    let Some(value) = operands.next() else {
        return Err(bad(
            C,
            "expected a value: a numeric field or a number",
            name_span,
        ));
    };
    let mut range: Vec<Operand> = operands.collect();
    if range.len() == 1 {
        // "If a single range value is specified, it is ignored."
        range.clear();
    }
    Ok(CommandArgs::Gauge(Gauge { value, range }))
}

impl super::Command for Gauge {
    /// One result: `x` and `y1`...
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        let fields: Vec<&str> = std::iter::once(&self.value)
            .chain(&self.range)
            .filter_map(|o| match o {
                Operand::Field(f) => Some(f.as_str()),
                Operand::Number(_) => None,
            })
            .collect();
        // Each field's first value, in the order of `fields`.
        let mut first: Vec<Option<Value>> = vec![None; fields.len()];
        for row in input {
            let row = row?;
            for (slot, field) in first.iter_mut().zip(&fields) {
                if slot.is_none() {
                    *slot = row.get(field).cloned();
                }
            }
        }
        let resolve = |o: &Operand| match o {
            Operand::Number(n) => Some(Value::Num(*n)),
            Operand::Field(f) => fields
                .iter()
                .position(|name| name == f)
                .and_then(|i| first[i].clone()),
        };
        let mut out = Event::new();
        out.set_opt("x", resolve(&self.value));
        if self.range.is_empty() {
            out.set("y1", Value::Num(0.0));
            out.set("y2", Value::Num(100.0));
        } else {
            for (i, bound) in self.range.iter().enumerate() {
                out.set_opt(format!("y{}", i + 1), resolve(bound));
            }
        }
        Ok(Box::new(std::iter::once(Ok(out))))
    }
}

/// The registry entries of `gauge`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "gauge",
        aliases: &[],
        parse,
    },
];
