//! `savedsearch`: runs a saved search from the apps' savedsearches.conf.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/savedsearch>:
//! `| savedsearch <savedsearch_name> [nosubstitution=<bool>] [<field>=<string>]...`.
//! A generating command: it must start its search (or subsearch).
//!
//! The saved searches are the stanzas of `savedsearches.conf` in the apps
//! given with `--app` (`default/`, then `local/`, setting by setting, a
//! later app winning, as for the other `.conf` files). Before the search
//! runs ([`resolve`], called when the engine compiles a search), each
//! `savedsearch` takes its stanza's `search =` text, replaces every
//! `$name$` placeholder given as `name=value` (unless
//! `nosubstitution=true`), expands its macros, parses it and compiles what
//! it names in turn (tstats, data models, nested saved searches, to a
//! depth of [`MAX_DEPTH`]; a loop is an error). Running the command runs
//! that pipeline over the search's events, as a new search.
//!
//! An unknown name is an error (with the nearest name); a placeholder left
//! without a value stays as written, with a notice naming it; the saved
//! search's time range (`dispatch.earliest_time`/`dispatch.latest_time`)
//! does not apply offline, where a search runs over every given event, and
//! a notice says so.

use indexmap::IndexMap;

use crate::commands::common::{at_option, bool_opt, option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::exec::{run_pipeline, Context, Rows};
use crate::source::Span;
use crate::syntax::ast::{Pipeline, SearchExpr, SearchKind};
use crate::syntax::parser::Parser;

const C: &str = "savedsearch";

/// How deep saved searches may run saved searches.
pub const MAX_DEPTH: usize = 16;

/// One saved search: its settings, merged over the layers read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SavedSearch {
    /// Settings by key (`search`, `dispatch.earliest_time`, ...).
    pub settings: IndexMap<String, String>,
    /// The file the `search` setting came from.
    pub origin: String,
}

/// The saved searches of the loaded apps, by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SavedSearches {
    by_name: IndexMap<String, SavedSearch>,
}

impl SavedSearches {
    /// None.
    pub fn new() -> Self {
        SavedSearches::default()
    }

    /// Adds the stanzas of a `savedsearches.conf` text, each setting
    /// overriding the one read before (`[default]` is skipped: its settings
    /// are defaults for Splunk's scheduler, never a search).
    pub fn load_conf_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let mut count = 0;
        for stanza in crate::conf::parse(text, origin)? {
            if stanza.name == "default" {
                continue;
            }
            let entry = self.by_name.entry(stanza.name.clone()).or_default();
            for (key, setting) in &stanza.settings {
                if key == "search" {
                    entry.origin = format!("{origin}:{}", setting.line);
                }
                entry.settings.insert(key.clone(), setting.value.clone());
            }
            count += 1;
        }
        Ok(count)
    }

    /// The saved search named `name` (exactly).
    pub fn get(&self, name: &str) -> Option<&SavedSearch> {
        self.by_name.get(name)
    }

    /// The names, in the order first read.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// `| savedsearch <name> [nosubstitution=<bool>] [<field>=<string>]...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Savedsearch {
    /// The saved search's name.
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// `nosubstitution=true`: placeholders are left as written.
    pub nosubstitution: bool,
    /// `<field>=<string>` replacements, in order.
    pub replacements: Vec<(String, String)>,
    /// The saved search, compiled by [`resolve`].
    pub pipeline: Option<Pipeline>,
    /// Notices for the run (placeholders without a value, time range).
    pub notices: Vec<String>,
}

/// Parses `savedsearch`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Savedsearch {
        name: String::new(),
        name_span,
        nosubstitution: false,
        replacements: Vec::new(),
        pipeline: None,
        notices: Vec::new(),
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            if key.eq_ignore_ascii_case("nosubstitution") {
                out.nosubstitution = bool_opt(C, &key, &value, span)?;
            } else {
                out.replacements.push((key, value));
            }
        } else if out.name.is_empty() {
            let (name, span) = p.value("a saved search name")?;
            out.name = name;
            out.name_span = span;
        } else {
            return Err(p.expected("`<field>=<string>` or the end of `savedsearch`"));
        }
    }
    if out.name.is_empty() {
        return Err(crate::commands::common::bad(
            C,
            "expected the name of a saved search",
            name_span,
        ));
    }
    Ok(CommandArgs::Savedsearch(out))
}

impl Savedsearch {
    /// The search text with the placeholders replaced, and the names of
    /// the placeholders left without a value.
    fn substituted(&self, text: &str) -> (String, Vec<String>) {
        if self.nosubstitution {
            return (text.to_string(), Vec::new());
        }
        crate::commands::common::replace_dollar_tokens(text, |name| {
            self.replacements
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, value)| value.clone())
        })
    }
}

impl super::Command for Savedsearch {
    /// Runs the saved search (its input, none at the start of a search, is
    /// dropped).
    fn apply<'a>(&'a self, _input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let Some(pipeline) = &self.pipeline else {
            return Err(Error::Runtime {
                message: format!(
                    "savedsearch: `{}` was not compiled (run the search through Engine::compile)",
                    self.name
                ),
                span: Some(self.name_span),
            });
        };
        for notice in &self.notices {
            ctx.notice(notice.clone());
        }
        let rows = run_pipeline(pipeline, ctx)?;
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

/// What [`resolve`] needs from the engine: the saved searches, and a way
/// to compile a search text (macros expanded, parsed, lowered, its own
/// saved searches resolved one level deeper).
pub trait SavedSearchCompiler {
    /// The loaded saved searches.
    fn saved_searches(&self) -> &SavedSearches;
    /// Compiles `text` (named `name` in errors) inside the saved searches
    /// of `chain` (outermost first).
    fn compile_saved(
        &self,
        text: &str,
        name: &str,
        chain: &[String],
    ) -> std::result::Result<Pipeline, CompileFailure>;
}

/// Why a saved search's text did not compile.
#[derive(Debug, Clone, PartialEq)]
pub enum CompileFailure {
    /// A `savedsearch` inside it failed; the message names that one.
    Nested(String),
    /// The text itself, rendered on one line with where.
    Text(String),
}

/// Compiles every `savedsearch` in `pipeline` (and in its subsearches and
/// nested pipelines) into the pipeline it runs.
pub fn resolve(
    pipeline: &mut Pipeline,
    engine: &dyn SavedSearchCompiler,
    chain: &[String],
) -> Result<()> {
    for (i, command) in pipeline.commands.iter_mut().enumerate() {
        match &mut command.args {
            CommandArgs::Savedsearch(s) => {
                if i != 0 {
                    let within = chain
                        .last()
                        .map(|n| format!(" (in saved search `{n}`)"))
                        .unwrap_or_default();
                    return Err(crate::commands::common::bad(
                        C,
                        format!("savedsearch is a generating command and must start the search: `| savedsearch NAME`{within}"),
                        command.span,
                    ));
                }
                compile_one(s, engine, chain)?;
            }
            CommandArgs::Search(s) => resolve_expr(&mut s.expr, engine, chain)?,
            CommandArgs::Append(c) => resolve(&mut c.pipeline, engine, chain)?,
            CommandArgs::Appendcols(c) => resolve(&mut c.pipeline, engine, chain)?,
            CommandArgs::Appendpipe(c) => resolve(&mut c.pipeline, engine, chain)?,
            CommandArgs::Join(c) => resolve(&mut c.pipeline, engine, chain)?,
            CommandArgs::Multisearch(c) => {
                for p in &mut c.pipelines {
                    resolve(p, engine, chain)?;
                }
            }
            CommandArgs::Set(c) => {
                for p in &mut c.pipelines {
                    resolve(p, engine, chain)?;
                }
            }
            CommandArgs::Union(c) => {
                for p in &mut c.pipelines {
                    resolve(p, engine, chain)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn resolve_expr(
    expr: &mut SearchExpr,
    engine: &dyn SavedSearchCompiler,
    chain: &[String],
) -> Result<()> {
    match &mut expr.kind {
        SearchKind::And(items) | SearchKind::Or(items) => {
            for item in items {
                resolve_expr(item, engine, chain)?;
            }
            Ok(())
        }
        SearchKind::Not(inner) => resolve_expr(inner, engine, chain),
        SearchKind::Subsearch(p) => resolve(p, engine, chain),
        _ => Ok(()),
    }
}

fn compile_one(
    s: &mut Savedsearch,
    engine: &dyn SavedSearchCompiler,
    chain: &[String],
) -> Result<()> {
    let fail = |message: String| Error::BadArgument {
        command: C.into(),
        message,
        span: s.name_span,
    };
    if chain.contains(&s.name) {
        let path: Vec<String> = chain
            .iter()
            .chain([&s.name])
            .map(|n| format!("`{n}`"))
            .collect();
        return Err(fail(format!(
            "saved searches run each other in a loop: {}",
            path.join(" runs ")
        )));
    }
    if chain.len() >= MAX_DEPTH {
        return Err(fail(format!(
            "saved search `{}` is run by saved searches more than {MAX_DEPTH} deep",
            s.name
        )));
    }
    let saved = engine.saved_searches();
    let Some(found) = saved.get(&s.name) else {
        let hint = crate::suggest::closest(&s.name, saved.names())
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        let loaded = if saved.is_empty() {
            " (no savedsearches.conf was loaded: give the app with --app)".to_string()
        } else {
            String::new()
        };
        return Err(fail(format!(
            "no saved search named `{}`{loaded}{hint}",
            s.name
        )));
    };
    let Some(text) = found.settings.get("search") else {
        return Err(fail(format!(
            "saved search `{}` has no `search =` setting",
            s.name
        )));
    };
    let origin = found.origin.clone();
    let (text, missing) = s.substituted(text);
    let mut notices: Vec<String> = missing
        .iter()
        .map(|m| {
            format!(
                "savedsearch {}: no value given for ${m}$ (pass {m}=<value>); it is left as written",
                s.name
            )
        })
        .collect();
    let timed: Vec<&str> = ["dispatch.earliest_time", "dispatch.latest_time"]
        .into_iter()
        .filter(|k| found.settings.get(*k).is_some_and(|v| !v.trim().is_empty()))
        .collect();
    if !timed.is_empty() {
        notices.push(format!(
            "savedsearch {}: {} not applied: an offline search runs over every given event",
            s.name,
            timed.join(" and ")
        ));
    }
    let name = format!("saved search `{}` ({origin})", s.name);
    let mut inner = chain.to_vec();
    inner.push(s.name.clone());
    let pipeline = engine
        .compile_saved(&text, &name, &inner)
        .map_err(|e| match e {
            CompileFailure::Nested(message) => fail(message),
            CompileFailure::Text(message) => fail(format!("{name}: {message}")),
        })?;
    s.pipeline = Some(pipeline);
    s.notices = notices;
    Ok(())
}

/// The registry entries of `savedsearch`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "savedsearch",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn with(replacements: &[(&str, &str)], nosubstitution: bool) -> Savedsearch {
        Savedsearch {
            name: "s".into(),
            name_span: Span::default(),
            nosubstitution,
            replacements: replacements
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            pipeline: None,
            notices: Vec::new(),
        }
    }

    #[test]
    fn placeholders_are_replaced_or_reported() {
        let s = with(&[("a", "1"), ("a", "2")], false);
        assert_eq!(
            s.substituted("x=$a$ y=$b$ $ z=$b$ $"),
            ("x=2 y=$b$ $ z=$b$ $".to_string(), vec!["b".to_string()])
        );
        let s = with(&[("a", "1")], true);
        assert_eq!(s.substituted("x=$a$"), ("x=$a$".to_string(), Vec::new()));
    }

    #[test]
    fn later_layers_override_setting_by_setting() {
        let mut saved = SavedSearches::new();
        saved
            .load_conf_str(
                "[default]\nsearch = no\n[s]\nsearch = a\ncron_schedule = x\n",
                "d",
            )
            .expect("loads");
        saved
            .load_conf_str("[s]\nsearch = b\n", "l")
            .expect("loads");
        let s = saved.get("s").expect("present");
        assert_eq!(s.settings.get("search").map(String::as_str), Some("b"));
        assert_eq!(
            s.settings.get("cron_schedule").map(String::as_str),
            Some("x")
        );
        assert_eq!(s.origin, "l:2");
        assert!(saved.get("default").is_none());
    }
}
