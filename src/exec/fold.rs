//! Deciding, once per event source, the terms of a leading search that only
//! the source's metadata answers.
//!
//! Every event read from one source has the same `sourcetype`, `source`,
//! `host` and `index` (JSON keys of those names never replace them; see
//! [`crate::events::assemble_event`]), so a term like
//! `sourcetype=aws:cloudtrail` — the `cloudtrail` macro of most detections —
//! has one answer for the whole source. Deciding it up front spares setting
//! the field on every event and matching it there, and, when nothing else
//! reads the field, projecting it at all.

use crate::event::Event;
use crate::exec::matcher::Matcher;
use crate::exec::Context;
use crate::knowledge::SourcetypeProps;
use crate::syntax::ast::{SearchExpr, SearchKind};

/// `expr` (a leading search) with each of its AND-ed terms that compares a
/// field of `metadata` and holds for it replaced by `( )`, which matches
/// every event. A term that does not hold is kept, so it still rejects each
/// event as before; so is any term on a field the sourcetype's aliases or
/// calculated fields may change.
pub fn decide_metadata_terms(
    expr: &SearchExpr,
    metadata: &Event,
    st: &SourcetypeProps,
    ctx: &Context<'_>,
) -> SearchExpr {
    let holds = |term: &SearchExpr| {
        let field = match &term.kind {
            SearchKind::Compare { field, .. } | SearchKind::In { field, .. } => field,
            _ => return false,
        };
        metadata.contains(field)
            && !st.may_change(field)
            && Matcher::compile(term, ctx).is_ok_and(|m| m.matches(metadata))
    };
    let decided = |term: &SearchExpr| match holds(term) {
        true => SearchExpr {
            kind: SearchKind::Empty,
            span: term.span,
        },
        false => term.clone(),
    };
    match &expr.kind {
        SearchKind::And(terms) => {
            // Terms true for every event need no matching.
            let rest: Vec<SearchExpr> = terms
                .iter()
                .map(decided)
                .filter(|t| !always_true(t))
                .collect();
            SearchExpr {
                kind: match rest.is_empty() {
                    true => SearchKind::Empty,
                    false => SearchKind::And(rest),
                },
                span: expr.span,
            }
        }
        _ => decided(expr),
    }
}

/// Whether `expr` matches every event whatever it holds: `( )`, and
/// ANDs, ORs and double negations of it (`NOT NOT ( )` is what
/// `search NOT [subsearch]` becomes when the subsearch finds nothing).
pub fn always_true(expr: &SearchExpr) -> bool {
    match &expr.kind {
        SearchKind::Empty => true,
        SearchKind::And(terms) => terms.iter().all(always_true),
        SearchKind::Or(terms) => terms.iter().any(always_true),
        SearchKind::Not(inner) => match &inner.kind {
            SearchKind::Not(twice) => always_true(twice),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Props;
    use crate::value::Value;

    fn leading_search(text: &str) -> SearchExpr {
        let pipeline = crate::syntax::parse(text).expect("parses");
        match &pipeline.commands[0].args {
            crate::commands::CommandArgs::Search(s) => s.expr.clone(),
            other => panic!("not a search: {other:?}"),
        }
    }

    fn decided(search: &str, conf: &str) -> SearchExpr {
        let mut props = Props::new();
        props.load_str(conf, "props.conf").expect("valid props");
        let st = props.sourcetype("aws:cloudtrail");
        let mut metadata = Event::new();
        metadata.set("sourcetype", Value::Str("aws:cloudtrail".into()));
        metadata.set("index", Value::Str("main".into()));
        let lookups = crate::lookup::LookupRegistry::new();
        let limits = crate::exec::Limits::default();
        let ctx = Context {
            events: &[],
            lookups: &lookups,
            tz: chrono_tz::UTC,
            limits: &limits,
            notices: std::cell::RefCell::new(Vec::new()),
            now: 0.0,
            output_lookups: None,
            geoip: None,
            prepared: Default::default(),
            knowledge: Default::default(),
            memory: Default::default(),
        };
        decide_metadata_terms(&leading_search(search), &metadata, &st, &ctx)
    }

    fn kinds(expr: &SearchExpr) -> Vec<String> {
        match &expr.kind {
            SearchKind::And(terms) => terms.iter().flat_map(kinds).collect(),
            SearchKind::Empty => vec!["( )".into()],
            SearchKind::Compare { field, .. } | SearchKind::In { field, .. } => vec![field.clone()],
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn true_metadata_terms_become_empty_and_the_rest_stay() {
        let e = decided("sourcetype=aws:cloudtrail eventName=x", "");
        assert_eq!(kinds(&e), ["eventName"]);
        // Case-insensitive, wildcards, IN: the matcher's own rules.
        let e = decided("sourcetype=AWS:Cloud* index IN (main, other) a=1", "");
        assert_eq!(kinds(&e), ["a"]);
        // A term that does not hold is kept: it rejects every event.
        let e = decided("sourcetype=other a=1", "");
        assert_eq!(kinds(&e), ["sourcetype", "a"]);
        // Not a metadata field of this source, or only under NOT / OR.
        let e = decided("host=x NOT sourcetype=aws:cloudtrail", "");
        assert_eq!(kinds(&e).len(), 2);
        assert!(!kinds(&e).contains(&"( )".to_string()));
        // A lone term, or all terms.
        assert_eq!(kinds(&decided("sourcetype=aws:cloudtrail", "")), ["( )"]);
        assert_eq!(
            kinds(&decided("sourcetype=aws:cloudtrail index=main", "")),
            ["( )"]
        );
    }

    #[test]
    fn always_true_expressions() {
        for (text, expected) in [
            ("NOT NOT ( )", true),
            ("( ) ( )", true),
            ("a=1 OR ( )", true),
            ("NOT ( )", false),
            ("a=1", false),
            ("NOT NOT a=1", false),
        ] {
            assert_eq!(always_true(&leading_search(text)), expected, "{text}");
        }
    }

    #[test]
    fn fields_search_time_settings_may_change_are_left_alone() {
        let alias = "[aws:cloudtrail]\nFIELDALIAS-st = eventSource AS sourcetype\n";
        assert_eq!(
            kinds(&decided("sourcetype=aws:cloudtrail a=1", alias)),
            ["sourcetype", "a"]
        );
        let eval = "[aws:cloudtrail]\nEVAL-sourcetype = \"x\"\n";
        assert_eq!(
            kinds(&decided("sourcetype=aws:cloudtrail a=1", eval)),
            ["sourcetype", "a"]
        );
        // A calculated field that writes another field leaves it decided.
        let other = "[aws:cloudtrail]\nEVAL-x = 1\n";
        assert_eq!(
            kinds(&decided("sourcetype=aws:cloudtrail a=1", other)),
            ["a"]
        );
    }
}
