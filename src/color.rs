//! Whether to colour what a stream shows: the `--color` flag, then the
//! environment conventions other command-line tools honour.
//!
//! The order, for `auto` (the default):
//! 1. `NO_COLOR` set to any non-empty value: never (<https://no-color.org>).
//! 2. `CLICOLOR_FORCE` set and not `0`: always, even into a pipe
//!    (<https://bixense.com/clicolors/>).
//! 3. `CLICOLOR=0` or `TERM=dumb`: never.
//! 4. Otherwise: only when the stream is a terminal.
//!
//! `--color always|never` is the user's choice for this one run, and per
//! no-color.org a command-line argument overrides `NO_COLOR`. The order of
//! 1 and 2 is the one `anstream` (clap's own colouring) follows.

use std::io::IsTerminal;

/// `--color`'s value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour a terminal, unless the environment says otherwise.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl std::str::FromStr for ColorChoice {
    type Err = String;

    /// `auto`, `always` or `never`, as `--color` takes them (any case).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "auto" => Ok(ColorChoice::Auto),
            "always" => Ok(ColorChoice::Always),
            "never" => Ok(ColorChoice::Never),
            _ => Err(format!(
                "unknown colour choice `{text}` (expected auto, always or never)"
            )),
        }
    }
}

/// An output stream colour may be written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// Whether the stream is a terminal.
    pub fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// Whether `stream` gets colour under `choice`, reading this process's
/// environment.
pub fn enabled(choice: ColorChoice, stream: Stream) -> bool {
    decide(
        choice,
        |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
        || stream.is_terminal(),
    )
}

/// The decision itself, with the environment and the terminal test given
/// (so it can be tested without touching the process's environment).
pub fn decide(
    choice: ColorChoice,
    env: impl Fn(&str) -> Option<String>,
    is_terminal: impl FnOnce() -> bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                return false;
            }
            if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                return true;
            }
            if env("CLICOLOR").is_some_and(|v| v == "0") || env("TERM").is_some_and(|v| v == "dumb")
            {
                return false;
            }
            is_terminal()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)], choice: ColorChoice, tty: bool) -> bool {
        decide(
            choice,
            |name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            },
            || tty,
        )
    }

    #[test]
    fn auto_follows_the_terminal() {
        assert!(with(&[], ColorChoice::Auto, true));
        assert!(!with(&[], ColorChoice::Auto, false));
    }

    #[test]
    fn no_color_needs_a_non_empty_value_and_beats_force() {
        assert!(!with(&[("NO_COLOR", "1")], ColorChoice::Auto, true));
        assert!(with(&[("NO_COLOR", "")], ColorChoice::Auto, true));
        assert!(!with(
            &[("NO_COLOR", "x"), ("CLICOLOR_FORCE", "1")],
            ColorChoice::Auto,
            true
        ));
    }

    #[test]
    fn clicolor_force_colours_a_pipe_unless_zero() {
        assert!(with(&[("CLICOLOR_FORCE", "1")], ColorChoice::Auto, false));
        assert!(!with(&[("CLICOLOR_FORCE", "0")], ColorChoice::Auto, false));
        assert!(!with(&[("CLICOLOR", "0")], ColorChoice::Auto, true));
        assert!(!with(&[("TERM", "dumb")], ColorChoice::Auto, true));
    }

    #[test]
    fn the_flag_overrides_the_environment() {
        assert!(with(&[("NO_COLOR", "1")], ColorChoice::Always, false));
        assert!(!with(&[("CLICOLOR_FORCE", "1")], ColorChoice::Never, true));
    }
}
