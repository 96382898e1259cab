//! `fieldformat`: refused with a clear error.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/fieldformat>:
//! `fieldformat <field>=<eval-expression>` changes only how a value is
//! *displayed*; the underlying value (what later commands, exports and
//! field-by-field comparison see) is unchanged. spelunk has no display
//! layer, so applying the expression to the values would give results
//! Splunk does not, and ignoring the command would silently drop the
//! requested formatting: it is an error that says to use `eval` instead.

use crate::commands::common::unsupported;
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::source::Span;
use crate::syntax::parser::Parser;

/// Refuses `fieldformat`, pointing at `eval`.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let (_, rest) = p.rest_of_command();
    Err(unsupported(
        "fieldformat",
        "`fieldformat` is not supported: it changes only how Splunk displays a value and spelunk has no display layer; use `eval` to change the value itself",
        name_span.to(rest),
    ))
}
