//! Splunk's data model JSON (`<app>/default/data/models/<Model>.json`, the
//! `eai:data` of the `datamodel/model` REST endpoint), read with serde.
//!
//! The shape ("Design data models", Knowledge Manager Manual): a model has a
//! `modelName` and `objects[]` (datasets); each object an `objectName`, a
//! `parentName` (`BaseEvent`, `BaseSearch`, `BaseTransaction` or another
//! object of the model), its own `fields[]`, `calculations[]` and
//! `constraints[]`, and for a `BaseSearch` root its `baseSearch`. Keys this
//! reader does not use (`displayName`, `comment`, `editable`,
//! `objectSummary`, ...) are ignored.

use serde::Deserialize;

use super::{CalcKind, Calculation, Field, Model, Object, OutputField, Root};
use crate::error::{Error, Result};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelJson {
    model_name: String,
    #[serde(default)]
    objects: Vec<ObjectJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectJson {
    object_name: String,
    #[serde(default)]
    parent_name: Option<String>,
    #[serde(default)]
    fields: Vec<FieldJson>,
    #[serde(default)]
    calculations: Vec<CalcJson>,
    #[serde(default)]
    constraints: Vec<ConstraintJson>,
    #[serde(default)]
    base_search: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FieldJson {
    field_name: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    multivalue: bool,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    owner: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CalcJson {
    calculation_type: String,
    #[serde(default)]
    expression: Option<String>,
    #[serde(default)]
    input_field: Option<String>,
    #[serde(default)]
    lookup_name: Option<String>,
    #[serde(default)]
    lookup_inputs: Vec<LookupInputJson>,
    #[serde(default)]
    output_fields: Vec<OutputFieldJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LookupInputJson {
    input_field: String,
    lookup_field: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutputFieldJson {
    field_name: String,
    #[serde(default)]
    lookup_output_field_name: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    multivalue: bool,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize)]
struct ConstraintJson {
    search: String,
}

/// Parses one model file; `origin` names it in errors (with serde_json's
/// line and column).
pub fn parse_model(text: &str, origin: &str) -> Result<Model> {
    let json: ModelJson = serde_json::from_str(text).map_err(|e| Error::Config {
        file: origin.to_string(),
        line: e.line(),
        message: format!("not a Splunk data model JSON: {e}"),
    })?;
    let bad = |message: String| Error::Config {
        file: origin.to_string(),
        line: 0,
        message,
    };
    let mut objects = Vec::with_capacity(json.objects.len());
    for o in json.objects {
        let root = match o.parent_name.as_deref().unwrap_or("BaseEvent") {
            "BaseEvent" => Some(Root::Event),
            "BaseSearch" => Some(Root::Search(o.base_search.clone().ok_or_else(|| {
                bad(format!(
                    "dataset `{}` has parentName BaseSearch but no baseSearch",
                    o.object_name
                ))
            })?)),
            "BaseTransaction" => Some(Root::Transaction),
            "BaseInterface" | "BaseImplements" => {
                return Err(Error::UnsupportedSetting {
                    file: origin.to_string(),
                    line: 0,
                    message: format!(
                        "dataset `{}`: parent `{}` is not supported yet",
                        o.object_name,
                        o.parent_name.unwrap_or_default()
                    ),
                })
            }
            _ => None,
        };
        let calculations = o
            .calculations
            .into_iter()
            .map(|c| calculation(c, &o.object_name).map_err(&bad))
            .collect::<Result<Vec<_>>>()?;
        objects.push(Object {
            parent: match root {
                Some(_) => None,
                None => o.parent_name.clone(),
            },
            root,
            name: o.object_name,
            fields: o.fields.into_iter().map(field).collect(),
            calculations,
            constraints: o.constraints.into_iter().map(|c| c.search).collect(),
        });
    }
    let model = Model {
        name: json.model_name,
        objects,
        origin: origin.to_string(),
    };
    model.check().map_err(bad)?;
    Ok(model)
}

fn field(f: FieldJson) -> Field {
    Field {
        name: f.field_name,
        kind: f.kind.unwrap_or_else(|| "string".into()),
        multivalue: f.multivalue,
        hidden: f.hidden,
        required: f.required,
        base: matches!(f.owner.as_deref(), Some("BaseEvent" | "BaseSearch")),
    }
}

fn calculation(c: CalcJson, object: &str) -> std::result::Result<Calculation, String> {
    let outputs: Vec<OutputField> = c
        .output_fields
        .into_iter()
        .map(|o| OutputField {
            field: Field {
                name: o.field_name,
                kind: o.kind.unwrap_or_else(|| "string".into()),
                multivalue: o.multivalue,
                hidden: o.hidden,
                required: o.required,
                base: false,
            },
            lookup_output: o.lookup_output_field_name,
        })
        .collect();
    let need = |what: Option<String>, key: &str| {
        what.ok_or_else(|| {
            format!(
                "dataset `{object}`: a {} calculation has no `{key}`",
                c.calculation_type
            )
        })
    };
    let kind = match c.calculation_type.to_ascii_lowercase().as_str() {
        "eval" => {
            if outputs.len() != 1 {
                return Err(format!(
                    "dataset `{object}`: an Eval calculation must have exactly one output field, found {}",
                    outputs.len()
                ));
            }
            CalcKind::Eval {
                expression: need(c.expression, "expression")?,
            }
        }
        "rex" => CalcKind::Rex {
            input: c.input_field.unwrap_or_else(|| "_raw".into()),
            expression: need(c.expression, "expression")?,
        },
        "lookup" => CalcKind::Lookup {
            name: need(c.lookup_name, "lookupName")?,
            inputs: c
                .lookup_inputs
                .into_iter()
                .map(|i| (i.lookup_field, i.input_field))
                .collect(),
        },
        "geoip" => CalcKind::GeoIp {
            input: c.input_field.unwrap_or_default(),
        },
        other => {
            return Err(format!(
                "dataset `{object}`: unknown calculationType `{other}` (Eval, Lookup, Rex and GeoIP exist)"
            ))
        }
    };
    Ok(Calculation { kind, outputs })
}
