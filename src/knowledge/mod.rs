//! Splunk's search-time knowledge layer, read from apps' `.conf` files:
//! props.conf (extractions, `KV_MODE`, aliases, calculated fields, automatic
//! lookups, `rename`, line breaking and timestamps), transforms.conf
//! (field transforms), eventtypes.conf and tags.conf.
//!
//! ```text
//! apps (bundled props/<app>/, --app DIR: default/ then local/)
//!   ──load──▶ Knowledge {props, transforms, event_types, tags}
//!   ──resolve(sourcetype, source, host)──▶ SourcetypeProps   (stanza precedence, rename)
//!   ──apply per event──▶ EXTRACT → REPORT → KV_MODE → FIELDALIAS → EVAL → LOOKUP → eventtype → tag
//! ```

pub mod app_files;
pub mod apps;
pub mod eventtypes;
pub mod extract;
pub mod extracted;
pub mod kv;
pub mod lookups;
pub mod props;
pub mod resolved;
pub mod stanza;
pub mod tags;
pub mod transforms;

use std::sync::Arc;

pub use props::{AliasMode, FieldAlias, KvMode, Props};
pub use resolved::SourcetypeProps;

use crate::error::{Error, Result};
use crate::lookup::{LookupRegistry, TableMatcher};
use eventtypes::{CompiledEventTypes, EventTypes};
use lookups::AutoLookup;
use props::Setting;
use tags::{CompiledTags, Tags};
use transforms::Transforms;

/// A setting that was loaded but will not run as written, or is unknown:
/// shown to the user with its file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfWarning {
    /// The file.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// What is wrong and what spelunk does instead.
    pub message: String,
}

impl std::fmt::Display for ConfWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            crate::error::file_location(&self.file, self.line),
            self.message
        )
    }
}

/// Which events a resolution is for.
#[derive(Debug, Clone, Copy)]
pub struct SourceMeta<'a> {
    /// The sourcetype as read.
    pub sourcetype: &'a str,
    /// The `source` field.
    pub source: &'a str,
    /// The `host` field.
    pub host: &'a str,
}

/// All knowledge loaded from `.conf` files.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    /// props.conf.
    pub props: Props,
    /// transforms.conf extraction stanzas.
    pub transforms: Transforms,
    /// eventtypes.conf.
    pub event_types: EventTypes,
    /// tags.conf.
    pub tags: Tags,
    /// Forms, transaction types and anonymizer files, for `kvform`,
    /// `searchtxn` and `scrub`.
    pub app_files: app_files::AppFiles,
}

/// The knowledge as readers use it: the `.conf` settings, the lookup
/// tables automatic lookups read, and the compiled event types and tags
/// (shared by every source).
#[derive(Debug, Clone)]
pub struct KnowledgeView<'a> {
    /// The settings.
    pub knowledge: &'a Knowledge,
    /// Lookup definitions and files, for `LOOKUP-`.
    pub lookups: &'a LookupRegistry,
    /// Compiled event types.
    pub event_types: Arc<CompiledEventTypes>,
    /// Compiled tags.
    pub tags: Arc<CompiledTags>,
}

impl<'a> KnowledgeView<'a> {
    /// A view whose event types are compiled without macros (tests and
    /// embedders that have none).
    pub fn new(knowledge: &'a Knowledge, lookups: &'a LookupRegistry) -> KnowledgeView<'a> {
        let (event_types, _) = knowledge.event_types.compile(
            &crate::expand::MacroSet::new(),
            &crate::expand::ExpandLimits::default(),
        );
        KnowledgeView {
            knowledge,
            lookups,
            event_types: Arc::new(event_types),
            tags: Arc::new(knowledge.compile_tags()),
        }
    }

    /// The knowledge for events of `meta`'s sourcetype, source and host.
    pub fn resolve(&self, meta: SourceMeta<'_>) -> SourcetypeProps {
        resolve_props(
            &self.knowledge.props,
            &self.knowledge.transforms,
            meta,
            self,
        )
    }
}

impl Knowledge {
    /// Nothing loaded.
    pub fn new() -> Self {
        Knowledge::default()
    }

    /// Loads one `.conf` file's text by its file name (`props.conf`,
    /// `transforms.conf`, `eventtypes.conf`, `tags.conf`); other names are
    /// not knowledge and return `Ok(None)`.
    pub fn load_conf(
        &mut self,
        file_name: &str,
        text: &str,
        origin: &str,
    ) -> Result<Option<usize>> {
        Ok(Some(match file_name {
            "props.conf" => self.props.load_str(text, origin)?,
            "transforms.conf" => {
                self.app_files.load_regex_types(text, origin)?;
                self.transforms.load_str(text, origin)?
            }
            "eventtypes.conf" => self.event_types.load_str(text, origin)?,
            "tags.conf" => self.tags.load_str(text, origin)?,
            "transactiontypes.conf" => self.app_files.load_transaction_types(text, origin)?,
            _ => return Ok(None),
        }))
    }

    /// Every warning found while loading.
    pub fn warnings(&self) -> Vec<ConfWarning> {
        let mut out = Vec::new();
        out.extend_from_slice(self.props.warnings());
        out.extend_from_slice(self.transforms.warnings());
        out.extend_from_slice(self.event_types.warnings());
        out.extend_from_slice(self.tags.warnings());
        out
    }

    /// The compiled tags, with event types' deprecated `tags` settings.
    pub fn compile_tags(&self) -> CompiledTags {
        let eventtype_tags: Vec<(String, Vec<String>)> = self
            .event_types
            .defs()
            .into_iter()
            .filter(|d| !d.tags.is_empty())
            .map(|d| (d.name, d.tags))
            .collect();
        self.tags.compile(&eventtype_tags)
    }
}

/// Resolves `props` (with `transforms` for `REPORT-`) for `meta`.
pub(crate) fn resolve_props(
    props: &Props,
    transforms: &Transforms,
    meta: SourceMeta<'_>,
    ctx: &KnowledgeView<'_>,
) -> SourcetypeProps {
    let layered = props.layered(meta.sourcetype, meta.source, meta.host);
    let name = layered
        .renamed
        .clone()
        .unwrap_or_else(|| meta.sourcetype.to_string());
    let mut p = SourcetypeProps::plain(&name);
    p.renamed_from = layered
        .renamed
        .as_ref()
        .map(|_| meta.sourcetype.to_string());
    p.event_types = Arc::clone(&ctx.event_types);
    p.tags = Arc::clone(&ctx.tags);
    for entry in layered.index_time.values() {
        match &entry.setting {
            Setting::TimestampFields(f) => p.timestamp_fields = f.clone(),
            Setting::TimePrefix(re) => p.time_prefix = Some(re.clone()),
            Setting::TimeFormat(f) => p.time_format = Some(f.clone()),
            Setting::Tz(tz) => p.tz = Some(*tz),
            Setting::IndexedJson => p.indexed_json = true,
            _ => continue,
        }
    }
    for (key, entry) in &layered.index_time {
        let readers_use = matches!(
            entry.setting,
            Setting::IndexTime | Setting::TimePrefix(_) | Setting::TimeFormat(_) | Setting::Tz(_)
        );
        if readers_use {
            p.index_settings.push(resolved::IndexSetting {
                key: key.to_string(),
                value: entry.value.clone(),
                file: entry.file.to_string(),
                line: entry.line,
            });
        }
    }
    // Classes of one kind apply in ASCII order of their names.
    let mut search_time: Vec<(&str, &props::Entry)> =
        layered.search_time.iter().map(|(k, e)| (*k, *e)).collect();
    search_time.sort_by(|a, b| a.0.cmp(b.0));
    for (key, entry) in search_time {
        match &entry.setting {
            Setting::KvMode(mode) => p.kv_mode = mode.clone(),
            Setting::AutoKvJson(on) => p.auto_kv_json = *on,
            Setting::KvTrimSpaces(on) => p.kv_trim_spaces = *on,
            Setting::Extract(Some(x)) => {
                let class = key.strip_prefix("EXTRACT-").unwrap_or(key);
                p.extracts.push((class.to_string(), Arc::clone(x)));
            }
            Setting::Extract(None) => {}
            Setting::Report(names) => {
                let class = key.strip_prefix("REPORT-").unwrap_or(key);
                for n in names {
                    match transforms.get(n) {
                            Some(t) => p.reports.push((class.to_string(), t.clone())),
                            None => p.problems.push(format!(
                                "{}:{}: {key} names the transform `{n}`, which no transforms.conf defines (or which did not load); it is not applied",
                                entry.file, entry.line
                            )),
                        }
                }
            }
            Setting::Alias(pairs) => {
                let class = key.strip_prefix("FIELDALIAS-").unwrap_or(key);
                p.aliases.push((class.to_string(), pairs.clone()));
            }
            Setting::Eval(calculated) => {
                let field = key.strip_prefix("EVAL-").unwrap_or(key);
                p.evals.push((field.to_string(), calculated.text.clone()));
                if p.eval_origin.is_none() {
                    p.eval_origin = Some((entry.file.to_string(), entry.line));
                }
                match calculated.parsed() {
                    Ok(parsed) => p.calculated.push((field.to_string(), Arc::clone(parsed))),
                    Err(e) if p.eval_error.is_none() => {
                        p.eval_error = Some(Error::Config {
                            file: entry.file.to_string(),
                            line: entry.line,
                            message: format!("EVAL-{field} in props.conf [{name}]: {e}"),
                        })
                    }
                    Err(_) => {}
                }
            }
            Setting::Lookup(spec) => {
                match TableMatcher::prepare(ctx.lookups, &spec.lookup, &spec.inputs, &spec.outputs)
                {
                    Ok(matcher) => {
                        p.lookups
                            .push(Arc::new(AutoLookup::new(key.to_string(), spec, matcher)))
                    }
                    Err(message) => p.problems.push(format!(
                        "{}:{}: {key}: lookup `{}` {message}; it is not applied",
                        entry.file, entry.line, spec.lookup
                    )),
                }
            }
            _ => {}
        }
    }
    p
}

#[cfg(test)]
mod tests;
