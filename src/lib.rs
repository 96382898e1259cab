//! spelunk: a Splunk-compatible SPL interpreter.
#![forbid(unsafe_code)]

pub mod conf;
pub mod error;
pub mod event;
pub mod expand;
pub mod source;
pub mod value;

pub use error::{Error, Result};
pub use event::Event;
pub use value::Value;
