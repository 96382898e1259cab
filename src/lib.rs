//! spelunk: a Splunk-compatible SPL interpreter. It runs detection searches
//! exactly as written (backtick macros, subsearches, lookups) offline, over
//! JSON events, and gives the rows Splunk would.
//!
//! ```text
//! search text ──expand──▶ Expanded {text, SourceMap}      (macros, comments)
//!             ──syntax::parse──▶ Pipeline                  (spanned AST)
//!             ──datamodel::lower──▶ Pipeline               (tstats, datamodel: plain commands)
//!             ──plan::Plan::of──▶ streaming prefix, projection (the fast path)
//!             ──exec::run_pipeline──▶ rows                 (subsearches first)
//!             ──output::write──▶ table / csv / json / ndjson
//! ```
//!
//! `ARCHITECTURE.md` at the repository root draws each stage with the
//! functions involved; `docs/semantics.md` lists the Splunk rules followed.
//!
//! # Example
//!
//! ```
//! use spelunk::{Engine, Event, Value};
//!
//! let engine = Engine::new().expect("bundled defaults load");
//! let mut a = Event::new();
//! a.set("_time", Value::Num(1_700_000_000.0));
//! a.set("user", Value::from("alice"));
//! a.set("action", Value::from("login"));
//! let mut b = a.clone();
//! b.set("user", Value::from("bob"));
//!
//! let results = engine
//!     .run_events("action=LOGIN | stats count by user", vec![a, b])
//!     .expect("the search runs");
//! assert_eq!(results.columns, ["user", "count"]);
//! assert_eq!(results.rows.len(), 2);
//! assert_eq!(results.rows[0].get("user"), Some(&Value::from("alice")));
//! ```
#![forbid(unsafe_code)]

pub mod backend;
pub mod color;
pub mod commands;
pub mod conf;
pub(crate) mod datamodel;
pub mod detection;
pub(crate) mod diagnostic;
pub mod engine;
pub mod engine_options;
pub(crate) mod error;
pub mod eval;
pub mod event;
pub mod events;
pub(crate) mod exec;
pub mod expand;
pub(crate) mod explain;
pub mod functions;
#[doc(hidden)]
pub mod fuzzing;
pub mod hunt;
pub mod knowledge;
pub mod lint;
pub mod lookup;
pub mod output;
pub(crate) mod parallel;
pub(crate) mod plan;
pub mod reference;
pub(crate) mod regex_compat;
pub mod source;
pub(crate) mod suggest;
pub mod syntax;
pub mod testing;
pub(crate) mod timefmt;
pub(crate) mod timespan;
pub(crate) mod value;
pub mod walk;
pub mod xml_fields;

pub use diagnostic::Diagnostic;
pub use engine::{Engine, LoadedEvents, Query, RunOutput, SearchResults};
pub use engine_options::EngineOptions;
pub use error::{Error, ErrorCategory, MacroError, Result, SpanIn};
pub use event::Event;
pub use events::EventSource;
pub use exec::memory;
pub use exec::Limits;
pub use explain::{Explain, FileSummary, MissingField, Stage};
pub use value::Value;
