use super::*;

const MODEL: &str = r#"{
  "modelName": "Net",
  "objects": [
    {"objectName": "All_Traffic", "parentName": "BaseEvent",
     "fields": [{"fieldName": "_time", "owner": "BaseEvent"}, {"fieldName": "src", "owner": "All_Traffic", "type": "string", "required": true}],
     "calculations": [{"calculationType": "Lookup", "lookupName": "ports", "lookupInputs": [{"inputField": "dest_port", "lookupField": "port"}],
                       "outputFields": [{"fieldName": "app", "lookupOutputFieldName": "service"}]}],
     "constraints": [{"search": "tag=network tag=communicate"}]},
    {"objectName": "Blocked", "parentName": "All_Traffic", "fields": [{"fieldName": "rule"}],
     "calculations": [{"calculationType": "GeoIP", "inputField": "src", "outputFields": [{"fieldName": "lat"}]}],
     "constraints": [{"search": "action=blocked"}]},
    {"objectName": "Dropped", "parentName": "Blocked", "constraints": [{"search": "reason=drop"}]}
  ]
}"#;

fn model() -> Model {
    json::parse_model(MODEL, "Net.json").expect("parses")
}

#[test]
fn reads_objects_fields_and_calculations() {
    let m = model();
    assert_eq!(m.name, "Net");
    let root = m.object("All_Traffic").expect("root");
    assert_eq!(root.root, Some(Root::Event));
    assert!(root.fields[0].base && !root.fields[1].base);
    assert!(root.fields[1].required);
    assert_eq!(root.constraints, ["tag=network tag=communicate"]);
    let CalcKind::Lookup { name, inputs } = &root.calculations[0].kind else {
        panic!("a lookup");
    };
    assert_eq!(name, "ports");
    assert_eq!(inputs, &[("port".to_string(), "dest_port".to_string())]);
    assert_eq!(
        root.calculations[0].outputs[0].lookup_output.as_deref(),
        Some("service")
    );
    let blocked = m.object("Blocked").expect("child");
    assert!(matches!(
        blocked.calculations[0].kind,
        CalcKind::GeoIp { .. }
    ));
}

#[test]
fn lineage_chain_and_descendants() {
    let m = model();
    assert_eq!(
        m.lineage("Dropped").as_deref(),
        Some("All_Traffic.Blocked.Dropped")
    );
    let chain: Vec<&str> = m
        .chain("Dropped")
        .expect("chain")
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(chain, ["All_Traffic", "Blocked", "Dropped"]);
    assert_eq!(
        m.by_lineage("All_Traffic.Blocked").map(|o| o.name.as_str()),
        Some("Blocked")
    );
    assert!(m.by_lineage("Blocked.All_Traffic").is_none());
    assert_eq!(
        m.by_lineage("Dropped").map(|o| o.name.as_str()),
        Some("Dropped")
    );
    let below: Vec<&str> = m
        .descendants("All_Traffic")
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(below, ["Blocked", "Dropped"]);
    assert_eq!(m.roots().len(), 1);
}

#[test]
fn bad_json_names_the_file_and_line() {
    let err = json::parse_model(
        "{\n  \"modelName\": \"X\",\n  \"objects\": [ }",
        "models/X.json",
    )
    .expect_err("invalid");
    let text = err.to_string();
    assert!(text.starts_with("models/X.json:3:"), "{text}");
    assert!(text.contains("not a Splunk data model JSON"), "{text}");
}

#[test]
fn structural_errors_name_the_dataset() {
    let orphan = r#"{"modelName": "M", "objects": [{"objectName": "A", "parentName": "Nope"}]}"#;
    let err = json::parse_model(orphan, "M.json").expect_err("orphan");
    assert!(err.to_string().contains("parent `Nope`"), "{err}");
    let twice = r#"{"modelName": "M", "objects": [{"objectName": "A"}, {"objectName": "A"}]}"#;
    assert!(json::parse_model(twice, "M.json")
        .expect_err("duplicate")
        .to_string()
        .contains("defined twice"));
    let cycle = r#"{"modelName": "M", "objects": [{"objectName": "A", "parentName": "B"}, {"objectName": "B", "parentName": "A"}]}"#;
    assert!(json::parse_model(cycle, "M.json")
        .expect_err("cycle")
        .to_string()
        .contains("own ancestor"));
    let calc = r#"{"modelName": "M", "objects": [{"objectName": "A", "calculations": [{"calculationType": "Magic", "outputFields": []}]}]}"#;
    assert!(json::parse_model(calc, "M.json")
        .expect_err("unknown calc")
        .to_string()
        .contains("unknown calculationType `magic`"));
    let base =
        r#"{"modelName": "M", "objects": [{"objectName": "A", "parentName": "BaseSearch"}]}"#;
    assert!(json::parse_model(base, "M.json")
        .expect_err("no baseSearch")
        .to_string()
        .contains("no baseSearch"));
}

#[test]
fn a_later_model_of_the_same_name_replaces_the_earlier() {
    let mut models = DataModels::new();
    models.load_str(MODEL, "a.json").expect("loads");
    models
        .load_str(r#"{"modelName": "Net", "objects": []}"#, "b.json")
        .expect("loads");
    assert_eq!(models.names(), ["Net"]);
    assert_eq!(models.get("Net").map(|m| m.origin.as_str()), Some("b.json"));
}

/// The names of the commands a search lowers to, with the test app's
/// `Acme` model loaded.
fn lowered(search: &str) -> Vec<String> {
    let app = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/tstats_datamodel_count_by_dataset_field/apps/acme");
    let engine = crate::Engine::empty().with_app(&app).expect("app loads");
    let query = engine.compile(search, "<test>").expect("compiles");
    query
        .pipeline
        .commands
        .iter()
        .map(|c| c.name.clone())
        .collect()
}

#[test]
fn only_the_calculations_a_query_reads_run() {
    assert_eq!(
        lowered("| tstats count from datamodel=Acme.Proc by Proc.dest"),
        ["search", "rename", "stats"]
    );
    assert_eq!(
        lowered("| tstats count from datamodel=Acme.Proc by Proc.process_path"),
        ["search", "eval", "rename", "stats"]
    );
    assert_eq!(
        lowered(
            "| tstats count from datamodel=Acme.Proc where Proc.severity=high by Proc.parent_pid"
        ),
        ["search", "lookup", "rex", "rename", "search", "stats"]
    );
    // A child's constraint runs after the parent's calculations.
    assert_eq!(
        lowered("| tstats count from datamodel=Acme.Suspicious by _time span=1h"),
        ["search", "search", "bin", "stats"]
    );
    // `from` shows the events: every calculation runs.
    assert_eq!(
        lowered("| from datamodel:Acme.Proc"),
        ["search", "eval", "lookup", "rex"]
    );
}

#[test]
fn a_query_field_the_dataset_lacks_is_null() {
    assert_eq!(
        lowered("| tstats count from datamodel=Acme.Proc by user Proc.nope"),
        ["search", "eval", "stats"]
    );
}
