//! Function registries: statistical (aggregation) functions for `stats` and
//! the commands that share it, and eval functions for `eval`, `where` and
//! every other place an eval expression is accepted.

pub mod eval;
pub mod stats;
