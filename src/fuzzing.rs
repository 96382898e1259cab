//! Entry points for the fuzz targets in `fuzz/` and their regression test
//! (`tests/fuzz_regressions.rs`). Not a stable API: each function feeds one
//! input to a reader or stage the way the engine does, and returns nothing
//! but "did not panic". Errors are the expected outcome of most inputs.

use crate::events::{EventSource, ReadOptions};
use crate::Event;

/// Reads `bytes` as the contents of an `-e` file named `name`: the same
/// whole-file path [`crate::events::read_source`] takes after reading a
/// file (un-gzipping, tar archives, content detection). Returns the number of
/// events read, or the error.
pub fn read_event_bytes(
    bytes: &[u8],
    name: &str,
    src: &EventSource,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Event),
) -> crate::Result<usize> {
    crate::events::read_file_bytes(bytes.to_vec(), name, src, opts, None, sink).map(|r| r.events)
}

/// Analyses a parsed pipeline as the engine does before running it (the
/// streaming prefix and the projection), for the `parse` target.
pub fn plan(pipeline: &crate::syntax::ast::Pipeline) -> usize {
    let plan = crate::plan::Plan::of(pipeline);
    plan.streaming_prefix + plan.projection.map_or(0, |p| p.fields.len())
}

/// Reads `chunk` as one chunk of an NDJSON `-e` file on the engine's
/// streaming path: `search`'s leading search gives the pre-filter and its
/// plan the projected fields, as in `Engine::run_sources`. Returns the
/// number of events read, or the error that setting the reader up gave.
pub fn stream_ndjson(
    pipeline: &crate::syntax::ast::Pipeline,
    chunk: &[u8],
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Event),
) -> crate::Result<usize> {
    use crate::commands::CommandArgs;
    use crate::events::prefilter::Prefilter;
    use crate::events::stream::LineReader;

    let source = EventSource::file("fuzz.json").with_sourcetype("_json");
    let st = crate::events::knowledge_for(&source, &opts.knowledge);
    let prefilter = match pipeline.commands.first().map(|c| &c.args) {
        Some(CommandArgs::Search(s)) => Prefilter::from_search(&s.expr, &st),
        _ => None,
    };
    let plan = crate::plan::Plan::of(pipeline);
    let reader = LineReader::new(&source, opts, plan.projection.as_ref(), prefilter)?;
    // The last time as the chunk's start: both of the reader's time
    // fallbacks run (`last_time` backwards, `read_chunk` forwards).
    let start = reader.last_time(chunk);
    Ok(reader.read_chunk(chunk, start, sink).events)
}
