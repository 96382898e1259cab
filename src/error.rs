//! Errors, as data. Rendering them with a source snippet is done in one place,
//! [`crate::diagnostic`].

use crate::source::Span;

/// Which text an error's span points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanIn {
    /// The text exactly as the user wrote it (macro expansion errors).
    User,
    /// The macro-expanded text (everything after expansion).
    Expanded,
}

/// Everything that can go wrong, from loading configuration to running a search.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Macro expansion failed; the span is in the user's text.
    #[error("{kind}")]
    Macro {
        /// What went wrong.
        kind: MacroError,
        /// The backtick call (or unclosed backtick) in the user's text.
        span: Span,
    },
    /// The search text does not parse.
    #[error("syntax error: expected {expected}, found {found}")]
    Syntax {
        /// What the parser expected, in words.
        expected: String,
        /// What it found instead (a short excerpt, or `end of search`).
        found: String,
        /// Where, in the expanded text.
        span: Span,
    },
    /// An eval function that does not exist (or is not implemented).
    #[error("unknown eval function `{name}`{}", crate::suggest::hint(.suggestion))]
    UnknownFunction {
        /// The function name as written.
        name: String,
        /// The nearest known function, when the name looks like a typo.
        suggestion: Option<String>,
        /// The name's span in the expanded text.
        span: Span,
    },
    /// A command this interpreter does not implement.
    #[error("command `{name}` {}", unsupported_why(.suggestion, .offline))]
    UnsupportedCommand {
        /// The command's name as written.
        name: String,
        /// The nearest supported command, when the name looks like a typo.
        suggestion: Option<String>,
        /// Why it cannot run offline, when it is a Splunk command that
        /// needs a server (`crate::commands::NOT_OFFLINE`).
        offline: Option<&'static str>,
        /// The command name's span in the expanded text.
        span: Span,
    },
    /// A command that only a Splunk app spelunk does not ship provides
    /// (the Machine Learning Toolkit's `apply` and `fit`, CyberChef for
    /// Splunk's `cyberchef`): the search is fine, the app is missing.
    #[error("command `{command}` needs the {app} app, which spelunk does not ship")]
    NeedsApp {
        /// The command's name as written.
        command: String,
        /// The app that provides it, by name.
        app: &'static str,
        /// The command name's span in the expanded text.
        span: Span,
    },
    /// A command's arguments or options are wrong.
    #[error("{command}: {message}")]
    BadArgument {
        /// The command.
        command: String,
        /// What is wrong.
        message: String,
        /// Where, in the expanded text.
        span: Span,
    },
    /// Something spelunk recognises but does not implement: an option, a
    /// mode, a form of a command. Told apart from a wrong search (which is
    /// [`Error::BadArgument`]) so a run over many detections can say what is
    /// missing rather than what is broken.
    #[error("{}{message}", .command.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
    Unsupported {
        /// The command the feature belongs to, when there is one.
        command: Option<String>,
        /// What is not supported, in words (it says "not supported").
        message: String,
        /// Where, in the expanded text.
        span: Span,
    },
    /// A configuration setting spelunk reads but does not implement (e.g.
    /// an unknown `KV_MODE`): the file is fine, spelunk is not there yet.
    #[error("{file}:{line}: {message}")]
    UnsupportedSetting {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is not supported, in words.
        message: String,
    },
    /// A data model a search names is unknown, or cannot run as defined
    /// (unknown dataset, a constraint that does not parse, GeoIP).
    #[error("{message}")]
    DataModel {
        /// What is wrong, naming the model and dataset.
        message: String,
        /// The command that names the model.
        span: Span,
    },
    /// A lookup is missing or unreadable.
    #[error("lookup `{name}`: {message}")]
    Lookup {
        /// The lookup name as written.
        name: String,
        /// What is wrong.
        message: String,
        /// Where it is named in the search, if it is.
        span: Option<Span>,
    },
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's or decoder's message.
        message: String,
    },
    /// A configuration file (`macros.conf`, `props.conf`, a YAML definition)
    /// is malformed.
    #[error("{file}:{line}: {message}")]
    Config {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An event line is not valid JSON, or part of an `.evtx` file is
    /// damaged (an error only under `--strict`).
    #[error("{}: malformed event: {message}", file_location(file, *line))]
    MalformedEvent {
        /// The events file (`-` for stdin).
        file: String,
        /// 1-based line; 0 for a binary file (the message names the place).
        line: usize,
        /// The JSON parser's message.
        message: String,
    },
    /// The command line or API call itself is wrong (e.g. no search given).
    #[error("{0}")]
    Usage(String),
    /// A command would hold more than the search's memory budget
    /// (`--max-memory`, see [`crate::exec::memory`]).
    #[error(
        "{command}: memory budget exceeded: what it holds would need more than {}; raise the budget with --max-memory (for example --max-memory {}) or make the search hold fewer rows",
        crate::exec::memory::format_size(*limit),
        crate::exec::memory::format_size(limit.saturating_mul(4))
    )]
    MemoryBudget {
        /// The command charging the memory.
        command: String,
        /// The budget, in bytes.
        limit: u64,
        /// The command in the expanded text, when known.
        span: Option<Span>,
    },
    /// A runtime failure while running the search.
    #[error("{message}")]
    Runtime {
        /// What went wrong.
        message: String,
        /// The command or expression that failed, in the expanded text.
        span: Option<Span>,
    },
}

/// Why macro expansion failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MacroError {
    /// No stanza defines the macro with this many arguments.
    #[error("macro `{name}` with {arity} argument(s) is not defined{}{}", available_hint(.available), crate::suggest::hint(&.suggestion.as_deref().map(str::to_string)))]
    Undefined {
        /// The macro name.
        name: String,
        /// The number of arguments in the call.
        arity: usize,
        /// Argument counts the macro *is* defined with, if any.
        available: Vec<usize>,
        /// The nearest defined macro name, when the name looks like a typo
        /// (boxed to keep errors small).
        suggestion: Option<Box<str>>,
    },
    /// A macro expands (directly or not) into a call to itself.
    #[error("macro `{}` calls itself: {}", .chain.last().map(String::as_str).unwrap_or(""), .chain.join(" -> "))]
    Cycle {
        /// The calls from the outermost to the repeated one.
        chain: Vec<String>,
    },
    /// Expansion nested deeper than the limit.
    #[error("macro expansion nested deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// Expansion produced more text than the limit (macros calling each
    /// other several times grow exponentially).
    #[error("macro expansion produced more than {limit} bytes")]
    TooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A backtick with no closing backtick.
    #[error("unclosed backtick: a macro call must end with `")]
    UnclosedBacktick,
    /// A ```` ``` ```` comment with no closing ```` ``` ````.
    #[error("unclosed comment: a ``` comment must end with ```")]
    UnclosedComment,
    /// A macro call whose argument list is malformed.
    #[error("macro `{name}`: {message}")]
    BadCall {
        /// The macro name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// An `iseval = 1` macro or one with `validation`: needs the eval engine.
    #[error("macro `{name}`: {feature} is not supported yet (needs eval)")]
    NeedsEval {
        /// The macro name.
        name: String,
        /// `iseval` or `validation`.
        feature: String,
    },
    /// A macro's `validation` expression was false.
    #[error("macro `{name}`: {message}")]
    ValidationFailed {
        /// The macro name.
        name: String,
        /// The macro's `errormsg`, or a default.
        message: String,
    },
}

fn available_hint(available: &[usize]) -> String {
    if available.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = available.iter().map(|n| n.to_string()).collect();
        format!(" (it is defined with {} argument(s))", list.join(", "))
    }
}

impl Error {
    /// The error's span and which text it points into, if it has one.
    pub fn span(&self) -> Option<(Span, SpanIn)> {
        match self {
            Error::Macro { span, .. } => Some((*span, SpanIn::User)),
            Error::Syntax { span, .. }
            | Error::UnsupportedCommand { span, .. }
            | Error::NeedsApp { span, .. }
            | Error::UnknownFunction { span, .. }
            | Error::BadArgument { span, .. }
            | Error::Unsupported { span, .. }
            | Error::DataModel { span, .. } => Some((*span, SpanIn::Expanded)),
            Error::Lookup { span, .. }
            | Error::Runtime { span, .. }
            | Error::MemoryBudget { span, .. } => span.map(|s| (s, SpanIn::Expanded)),
            Error::Io { .. }
            | Error::Config { .. }
            | Error::UnsupportedSetting { .. }
            | Error::MalformedEvent { .. }
            | Error::Usage(_) => None,
        }
    }

    /// Which part of the input is at fault: the search, the data and
    /// knowledge it runs over, the run itself, or the invocation. The CLI's
    /// exit code and the Python exception class both follow it.
    pub fn category(&self) -> ErrorCategory {
        match self {
            Error::Macro { .. }
            | Error::Syntax { .. }
            | Error::UnsupportedCommand { .. }
            | Error::UnknownFunction { .. }
            | Error::BadArgument { .. }
            | Error::Unsupported { .. }
            | Error::DataModel { .. } => ErrorCategory::Search,
            // Like a missing lookup: the search is right, what it runs
            // with is not there.
            Error::Lookup { .. } | Error::Runtime { .. } | Error::NeedsApp { .. } => {
                ErrorCategory::Execution
            }
            Error::Io { .. }
            | Error::Config { .. }
            | Error::UnsupportedSetting { .. }
            | Error::MalformedEvent { .. } => ErrorCategory::Input,
            Error::Usage(_) => ErrorCategory::Usage,
            Error::MemoryBudget { .. } => ErrorCategory::Resource,
        }
    }

    /// The variant's name in snake case (`syntax`, `bad_argument`, ...), for
    /// embedders that tell errors apart without matching on the enum.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Macro { .. } => "macro",
            Error::Syntax { .. } => "syntax",
            Error::UnsupportedCommand { .. } => "unsupported_command",
            Error::NeedsApp { .. } => "needs_app",
            Error::UnknownFunction { .. } => "unknown_function",
            Error::BadArgument { .. } => "bad_argument",
            Error::Unsupported { .. } => "unsupported",
            Error::UnsupportedSetting { .. } => "unsupported_setting",
            Error::DataModel { .. } => "data_model",
            Error::Lookup { .. } => "lookup",
            Error::Runtime { .. } => "runtime",
            Error::MemoryBudget { .. } => "memory_budget",
            Error::Io { .. } => "io",
            Error::Config { .. } => "config",
            Error::MalformedEvent { .. } => "malformed_event",
            Error::Usage(_) => "usage",
        }
    }

    /// Whether the error is about something spelunk does not implement yet
    /// (a command, an option, a macro needing eval, a setting), as opposed
    /// to a search, file or call that is wrong.
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            Error::UnsupportedCommand { .. }
                | Error::NeedsApp { .. }
                | Error::Unsupported { .. }
                | Error::UnsupportedSetting { .. }
                | Error::Macro {
                    kind: MacroError::NeedsEval { .. },
                    ..
                }
        )
    }

    /// A few words to put under the text the error points at.
    pub fn label(&self) -> String {
        match self {
            Error::Macro { kind, .. } => match kind {
                MacroError::Undefined { .. } => "this macro is not defined",
                MacroError::Cycle { .. } => "this call expands into itself",
                MacroError::TooDeep { .. } | MacroError::TooLong { .. } => "expanding this call",
                MacroError::UnclosedBacktick => "this backtick is never closed",
                MacroError::UnclosedComment => "this comment is never closed",
                MacroError::BadCall { .. } => "in this call",
                MacroError::NeedsEval { .. } => "this macro needs eval",
                MacroError::ValidationFailed { .. } => {
                    "these arguments fail the macro's validation"
                }
            }
            .to_string(),
            Error::Syntax { expected, .. } => format!("expected {expected}"),
            Error::UnknownFunction { .. } => "unknown function".to_string(),
            Error::UnsupportedCommand {
                offline: Some(_), ..
            } => "needs a Splunk server".to_string(),
            Error::NeedsApp { app, .. } => format!("needs the {app} app"),
            Error::UnsupportedCommand { .. } | Error::Unsupported { .. } => {
                "not supported".to_string()
            }
            Error::Lookup { .. } => "this lookup".to_string(),
            Error::Runtime { .. } => "failed here".to_string(),
            Error::MemoryBudget { .. } => "holds more than the memory budget".to_string(),
            _ => "here".to_string(),
        }
    }

    /// Advice on what to do about the error, when there is some.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Macro {
                kind: MacroError::Undefined { .. },
                ..
            } => Some(
                "give the file or folder that defines it with -m (macros.conf or security_content macro .yml), or an app with --app".into(),
            ),
            Error::Macro {
                kind: MacroError::UnclosedBacktick,
                ..
            } => Some("a literal backtick inside a quoted string is fine; elsewhere close the call with `".into()),
            Error::UnsupportedCommand {
                name,
                suggestion: None,
                offline: None,
                ..
            } if crate::suggest::SPLUNK_COMMANDS.contains(&name.to_ascii_lowercase().as_str()) =>
            {
                Some(format!(
                    "`{name}` is a Splunk command spelunk does not run yet; README lists the commands it supports"
                ))
            }
            Error::NeedsApp { command, .. } => Some(format!(
                "run this search in Splunk with the app installed, or remove `{command}` from it"
            )),
            Error::Lookup { .. } => Some(
                "give the folder holding the lookup's file (or its transforms.conf) with -l, or an app with --app".into(),
            ),
            _ => None,
        }
    }

    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl std::fmt::Display, err: impl std::fmt::Display) -> Error {
        Error::Io {
            path: path.to_string(),
            message: err.to_string(),
        }
    }
}

/// Which part of the input an [`Error`] blames (see [`Error::category`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCategory {
    /// The search text: syntax, macros, commands, arguments, data models.
    Search,
    /// Running the search: a lookup, a runtime failure.
    Execution,
    /// The files it reads: events, confs, definitions.
    Input,
    /// The invocation itself.
    Usage,
    /// A resource limit the run hit: the memory budget (`--max-memory`).
    Resource,
}

/// The rest of an unsupported command's message: why it cannot run
/// offline, or "not supported yet" with any "did you mean".
fn unsupported_why(suggestion: &Option<String>, offline: &Option<&'static str>) -> String {
    match offline {
        Some(why) => format!("cannot run offline: {why}"),
        None => format!("is not supported yet{}", crate::suggest::hint(suggestion)),
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `file:line`, or just `file` when the line is unknown (0), as for a
/// binary `.evtx` file whose problems name a chunk and byte offset instead.
pub fn file_location(file: &str, line: usize) -> String {
    if line == 0 {
        file.to_string()
    } else {
        format!("{file}:{line}")
    }
}
