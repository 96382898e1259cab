//! eventtypes.conf: named searches whose matching events get the
//! multivalue `eventtype` field (eventtypes.conf.spec;
//! <https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.4/configure-event-types/configure-event-types-in-eventtypes.conf>).
//!
//! - `search` holds search terms only: no pipe, no subsearch.
//! - `disabled = 1` turns an event type off.
//! - `priority` (1 highest .. 10 lowest; 1 in Splunk's `[default]`) orders
//!   the values of an event's `eventtype` field; equal priorities are in
//!   name order.
//! - A name with `%field%` takes the event's value of that field
//!   (`[cisco-%code%]` with `code=432` is `cisco-432`).
//! - Event types run after lookups, so their searches can use every field
//!   extracted, aliased, calculated or looked up before; an event type may
//!   name another (`eventtype=x`), which is matched first.

use indexmap::IndexMap;

use super::ConfWarning;
use crate::conf;
use crate::error::Result;
use crate::event::Event;
use crate::exec::matcher::Matcher;
use crate::expand::{self, ExpandLimits, MacroSet};
use crate::syntax::ast::{SearchExpr, SearchKind};
use crate::value::Value;

/// One event type as loaded.
#[derive(Debug, Clone)]
pub struct EventTypeDef {
    /// The stanza name (may hold `%field%`).
    pub name: String,
    /// The `search` setting.
    pub search: String,
    /// `priority`.
    pub priority: u8,
    /// `disabled`.
    pub disabled: bool,
    /// The deprecated `tags` setting: tags for events of this type.
    pub tags: Vec<String>,
    /// `file:line` of the stanza.
    pub origin: String,
}

/// Every event type loaded; a later load replaces a stanza's settings key by
/// key.
#[derive(Debug, Clone, Default)]
pub struct EventTypes {
    defs: IndexMap<String, IndexMap<String, (String, String)>>,
    warnings: Vec<ConfWarning>,
}

impl EventTypes {
    /// No event types.
    pub fn new() -> Self {
        EventTypes::default()
    }

    /// Loads an eventtypes.conf text.
    pub fn load_str(&mut self, text: &str, origin: &str) -> Result<usize> {
        let stanzas = conf::parse(text, origin)?;
        for stanza in &stanzas {
            if stanza.name == "default" {
                continue;
            }
            let entry = self.defs.entry(stanza.name.clone()).or_default();
            entry
                .entry("__origin".into())
                .or_insert_with(|| (format!("{origin}:{}", stanza.line), String::new()));
            for (key, setting) in &stanza.settings {
                let known = matches!(
                    key.as_str(),
                    "search" | "priority" | "disabled" | "tags" | "description" | "color"
                );
                if !known {
                    self.warnings.push(ConfWarning {
                        file: origin.to_string(),
                        line: setting.line,
                        message: format!(
                            "unknown eventtypes.conf setting `{key}` in [{}]; ignored",
                            stanza.name
                        ),
                    });
                    continue;
                }
                entry.insert(
                    key.clone(),
                    (setting.value.clone(), format!("{origin}:{}", setting.line)),
                );
            }
        }
        Ok(stanzas.len())
    }

    /// Problems found while loading.
    pub fn warnings(&self) -> &[ConfWarning] {
        &self.warnings
    }

    /// The event types, merged.
    pub fn defs(&self) -> Vec<EventTypeDef> {
        self.defs
            .iter()
            .map(|(name, settings)| {
                let get = |k: &str| settings.get(k).map(|(v, _)| v.trim());
                EventTypeDef {
                    name: name.clone(),
                    search: get("search").unwrap_or("").to_string(),
                    priority: get("priority")
                        .and_then(|p| p.parse::<u8>().ok())
                        .unwrap_or(1)
                        .clamp(1, 10),
                    disabled: get("disabled").is_some_and(conf::is_true),
                    tags: get("tags")
                        .map(|t| {
                            t.split(|c: char| c.is_whitespace() || c == ',')
                                .filter(|t| !t.is_empty())
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default(),
                    origin: settings
                        .get("search")
                        .or_else(|| settings.get("__origin"))
                        .map(|(_, o)| o.clone())
                        .unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Whether an event type of this name is defined (enabled or not).
    pub fn contains(&self, name: &str) -> bool {
        self.defs.contains_key(name)
    }

    /// The defined names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.defs.keys().map(String::as_str)
    }

    /// Compiles the enabled event types: macros in their searches are
    /// expanded with `macros`. An event type whose search cannot be used is
    /// left out with a warning naming it.
    pub fn compile(
        &self,
        macros: &MacroSet,
        limits: &ExpandLimits,
    ) -> (CompiledEventTypes, Vec<ConfWarning>) {
        let mut types = Vec::new();
        let mut warnings = Vec::new();
        for def in self.defs() {
            if def.disabled {
                continue;
            }
            match compile_search(&def.search, &def.name, macros, limits) {
                Ok(expr) => {
                    let nested = reads_eventtype(&expr);
                    let mut notices = Vec::new();
                    match Matcher::compile_with(&expr, &mut |n| notices.push(n)) {
                        Ok(matcher) => types.push(CompiledEventType {
                            reads: search_fields(&expr),
                            name: def.name.clone(),
                            priority: def.priority,
                            matcher,
                            // The whole search compiled, so its part does.
                            guard: guard_of(&expr)
                                .and_then(|g| Matcher::compile_with(&g, &mut |_| {}).ok()),
                            nested,
                        }),
                        Err(e) => warnings.push(warning(&def, e.to_string())),
                    }
                }
                Err(message) => warnings.push(warning(&def, message)),
            }
        }
        types.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        (
            CompiledEventTypes {
                types,
                candidates: Default::default(),
            },
            warnings,
        )
    }
}

fn warning(def: &EventTypeDef, message: String) -> ConfWarning {
    let (file, line) = match def.origin.rsplit_once(':') {
        Some((f, l)) => (f.to_string(), l.parse().unwrap_or(0)),
        None => (def.origin.clone(), 0),
    };
    ConfWarning {
        file,
        line,
        message: format!("event type `{}`: {message}; it is not applied", def.name),
    }
}

/// The search of an event type, macro-expanded and parsed.
fn compile_search(
    search: &str,
    name: &str,
    macros: &MacroSet,
    limits: &ExpandLimits,
) -> std::result::Result<SearchExpr, String> {
    if search.trim().is_empty() {
        return Err("it has no search".into());
    }
    let expanded = expand::expand(search, name, macros, limits).map_err(|e| e.to_string())?;
    let pipeline =
        crate::syntax::parse(&format!("search {}", expanded.text)).map_err(|e| e.to_string())?;
    match pipeline.commands.as_slice() {
        [command] => match &command.args {
            crate::commands::CommandArgs::Search(s) if !has_subsearch(&s.expr) => {
                Ok(s.expr.clone())
            }
            _ => Err("its search must be search terms only, without a subsearch".into()),
        },
        _ => Err("its search must not contain a pipe".into()),
    }
}

fn has_subsearch(expr: &SearchExpr) -> bool {
    match &expr.kind {
        SearchKind::Subsearch(_) => true,
        SearchKind::And(items) | SearchKind::Or(items) => items.iter().any(has_subsearch),
        SearchKind::Not(inner) => has_subsearch(inner),
        _ => false,
    }
}

fn reads_eventtype(expr: &SearchExpr) -> bool {
    match &expr.kind {
        SearchKind::Compare { field, .. } | SearchKind::In { field, .. } => {
            field.eq_ignore_ascii_case("eventtype")
        }
        SearchKind::And(items) | SearchKind::Or(items) => items.iter().any(reads_eventtype),
        SearchKind::Not(inner) => reads_eventtype(inner),
        _ => false,
    }
}

/// The fields a search reads (`_raw` for bare terms); `None` when it may
/// read any (a wildcard field name).
fn search_fields(expr: &SearchExpr) -> Option<Vec<String>> {
    fn walk(expr: &SearchExpr, out: &mut Vec<String>) -> bool {
        match &expr.kind {
            SearchKind::Compare { field, .. } | SearchKind::In { field, .. } => {
                if field.contains('*') {
                    return false;
                }
                out.push(field.clone());
                true
            }
            SearchKind::Term(_) => {
                out.push("_raw".into());
                true
            }
            SearchKind::And(items) | SearchKind::Or(items) => items.iter().all(|i| walk(i, out)),
            SearchKind::Not(inner) => walk(inner, out),
            _ => true,
        }
    }
    let mut out = Vec::new();
    walk(expr, &mut out).then_some(out)
}

/// One enabled event type, ready to match.
#[derive(Debug, Clone)]
pub struct CompiledEventType {
    name: String,
    priority: u8,
    matcher: Matcher,
    /// The part of its search that reads only the event's `sourcetype`
    /// and `source` (`sourcetype=aws:cloudtrail`, `source IN (...)`), when
    /// it has such a required part: see [`Candidates`].
    guard: Option<Matcher>,
    /// Whether its search names `eventtype` (matched after the others).
    nested: bool,
    reads: Option<Vec<String>>,
}

/// The fields a guard may read: constant across a file's events, so the
/// event types worth trying are worked out once per pair of values.
const GUARD_FIELDS: [&str; 2] = ["sourcetype", "source"];

/// The required conjuncts of `expr` that read only [`GUARD_FIELDS`], as
/// one search; `None` when there are none.
fn guard_of(expr: &SearchExpr) -> Option<SearchExpr> {
    let conjuncts: &[SearchExpr] = match &expr.kind {
        SearchKind::And(items) => items,
        _ => std::slice::from_ref(expr),
    };
    let guards: Vec<SearchExpr> = conjuncts
        .iter()
        .filter(|c| {
            !has_subsearch(c)
                && search_fields(c).is_some_and(|f| {
                    !f.is_empty() && f.iter().all(|f| GUARD_FIELDS.contains(&f.as_str()))
                })
        })
        .cloned()
        .collect();
    match guards.len() {
        0 => None,
        1 => guards.into_iter().next(),
        _ => Some(SearchExpr {
            kind: SearchKind::And(guards),
            ..expr.clone()
        }),
    }
}

/// Which event types an event may match, by its `sourcetype` and `source`:
/// Windows and add-on event types each start with one of those, so most of
/// a file's events need only a few of the (129 bundled) types tried.
#[derive(Debug, Default)]
struct Candidates {
    by_key: std::sync::RwLock<Vec<(GuardKey, std::sync::Arc<[usize]>)>>,
}

/// An event's `sourcetype` and `source` (`None`: absent).
type GuardKey = (Option<String>, Option<String>);

/// The distinct `(sourcetype, source)` pairs remembered; past it, an
/// event's candidates are worked out each time (still correct).
const CANDIDATE_KEYS: usize = 64;

/// The enabled event types, in the order their names are listed.
#[derive(Debug, Clone, Default)]
pub struct CompiledEventTypes {
    types: Vec<CompiledEventType>,
    /// Shared by clones: the types are the same.
    candidates: std::sync::Arc<Candidates>,
}

impl CompiledEventTypes {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The fields their searches read; `None` when any.
    pub fn reads(&self) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for t in &self.types {
            out.extend(t.reads.clone()?);
            out.extend(field_placeholders(&t.name));
        }
        Some(out)
    }

    /// Sets the event's `eventtype` field to the names of the event types it
    /// matches (removing it when there are none).
    pub fn apply(&self, event: &mut Event) {
        if self.types.is_empty() {
            return;
        }
        let candidates = self.candidates(event);
        let mut names: Vec<(u8, String)> = Vec::new();
        for pass_nested in [false, true] {
            if pass_nested {
                if !candidates.iter().any(|&i| self.types[i].nested) {
                    break;
                }
                // Event types naming others see the ones matched so far.
                set_names(event, &names);
            }
            let types = candidates.iter().map(|&i| &self.types[i]);
            for t in types.filter(|t| t.nested == pass_nested) {
                if t.matcher.matches(event) {
                    if let Some(name) = substitute(&t.name, event) {
                        names.push((t.priority, name));
                    }
                }
            }
        }
        names.sort();
        names.dedup_by(|a, b| a.1 == b.1);
        set_names(event, &names);
    }
}

impl CompiledEventTypes {
    /// The positions of the types whose guard the event's `sourcetype` and
    /// `source` pass (and of those without a guard), in order.
    fn candidates(&self, event: &Event) -> std::sync::Arc<[usize]> {
        // Borrowed while looking up: no allocation for a pair seen before.
        let single = |name: &str| match event.get(name) {
            None => Some(None),
            Some(Value::Str(s)) => Some(Some(s.as_str())),
            Some(_) => None,
        };
        let (Some(sourcetype), Some(source)) = (single("sourcetype"), single("source")) else {
            // A multivalue or numeric value: every guard on the event itself.
            return self.passing(event);
        };
        if let Ok(known) = self.candidates.by_key.read() {
            let found = known
                .iter()
                .find(|((t, s), _)| t.as_deref() == sourcetype && s.as_deref() == source);
            if let Some((_, found)) = found {
                return std::sync::Arc::clone(found);
            }
        }
        // The guards read nothing else, so an event of just these two
        // fields answers for every event that has them.
        let mut probe = Event::new();
        for (name, value) in GUARD_FIELDS.iter().zip([sourcetype, source]) {
            if let Some(value) = value {
                probe.set(*name, Value::Str(value.to_string()));
            }
        }
        let found = self.passing(&probe);
        if let Ok(mut known) = self.candidates.by_key.write() {
            if known.len() < CANDIDATE_KEYS {
                let key = (sourcetype.map(str::to_string), source.map(str::to_string));
                known.push((key, std::sync::Arc::clone(&found)));
            }
        }
        found
    }

    /// The positions of the types whose guard `event` passes.
    fn passing(&self, event: &Event) -> std::sync::Arc<[usize]> {
        self.types
            .iter()
            .enumerate()
            .filter(|(_, t)| t.guard.as_ref().is_none_or(|g| g.matches(event)))
            .map(|(i, _)| i)
            .collect()
    }
}

fn set_names(event: &mut Event, names: &[(u8, String)]) {
    let values: Vec<String> = names.iter().map(|(_, n)| n.clone()).collect();
    event.set_opt("eventtype", Value::from_list(values));
}

/// `%field%` placeholders of a name.
fn field_placeholders(name: &str) -> Vec<String> {
    name.split('%')
        .enumerate()
        .filter(|(i, part)| i % 2 == 1 && !part.is_empty())
        .map(|(_, part)| part.to_string())
        .collect()
}

/// The name with `%field%` replaced by the event's value; `None` when a
/// named field is missing.
fn substitute(name: &str, event: &Event) -> Option<String> {
    if !name.contains('%') {
        return Some(name.to_string());
    }
    let mut out = String::new();
    for (i, part) in name.split('%').enumerate() {
        if i % 2 == 1 && !part.is_empty() {
            out.push_str(&event.get(part)?.first_text()?);
        } else {
            out.push_str(part);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(text: &str) -> CompiledEventTypes {
        let mut e = EventTypes::new();
        e.load_str(text, "eventtypes.conf").unwrap();
        let (c, w) = e.compile(&MacroSet::new(), &ExpandLimits::default());
        assert!(w.is_empty(), "{w:?}");
        c
    }

    fn event(pairs: &[(&str, &str)]) -> Event {
        let mut e = Event::new();
        for (k, v) in pairs {
            e.set(*k, Value::from(*v));
        }
        e
    }

    #[test]
    fn matching_types_are_listed_by_priority_then_name() {
        let c = compiled(
            "[zeta]\nsearch = EventCode=4624\n[alpha]\nsearch = EventCode=4624 OR EventCode=4625\n\
             [urgent]\nsearch = EventCode=4624\npriority = 1\n[low]\nsearch = eventcode=4624\npriority = 5\n\
             [off]\nsearch = EventCode=4624\ndisabled = 1\n",
        );
        let mut e = event(&[("EventCode", "4624")]);
        c.apply(&mut e);
        assert_eq!(
            e.get("eventtype"),
            Some(&Value::Multi(vec![
                "alpha".into(),
                "urgent".into(),
                "zeta".into()
            ])),
            "field names are case-sensitive, so `low` (eventcode) does not match"
        );
        let mut e = event(&[("EventCode", "1")]);
        c.apply(&mut e);
        assert_eq!(e.get("eventtype"), None);
    }

    #[test]
    fn types_are_tried_by_their_sourcetype_and_source_as_their_searches_say() {
        let c = compiled(
            "[on_x]\nsearch = sourcetype=X* code=1\n[on_sources]\nsearch = source IN (s1, \"s 2\") code=1\n\
             [anywhere]\nsearch = code=1\n[not_x1]\nsearch = NOT sourcetype=x1 code=1\n\
             [either]\nsearch = sourcetype=x1 OR code=1\n",
        );
        let names = |pairs: &[(&str, &str)]| {
            let mut e = event(pairs);
            c.apply(&mut e);
            e.get("eventtype").map(|v| v.texts().join("\n"))
        };
        // Several times each, in both orders, so remembered pairs answer
        // as the first computation did.
        for _ in 0..2 {
            assert_eq!(
                names(&[("code", "1")]).as_deref(),
                Some("anywhere\neither\nnot_x1")
            );
            assert_eq!(
                names(&[("code", "1"), ("sourcetype", "x1")]).as_deref(),
                Some("anywhere\neither\non_x")
            );
            assert_eq!(
                names(&[("code", "1"), ("sourcetype", ""), ("source", "S 2")]).as_deref(),
                Some("anywhere\neither\nnot_x1\non_sources")
            );
            assert_eq!(
                names(&[("code", "2"), ("sourcetype", "x1")]).as_deref(),
                Some("either")
            );
            assert_eq!(names(&[("code", "2"), ("sourcetype", "y")]), None);
        }
        // A multivalue sourcetype: each guard on the event itself.
        let mut e = event(&[("code", "1")]);
        e.set("sourcetype", Value::Multi(vec!["y".into(), "x1".into()]));
        c.apply(&mut e);
        assert_eq!(
            e.get("eventtype").map(|v| v.texts().join("\n")).as_deref(),
            Some("anywhere\neither\non_x")
        );
    }

    #[test]
    fn names_take_field_values_and_types_can_name_types() {
        let c = compiled(
            "[cisco-%code%]\nsearch = sourcetype=cisco\n[wineventlog_security]\nsearch = source=*WinEventLog:Security\n\
             [windows_logon]\nsearch = eventtype=wineventlog_security EventCode=4624\n",
        );
        let mut e = event(&[("sourcetype", "cisco"), ("code", "432")]);
        c.apply(&mut e);
        assert_eq!(e.get("eventtype"), Some(&Value::from("cisco-432")));
        let mut e = event(&[("source", "XmlWinEventLog:Security"), ("EventCode", "4624")]);
        c.apply(&mut e);
        assert_eq!(
            e.get("eventtype"),
            Some(&Value::Multi(vec![
                "windows_logon".into(),
                "wineventlog_security".into()
            ]))
        );
    }

    #[test]
    fn a_search_with_a_pipe_is_left_out_with_a_warning() {
        let mut e = EventTypes::new();
        e.load_str(
            "[bad]\nsearch = a=1 | stats count\n[ok]\nsearch = a=1\n",
            "et.conf",
        )
        .unwrap();
        let (c, w) = e.compile(&MacroSet::new(), &ExpandLimits::default());
        assert_eq!(w.len(), 1);
        assert!(
            w[0].to_string().starts_with("et.conf:2: event type `bad`"),
            "{}",
            w[0]
        );
        assert_eq!(c.types.len(), 1);
    }
}
