//! The knowledge that applies to the events of one source (sourcetype,
//! source, host), compiled, and the search-time sequence that applies it.
//!
//! Splunk's order ("The sequence of search-time operations",
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.2/get-started-with-knowledge-objects/the-sequence-of-search-time-operations>):
//! inline extractions (`EXTRACT-`), transform extractions (`REPORT-`),
//! automatic key/value extraction (`KV_MODE`), field aliases
//! (`FIELDALIAS-`), calculated fields (`EVAL-`), lookups (`LOOKUP-`), event
//! types, tags. Each step sees what the steps before it produced, never what
//! the steps after it produce. Within a step, settings run in ASCII order of
//! their class.

use std::sync::Arc;

use super::eventtypes::CompiledEventTypes;
use super::extract::Extract;
use super::extracted::{add_field, FieldFilter, OnExisting};
use super::kv::AutoKv;
use super::lookups::AutoLookup;
use super::props::{AliasMode, FieldAlias, KvMode};
use super::tags::CompiledTags;
use super::transforms::Transform;
use crate::error::{Error, Result};
use crate::eval::{EvalContext, EvalValue, Expr};
use crate::event::Event;
use crate::regex_compat::SplRegex;

/// A line breaking or timestamp setting as written, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSetting {
    /// The key (`LINE_BREAKER`).
    pub key: String,
    /// The value as written.
    pub value: String,
    /// The file it was read from.
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

/// Everything that applies to one event source's events.
#[derive(Debug, Clone)]
pub struct SourcetypeProps {
    /// The sourcetype at search time (the `rename` target, if renamed).
    pub name: String,
    /// The sourcetype as read, when `rename` changed it (Splunk keeps it
    /// in `_sourcetype`).
    pub renamed_from: Option<String>,
    /// Automatic key/value extraction.
    pub kv_mode: KvMode,
    /// `AUTO_KV_JSON`: with `KV_MODE = auto`, JSON events get their keys.
    pub auto_kv_json: bool,
    /// `KV_TRIM_SPACES`.
    pub kv_trim_spaces: bool,
    /// `INDEXED_EXTRACTIONS = json`: a JSON event's keys are fields whatever
    /// `KV_MODE` says.
    pub indexed_json: bool,
    /// Fields holding the timestamp, first present wins (`TIMESTAMP_FIELDS`).
    pub timestamp_fields: Vec<String>,
    /// Regex matched against `_raw`; the timestamp starts where it ends.
    pub time_prefix: Option<SplRegex>,
    /// Splunk `strptime` format of the timestamp (`TIME_FORMAT`).
    pub time_format: Option<String>,
    /// Zone of timestamps that carry no offset (`TZ`).
    pub tz: Option<chrono_tz::Tz>,
    /// Line breaking and timestamp settings as written (`LINE_BREAKER`,
    /// `MAX_TIMESTAMP_LOOKAHEAD`, ...), plus `TIME_PREFIX`, `TIME_FORMAT`
    /// and `TZ`, for the text readers.
    pub index_settings: Vec<IndexSetting>,
    /// `EXTRACT-` settings, by class.
    pub extracts: Vec<(String, Arc<Extract>)>,
    /// The transforms of `REPORT-` settings, by class then list order.
    pub reports: Vec<(String, Transform)>,
    /// `FIELDALIAS-<class>` settings: class name and its pairs, classes in
    /// ASCII order of their names.
    pub aliases: Vec<(String, Vec<FieldAlias>)>,
    /// `EVAL-<field> = <expr>` settings as written, in ASCII order of the field.
    pub evals: Vec<(String, String)>,
    /// File and line of the first `EVAL-` setting, for error messages.
    pub eval_origin: Option<(String, usize)>,
    /// The `EVAL-` expressions, parsed (calculated fields).
    pub calculated: Vec<(String, Arc<Expr>)>,
    /// The first `EVAL-` expression that does not parse, as a configuration
    /// error with its file and line.
    pub eval_error: Option<Error>,
    /// `now()` for calculated fields: when the configuration was resolved.
    pub eval_now: f64,
    /// `LOOKUP-` settings, by class.
    pub lookups: Vec<Arc<AutoLookup>>,
    /// The enabled event types (shared by every source).
    pub event_types: Arc<CompiledEventTypes>,
    /// The enabled tags (shared by every source).
    pub tags: Arc<CompiledTags>,
    /// Settings that apply but cannot run (a `REPORT-` naming no transform,
    /// a `LOOKUP-` whose table is missing), as warnings to show once.
    pub problems: Vec<String>,
    /// Set by [`SourcetypeProps::prune_to`]: the only fields extractions
    /// that name their fields from the text need to give.
    pub keep_only: Option<Arc<FieldFilter>>,
}

impl SourcetypeProps {
    /// The configuration of a sourcetype with nothing configured: Splunk's
    /// defaults (`KV_MODE = auto`, which extracts a JSON event's keys).
    pub fn plain(name: &str) -> SourcetypeProps {
        SourcetypeProps {
            name: name.to_string(),
            renamed_from: None,
            kv_mode: KvMode::Auto { escaped: false },
            auto_kv_json: true,
            kv_trim_spaces: true,
            indexed_json: false,
            timestamp_fields: Vec::new(),
            time_prefix: None,
            time_format: None,
            tz: None,
            index_settings: Vec::new(),
            extracts: Vec::new(),
            reports: Vec::new(),
            aliases: Vec::new(),
            evals: Vec::new(),
            eval_origin: None,
            calculated: Vec::new(),
            eval_error: None,
            eval_now: chrono::Utc::now().timestamp() as f64,
            lookups: Vec::new(),
            event_types: Arc::default(),
            tags: Arc::default(),
            problems: Vec::new(),
            keep_only: None,
        }
    }

    /// Fails when events of this sourcetype cannot be read: an `EVAL-`
    /// expression that does not parse, or an unsupported `KV_MODE`.
    pub fn check_supported(&self) -> Result<()> {
        if let Some(err) = &self.eval_error {
            return Err(err.clone());
        }
        if let KvMode::Unsupported(mode) = &self.kv_mode {
            return Err(Error::UnsupportedSetting {
                file: String::new(),
                line: 0,
                message: format!(
                    "KV_MODE = {mode} in props.conf [{}] is not supported yet (none, auto, auto_escaped, json, xml are)",
                    self.name
                ),
            });
        }
        Ok(())
    }

    /// A line breaking or timestamp setting's value.
    pub fn index_setting(&self, key: &str) -> Option<&str> {
        self.index_settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.value.as_str())
    }

    /// A setting error of the text readers as a configuration error naming
    /// the setting's file and line.
    pub fn index_setting_error(&self, key: &str, message: &str) -> Error {
        match self.index_settings.iter().find(|s| s.key == key) {
            Some(s) => Error::Config {
                file: s.file.clone(),
                line: s.line,
                message: format!("{key}: {message}"),
            },
            None => Error::Config {
                file: String::new(),
                line: 0,
                message: format!("{key} of sourcetype {}: {message}", self.name),
            },
        }
    }

    /// Whether a JSON event's keys become fields.
    pub fn extracts_json(&self) -> bool {
        self.indexed_json
            || self.kv_mode == KvMode::Json
            || (matches!(self.kv_mode, KvMode::Auto { .. }) && self.auto_kv_json)
    }

    /// Whether any search-time setting runs before automatic key/value
    /// extraction (so the reader must hold back a JSON event's keys until
    /// they have run).
    pub fn has_explicit_extractions(&self) -> bool {
        !self.extracts.is_empty() || !self.reports.is_empty()
    }

    /// Whether any step after automatic extraction can run.
    fn has_later_steps(&self) -> bool {
        !self.aliases.is_empty()
            || !self.calculated.is_empty()
            || !self.lookups.is_empty()
            || !self.event_types.is_empty()
            || !self.tags.is_empty()
    }

    /// Whether search-time settings may give `field` a value other than
    /// the one read from the event's JSON: an extraction, alias, calculated
    /// field or lookup that can write it (or whose outputs are named by the
    /// text), event types for `eventtype`, tags for `tag` and `tag::*`.
    pub fn may_change(&self, field: &str) -> bool {
        let names =
            |outputs: Option<Vec<String>>| outputs.is_none_or(|o| o.iter().any(|n| n == field));
        self.extracts.iter().any(|(_, x)| names(x.outputs.clone()))
            || self.reports.iter().any(|(_, t)| names(t.outputs()))
            || self
                .aliases
                .iter()
                .any(|(_, pairs)| pairs.iter().any(|a| *a.target == *field))
            || self.calculated.iter().any(|(target, _)| target == field)
            || self
                .lookups
                .iter()
                .any(|l| l.output_fields().any(|o| o == field))
            || (field == "eventtype" && !self.event_types.is_empty())
            || ((field == "tag" || field.starts_with("tag::")) && !self.tags.is_empty())
    }

    /// Steps 1-2 of the sequence: `EXTRACT-` then `REPORT-`.
    pub fn apply_extractions(&self, event: &mut Event) {
        let only = self.keep_only.as_deref();
        for (_, extract) in &self.extracts {
            extract.apply_only(event, only);
        }
        for (_, transform) in &self.reports {
            transform.apply_only(event, only);
        }
    }

    /// Step 3 for text events: `KV_MODE = auto | auto_escaped` over `_raw`,
    /// or `KV_MODE = xml`: the elements and attributes of an XML `_raw`,
    /// named as `spath` names them (`Event.System.EventID`,
    /// `Event.EventData.Data{@Name}`). A JSON event's keys are added by the
    /// reader, which has parsed it.
    pub fn apply_auto_kv(&self, event: &mut Event) {
        match self.kv_mode {
            KvMode::Auto { escaped } => AutoKv {
                escaped,
                trim_spaces: self.kv_trim_spaces,
            }
            .apply(event),
            KvMode::Xml => apply_xml_kv(event),
            _ => {}
        }
    }

    /// Steps 4-8: aliases, calculated fields, lookups, event types, tags.
    pub fn apply_after_kv(&self, event: &mut Event) {
        if !self.has_later_steps() {
            return;
        }
        self.apply_aliases(event);
        self.apply_calculated_fields(event);
        for lookup in &self.lookups {
            lookup.apply(event);
        }
        self.event_types.apply(event);
        self.tags.apply(event);
    }

    /// Applies the field aliases to an event, as props.conf.spec describes:
    /// `AS` overwrites the target and removes it when the source is absent;
    /// `ASNEW` only fills a target that does not exist.
    pub fn apply_aliases(&self, event: &mut Event) {
        for (_, pairs) in &self.aliases {
            for alias in pairs {
                apply_alias(alias, event);
            }
        }
    }

    /// Applies the `EVAL-` calculated fields, after the aliases. Every
    /// expression is evaluated against the event as it was before any of
    /// them is applied, so one calculated field cannot see another
    /// ("Calculated fields", Knowledge Manager Manual). A null result
    /// removes the field; an expression that fails or gives a boolean
    /// leaves the field as it was.
    pub fn apply_calculated_fields(&self, event: &mut Event) {
        if self.calculated.is_empty() {
            return;
        }
        let ctx = EvalContext::at(self.eval_now, self.tz.unwrap_or(chrono_tz::UTC));
        let results: Vec<(&str, EvalValue)> = self
            .calculated
            .iter()
            .filter_map(|(field, expr)| match expr.eval(event, &ctx) {
                Ok(EvalValue::Bool(_)) | Err(_) => None,
                Ok(v) => Some((field.as_str(), v)),
            })
            .collect();
        for (field, value) in results {
            event.set_opt(field, value.into_value());
        }
    }

    /// Leaves out the steps whose outputs nothing reads, given every field
    /// the search can see and the steps need (`wanted`, as
    /// [`SourcetypeProps::fields_needed_for`] gives it): extractions with
    /// known outputs none of which is wanted, aliases onto unwanted targets,
    /// calculated fields nothing reads, lookups writing only unwanted
    /// fields, event types and tags when neither `eventtype` nor a tag field
    /// is wanted.
    pub fn prune_to(&mut self, wanted: &[String]) {
        self.keep_only = Some(Arc::new(FieldFilter::new(wanted)));
        let has = |n: &str| wanted.iter().any(|w| w == n);
        let useful =
            |outputs: Option<Vec<String>>| outputs.is_none_or(|o| o.iter().any(|n| has(n)));
        self.extracts.retain(|(_, x)| useful(x.outputs.clone()));
        self.reports.retain(|(_, t)| useful(t.outputs()));
        for (_, pairs) in &mut self.aliases {
            pairs.retain(|a| has(&a.target));
        }
        self.aliases.retain(|(_, pairs)| !pairs.is_empty());
        self.calculated.retain(|(target, _)| has(target));
        self.lookups.retain(|l| l.output_fields().any(has));
        let wants_tags = wanted.iter().any(|n| n == "tag" || n.starts_with("tag::"));
        if !wants_tags {
            self.tags = Arc::default();
        }
        if !wants_tags && !has("eventtype") {
            self.event_types = Arc::default();
        }
    }

    /// What the search-time steps read, for a reader that extracts only
    /// some fields: given the fields wanted after them, the fields to read
    /// before them, to a fixpoint (a step producing a wanted field makes
    /// its inputs wanted), or `None` when every field must be read (a
    /// calculated field calling `searchmatch`, an event type whose search
    /// reads any field).
    pub fn fields_needed_for(&self, wanted: &[String]) -> Option<Vec<String>> {
        let mut names: Vec<String> = wanted.to_vec();
        fn add(names: &mut Vec<String>, field: &str) {
            if !names.iter().any(|n| n == field) {
                names.push(field.to_string());
            }
        }
        loop {
            let before = names.len();
            let has = |names: &[String], n: &str| names.iter().any(|w| w == n);
            let wants_tags = names.iter().any(|n| n == "tag" || n.starts_with("tag::"));
            if wants_tags && !self.tags.is_empty() {
                for f in self.tags.reads() {
                    add(&mut names, &f);
                }
            }
            if has(&names, "eventtype") && !self.event_types.is_empty() {
                for f in self.event_types.reads()? {
                    add(&mut names, &f);
                }
            }
            for lookup in &self.lookups {
                if lookup.output_fields().any(|o| has(&names, o)) {
                    let inputs: Vec<String> = lookup.input_fields().map(str::to_string).collect();
                    for f in inputs {
                        add(&mut names, &f);
                    }
                }
            }
            for (target, expr) in &self.calculated {
                if has(&names, target) {
                    for f in expr.reads()? {
                        add(&mut names, &f);
                    }
                }
            }
            for (_, pairs) in &self.aliases {
                for a in pairs {
                    if has(&names, &a.target) {
                        add(&mut names, &a.source);
                    }
                }
            }
            // An extraction whose field names come from the text
            // (`$1::$2`, `_KEY_1`) may give any wanted field, so it always
            // runs and its input is always read.
            for (_, x) in &self.extracts {
                match &x.outputs {
                    Some(outputs) if !outputs.iter().any(|o| has(&names, o)) => {}
                    _ => add(&mut names, &x.source_field),
                }
            }
            for (_, t) in &self.reports {
                match t.outputs() {
                    Some(outputs) if !outputs.iter().any(|o| has(&names, o)) => {}
                    _ => add(&mut names, &t.source_key),
                }
            }
            if names.len() == before {
                return Some(names);
            }
        }
    }
}

fn apply_alias(alias: &FieldAlias, event: &mut Event) {
    let value = event.get(&alias.source).cloned();
    match (alias.mode, value) {
        (AliasMode::Overwrite, value) => event.set_opt(alias.target, value),
        (AliasMode::KeepExisting, Some(value)) => {
            event.set_new(alias.target, value);
        }
        (AliasMode::KeepExisting, None) => {}
    }
}

/// `KV_MODE = xml`: like automatic key/value extraction, its fields replace
/// those the explicit extractions set (see [`OnExisting::Replace`]); a
/// repeated element is a multivalue field. `_raw` that is not well-formed
/// XML gives nothing.
fn apply_xml_kv(event: &mut Event) {
    let Some(fields) = event.raw().and_then(crate::xml_fields::xml_fields) else {
        return;
    };
    for (name, values) in fields {
        let mut values = values.into_iter();
        if let Some(first) = values.next() {
            add_field(event, &name, first, OnExisting::Replace);
        }
        for value in values {
            add_field(event, &name, value, OnExisting::Append);
        }
    }
}
