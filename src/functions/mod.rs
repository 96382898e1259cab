//! Function registries: statistical (aggregation) functions for `stats` and
//! the commands that share it. Eval functions join here with `eval`.

pub mod stats;
