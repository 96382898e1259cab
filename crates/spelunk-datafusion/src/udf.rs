//! SPL's row-by-row commands as DataFusion scalar functions. Each calls the
//! interpreter's own implementation ([`spelunk::backend::RowStep`]) on
//! events rebuilt from its argument columns, so `search`'s case-insensitive
//! wildcards, `NOT` versus `!=`, multivalue matching and every eval
//! function mean here exactly what they mean there.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use spelunk::backend::{Prepared, RowStep};
use spelunk::event::FieldName;
use spelunk::{Engine, Event};

use crate::columns::{texts_array, value_at, value_type, values_array};

/// Rebuilds one event per row from argument columns named `names`.
pub fn rows_as_events(names: &[String], arrays: &[ArrayRef], rows: usize) -> Result<Vec<Event>> {
    let mut events: Vec<Event> = (0..rows)
        .map(|_| Event::with_capacity(names.len()))
        .collect();
    for (name, array) in names.iter().zip(arrays) {
        // Interned once per batch: an owned name per row was an allocation
        // per field per row.
        let key = FieldName::intern(name);
        for (row, event) in events.iter_mut().enumerate() {
            if let Some(value) = value_at(array.as_ref(), row, name)? {
                event.set(key, value);
            }
        }
    }
    Ok(events)
}

/// A spelunk error as DataFusion's, kept whole so the caller can take it
/// back out (with its span in the search).
pub fn external(e: spelunk::Error) -> DataFusionError {
    DataFusionError::External(Box::new(Raised(e)))
}

/// A spelunk error raised by a spelunk function. In this process the
/// caller downcasts it; a Ballista executor sends the client only a failed
/// task's text (its `Debug`), so that text carries the error's message and
/// span for [`Raised::read_back`].
pub struct Raised(pub spelunk::Error);

/// Brackets the shipped error in a task's failure text.
const RAISED_START: &str = "[spelunk-error ";
const RAISED_END: &str = " spelunk-error]";

impl std::fmt::Display for Raised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Debug for Raised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hex: whatever quotes or escapes the message holds survive the
        // layers of `Debug` the failure is wrapped in on the way.
        let span = match self.0.span() {
            Some((span, spelunk::SpanIn::Expanded)) => format!("{}:{}", span.start, span.end),
            _ => "-".to_string(),
        };
        let message: String = self
            .0
            .to_string()
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        write!(f, "{RAISED_START}{span} {message}{RAISED_END}")
    }
}

impl std::error::Error for Raised {}

impl Raised {
    /// The spelunk error a task's failure `text` carries, as a runtime
    /// error with the same message and span.
    pub fn read_back(text: &str) -> Option<spelunk::Error> {
        let start = text.find(RAISED_START)? + RAISED_START.len();
        let rest = &text[start..];
        let (body, _) = rest.split_once(RAISED_END)?;
        let (span, message) = body.split_once(' ')?;
        let span = match span.split_once(':') {
            Some((a, b)) => Some(spelunk::source::Span {
                start: a.parse().ok()?,
                end: b.parse().ok()?,
            }),
            None => None,
        };
        let bytes: Option<Vec<u8>> = (0..message.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(message.get(i..i + 2)?, 16).ok())
            .collect();
        Some(spelunk::Error::Runtime {
            message: String::from_utf8(bytes?).ok()?,
            span,
        })
    }
}

/// One `search`, `where` or `eval` command of a prepared search, run on
/// the rows of its argument columns. A filter returns a boolean per row;
/// an `eval` returns a struct of the fields it sets ([`value_type`] each).
#[derive(Debug)]
pub struct StepUdf {
    name: String,
    engine: Arc<Engine>,
    prepared: Arc<Prepared>,
    index: usize,
    /// The argument columns' field names, in order.
    inputs: Vec<String>,
    /// The fields an `eval` sets (empty for a filter).
    writes: Vec<String>,
    signature: Signature,
}

impl StepUdf {
    /// The function for command `index` of `prepared`, reading `inputs`.
    pub fn new(
        engine: Arc<Engine>,
        prepared: Arc<Prepared>,
        index: usize,
        inputs: Vec<String>,
        writes: Vec<String>,
    ) -> StepUdf {
        let name = format!("spl_{}_{}", prepared.command_name(index), index);
        // eval's random() and now() are not functions of the row alone.
        let volatility = match writes.is_empty() {
            true => Volatility::Immutable,
            false => Volatility::Volatile,
        };
        StepUdf {
            name,
            engine,
            prepared,
            index,
            inputs,
            writes,
            signature: Signature::new(TypeSignature::VariadicAny, volatility),
        }
    }

    fn output_fields(&self) -> Fields {
        Fields::from(
            self.writes
                .iter()
                .map(|w| Field::new(w, value_type(), true))
                .collect::<Vec<_>>(),
        )
    }
}

impl PartialEq for StepUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && Arc::ptr_eq(&self.prepared, &other.prepared)
    }
}

impl Eq for StepUdf {}

impl Hash for StepUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for StepUdf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.writes.is_empty() {
            true => DataType::Boolean,
            false => DataType::Struct(self.output_fields()),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        // The first argument only carries the row count (a step may read
        // no field at all).
        let mut events = rows_as_events(&self.inputs, arrays.get(1..).unwrap_or_default(), rows)?;
        let ctx = self.engine.stage_context(self.prepared.now);
        let args = &self
            .prepared
            .pipeline
            .commands
            .get(self.index)
            .ok_or_else(|| DataFusionError::Internal(format!("{}: no such command", self.name)))?
            .args;
        let step = RowStep::compile(args, &ctx)
            .ok_or_else(|| DataFusionError::Internal(format!("{} cannot run by row", self.name)))?
            .map_err(external)?;
        let mut kept = Vec::with_capacity(rows);
        for event in &mut events {
            kept.push(step.apply(event).map_err(external)?);
        }
        if self.writes.is_empty() {
            return Ok(ColumnarValue::Array(Arc::new(BooleanArray::from(kept))));
        }
        let columns: Vec<ArrayRef> = self
            .writes
            .iter()
            .map(|w| {
                let values: Vec<_> = events.iter().map(|e| e.get(w).cloned()).collect();
                values_array(&values)
            })
            .collect::<Result<_>>()?;
        let array = StructArray::try_new(self.output_fields(), columns, None)?;
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// `spl_texts(column)`: a field's values as a list of strings (numbers as
/// their text, null when absent): the groups a `stats` BY field puts a row
/// in, one per value.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TextsUdf {
    signature: Signature,
}

impl TextsUdf {
    /// The function.
    pub fn new() -> TextsUdf {
        TextsUdf {
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl Default for TextsUdf {
    fn default() -> Self {
        TextsUdf::new()
    }
}

impl ScalarUDFImpl for TextsUdf {
    fn name(&self) -> &str {
        "spl_texts"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(crate::columns::texts_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let array = arrays
            .first()
            .ok_or_else(|| DataFusionError::Internal("spl_texts takes one argument".into()))?;
        let name = args
            .arg_fields
            .first()
            .map_or(String::new(), |f| f.name().clone());
        let values = (0..rows)
            .map(|row| value_at(array.as_ref(), row, &name))
            .collect::<Result<Vec<_>>>()?;
        Ok(ColumnarValue::Array(texts_array(
            values.iter().map(Option::as_ref),
        )))
    }
}

/// `spl_texts(expr)`.
pub fn texts_call(expr: datafusion::logical_expr::Expr) -> datafusion::logical_expr::Expr {
    datafusion::logical_expr::ScalarUDF::from(TextsUdf::new()).call(vec![expr])
}

/// `spl_time(column)`: a time column (epoch seconds as a number or text,
/// or an Arrow timestamp) as a float of epoch seconds.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TimeUdf {
    signature: Signature,
}

impl TimeUdf {
    /// The function.
    pub fn new() -> TimeUdf {
        TimeUdf {
            signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
        }
    }
}

impl Default for TimeUdf {
    fn default() -> Self {
        TimeUdf::new()
    }
}

impl ScalarUDFImpl for TimeUdf {
    fn name(&self) -> &str {
        "spl_time"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let array = arrays
            .first()
            .ok_or_else(|| DataFusionError::Internal("spl_time takes one argument".into()))?;
        let times = (0..rows)
            .map(|row| {
                Ok(match value_at(array.as_ref(), row, "_time")? {
                    Some(spelunk::Value::Num(t)) => Some(t),
                    Some(v) => v.to_text().trim().parse::<f64>().ok(),
                    None => None,
                })
            })
            .collect::<Result<datafusion::arrow::array::Float64Array>>()?;
        Ok(ColumnarValue::Array(Arc::new(times)))
    }
}

/// What the Ballista codec ships to an executor to rebuild a step there
/// (`src/ballista.rs`).
#[cfg(feature = "ballista")]
impl StepUdf {
    /// The prepared search the step is a command of.
    pub(crate) fn prepared(&self) -> &Arc<Prepared> {
        &self.prepared
    }

    /// The command's position in the prepared pipeline.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The argument columns' field names.
    pub(crate) fn inputs(&self) -> &[String] {
        &self.inputs
    }

    /// The fields an `eval` sets.
    pub(crate) fn writes(&self) -> &[String] {
        &self.writes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a Ballista client gets of a task's failure is text with the
    /// error's `Debug` nested in it: the error reads back from it whole.
    #[test]
    fn a_raised_error_reads_back_from_a_failed_tasks_text() {
        let error = spelunk::Error::Lookup {
            name: "users.csv".into(),
            message: "its file `users.csv` was \"not\" found\n".into(),
            span: Some(spelunk::source::Span { start: 19, end: 93 }),
        };
        let wrapped = DataFusionError::Shared(std::sync::Arc::new(external(error.clone())));
        let text = format!("Job 1 failed: Task failed: {wrapped:?}");
        let back = Raised::read_back(&text).expect("the error is in the text");
        assert_eq!(back.to_string(), error.to_string());
        assert_eq!(back.span(), error.span());
        assert!(Raised::read_back("Job 1 failed: an executor went away").is_none());
    }
}
