//! `stats` aggregations as DataFusion aggregate functions: each keeps the
//! interpreter's own running state ([`AggState`]) per group, so `values`,
//! `dc`, `earliest`, `latest`, `min`/`max` (numbers before text), `avg`
//! and the rest give exactly what `stats` gives. Partial states travel
//! between partitions serialised (postcard), as they would between
//! machines.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Signature, TypeSignature, Volatility,
};
use spelunk::backend::{update_aggregation, AggState};
use spelunk::commands::stats::Aggregation;
use spelunk::eval::EvalContext;
use spelunk::Engine;

use crate::columns::{value_type, values_array};
use crate::udf::{external, rows_as_events};

/// One aggregation of a `stats`, reading the argument columns `inputs`.
#[derive(Debug)]
pub struct StatsUdaf {
    name: String,
    engine: Arc<Engine>,
    agg: Aggregation,
    allnum: bool,
    now: f64,
    inputs: Vec<String>,
    signature: Signature,
    shared: std::sync::OnceLock<Arc<Shared>>,
}

impl StatsUdaf {
    /// The function for `agg` (the `index`th of its `stats`).
    pub fn new(
        engine: Arc<Engine>,
        agg: Aggregation,
        index: usize,
        allnum: bool,
        now: f64,
        inputs: Vec<String>,
    ) -> StatsUdaf {
        StatsUdaf {
            name: format!("spl_stats_{index}"),
            engine,
            agg,
            allnum,
            now,
            inputs,
            signature: Signature::new(TypeSignature::VariadicAny, Volatility::Immutable),
            shared: std::sync::OnceLock::new(),
        }
    }
}

impl PartialEq for StatsUdaf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.agg == other.agg && self.inputs == other.inputs
    }
}

impl Eq for StatsUdaf {}

impl Hash for StatsUdaf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.agg.output.hash(state);
    }
}

impl AggregateUDFImpl for StatsUdaf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(value_type())
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        // One per group: what every group shares is behind one Arc.
        let shared = self.shared.get_or_init(|| {
            Arc::new(Shared {
                agg: self.agg.clone(),
                allnum: self.allnum,
                now: self.now,
                inputs: self.inputs.clone(),
                tz: self.engine.stage_context(self.now).tz,
            })
        });
        Ok(Box::new(StatsAccumulator {
            state: self.agg.func.start(),
            shared: Arc::clone(shared),
        }))
    }

    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}_state", self.name),
            DataType::Binary,
            true,
        ))])
    }
}

/// What every group's accumulator of one aggregation shares.
#[derive(Debug)]
struct Shared {
    agg: Aggregation,
    allnum: bool,
    now: f64,
    inputs: Vec<String>,
    /// The search's time zone (for an `eval(...)` argument's functions).
    tz: chrono_tz::Tz,
}

/// One group's running state.
#[derive(Debug)]
struct StatsAccumulator {
    shared: Arc<Shared>,
    state: AggState,
}

impl Accumulator for StatsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let rows = values.first().map_or(0, |a| a.len());
        // The first argument only carries the row count.
        let shared = &self.shared;
        let events = rows_as_events(&shared.inputs, values.get(1..).unwrap_or_default(), rows)?;
        // As `stats` evaluates an eval(...) argument: the search's `now()`
        // and time zone, and no lookups (`lookup()` is eval's and where's).
        let ectx = EvalContext::at(shared.now, shared.tz);
        for event in &events {
            update_aggregation(&shared.agg, &mut self.state, event, &ectx).map_err(external)?;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let state = std::mem::replace(&mut self.state, self.shared.agg.func.start());
        let value = state.finish_in(self.shared.allnum, None);
        ScalarValue::try_from_array(values_array(&[value])?.as_ref(), 0)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + 64
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let state = std::mem::replace(&mut self.state, self.shared.agg.func.start());
        let bytes = postcard::to_allocvec(&state)
            .map_err(|e| DataFusionError::Execution(format!("stats state: {e}")))?;
        Ok(vec![ScalarValue::Binary(Some(bytes))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(column) = states.first() else {
            return Ok(());
        };
        let binary = column.as_binary::<i32>();
        for row in 0..binary.len() {
            if binary.is_null(row) {
                continue;
            }
            let other: AggState = postcard::from_bytes(binary.value(row))
                .map_err(|e| DataFusionError::Execution(format!("stats state: {e}")))?;
            self.state.merge(other);
        }
        Ok(())
    }
}

/// What the Ballista codec ships to an executor to rebuild an aggregation
/// there (`src/ballista.rs`).
#[cfg(feature = "ballista")]
impl StatsUdaf {
    /// The aggregation.
    pub(crate) fn aggregation(&self) -> &Aggregation {
        &self.agg
    }

    /// Its position among its `stats`'s aggregations (the `j` of
    /// `spl_stats_j`).
    pub(crate) fn position(&self) -> Option<usize> {
        self.name.strip_prefix("spl_stats_")?.parse().ok()
    }

    /// `stats allnum=...`.
    pub(crate) fn allnum(&self) -> bool {
        self.allnum
    }

    /// The search's start time.
    pub(crate) fn now(&self) -> f64 {
        self.now
    }

    /// The argument columns' field names.
    pub(crate) fn inputs(&self) -> &[String] {
        &self.inputs
    }
}
