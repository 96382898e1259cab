//! `datamodel <Model> <Dataset> search|flat`: the events of a data model
//! dataset (Search Reference, "datamodel",
//! <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/datamodel>).
//!
//! In `search` mode the dataset's fields are named `<dataset lineage>.<field>`
//! (as `tstats` names them); `flat` mode gives the same events with the
//! plain field names. The engine lowers the command into the dataset's
//! constraint search and calculated fields
//! ([`crate::datamodel::lower`]). Without a mode it returns JSON, as
//! [`crate::commands::datamodelsimple`] runs it: `| datamodel` one result
//! per loaded model, `| datamodel <M>` that model's, `| datamodel <M> <D>`
//! the dataset's `objects[]` entry, each in `_raw` (docs/semantics.md#other-commands).
//! The modes that return the generated search text are not supported.

use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;

/// A parsed `datamodel` (also used for `from datamodel:<Model>.<Dataset>`).
#[derive(Debug, Clone, PartialEq)]
pub struct DatamodelSearch {
    /// The model name.
    pub model: String,
    /// The dataset name.
    pub dataset: String,
    /// Field names get the `<lineage>.` prefix (`datamodel ... search`);
    /// plain for `flat` and for `from`.
    pub prefixed: bool,
    /// The command as written (for errors found when lowering).
    pub span: Span,
    /// `datamodel` or `from`, for messages.
    pub command: &'static str,
}

const OPTIONS: &[&str] = &["strict_fields", "allow_old_summaries", "summariesonly"];

/// Parses `datamodel`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    options(p)?;
    let unsupported = |message: &str, span: Span| Error::Unsupported {
        command: Some("datamodel".into()),
        message: message.into(),
        span,
    };
    let json = |model: Option<String>, object: Option<String>, p: &Parser| {
        CommandArgs::Datamodelsimple(crate::commands::datamodelsimple::Datamodelsimple {
            listing: crate::commands::datamodelsimple::Listing::Json,
            datamodel: model,
            object,
            span: name_span.to(p.last_span()),
        })
    };
    if p.at_command_end() {
        return Ok(json(None, None, p));
    }
    let (model, _) = p.value("a data model name")?;
    options(p)?;
    if p.at_command_end() {
        return Ok(json(Some(model), None, p));
    }
    let (dataset, _) = p.value("a dataset name")?;
    options(p)?;
    let prefixed = if p.at_command_end() {
        return Ok(json(Some(model), Some(dataset), p));
    } else {
        let (mode, mode_span) = p.word("a search mode such as `search`")?;
        match mode.to_ascii_lowercase().as_str() {
            "search" => true,
            "flat" => false,
            other => {
                return Err(unsupported(
                    &format!(
                        "search mode `{other}` is not supported yet (`search` and `flat` are)"
                    ),
                    mode_span,
                ))
            }
        }
    };
    options(p)?;
    Ok(CommandArgs::Datamodel(DatamodelSearch {
        model,
        dataset,
        prefixed,
        span: name_span.to(p.last_span()),
        command: "datamodel",
    }))
}

/// Reads (and checks) the options, which change nothing offline.
fn options(p: &mut Parser) -> Result<()> {
    for (key, value, span) in p.options(OPTIONS)? {
        crate::commands::common::bool_opt("datamodel", &key, &value, span)?;
    }
    Ok(())
}

/// Parses `from datamodel:<Model>.<Dataset>` (also `from datamodel <Model>.<Dataset>`).
pub fn parse_from(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let (first, first_span) = p.value("`datamodel:<Model>.<Dataset>`")?;
    let (kind, rest) = match first.split_once(':') {
        Some((kind, rest)) => (kind.to_string(), rest.to_string()),
        None => {
            let rest = if p.at_command_end() {
                String::new()
            } else {
                p.value("`<Model>.<Dataset>`")?.0
            };
            (first.clone(), rest)
        }
    };
    if !kind.eq_ignore_ascii_case("datamodel") {
        return Err(Error::BadArgument {
            command: "from".into(),
            message: format!(
                "`from {kind}` is not supported yet (`from datamodel:<Model>.<Dataset>` is)"
            ),
            span: first_span,
        });
    }
    let Some((model, dataset)) = rest.split_once('.') else {
        return Err(Error::BadArgument {
            command: "from".into(),
            message: format!("expected `datamodel:<Model>.<Dataset>`, found `{first} {rest}`"),
            span: first_span.to(p.last_span()),
        });
    };
    Ok(CommandArgs::Datamodel(DatamodelSearch {
        model: model.to_string(),
        dataset: dataset.to_string(),
        prefixed: false,
        span: name_span.to(p.last_span()),
        command: "from",
    }))
}

impl super::Command for DatamodelSearch {
    /// Runs only once lowered: the command must start the search.
    fn apply<'a>(&'a self, _input: Rows<'a>, _ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        Err(Error::BadArgument {
            command: self.command.into(),
            message: format!(
                "{} is a generating command: it must start the search (`| {} ...`)",
                self.command, self.command
            ),
            span: self.span,
        })
    }
}

/// The registry entries of `datamodel`, `from`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "datamodel",
        aliases: &[],
        parse,
    },
    super::CommandSpec {
        name: "from",
        aliases: &[],
        parse: parse_from,
    },
];
