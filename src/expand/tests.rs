use super::*;
use crate::source::line_col;

/// A set from `(name, args, definition)` triples.
fn set(defs: &[(&str, &[&str], &str)]) -> MacroSet {
    let mut set = MacroSet::new();
    for (name, args, definition) in defs {
        set.insert(MacroDef::new(name, args, definition, "<test>"));
    }
    set
}

fn run(text: &str, macros: &MacroSet) -> Result<Expanded> {
    expand(text, "<search>", macros, &ExpandLimits::default())
}

fn text_of(text: &str, macros: &MacroSet) -> String {
    match run(text, macros) {
        Ok(e) => e.text,
        Err(e) => panic!("expanding {text:?}: {e}"),
    }
}

/// The macro error and its span as the user's text, for compact asserts.
fn error_of<'a>(text: &'a str, macros: &MacroSet) -> (MacroError, &'a str) {
    match run(text, macros) {
        Err(Error::Macro { kind, span }) => (kind, &text[span.range()]),
        other => panic!("expected a macro error for {text:?}, got {other:?}"),
    }
}

/// Checks the source map's invariants: sorted, contiguous, covering the text.
fn assert_map_covers(e: &Expanded) {
    let mut at = 0;
    for seg in &e.map.segments {
        assert_eq!(seg.expanded.start, at, "{:?}", e.map.segments);
        assert!(seg.expanded.end > seg.expanded.start);
        at = seg.expanded.end;
    }
    assert_eq!(at, e.text.len());
}

#[test]
fn text_without_macros_is_unchanged() {
    let e = run("search a=1 | stats count", &MacroSet::new()).unwrap();
    assert_eq!(e.text, "search a=1 | stats count");
    assert_eq!(
        e.map,
        SourceMap::identity("<search>", "search a=1 | stats count")
    );
    assert!(e.notices.is_empty());
}

#[test]
fn zero_and_n_argument_calls() {
    let m = set(&[
        ("m", &[], "zero"),
        ("m", &["a"], "one($a$)"),
        ("m", &["a", "b"], "two($a$, $b$)"),
    ]);
    assert_eq!(text_of("`m` `m()` `m( )`", &m), "zero zero zero");
    assert_eq!(text_of("`m(x)`", &m), "one(x)");
    assert_eq!(text_of("`m( x ,  y )`", &m), "two(x, y)");
}

#[test]
fn substitution_is_textual_and_leaves_other_dollars() {
    let m = set(&[("m", &["f"], "$f$ $ $x$ $f$$f$ $$ cost$ $f")]);
    assert_eq!(text_of("`m(a b)`", &m), "a b $ $x$ a ba b $$ cost$ $f");
    // A value containing `$f$` is not substituted again.
    assert_eq!(text_of("`m($f$)`", &m), "$f$ $ $x$ $f$$f$ $$ cost$ $f");
}

#[test]
fn commas_inside_quotes_and_parentheses_do_not_split() {
    let m = set(&[("m", &["a", "b"], "[$a$] [$b$]")]);
    assert_eq!(
        text_of(r#"`m("x, y", f(1, 2))`"#, &m),
        r#"["x, y"] [f(1, 2)]"#
    );
    assert_eq!(text_of(r#"`m("a \" , b", c)`"#, &m), r#"["a \" , b"] [c]"#);
}

#[test]
fn named_arguments_map_by_name() {
    let m = set(&[("m", &["a", "b"], "$a$-$b$")]);
    assert_eq!(text_of("`m(b=2, a=1)`", &m), "1-2");
    // Names that are not the definition's: positional, text kept whole.
    assert_eq!(text_of("`m(x=1, b=2)`", &m), "x=1-b=2");
}

#[test]
fn nested_macros_expand_recursively() {
    let m = set(&[
        ("outer", &["v"], "a `inner($v$)` b"),
        ("inner", &["w"], "<$w$ `leaf`>"),
        ("leaf", &[], "leaf"),
    ]);
    let e = run("x `outer(1)` y", &m).unwrap();
    assert_eq!(e.text, "x a <1 leaf> b y");
    assert_map_covers(&e);
    let chains: Vec<Vec<String>> = e
        .map
        .segments
        .iter()
        .filter_map(|s| match &s.origin {
            Origin::Macro { chain, call, .. } => {
                assert_eq!(*call, Span::new(2, 12));
                Some(chain.clone())
            }
            Origin::User { .. } => None,
        })
        .collect();
    assert_eq!(
        chains,
        vec![
            vec!["outer".to_string()],
            vec!["outer".to_string(), "inner".to_string()],
            vec!["outer".to_string(), "inner".to_string(), "leaf".to_string()],
            vec!["outer".to_string(), "inner".to_string()],
            vec!["outer".to_string()],
        ]
    );
}

#[test]
fn arguments_may_call_macros() {
    let m = set(&[("wrap", &["x"], "($x$)"), ("v", &[], "value")]);
    assert_eq!(text_of("`wrap(`v`)`", &m), "(value)");
    assert_eq!(
        find_calls("a `wrap(`v`)` b").unwrap(),
        vec![("wrap".to_string(), 1, Span::new(2, 13))]
    );
}

#[test]
fn cycles_are_errors_at_the_users_call() {
    let m = set(&[("a", &[], "x `b`"), ("b", &[], "`a`")]);
    let (kind, at) = error_of("search `a` | head", &m);
    assert_eq!(
        kind,
        MacroError::Cycle {
            chain: vec!["a".into(), "b".into(), "a".into()]
        }
    );
    assert_eq!(at, "`a`");
    assert_eq!(kind.to_string(), "macro `a` calls itself: a -> b -> a");
    let (kind, _) = error_of("`self`", &set(&[("self", &[], "`self`")]));
    assert!(matches!(kind, MacroError::Cycle { .. }));
}

#[test]
fn depth_is_limited() {
    let mut m = MacroSet::new();
    for i in 0..10 {
        m.insert(MacroDef::new(
            &format!("m{i}"),
            &[],
            &format!("`m{}`", i + 1),
            "t",
        ));
    }
    m.insert(MacroDef::new("m10", &[], "end", "t"));
    let limits = ExpandLimits {
        max_depth: 5,
        ..ExpandLimits::default()
    };
    let err = expand("`m0`", "q", &m, &limits).unwrap_err();
    assert_eq!(
        err,
        Error::Macro {
            kind: MacroError::TooDeep { limit: 5 },
            span: Span::new(0, 4)
        }
    );
    assert_eq!(text_of("`m0`", &m), "end");
}

#[test]
fn exponential_growth_is_limited() {
    let mut m = MacroSet::new();
    for i in 0..40 {
        let next = format!("`g{}`", i + 1);
        m.insert(MacroDef::new(
            &format!("g{i}"),
            &[],
            &format!("{next} {next}"),
            "t",
        ));
    }
    m.insert(MacroDef::new("g40", &[], "x", "t"));
    let (kind, _) = error_of("`g0`", &m);
    assert!(matches!(kind, MacroError::TooLong { .. }), "{kind:?}");
    // A definition repeating a large argument many times.
    let many = "$a$".repeat(1000);
    let m = set(&[("r", &["a"], many.as_str())]);
    let (kind, _) = error_of("`r(`r(`r(x)`)`)`", &m);
    assert!(matches!(kind, MacroError::TooLong { .. }), "{kind:?}");
}

#[test]
fn comments_are_stripped_first() {
    let m = set(&[("m", &[], "M ```inner comment``` end")]);
    assert_eq!(
        text_of("a ```comment with ` and `m` ```b `m` c", &m),
        "a b M  end c"
    );
    assert_eq!(text_of("```\nmulti\nline```x", &m), "x");
    let (kind, at) = error_of("a ```never closed `m`", &m);
    assert_eq!(kind, MacroError::UnclosedComment);
    assert_eq!(at, "```");
    let bad = set(&[("bad", &[], "x ``` y")]);
    let (kind, at) = error_of("q `bad`", &bad);
    assert_eq!(kind, MacroError::UnclosedComment);
    assert_eq!(at, "`bad`");
}

#[test]
fn backticks_in_quotes_are_text() {
    let m = set(&[("m", &[], "M")]);
    assert_eq!(
        text_of(r#"search x="`m`" y="a\"`m`" `m`"#, &m),
        r#"search x="`m`" y="a\"`m`" M"#
    );
}

#[test]
fn unclosed_backtick_points_at_the_backtick() {
    let (kind, at) = error_of("search a | `foo", &MacroSet::new());
    assert_eq!(kind, MacroError::UnclosedBacktick);
    assert_eq!(at, "`");
    let err = run("search a | `foo", &MacroSet::new()).unwrap_err();
    assert_eq!(err.span().map(|(s, _)| s), Some(Span::new(11, 12)));
}

#[test]
fn undefined_filter_macros_become_search_star() {
    let e = run("a | `x_filter` | `y_filter`", &MacroSet::new()).unwrap();
    assert_eq!(e.text, "a | search * | search *");
    assert_eq!(e.notices.len(), 2);
    assert_eq!(
        e.notices[0].message,
        "macro `x_filter` is not defined; using `search *` (security_content's empty filter)"
    );
    assert_eq!(e.notices[0].span, Span::new(4, 14));
    assert_eq!(e.notices[1].span, Span::new(17, 27));
    // A defined filter is used as written.
    let m = set(&[("x_filter", &[], "where a=1")]);
    assert_eq!(text_of("`x_filter`", &m), "where a=1");
}

#[test]
fn undefined_macro_error_names_the_defined_arities() {
    let m = set(&[("m", &["a"], "$a$"), ("m", &["a", "b"], "$a$$b$")]);
    let (kind, at) = error_of("search x\n| `m`", &m);
    assert_eq!(at, "`m`");
    assert_eq!(
        kind.to_string(),
        "macro `m` with 0 argument(s) is not defined (it is defined with 1, 2 argument(s))"
    );
    let (kind, _) = error_of("`nope(1)`", &m);
    assert_eq!(
        kind.to_string(),
        "macro `nope` with 1 argument(s) is not defined"
    );
    // Filters with arguments get no fallback.
    let (kind, _) = error_of("`x_filter(1)`", &m);
    assert!(matches!(kind, MacroError::Undefined { .. }));
}

#[test]
fn eval_macros_expand_to_their_result_and_validation_guards_arguments() {
    let mut m = MacroSet::new();
    let mut def = MacroDef::new("e", &["n"], "\"count > \" . tostring($n$ * 2)", "t");
    def.iseval = true;
    m.insert(def);
    let mut def = MacroDef::new("v", &["x"], "x=$x$", "t");
    def.validation = Some("isnum(x) AND x > 0".to_string());
    def.errormsg = Some("x must be a positive number".to_string());
    m.insert(def);
    let out = expand("a | where `e(3)`", "<s>", &m, &ExpandLimits::default()).unwrap();
    assert_eq!(out.text, "a | where count > 6");
    let out = expand("`v(5)`", "<s>", &m, &ExpandLimits::default()).unwrap();
    assert_eq!(out.text, "x=5");
    let (kind, at) = error_of("a `v(-1)` b", &m);
    assert_eq!(
        kind,
        MacroError::ValidationFailed {
            name: "v".into(),
            message: "x must be a positive number".into()
        }
    );
    assert_eq!(at, "`v(-1)`");
    let (kind, _) = error_of("`v(abc)`", &m);
    assert!(matches!(kind, MacroError::ValidationFailed { .. }));
}

#[test]
fn errors_inside_nested_expansions_point_at_the_outer_call() {
    let m = set(&[("outer", &[], "x `inner`"), ("inner", &[], "`missing`")]);
    let (kind, at) = error_of("first\n| `outer` | rest", &m);
    assert!(matches!(kind, MacroError::Undefined { ref name, .. } if name == "missing"));
    assert_eq!(at, "`outer`");
}

#[test]
fn positions_after_a_macro_map_to_the_users_line_and_column() {
    let m = set(&[("long", &[], "sourcetype=a:very:long:definition")]);
    let user = "`long` ```note``` x=1\n| `long` | stats count";
    let e = run(user, &m).unwrap();
    assert_map_covers(&e);
    let at = e.text.find("stats").unwrap();
    let loc = e.map.locate(Span::new(at, at + 5));
    assert_eq!((loc.line, loc.column), (2, 12));
    assert_eq!(&user[loc.span.range()], "stats");
    assert!(loc.macro_chain.is_empty());
    // `x=1` comes after a stripped comment.
    let at = e.text.find("x=1").unwrap();
    let loc = e.map.locate(Span::new(at, at + 3));
    assert_eq!(&user[loc.span.range()], "x=1");
    // A position inside the expansion maps to the call.
    let at = e.text.rfind("very").unwrap();
    let loc = e.map.locate(Span::new(at, at + 4));
    assert_eq!(&user[loc.span.range()], "`long`");
    assert_eq!(line_col(user, loc.span.start), (2, 3));
    assert_eq!(loc.macro_chain, vec!["long".to_string()]);
}

#[test]
fn the_seed_search_expands_exactly() {
    let mut m = MacroSet::new();
    m.load_conf_str(
        r#"
[cloudtrail]
definition = sourcetype=aws:cloudtrail

[security_content_ctime(1)]
args = field
definition = convert timeformat="%Y-%m-%dT%H:%M:%S" ctime($field$)
"#,
        "seed.conf",
    )
    .unwrap();
    let seed = "`cloudtrail` userIdentity.sessionContext.attributes.mfaAuthenticated=false
| search NOT [
| inputlookup aws_service_accounts
| fields identity
| rename identity as user]
| stats count min(_time) as firstTime max(_time) as lastTime values(eventName) as eventName by userIdentity.arn userIdentity.type user
| `security_content_ctime(firstTime)`
| `security_content_ctime(lastTime)`
| `detect_api_activity_from_users_without_mfa_filter`";
    let expected = r#"sourcetype=aws:cloudtrail userIdentity.sessionContext.attributes.mfaAuthenticated=false
| search NOT [
| inputlookup aws_service_accounts
| fields identity
| rename identity as user]
| stats count min(_time) as firstTime max(_time) as lastTime values(eventName) as eventName by userIdentity.arn userIdentity.type user
| convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime)
| convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(lastTime)
| search *"#;
    let e = expand(seed, "seed.spl", &m, &ExpandLimits::default()).unwrap();
    assert_eq!(e.text, expected);
    assert_map_covers(&e);
    assert_eq!(e.map.name, "seed.spl");
    assert_eq!(e.map.original, seed);
    assert_eq!(e.notices.len(), 1);
    assert_eq!(
        &seed[e.notices[0].span.range()],
        "`detect_api_activity_from_users_without_mfa_filter`"
    );
    let calls: Vec<(String, usize)> = find_calls(seed)
        .unwrap()
        .into_iter()
        .map(|(n, a, _)| (n, a))
        .collect();
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[1], ("security_content_ctime".to_string(), 1));
}

#[test]
fn bad_calls_are_errors_not_panics() {
    let m = set(&[("m", &["a"], "$a$")]);
    let (kind, at) = error_of("a `m(x y` b", &m);
    assert!(matches!(kind, MacroError::BadCall { .. }), "{kind:?}");
    assert_eq!(at, "`m(x y`");
    let (kind, _) = error_of("a `m(x) y` b", &m);
    assert!(matches!(kind, MacroError::BadCall { .. }), "{kind:?}");
    let (kind, _) = error_of("``", &m);
    assert!(matches!(kind, MacroError::BadCall { .. }), "{kind:?}");
    let (kind, _) = error_of("`m(\"x)`", &m);
    assert_eq!(kind, MacroError::UnclosedBacktick);
}

#[test]
fn odd_inputs_never_panic() {
    let m = set(&[("m", &["a"], "$a$ $"), ("z", &[], "ü`"), ("q", &[], "\"`")]);
    let inputs = [
        "",
        "`",
        "``",
        "```",
        "````",
        "``````",
        "`(",
        "`m(",
        "`m((`",
        "`m())`",
        "`m(,)`",
        "$",
        "$$",
        "\"",
        "\"`",
        "\\",
        "é`ü",
        "`ü`",
        "`m(é)`",
        "a```é",
        "```é```",
        "`z`",
        "`q`",
        "`m(`)`",
        "`m(`m(1)`)`",
        "`m(a=`)",
        "(((`m(1)`",
        "`m(\"\\",
        "`m)`",
        "\u{feff}`",
    ];
    for input in inputs {
        // Either outcome is fine; the point is no panic, and spans that slice.
        match run(input, &m) {
            Ok(e) => assert_map_covers(&e),
            Err(err) => {
                if let Some((span, _)) = err.span() {
                    assert!(input.get(span.range()).is_some(), "{input:?}: {span:?}");
                }
            }
        }
        let _ = find_calls(input);
    }
}

#[test]
fn every_security_content_detection_expands() {
    let root = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/security_content"
    ));
    if !root.join("detections").is_dir() {
        // The corpus is not part of the repository; nothing to check.
        return;
    }
    let mut macros = MacroSet::new();
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/macros/macros.conf");
    macros.load_path(std::path::Path::new(bundled)).unwrap();
    macros.load_path(&root.join("macros")).unwrap();
    let mut files = Vec::new();
    collect_yaml(&root.join("detections"), &mut files);
    let mut failures = Vec::new();
    let mut expanded = 0;
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok(doc) = serde_norway::from_str::<serde_norway::Value>(&text) else {
            continue;
        };
        let Some(search) = doc.get("search").and_then(|s| s.as_str()) else {
            continue;
        };
        match expand(search, "detection", &macros, &ExpandLimits::default()) {
            Ok(e) => {
                assert_map_covers(&e);
                let left = find_calls(&e.text);
                assert!(left.as_ref().is_ok_and(Vec::is_empty), "{file:?}: {left:?}");
                expanded += 1;
            }
            // `get_asset` comes from Enterprise Security, and its definition
            // is not known for certain, so it is not bundled.
            Err(Error::Macro {
                kind: MacroError::Undefined { name, .. },
                ..
            }) if name == "get_asset" => {}
            Err(err) => failures.push(format!("{}: {err}", file.display())),
        }
    }
    assert!(expanded > 1000, "only {expanded} detections expanded");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn collect_yaml(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn an_escaped_quote_outside_a_string_opens_no_string() {
    let mut set = MacroSet::new();
    set.insert(MacroDef::new("m", &[], "search *", "t"));
    let out = expand(
        r#"a=*\"x\":true* | `m`"#,
        "q",
        &set,
        &ExpandLimits::default(),
    )
    .unwrap();
    assert_eq!(out.text, r#"a=*\"x\":true* | search *"#);
}

#[test]
fn an_unbound_argument_token_is_a_notice_at_the_call() {
    let m = set(&[("m", &["a"], "x=$a$ y=$b$ z=$b$ cost=$5 re=\"^a$\"")]);
    let e = run("one `m(1)`", &m).expect("expands");
    assert_eq!(e.text, "one x=1 y=$b$ z=$b$ cost=$5 re=\"^a$\"");
    assert_eq!(e.notices.len(), 1, "{:?}", e.notices);
    assert_eq!(
        e.notices[0].message,
        "macro `m(1)`: `$b$` is not one of its arguments (a); it is left as written"
    );
    assert_eq!(e.notices[0].span, Span::new(4, 10));
    assert_eq!(unbound_tokens("$f$ $ $x$ $$", &["f".to_string()]), ["x"]);
}
