//! `stats` aggregations as DataFusion aggregate functions: each keeps the
//! interpreter's own running state ([`AggState`]) per group, so `values`,
//! `dc`, `earliest`, `latest`, `min`/`max` (numbers before text), `avg`
//! and the rest give exactly what `stats` gives. Partial states travel
//! between partitions serialised (postcard), as they would between
//! machines.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, TypeSignature, Volatility,
};
use spelunk::backend::{update_aggregation, AggState};
use spelunk::commands::stats::Aggregation;
use spelunk::eval::EvalContext;
use spelunk::{Engine, Event};

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

impl StatsUdaf {
    /// What every accumulator of this aggregation shares, made once.
    fn shared(&self) -> Arc<Shared> {
        let shared = self.shared.get_or_init(|| {
            Arc::new(Shared {
                agg: self.agg.clone(),
                allnum: self.allnum,
                now: self.now,
                inputs: self.inputs.clone(),
                tz: self.engine.stage_context(self.now).tz,
            })
        });
        Arc::clone(shared)
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
        // One per group (without a BY clause, one in all).
        Ok(Box::new(StatsAccumulator {
            state: self.agg.func.start(),
            shared: self.shared(),
        }))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(StatsGroups {
            shared: self.shared(),
            states: Vec::new(),
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
        Ok(vec![ScalarValue::Binary(Some(state_bytes(&state)?))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        each_state(states.first(), |_, other| {
            self.state.merge(other);
        })
    }
}

/// All groups' running states of one aggregation in one vector, indexed by
/// DataFusion's group number: one call per batch rather than one
/// [`StatsAccumulator`] (and one sliced batch) per group, which cost
/// memory and time in proportion to the number of groups.
#[derive(Debug)]
struct StatsGroups {
    shared: Arc<Shared>,
    states: Vec<AggState>,
}

impl StatsGroups {
    fn grow(&mut self, total_num_groups: usize) {
        let start = self.shared.agg.func;
        if self.states.len() < total_num_groups {
            self.states.resize_with(total_num_groups, || start.start());
        }
    }

    /// Feeds each kept row of the batch `values` to `apply`, as the event
    /// `stats` would see.
    fn each_event(
        &self,
        values: &[ArrayRef],
        rows: usize,
        opt_filter: Option<&BooleanArray>,
        mut apply: impl FnMut(usize, &Event, &EvalContext) -> Result<()>,
    ) -> Result<()> {
        let shared = &self.shared;
        // The first argument only carries the row count.
        let events = rows_as_events(&shared.inputs, values.get(1..).unwrap_or_default(), rows)?;
        let ectx = EvalContext::at(shared.now, shared.tz);
        for (row, event) in events.iter().enumerate() {
            let kept = opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row));
            if kept {
                apply(row, event, &ectx)?;
            }
        }
        Ok(())
    }
}

/// A state as the bytes that travel between partitions.
fn state_bytes(state: &AggState) -> Result<Vec<u8>> {
    postcard::to_allocvec(state)
        .map_err(|e| DataFusionError::Execution(format!("stats state: {e}")))
}

/// The states of a state column (nulls skipped), with their rows.
fn each_state(column: Option<&ArrayRef>, mut apply: impl FnMut(usize, AggState)) -> Result<()> {
    let Some(column) = column else {
        return Ok(());
    };
    let binary = column.as_binary::<i32>();
    for row in 0..binary.len() {
        if binary.is_null(row) {
            continue;
        }
        let state: AggState = postcard::from_bytes(binary.value(row))
            .map_err(|e| DataFusionError::Execution(format!("stats state: {e}")))?;
        apply(row, state);
    }
    Ok(())
}

impl GroupsAccumulator for StatsGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let mut states = std::mem::take(&mut self.states);
        let fed = self.each_event(
            values,
            group_indices.len(),
            opt_filter,
            |row, event, ectx| {
                let state = states
                    .get_mut(group_indices[row])
                    .ok_or_else(|| DataFusionError::Internal("stats: group out of range".into()))?;
                update_aggregation(&self.shared.agg, state, event, ectx).map_err(external)
            },
        );
        self.states = states;
        fed
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let allnum = self.shared.allnum;
        let values: Vec<_> = emit_to
            .take_needed(&mut self.states)
            .into_iter()
            .map(|state| state.finish_in(allnum, None))
            .collect();
        values_array(&values)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let states = emit_to.take_needed(&mut self.states);
        let mut builder = BinaryBuilder::with_capacity(states.len(), states.len() * 16);
        for state in &states {
            builder.append_value(state_bytes(state)?);
        }
        Ok(vec![Arc::new(builder.finish())])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let states = &mut self.states;
        let mut missing = false;
        each_state(values.first(), |row, other| {
            match group_indices.get(row).and_then(|&g| states.get_mut(g)) {
                Some(state) => {
                    state.merge(other);
                }
                None => missing = true,
            }
        })?;
        match missing {
            true => Err(DataFusionError::Internal(
                "stats: group out of range".into(),
            )),
            false => Ok(()),
        }
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // Each row its own group: a fresh state fed that row (or left
        // fresh when the filter drops it).
        let rows = values.first().map_or(0, |a| a.len());
        let mut states: Vec<AggState> = (0..rows).map(|_| self.shared.agg.func.start()).collect();
        self.each_event(values, rows, opt_filter, |row, event, ectx| {
            update_aggregation(&self.shared.agg, &mut states[row], event, ectx).map_err(external)
        })?;
        let mut builder = BinaryBuilder::with_capacity(rows, rows * 16);
        for state in &states {
            builder.append_value(state_bytes(state)?);
        }
        Ok(vec![Arc::new(builder.finish())])
    }

    fn size(&self) -> usize {
        // The states' own heaps (dc and values sets) are not counted: that
        // would mean visiting every group per batch.
        std::mem::size_of_val(self) + self.states.capacity() * std::mem::size_of::<AggState>()
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

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{BooleanArray, StringArray};
    use spelunk::commands::CommandArgs;

    /// The aggregations of `text`, a `stats` command.
    fn aggregations(text: &str) -> Vec<Aggregation> {
        let pipeline = spelunk::syntax::parse(text).expect("parses");
        match &pipeline.commands[0].args {
            CommandArgs::Stats(stats) => stats.aggs.clone(),
            other => panic!("not stats: {other:?}"),
        }
    }

    fn groups(agg: Aggregation) -> StatsGroups {
        let engine = Arc::new(Engine::new().expect("the bundled defaults load"));
        let udaf = StatsUdaf::new(engine, agg, 0, false, 0.0, vec!["x".into()]);
        StatsGroups {
            shared: udaf.shared(),
            states: Vec::new(),
        }
    }

    /// The row-count column, then `x`.
    fn batch(xs: &[Option<&str>]) -> Vec<ArrayRef> {
        let x: ArrayRef = Arc::new(StringArray::from(xs.to_vec()));
        vec![Arc::clone(&x), x]
    }

    fn texts(array: &ArrayRef) -> Vec<Option<spelunk::Value>> {
        (0..array.len())
            .map(|i| crate::columns::value_at(array.as_ref(), i, "v").expect("reads"))
            .collect()
    }

    /// DataFusion may skip the partial aggregation and send each row as its
    /// own state (`convert_to_state`); merging those must give what
    /// updating the groups directly gives, the filter and EmitTo::First
    /// included.
    #[test]
    fn row_states_merge_to_the_direct_answer() {
        for text in [
            "| stats dc(x) as v",
            "| stats values(x) as v",
            "| stats count(x) as v",
        ] {
            let agg = aggregations(text).remove(0);
            let rows = batch(&[Some("b"), Some("a"), None, Some("b"), Some("c")]);
            let group_indices = [0, 1, 0, 0, 1];
            let filter = BooleanArray::from(vec![true, true, true, true, false]);

            let mut direct = groups(agg.clone());
            direct
                .update_batch(&rows, &group_indices, Some(&filter), 2)
                .expect("updates");

            let mut merged = groups(agg);
            let states = merged
                .convert_to_state(&rows, Some(&filter))
                .expect("row states");
            merged
                .merge_batch(&states, &group_indices, 2)
                .expect("merges");

            let first = texts(&merged.evaluate(EmitTo::First(1)).expect("first"));
            let rest = texts(&merged.evaluate(EmitTo::All).expect("rest"));
            let want = texts(&direct.evaluate(EmitTo::All).expect("all"));
            assert_eq!([first, rest].concat(), want, "{text}");
            assert_eq!(want.len(), 2, "{text}");
        }
    }
}
