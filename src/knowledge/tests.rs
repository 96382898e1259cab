//! The knowledge layer end to end: settings loaded as apps, resolved for a
//! source, applied to events in Splunk's order.

use super::*;
use crate::event::Event;
use crate::value::Value;

fn knowledge(files: &[(&str, &str)]) -> Knowledge {
    let mut k = Knowledge::new();
    for (name, text) in files {
        k.load_conf(name, text, name).expect("loads");
    }
    k
}

fn event(raw: &str, pairs: &[(&str, &str)]) -> Event {
    let mut e = Event::new();
    e.set("_raw", Value::from(raw));
    for (k, v) in pairs {
        e.set(*k, Value::from(*v));
    }
    e
}

fn text(e: &Event, name: &str) -> Option<String> {
    e.get(name).map(|v| v.to_text().into_owned())
}

fn apply_all(st: &SourcetypeProps, e: &mut Event) {
    st.apply_extractions(e);
    st.apply_auto_kv(e);
    st.apply_after_kv(e);
}

fn resolve(k: &Knowledge, st: &str, source: &str, host: &str) -> SourcetypeProps {
    let lookups = LookupRegistry::new();
    KnowledgeView::new(k, &lookups).resolve(SourceMeta {
        sourcetype: st,
        source,
        host,
    })
}

/// "The sequence of search-time operations": each operation can reference
/// fields derived by the ones before it, not by the ones after.
#[test]
fn operations_run_in_splunks_order() {
    let k = knowledge(&[
        (
            "props.conf",
            "[st]\nEXTRACT-a = user=(?<extracted_user>\\w+)\nREPORT-b = domain_of_user\n\
             FIELDALIAS-c = extracted_user AS user\nEVAL-user_upper = upper(user)\n\
             EVAL-sees_alias_not_eval = coalesce(user_upper, \"none\")\n",
        ),
        (
            "transforms.conf",
            "[domain_of_user]\nSOURCE_KEY = extracted_user\nREGEX = ^(?<first_letter>\\w)\n",
        ),
        (
            "eventtypes.conf",
            "[bob_event]\nsearch = user_upper=BOB first_letter=b\n",
        ),
        ("tags.conf", "[eventtype=bob_event]\nbob = enabled\n"),
    ]);
    let st = resolve(&k, "st", "s", "h");
    let mut e = event("login user=bob ok", &[]);
    apply_all(&st, &mut e);
    assert_eq!(text(&e, "extracted_user").as_deref(), Some("bob"));
    assert_eq!(
        text(&e, "first_letter").as_deref(),
        Some("b"),
        "REPORT sees EXTRACT"
    );
    assert_eq!(text(&e, "user").as_deref(), Some("bob"));
    assert_eq!(
        text(&e, "user_upper").as_deref(),
        Some("BOB"),
        "EVAL sees aliases"
    );
    assert_eq!(
        text(&e, "sees_alias_not_eval").as_deref(),
        Some("none"),
        "calculated fields do not see each other"
    );
    assert_eq!(text(&e, "eventtype").as_deref(), Some("bob_event"));
    assert_eq!(text(&e, "tag").as_deref(), Some("bob"));
    assert_eq!(text(&e, "tag::eventtype").as_deref(), Some("bob"));
}

#[test]
fn automatic_key_value_extraction_is_the_default_for_text() {
    let k = knowledge(&[("props.conf", "[quiet]\nKV_MODE = none\n")]);
    let mut e = event(
        "action=allowed src=10.0.0.1 host=evil",
        &[("host", "indexer")],
    );
    apply_all(&resolve(&k, "other", "s", "h"), &mut e);
    assert_eq!(text(&e, "action").as_deref(), Some("allowed"));
    assert_eq!(text(&e, "host").as_deref(), Some("indexer"));
    assert_eq!(text(&e, "extracted_host").as_deref(), Some("evil"));
    let mut e = event("action=allowed", &[]);
    apply_all(&resolve(&k, "quiet", "s", "h"), &mut e);
    assert_eq!(e.get("action"), None);
}

/// props.conf.spec, KV_MODE: "Setting to 'none' can ensure that one or more
/// custom field extractions are not overridden by automatic field/value
/// extraction".
#[test]
fn automatic_extraction_overrides_explicit_extractions() {
    let k = knowledge(&[("props.conf", "[st]\nEXTRACT-a = ^(?<action>\\w+)\n")]);
    let mut e = event("blocked action=allowed", &[]);
    apply_all(&resolve(&k, "st", "s", "h"), &mut e);
    assert_eq!(text(&e, "action").as_deref(), Some("allowed"));
}

#[test]
fn source_stanzas_add_to_and_override_the_sourcetype() {
    let k = knowledge(&[(
        "props.conf",
        "[XmlWinEventLog]\nKV_MODE = none\nEVAL-vendor = \"Microsoft\"\nEVAL-product = \"Windows\"\n\
         [source::XmlWinEventLog:Microsoft-Windows-Sysmon/Operational]\nEVAL-product = \"Sysmon\"\n\
         [host::DC*]\nEVAL-role = \"dc\"\n",
    )]);
    let st = resolve(
        &k,
        "XmlWinEventLog",
        "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational",
        "dc01",
    );
    let mut e = event("<Event/>", &[]);
    apply_all(&st, &mut e);
    assert_eq!(text(&e, "vendor").as_deref(), Some("Microsoft"));
    assert_eq!(text(&e, "product").as_deref(), Some("Sysmon"));
    assert_eq!(
        text(&e, "role").as_deref(),
        Some("dc"),
        "host patterns ignore case"
    );
    let st = resolve(&k, "XmlWinEventLog", "XmlWinEventLog:Security", "web01");
    let mut e = event("<Event/>", &[]);
    apply_all(&st, &mut e);
    assert_eq!(text(&e, "product").as_deref(), Some("Windows"));
    assert_eq!(e.get("role"), None);
}

#[test]
fn rename_changes_the_sourcetype_searches_see() {
    let k = knowledge(&[(
        "props.conf",
        "[WinEventLog]\nrename = wineventlog\nEVAL-ignored = \"x\"\n[wineventlog]\nEVAL-seen = \"y\"\n",
    )]);
    let st = resolve(&k, "WinEventLog", "WinEventLog:Security", "h");
    assert_eq!(st.name, "wineventlog");
    assert_eq!(st.renamed_from.as_deref(), Some("WinEventLog"));
    let mut e = event("x", &[]);
    apply_all(&st, &mut e);
    assert_eq!(text(&e, "seen").as_deref(), Some("y"));
    assert_eq!(e.get("ignored"), None);
}

#[test]
fn unresolvable_settings_are_problems_not_silence() {
    let k = knowledge(&[(
        "props.conf",
        "[st]\nREPORT-x = nope\nLOOKUP-y = missing_lookup a OUTPUT b\n",
    )]);
    let st = resolve(&k, "st", "s", "h");
    assert_eq!(st.problems.len(), 2, "{:?}", st.problems);
    assert!(st
        .problems
        .iter()
        .any(|p| p.contains("REPORT-x names the transform `nope`")));
    assert!(st
        .problems
        .iter()
        .any(|p| p.contains("LOOKUP-y: lookup `missing_lookup` is not defined")));
}

#[test]
fn automatic_lookups_write_outputs_and_clear_on_no_match() {
    let k = knowledge(&[(
        "props.conf",
        "[st]\nLOOKUP-codes = codes.csv code OUTPUT description AS signature\n\
         LOOKUP-new = codes.csv code OUTPUTNEW description AS kept\n",
    )]);
    let dir = std::env::temp_dir().join(format!("spelunk-autolookup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("codes.csv"),
        "code,description\n4624,logon\n4625,failed logon\n",
    )
    .expect("csv");
    let mut lookups = LookupRegistry::new();
    lookups.load_path(&dir).expect("lookups");
    let st = KnowledgeView::new(&k, &lookups).resolve(SourceMeta {
        sourcetype: "st",
        source: "s",
        host: "h",
    });
    assert!(st.problems.is_empty(), "{:?}", st.problems);
    let mut e = event("x", &[("code", "4625"), ("kept", "mine")]);
    apply_all(&st, &mut e);
    assert_eq!(text(&e, "signature").as_deref(), Some("failed logon"));
    assert_eq!(text(&e, "kept").as_deref(), Some("mine"));
    let mut e = event("x", &[("code", "1"), ("signature", "stale")]);
    apply_all(&st, &mut e);
    assert_eq!(e.get("signature"), None, "OUTPUT clears on no match");
    let mut e = event("x", &[("signature", "untouched")]);
    apply_all(&st, &mut e);
    assert_eq!(
        text(&e, "signature").as_deref(),
        Some("untouched"),
        "no input, no lookup"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fields_needed_follow_aliases_lookups_tags_and_event_types() {
    let k = knowledge(&[
        ("props.conf", "[st]\nFIELDALIAS-a = src_ip AS src\n"),
        ("eventtypes.conf", "[net]\nsearch = dest_port=443\n"),
        (
            "tags.conf",
            "[eventtype=net]\nnetwork = enabled\n[action=allowed]\nok = enabled\n",
        ),
    ]);
    let st = resolve(&k, "st", "s", "h");
    let mut needed = st.fields_needed_for(&["src".into()]).expect("known");
    needed.sort();
    assert_eq!(needed, ["src", "src_ip"]);
    let mut needed = st.fields_needed_for(&["tag".into()]).expect("known");
    needed.sort();
    assert_eq!(needed, ["action", "dest_port", "eventtype", "tag"]);
    let k = knowledge(&[(
        "props.conf",
        "[st]\nEVAL-x = if(a == \"1\", b, c)\nEVAL-y = searchmatch(\"z\")\nEVAL-unread = d\n",
    )]);
    let st = resolve(&k, "st", "s", "h");
    let mut needed = st.fields_needed_for(&["x".into()]).expect("known");
    needed.sort();
    assert_eq!(
        needed,
        ["a", "b", "c", "x"],
        "calculated fields read their expression's fields"
    );
    assert_eq!(
        st.fields_needed_for(&["y".into()]),
        None,
        "searchmatch reads anything"
    );
}

/// An `EVAL-` expression is parsed once, however often its sourcetype is
/// resolved (once per file and source read), and a broken one is still
/// reported on every resolve.
#[test]
fn calculated_fields_are_parsed_once_per_load() {
    let k = knowledge(&[(
        "props.conf",
        "[st]\nEVAL-upper_user = upper(user)\nEVAL-broken = upper(\n",
    )]);
    let first = resolve(&k, "st", "a.log", "h");
    let second = resolve(&k, "st", "b.log", "h");
    assert_eq!(first.calculated.len(), 1);
    assert!(Arc::ptr_eq(&first.calculated[0].1, &second.calculated[0].1));
    for st in [&first, &second] {
        let error = st.eval_error.as_ref().map(|e| e.to_string());
        assert!(
            error.as_deref().is_some_and(|e| e.contains("EVAL-broken")),
            "{error:?}"
        );
    }
}
