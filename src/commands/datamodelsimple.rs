//! `datamodelsimple`: the names of the loaded data models, of a model's
//! datasets, or of a dataset's attributes.
//!
//! Docs: the Search Reference's "datamodelsimple" page sends to the CIM
//! Add-on Manual, "Use the CIM to validate your data"
//! (<https://help.splunk.com/en/data-management/common-information-model/8.5/using-the-common-information-model/use-the-cim-to-validate-your-data>):
//! `| datamodelsimple type=<models|objects|attributes> datamodel=<model name>
//! object=<dataset name> nodename=<dataset lineage>`. `datamodel` is
//! required for `objects` and `attributes`, `object` (or `nodename`, whose
//! last part names the dataset) for `attributes`.
//!
//! Output, as the CIM add-on's command gives it (docs/semantics.md#data-models):
//! - `type=models` (the default): one result per model, `datamodel`, in
//!   name order;
//! - `type=objects`: one per dataset in the model's order, `object` and
//!   `lineage` (e.g. `Authentication.Failed_Authentication`);
//! - `type=attributes`: for an event dataset first the base event
//!   attributes `_time`, `_raw`, `source`, `sourcetype`, `host` (their
//!   `lineage` is their name), then, from the root down to the dataset,
//!   each dataset's declared fields and calculated fields, `attribute`
//!   with `lineage` `<dataset lineage>.<attribute>`.
//!
//! The models are those spelunk loads: the bundled CIM models and the
//! `data/models/*.json` of `--app` folders.

use crate::commands::common::{at_option, bad, option, unknown_option};
use crate::commands::CommandArgs;
use crate::datamodel::{DataModels, Root};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "datamodelsimple";

/// The attributes every event dataset has, in the CIM add-on's order.
const BASE_EVENT_ATTRIBUTES: &[&str] = &["_time", "_raw", "source", "sourcetype", "host"];

/// What `datamodelsimple` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `type=models`.
    Models,
    /// `type=objects`.
    Objects,
    /// `type=attributes`.
    Attributes,
    /// `| datamodel [<M> [<D>]]` without a mode: the JSON of every model,
    /// of one model, or of one dataset, in `_raw`.
    Json,
}

/// `| datamodelsimple type=attributes datamodel=Authentication nodename=Authentication.Failed_Authentication`.
#[derive(Debug, Clone, PartialEq)]
pub struct Datamodelsimple {
    /// What to list.
    pub listing: Listing,
    /// `datamodel=`.
    pub datamodel: Option<String>,
    /// The dataset: `object=`, else the last part of `nodename=`.
    pub object: Option<String>,
    /// The command as written, for errors.
    pub span: Span,
}

/// Parses `datamodelsimple`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut listing = Listing::Models;
    let mut datamodel = None;
    let mut object = None;
    let mut nodename: Option<String> = None;
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "type" => {
                listing = match value.to_ascii_lowercase().as_str() {
                    "models" => Listing::Models,
                    "objects" => Listing::Objects,
                    "attributes" => Listing::Attributes,
                    _ => {
                        return Err(bad(
                            C,
                            format!(
                                "`type` must be models, objects or attributes, found `{value}`"
                            ),
                            span,
                        ))
                    }
                }
            }
            "datamodel" => datamodel = Some(value),
            "object" => object = Some(value),
            "nodename" => nodename = Some(value),
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(p.expected(
            "`type=`, `datamodel=`, `object=`, `nodename=` or the end of `datamodelsimple`",
        ));
    }
    let span = name_span.to(p.last_span());
    if object.is_none() {
        object = nodename.and_then(|n| n.rsplit('.').next().map(str::to_string));
    }
    match listing {
        Listing::Objects if datamodel.is_none() => {
            return Err(bad(
                C,
                "type=objects needs `datamodel=` (the model whose datasets to list)",
                span,
            ))
        }
        Listing::Attributes if datamodel.is_none() || object.is_none() => {
            return Err(bad(
                C,
                "type=attributes needs `datamodel=` and `object=` (or `nodename=`, the dataset's lineage)",
                span,
            ))
        }
        _ => {}
    }
    Ok(CommandArgs::Datamodelsimple(Datamodelsimple {
        listing,
        datamodel,
        object,
        span,
    }))
}

impl Datamodelsimple {
    /// `| datamodel [<M> [<D>]]`: one result per model (or the one named,
    /// or its dataset's `objects[]` entry) with its JSON, compacted, in
    /// `_raw`.
    fn json_rows(&self, models: &DataModels) -> Result<Vec<Event>> {
        let names: Vec<&str> = match &self.datamodel {
            Some(n) => vec![n.as_str()],
            None => models.names(),
        };
        let mut out = Vec::new();
        for name in names {
            let not_loaded = || Error::DataModel {
                message: format!(
                    "no data model `{name}` is loaded (loaded: {})",
                    models.names().join(", ")
                ),
                span: self.span,
            };
            let text = models.json(name).ok_or_else(not_loaded)?;
            let doc: serde_json::Value =
                serde_json::from_str(text).map_err(|e| Error::DataModel {
                    message: format!("data model `{name}`: {e}"),
                    span: self.span,
                })?;
            let doc = match &self.object {
                None => doc,
                Some(object) => doc
                    .get("objects")
                    .and_then(serde_json::Value::as_array)
                    .and_then(|objects| {
                        objects.iter().find(|o| {
                            o.get("objectName").and_then(serde_json::Value::as_str)
                                == Some(object.as_str())
                        })
                    })
                    .cloned()
                    .ok_or_else(|| Error::DataModel {
                        message: format!(
                            "data model `{name}` has no dataset `{object}`{}",
                            search_mode_hint(name, object)
                        ),
                        span: self.span,
                    })?,
            };
            let mut e = Event::with_capacity(1);
            e.set("_raw", Value::Str(doc.to_string()));
            out.push(e);
        }
        Ok(out)
    }

    /// The results over `models`.
    pub fn rows(&self, models: &DataModels) -> Result<Vec<Event>> {
        let row = |pairs: &[(&str, &str)]| {
            let mut e = Event::with_capacity(pairs.len());
            for (k, v) in pairs {
                e.set(*k, Value::Str((*v).to_string()));
            }
            e
        };
        if self.listing == Listing::Json {
            return self.json_rows(models);
        }
        if self.listing == Listing::Models {
            return Ok(models
                .names()
                .into_iter()
                .map(|n| row(&[("datamodel", n)]))
                .collect());
        }
        let name = self.datamodel.as_deref().unwrap_or_default();
        let model = models.get(name).ok_or_else(|| Error::DataModel {
            message: format!(
                "no data model `{name}` is loaded (loaded: {})",
                models.names().join(", ")
            ),
            span: self.span,
        })?;
        if self.listing == Listing::Objects {
            return Ok(model
                .objects
                .iter()
                .map(|o| {
                    let lineage = model.lineage(&o.name).unwrap_or_else(|| o.name.clone());
                    row(&[("object", &o.name), ("lineage", &lineage)])
                })
                .collect());
        }
        let object = self.object.as_deref().unwrap_or_default();
        let chain = model.chain(object).ok_or_else(|| Error::DataModel {
            message: format!("data model `{name}` has no dataset `{object}`"),
            span: self.span,
        })?;
        let mut out = Vec::new();
        if chain
            .first()
            .is_some_and(|root| root.root == Some(Root::Event))
        {
            for a in BASE_EVENT_ATTRIBUTES {
                out.push(row(&[("attribute", a), ("lineage", a)]));
            }
        }
        let mut lineage = String::new();
        for o in chain {
            if !lineage.is_empty() {
                lineage.push('.');
            }
            lineage.push_str(&o.name);
            let declared = o.fields.iter().map(|f| f.name.as_str());
            let calculated = o
                .calculations
                .iter()
                .flat_map(|c| c.outputs.iter().map(|f| f.field.name.as_str()));
            for attribute in declared.chain(calculated) {
                out.push(row(&[
                    ("attribute", attribute),
                    ("lineage", &format!("{lineage}.{attribute}")),
                ]));
            }
        }
        Ok(out)
    }
}

impl super::Command for Datamodelsimple {
    /// Lists from the search's data models; the input is not read.
    fn apply<'a>(&'a self, _input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = self.rows(&ctx.knowledge.apps.datamodels)?;
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// The registry entries of `datamodelsimple`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "datamodelsimple",
        aliases: &[],
        parse,
    },
];

/// `| datamodel Model search` reads `search` as a dataset name (the page:
/// the dataset name "must be specified after the data model name", the
/// search mode after it); when no dataset has that name, say so.
fn search_mode_hint(model: &str, word: &str) -> String {
    if ["search", "flat", "acceleration_search"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(word))
    {
        format!(
            "; `{word}` is a search mode, which comes after a dataset name: `| datamodel {model} <dataset> {word}`"
        )
    } else {
        String::new()
    }
}
