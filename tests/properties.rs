//! Property tests for the rule "nothing panics on any input" (issue 17).
//!
//! cargo-fuzz needs a nightly toolchain, which this project does not use, so
//! these run the same idea on stable Rust with `proptest`: random and
//! SPL-shaped inputs go through the parser, macro expansion, the eval
//! parser and evaluator, the event readers and the `.conf` loaders, and the
//! only requirement is that each returns (an `Ok` or a typed error) instead
//! of panicking. Each property's case count is bounded so the whole file
//! runs in a few seconds in release (`cargo test --release --test
//! properties`). A failing case is shrunk by proptest and its seed saved
//! under `proptest-regressions/`, which is committed so it is replayed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use spelunk::expand::{expand, ExpandLimits, MacroSet};
use spelunk::{Engine, EventSource};

/// One engine (bundled macros, lookups and props) shared by every case:
/// building it per case would dominate the run time.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new().expect("the bundled knowledge loads"))
}

/// Runs `| makeresults | eval x=<expr>` and returns the `x` it gives, or
/// `None` when the search errs (an error is an allowed outcome; a panic is
/// not).
fn eval_x(expr: &str) -> Option<String> {
    let search = format!("| makeresults | eval x={expr}");
    let out = engine().run_str(&search, "").ok()?;
    let row = out.rows.first()?;
    row.get("x").map(|v| v.to_text().into_owned())
}

/// `cases` cases per property; failures are saved to one committed file
/// at the package root (proptest's default looks for `lib.rs` beside an
/// integration test and, not finding it, writes next to the test).
/// `PROPTEST_CASES` overrides the count, for a longer local search.
///
/// The inputs come from a fixed seed, so CI runs the same cases every time
/// and a red run is a regression, not a new draw; `PROPTEST_RNG_SEED=<n>`
/// (or `random`) searches elsewhere.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let rng_seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(proptest::test_runner::RngSeed::Fixed(0x0005_e10c));
    ProptestConfig {
        cases,
        rng_seed,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------

/// Pieces of SPL syntax, including the characters the lexer treats
/// specially, command names from the registry, non-ASCII text, control
/// characters and very long words.
fn spl_token() -> impl Strategy<Value = String> {
    let punct = prop::sample::select(vec![
        "|",
        "[",
        "]",
        "(",
        ")",
        "\"",
        "'",
        "`",
        "=",
        "==",
        "!=",
        "<",
        ">",
        "<=",
        ">=",
        ",",
        "\\",
        "*",
        "$",
        "$arg$",
        "%",
        "+",
        "-",
        ".",
        ":",
        ";",
        "{",
        "}",
        "#",
        "```",
        "/*",
        "*/",
        "\n",
        "\t",
        " ",
        "\u{0}",
        "é",
        "日本語",
        "🦀",
        "\u{202e}",
        "\u{feff}",
    ]);
    let keyword = prop::sample::select(vec![
        "search",
        "AND",
        "OR",
        "NOT",
        "by",
        "BY",
        "as",
        "AS",
        "over",
        "where",
        "in",
        "IN",
        "count",
        "index=main",
        "sourcetype=x",
        "earliest=-1d",
        "latest=now",
        "true()",
        "null()",
        "_time",
        "_raw",
        "span=1h",
        "limit=5",
        "max=0",
        "field=x",
        "mode=sed",
        "s/a/b/g",
        "dc(x)",
        "values(x)",
        "x{}",
        "a.b{}.c",
        "datamodel:Endpoint.Processes",
        "tstats",
        "summariesonly",
        "from",
        "eval",
        "stats",
        "rex",
        "lookup",
        "inputlookup",
        "makeresults",
        "append",
        "appendpipe",
        "join",
        "map",
    ]);
    let command = prop::sample::select(spelunk::commands::names().collect::<Vec<_>>());
    prop_oneof![
        4 => punct.prop_map(str::to_string),
        3 => keyword.prop_map(str::to_string),
        3 => command.prop_map(str::to_string),
        2 => "[a-zA-Z_][a-zA-Z0-9_.]{0,6}",
        1 => "-?[0-9]{1,25}(\\.[0-9]{0,10})?(e[+-]?[0-9]{1,4})?",
        1 => any::<String>(),
        1 => (1usize..5000).prop_map(|n| "w".repeat(n)),
    ]
}

/// A string of SPL-shaped tokens, sometimes glued, sometimes spaced.
fn spl_text() -> impl Strategy<Value = String> {
    prop::collection::vec((spl_token(), any::<bool>()), 0..40).prop_map(|parts| {
        let mut s = String::new();
        for (tok, space) in parts {
            s.push_str(&tok);
            if space {
                s.push(' ');
            }
        }
        s
    })
}

/// Literals for eval: huge, tiny and special numbers, numbers as text,
/// quoted strings (with escapes and non-ASCII), field names and `null()`.
fn eval_leaf() -> BoxedStrategy<String> {
    let number = prop::sample::select(vec![
        "0",
        "-0",
        "1",
        "-1",
        "0.5",
        "3",
        "10",
        "1e308",
        "-1e308",
        "1e-320",
        "1.7976931348623157e308",
        "99999999999999999999999999999",
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551616",
        "4294967296",
        "100000000000000000",
        "0x1F",
        "1700000000",
        "2147483648",
        "0.0000001",
        "123.456789",
    ]);
    let text = prop::sample::select(vec![
        "\"\"",
        "\"NaN\"",
        "\"nan\"",
        "\"inf\"",
        "\"-inf\"",
        "\"Infinity\"",
        "\"1e999\"",
        "\"0x\"",
        "\"%\"",
        "\"%s %d %f %x %e %g %%\"",
        "\"%*d\"",
        "\"%-010.5f\"",
        "\"%'d\"",
        "\"%Y-%m-%dT%H:%M:%S.%3N%z\"",
        "\"%s%Q%N%9N%+%c%j%U%V\"",
        "\"%\"",
        "\"2024-01-01 00:00:00\"",
        "\"a,b,c\"",
        "\"10.0.0.1/33\"",
        "\"::1\"",
        "\"é日本🦀\"",
        "\"\\\\\"",
        "\"\\\"\"",
        "\"[\"",
        "\"(?<n>a)\"",
        "\"{\\\"a\\\":[1,2]}\"",
        "\"-1d@d\"",
        "\"+1mon\"",
        "\"1.\"",
    ]);
    let field = prop::sample::select(vec!["x", "_time", "_raw", "missing", "'a b'"]);
    prop_oneof![
        3 => number.prop_map(str::to_string),
        3 => text.prop_map(str::to_string),
        1 => field.prop_map(str::to_string),
        1 => Just("null()".to_string()),
        1 => "[a-zA-Z0-9 ,.%:/-]{0,12}".prop_map(|s| format!("\"{s}\"")),
        1 => any::<f64>().prop_map(|f| format!("\"{f}\"")),
        1 => any::<i64>().prop_map(|i| i.to_string()),
    ]
    .boxed()
}

/// Random eval expressions: calls of registry functions with an arity they
/// accept (and sometimes one they do not), operators and parentheses.
fn eval_expr() -> impl Strategy<Value = String> {
    let specs: Vec<(&'static str, usize, usize)> = spelunk::functions::eval::all()
        .map(|f| (f.name, f.min, f.max))
        .collect();
    eval_leaf().prop_recursive(3, 24, 4, move |inner| {
        let specs = specs.clone();
        let call = (
            prop::sample::select(specs),
            prop::collection::vec(inner.clone(), 0..5),
            0usize..8,
        )
            .prop_map(|((name, min, max), args, pick)| {
                // Mostly an arity in [min, min(max, min + 3)]; one case in
                // eight takes whatever count the vector has.
                let want = if pick == 0 {
                    args.len()
                } else {
                    let hi = max.min(min + 3);
                    (min + pick % (hi - min + 1)).min(args.len().max(min))
                };
                let mut parts: Vec<String> = args.into_iter().take(want).collect();
                while parts.len() < want {
                    parts.push("1".to_string());
                }
                format!("{name}({})", parts.join(", "))
            });
        let op = prop::sample::select(vec![
            "+", "-", "*", "/", "%", ".", "==", "!=", "<", ">=", "AND", "OR", "XOR", "LIKE", "=",
        ]);
        prop_oneof![
            4 => call,
            2 => (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            1 => inner.clone().prop_map(|a| format!("-({a})")),
            1 => inner.clone().prop_map(|a| format!("NOT ({a})")),
            1 => inner.prop_map(|a| format!("({a})")),
        ]
    })
}

/// A fresh path under the system temp folder, unique per process and case.
fn temp_path(ext: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "spelunk-properties-{}-{n}.{ext}",
        std::process::id()
    ))
}

/// Bytes that start like one of the formats the readers recognise, then go
/// wrong: the sniffers must send each to its reader, and each reader must
/// fail cleanly.
fn event_bytes() -> impl Strategy<Value = Vec<u8>> {
    let prefix = prop::sample::select(vec![
        &b""[..],
        b"{\"a\":",
        b"{\"Records\":[",
        b"[{\"x\":1},",
        b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>",
        b"<Event><EventData><Data Name=",
        b"ElfFile\0",
        b"\x1f\x8b\x08\x00",
        b"type=SYSCALL msg=audit(",
        b"01/02/2024 10:00:00 AM\nLogName=Security\n",
        b"\xef\xbb\xbf{",
    ]);
    (prefix, prop::collection::vec(any::<u8>(), 0..600)).prop_map(|(p, rest)| {
        let mut v = p.to_vec();
        v.extend(rest);
        v
    })
}

// ---------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------

proptest! {
    #![proptest_config(config(400))]

    /// The search parser returns on any string.
    #[test]
    fn parser_never_panics_on_arbitrary_text(s in any::<String>()) {
        let _ = spelunk::syntax::parse(&s);
        let _ = spelunk::syntax::parser::parse_lenient(&s);
    }

    /// The parser, and the engine's compile (expansion, parsing, command
    /// argument parsing, lowering), return on SPL-shaped text.
    #[test]
    fn parser_and_compile_never_panic_on_spl_tokens(s in spl_text()) {
        let _ = spelunk::syntax::parse(&s);
        let _ = spelunk::syntax::parser::parse_lenient(&s);
        let _ = engine().compile(&s, "<search>");
        let piped = format!("| {s}");
        let _ = engine().compile(&piped, "<search>");
    }

    /// Macro expansion returns on text full of backticks and `$arg$`, with
    /// macros that take arguments and call each other.
    #[test]
    fn macro_expansion_never_panics(
        s in spl_text(),
        def in spl_text(),
    ) {
        let mut macros = MacroSet::new();
        let conf = format!(
            "[m]\ndefinition = {def}\n\n[m(1)]\nargs = a\ndefinition = $a$ `m` {def}\n\n\
             [m2(2)]\nargs = a, b\ndefinition = `m($b$)` $a$\n"
        );
        let _ = macros.load_conf_str(&conf, "<props>");
        let _ = expand(&s, "<search>", &macros, &ExpandLimits::default());
        let _ = engine().expand(&s, "<search>");
    }

    /// The `.conf` reader and every loader built on it return on any text.
    #[test]
    fn conf_loaders_never_panic(s in any::<String>()) {
        conf_loaders_on(&s);
    }
}

fn conf_loaders_on(s: &str) {
    let _ = spelunk::conf::parse(s, "<conf>");
    let _ = MacroSet::new().load_conf_str(s, "macros.conf");
    let _ = MacroSet::new().load_yaml_str(s, "macro.yml");
    let _ = spelunk::knowledge::Props::new().load_str(s, "props.conf");
    let _ = spelunk::knowledge::transforms::Transforms::new().load_str(s, "transforms.conf");
    let _ = spelunk::knowledge::eventtypes::EventTypes::new().load_str(s, "eventtypes.conf");
    let _ = spelunk::knowledge::tags::Tags::new().load_str(s, "tags.conf");
    let mut lookups = spelunk::lookup::LookupRegistry::new();
    let _ = lookups.load_transforms_str(s, "transforms.conf");
    let _ = lookups.load_yaml_str(s, "lookup.yml");
    let _ = lookups.load_collections_str(s, "collections.conf");
    let _ = spelunk::lookup::parse_csv(s);
}

/// `.conf`-shaped text: stanzas, keys the loaders know, continuation
/// lines, and values made of SPL and regex pieces.
fn conf_text() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "definition",
        "args",
        "iseval",
        "validation",
        "KV_MODE",
        "TIME_FORMAT",
        "TIME_PREFIX",
        "MAX_TIMESTAMP_LOOKAHEAD",
        "LINE_BREAKER",
        "SHOULD_LINEMERGE",
        "BREAK_ONLY_BEFORE",
        "TRUNCATE",
        "EXTRACT-a",
        "REPORT-a",
        "FIELDALIAS-a",
        "EVAL-a",
        "LOOKUP-a",
        "TRANSFORMS-a",
        "REGEX",
        "FORMAT",
        "DELIMS",
        "FIELDS",
        "SOURCE_KEY",
        "MV_ADD",
        "filename",
        "match_type",
        "max_matches",
        "min_matches",
        "default_match",
        "case_sensitive_match",
        "search",
        "disabled",
        "tag=x",
        "",
    ]);
    let stanza = prop::sample::select(vec![
        "[m]",
        "[m(2)]",
        "[x]",
        "[source::...\\x.log]",
        "[host::*]",
        "[default]",
        "[eventtype=a]",
        "[",
        "[]",
        "[a]b",
    ]);
    let value = prop_oneof![spl_text(), "[(?<>)\\\\\\[\\](){}*+?.^$|a-z0-9 ,:=%-]{0,20}",];
    let line = prop_oneof![
        stanza.prop_map(str::to_string),
        (key, value, any::<bool>())
            .prop_map(|(k, v, cont)| { format!("{k} = {v}{}", if cont { "\\" } else { "" }) }),
        "#[^\n]{0,10}",
    ];
    prop::collection::vec(line, 0..20).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(config(300))]

    /// The loaders return on `.conf`-shaped text too (which reaches past
    /// the reader into each loader's own parsing: regexes, formats, args).
    #[test]
    fn conf_loaders_never_panic_on_conf_shaped_text(s in conf_text()) {
        conf_loaders_on(&s);
    }

    /// The event readers return on any bytes, whatever the file is named
    /// and whatever sourcetype is forced.
    #[test]
    fn event_readers_never_panic(
        bytes in event_bytes(),
        ext in prop::sample::select(vec!["json", "ndjson", "xml", "log", "evtx", "gz", "tar", "txt"]),
        sourcetype in prop::sample::select(vec![
            "", "_json", "XmlWinEventLog", "WinEventLog", "linux:audit", "aws:cloudtrail", "syslog",
        ]),
    ) {
        let path = temp_path(ext);
        std::fs::write(&path, &bytes).expect("the temp folder is writable");
        let source = EventSource {
            sourcetype: sourcetype.to_string(),
            ..EventSource::file(&path)
        };
        let result = std::panic::catch_unwind(|| {
            let _ = engine().load_events(std::slice::from_ref(&source));
            // The same bytes as text, through the in-memory reader.
            let text = String::from_utf8_lossy(&bytes);
            let _ = engine().read_events_str(&text, "<events>", &source);
        });
        // Remove the file before reporting, so a failure leaves nothing.
        let _ = std::fs::remove_file(&path);
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
    }
}

proptest! {
    #![proptest_config(config(600))]

    /// Eval expressions built from every registry function, with huge,
    /// special and non-ASCII arguments, parse and evaluate without a
    /// panic.
    #[test]
    fn eval_never_panics(expr in eval_expr()) {
        let _ = eval_x(&expr);
    }

    /// Arbitrary text after `eval x=` returns.
    #[test]
    fn eval_parser_never_panics_on_arbitrary_text(s in any::<String>()) {
        let _ = spelunk::eval::parse_expr(&s, 0);
        let _ = spelunk::eval::parse_assignments(&s, 0);
    }

    /// The formatting and conversion functions return on random inputs.
    #[test]
    fn conversion_functions_never_panic(
        fmt in "[%a-zA-Z0-9 .*+#'0-9-]{0,16}",
        n in any::<f64>(),
        i in any::<i64>(),
        s in "\\PC{0,12}",
        digits in -400i64..400,
        base in prop::sample::select(vec!["2", "8", "10", "16", "36", "1", "0", "-2", "hex", "commas", "duration"]),
    ) {
        let fmt_lit = spl_quote(&fmt);
        let s_lit = spl_quote(&s);
        for expr in [
            format!("printf({fmt_lit}, {n:?}, {i}, {s_lit})"),
            format!("printf({fmt_lit})"),
            format!("round({n:?}, {digits})"),
            format!("round({s_lit}, {digits})"),
            format!("sigfig({n:?})"),
            format!("sigfig({i} * 1.5)"),
            format!("strftime({n:?}, {fmt_lit})"),
            format!("strftime({i}, {fmt_lit})"),
            format!("strptime({s_lit}, {fmt_lit})"),
            format!("tonumber({s_lit}, {base})"),
            format!("tonumber({s_lit})"),
            format!("tostring({n:?}, \"{base}\")"),
            format!("tostring({i}, \"{base}\")"),
            format!("tostring({s_lit}, \"{base}\")"),
        ] {
            let _ = eval_x(&expr);
        }
    }

    /// `mvrange` ends (and gives at most 100000 values) for any start,
    /// including starts past 2^53 where a small step no longer changes the
    /// value (that case once looped until memory ran out).
    #[test]
    fn mvrange_terminates(
        start in prop_oneof![any::<f64>(), (-60i32..60).prop_map(|e| 10f64.powi(e))],
        span in 0.0f64..1e6,
        step in prop_oneof![Just(1.0f64), any::<f64>(), 1e-3f64..1e3],
    ) {
        let expr = format!("mvcount(mvrange({start:?}, {start:?} + {span:?}, {step:?}))");
        if let Some(count) = eval_x(&expr) {
            let count: f64 = count.parse().unwrap_or(0.0);
            prop_assert!(count <= 100_001.0, "{expr} gave {count} values");
        }
    }

    /// `round(x, n)` of a decimal number gives at most `n` decimals.
    #[test]
    fn round_gives_at_most_n_decimals(
        int in -1_000_000i64..1_000_000,
        frac in "[0-9]{1,8}",
        n in 0usize..6,
    ) {
        let expr = format!("round({int}.{frac}, {n})");
        let x = eval_x(&expr).expect("round of a number gives a value");
        let decimals = x.split_once('.').map_or(0, |(_, d)| d.len());
        prop_assert!(decimals <= n, "{expr} gave {x}");
    }

    /// `mvjoin(split(s, ","), ",")` gives `s` back for text without quotes
    /// or backslashes.
    #[test]
    fn split_then_mvjoin_round_trips(s in "[a-zA-Z0-9 ,.:é日-]{1,30}") {
        let expr = format!("mvjoin(split(\"{s}\", \",\"), \",\")");
        let x = eval_x(&expr).expect("mvjoin of split gives a value");
        prop_assert_eq!(x, s);
    }
}

/// Commands left out of the random-command property: they write files
/// (`outputlookup`, `outputcsv`, `collect`, `sendemail`), read files
/// (`inputlookup`, `inputcsv`), or generate as many rows as an argument
/// says (`makeresults`, `gentimes`), so a random `count=1e9` would make
/// the property slow rather than find a panic; `map` runs a search per row.
const NOT_RANDOMLY_RUN: &[&str] = &[
    "outputlookup",
    "outputcsv",
    "collect",
    "sendemail",
    "inputlookup",
    "inputcsv",
    "makeresults",
    "gentimes",
    "map",
];

/// Arguments for a random command: field names, options with odd values,
/// aggregations, regexes, punctuation.
fn command_arg() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "x",
        "y",
        "_raw",
        "count",
        "by",
        "as",
        "over",
        "x=1",
        "limit=2",
        "span=1h",
        "max=3",
        "=",
        ",",
        "(",
        ")",
        "\"\"",
        "*",
        "-",
        "0",
        "-1",
        "1e308",
        "é",
        "field=x",
        "count(x)",
        "dc(y)",
        "values(x)",
        "avg(x)",
        "mode=sed",
        "\"s/a/b/g\"",
        "\"(?<f>.)\"",
        "keepempty=true",
        "bins=0",
        "start=-5",
        "end=1e400",
        "sortby",
        "desc",
        "t=0.5",
        "maxvals=0",
        "delim=\"\"",
        "allnum=t",
        "mvlist=t",
        "[",
        "]",
        "|",
    ]);
    prop_oneof![
        8 => piece.prop_map(str::to_string),
        1 => (prop::sample::select(vec!["x", "y", "count"]), any::<i32>())
            .prop_map(|(k, v)| format!("{k}={v}")),
    ]
}

proptest! {
    #![proptest_config(config(2000))]

    /// Every registered command (but those in `NOT_RANDOMLY_RUN`), given
    /// random arguments after three rows with numbers, a multivalue and
    /// `_raw`, parses and runs without a panic.
    #[test]
    fn commands_never_panic_on_random_arguments(
        cmd in prop::sample::select(
            spelunk::commands::names()
                .filter(|c| !NOT_RANDOMLY_RUN.contains(c))
                .collect::<Vec<_>>(),
        ),
        args in prop::collection::vec(command_arg(), 0..6),
    ) {
        let search = format!(
            "| makeresults count=3 | streamstats count as x \
             | eval y=if(x>1, split(\"a,b\", \",\"), null()), _raw=\"k=v x=\" . x \
             | {cmd} {}",
            args.join(" ")
        );
        let _ = engine().run_str(&search, "");
    }
}

/// `s` as an eval string literal: quotes and backslashes escaped.
fn spl_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
