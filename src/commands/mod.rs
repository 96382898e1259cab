//! SPL commands: one module per command, each holding its argument type, its
//! parser and its execution. The registry below maps names to parsers, so
//! adding a command means adding its module and one line here.

use crate::error::Result;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;

pub mod abstract_;
pub mod accum;
pub mod addcoltotals;
pub mod addinfo;
pub mod addtotals;
pub mod analyzefields;
pub mod anomalies;
pub mod anomalousvalue;
pub mod anomalydetection;
pub mod append;
pub mod appendcols;
pub mod arules;
pub mod associate;
pub mod autoregress;
pub mod bin;
pub mod bucketdir;
pub mod chart;
pub mod cluster;
pub mod cofilter;
pub mod collect;
pub mod common;
pub mod concurrency;
pub mod contingency;
pub mod convert;
pub mod correlate;
pub mod datamodel;
pub mod datamodelsimple;
pub mod dedup;
pub mod delta;
pub mod diff;
pub mod erex;
pub mod eval;
pub mod eventcount;
pub mod eventstats;
pub mod extract;
pub mod fieldformat;
pub mod fields;
pub mod fieldsummary;
pub mod filldown;
pub mod fillnull;
pub mod findtypes;
pub mod folderize;
pub mod foreach;
pub mod format;
pub mod gauge;
pub mod gentimes;
pub mod geom;
pub mod geomfilter;
pub mod geostats;
pub mod head;
pub mod highlight;
pub mod iconify;
pub mod inputcsv;
pub mod inputlookup;
pub mod iplocation;
pub mod kmeans;
pub mod kvform;
pub mod localize;
pub mod lookup;
pub mod makecontinuous;
pub mod makeresults;
pub mod metadata;
pub mod metasearch;
pub mod mstats;
pub mod multisearch;
pub mod mvexpand;
pub mod outputcsv;
pub mod outputtext;
pub mod overlap;
pub mod pivot;
pub mod predict;
pub mod rangemap;
pub mod regex;
pub mod reltime;
pub mod rename;
pub mod replace;
pub mod require;
pub mod rex;
pub mod rtorder;
pub mod savedsearch;
pub mod scrub;
pub mod search;
pub mod searchtxn;
pub mod selfjoin;
pub mod set;
pub mod setfields;
pub mod sort;
pub mod spath;
pub mod stats;
pub mod strcat;
pub mod summary_index;
pub mod table;
pub mod tags;
pub mod timechart;
pub mod timewrap;
pub mod tojson;
pub mod top;
pub mod transaction;
pub mod transpose;
pub mod trendline;
pub mod tstats;
pub mod typer;
pub mod union;
pub mod untable;
pub mod where_;
pub mod x11;
pub mod xmlunescape;
pub mod xpath;
pub mod xyseries;

/// A command's registry entry.
pub struct CommandSpec {
    /// The canonical name.
    pub name: &'static str,
    /// Other names it answers to.
    pub aliases: &'static [&'static str],
    /// Parses the arguments after the name (whose span is given).
    pub parse: fn(&mut Parser, Span) -> Result<CommandArgs>,
}

/// Every supported command.
const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "accum",
        aliases: &[],
        parse: accum::parse,
    },
    CommandSpec {
        name: "filldown",
        aliases: &[],
        parse: filldown::parse,
    },
    CommandSpec {
        name: "search",
        aliases: &[],
        parse: search::parse,
    },
    CommandSpec {
        name: "pivot",
        aliases: &[],
        parse: pivot::parse,
    },
    CommandSpec {
        name: "erex",
        aliases: &[],
        parse: erex::parse,
    },
    CommandSpec {
        name: "findtypes",
        aliases: &[],
        parse: findtypes::parse,
    },
    CommandSpec {
        name: "typelearner",
        aliases: &[],
        parse: findtypes::parse_typelearner,
    },
    CommandSpec {
        name: "sistats",
        aliases: &[],
        parse: summary_index::parse_sistats,
    },
    CommandSpec {
        name: "sichart",
        aliases: &[],
        parse: summary_index::parse_sichart,
    },
    CommandSpec {
        name: "sitimechart",
        aliases: &[],
        parse: summary_index::parse_sitimechart,
    },
    CommandSpec {
        name: "sitop",
        aliases: &[],
        parse: summary_index::parse_sitop,
    },
    CommandSpec {
        name: "sirare",
        aliases: &[],
        parse: summary_index::parse_sirare,
    },
    CommandSpec {
        name: "selfjoin",
        aliases: &[],
        parse: selfjoin::parse,
    },
    CommandSpec {
        name: "setfields",
        aliases: &[],
        parse: setfields::parse,
    },
    CommandSpec {
        name: "set",
        aliases: &[],
        parse: set::parse,
    },
    CommandSpec {
        name: "inputcsv",
        aliases: &[],
        parse: inputcsv::parse,
    },
    CommandSpec {
        name: "inputlookup",
        aliases: &[],
        parse: inputlookup::parse,
    },
    CommandSpec {
        name: "fieldformat",
        aliases: &[],
        parse: fieldformat::parse,
    },
    CommandSpec {
        name: "fields",
        aliases: &[],
        parse: fields::parse,
    },
    CommandSpec {
        name: "fieldsummary",
        aliases: &[],
        parse: fieldsummary::parse,
    },
    CommandSpec {
        name: "reltime",
        aliases: &[],
        parse: reltime::parse,
    },
    CommandSpec {
        name: "rename",
        aliases: &[],
        parse: rename::parse,
    },
    CommandSpec {
        name: "table",
        aliases: &[],
        parse: table::parse,
    },
    CommandSpec {
        name: "tags",
        aliases: &[],
        parse: tags::parse,
    },
    CommandSpec {
        name: "stats",
        aliases: &[],
        parse: stats::parse,
    },
    CommandSpec {
        name: "strcat",
        aliases: &[],
        parse: strcat::parse,
    },
    CommandSpec {
        name: "tojson",
        aliases: &[],
        parse: tojson::parse,
    },
    CommandSpec {
        name: "convert",
        aliases: &[],
        parse: convert::parse,
    },
    CommandSpec {
        name: "cluster",
        aliases: &[],
        parse: cluster::parse,
    },
    CommandSpec {
        name: "collect",
        aliases: &[],
        parse: collect::parse,
    },
    CommandSpec {
        name: "concurrency",
        aliases: &[],
        parse: concurrency::parse,
    },
    CommandSpec {
        name: "contingency",
        aliases: &["ctable", "counttable"],
        parse: contingency::parse,
    },
    CommandSpec {
        name: "correlate",
        aliases: &[],
        parse: correlate::parse,
    },
    CommandSpec {
        name: "eval",
        aliases: &[],
        parse: eval::parse,
    },
    CommandSpec {
        name: "where",
        aliases: &[],
        parse: where_::parse,
    },
    CommandSpec {
        name: "head",
        aliases: &[],
        parse: head::parse_head,
    },
    CommandSpec {
        name: "tail",
        aliases: &[],
        parse: head::parse_tail,
    },
    CommandSpec {
        name: "reverse",
        aliases: &[],
        parse: head::parse_reverse,
    },
    CommandSpec {
        name: "sort",
        aliases: &[],
        parse: sort::parse,
    },
    CommandSpec {
        name: "delta",
        aliases: &[],
        parse: delta::parse,
    },
    CommandSpec {
        name: "dedup",
        aliases: &[],
        parse: dedup::parse,
    },
    CommandSpec {
        name: "uniq",
        aliases: &[],
        parse: dedup::parse_uniq,
    },
    CommandSpec {
        name: "fillnull",
        aliases: &[],
        parse: fillnull::parse,
    },
    CommandSpec {
        name: "rex",
        aliases: &[],
        parse: rex::parse,
    },
    CommandSpec {
        name: "rangemap",
        aliases: &[],
        parse: rangemap::parse,
    },
    CommandSpec {
        name: "regex",
        aliases: &[],
        parse: regex::parse,
    },
    CommandSpec {
        name: "mvexpand",
        aliases: &[],
        parse: mvexpand::parse_mvexpand,
    },
    CommandSpec {
        name: "makemv",
        aliases: &[],
        parse: mvexpand::parse_makemv,
    },
    CommandSpec {
        name: "mvcombine",
        aliases: &[],
        parse: mvexpand::parse_mvcombine,
    },
    CommandSpec {
        name: "nomv",
        aliases: &[],
        parse: mvexpand::parse_nomv,
    },
    CommandSpec {
        name: "replace",
        aliases: &[],
        parse: replace::parse,
    },
    CommandSpec {
        name: "kmeans",
        aliases: &[],
        parse: kmeans::parse,
    },
    CommandSpec {
        name: "localize",
        aliases: &[],
        parse: localize::parse,
    },
    CommandSpec {
        name: "lookup",
        aliases: &[],
        parse: lookup::parse,
    },
    CommandSpec {
        name: "analyzefields",
        aliases: &["af"],
        parse: analyzefields::parse,
    },
    CommandSpec {
        name: "arules",
        aliases: &[],
        parse: arules::parse,
    },
    CommandSpec {
        name: "associate",
        aliases: &[],
        parse: associate::parse,
    },
    CommandSpec {
        name: "autoregress",
        aliases: &[],
        parse: autoregress::parse,
    },
    CommandSpec {
        name: "bin",
        aliases: &["bucket"],
        parse: bin::parse,
    },
    CommandSpec {
        name: "spath",
        aliases: &[],
        parse: spath::parse,
    },
    CommandSpec {
        name: "fromjson",
        aliases: &[],
        parse: spath::parse_fromjson,
    },
    CommandSpec {
        name: "xmlkv",
        aliases: &[],
        parse: spath::parse_xmlkv,
    },
    CommandSpec {
        name: "extract",
        aliases: &["kv"],
        parse: extract::parse,
    },
    CommandSpec {
        name: "multikv",
        aliases: &[],
        parse: extract::parse_multikv,
    },
    CommandSpec {
        name: "eventcount",
        aliases: &[],
        parse: eventcount::parse,
    },
    CommandSpec {
        name: "eventstats",
        aliases: &[],
        parse: eventstats::parse,
    },
    CommandSpec {
        name: "streamstats",
        aliases: &[],
        parse: eventstats::parse_streamstats,
    },
    CommandSpec {
        name: "append",
        aliases: &[],
        parse: append::parse_append,
    },
    CommandSpec {
        name: "union",
        aliases: &[],
        parse: union::parse,
    },
    CommandSpec {
        name: "appendpipe",
        aliases: &[],
        parse: append::parse_appendpipe,
    },
    CommandSpec {
        name: "join",
        aliases: &[],
        parse: append::parse_join,
    },
    CommandSpec {
        name: "map",
        aliases: &[],
        parse: append::parse_map,
    },
    CommandSpec {
        name: "makecontinuous",
        aliases: &[],
        parse: makecontinuous::parse,
    },
    CommandSpec {
        name: "makeresults",
        aliases: &[],
        parse: makeresults::parse,
    },
    CommandSpec {
        name: "geostats",
        aliases: &[],
        parse: geostats::parse,
    },
    CommandSpec {
        name: "gentimes",
        aliases: &[],
        parse: gentimes::parse,
    },
    CommandSpec {
        name: "metadata",
        aliases: &[],
        parse: metadata::parse,
    },
    CommandSpec {
        name: "mstats",
        aliases: &[],
        parse: mstats::parse,
    },
    CommandSpec {
        name: "multisearch",
        aliases: &[],
        parse: multisearch::parse,
    },
    CommandSpec {
        name: "xmlunescape",
        aliases: &[],
        parse: xmlunescape::parse,
    },
    CommandSpec {
        name: "appendcols",
        aliases: &[],
        parse: appendcols::parse,
    },
    CommandSpec {
        name: "savedsearch",
        aliases: &[],
        parse: savedsearch::parse,
    },
    CommandSpec {
        name: "outputcsv",
        aliases: &[],
        parse: outputcsv::parse,
    },
    CommandSpec {
        name: "outputlookup",
        aliases: &[],
        parse: makeresults::parse_outputlookup,
    },
    CommandSpec {
        name: "iplocation",
        aliases: &[],
        parse: iplocation::parse,
    },
    CommandSpec {
        name: "transaction",
        aliases: &[],
        parse: transaction::parse,
    },
    CommandSpec {
        name: "timewrap",
        aliases: &[],
        parse: timewrap::parse,
    },
    CommandSpec {
        name: "transpose",
        aliases: &[],
        parse: transpose::parse,
    },
    CommandSpec {
        name: "trendline",
        aliases: &[],
        parse: trendline::parse,
    },
    CommandSpec {
        name: "predict",
        aliases: &[],
        parse: predict::parse,
    },
    CommandSpec {
        name: "x11",
        aliases: &[],
        parse: x11::parse,
    },
    CommandSpec {
        name: "foreach",
        aliases: &[],
        parse: foreach::parse,
    },
    CommandSpec {
        name: "addcoltotals",
        aliases: &[],
        parse: addcoltotals::parse,
    },
    CommandSpec {
        name: "addtotals",
        aliases: &[],
        parse: addtotals::parse,
    },
    CommandSpec {
        name: "addinfo",
        aliases: &[],
        parse: addinfo::parse,
    },
    CommandSpec {
        name: "top",
        aliases: &[],
        parse: top::parse_top,
    },
    CommandSpec {
        name: "rare",
        aliases: &[],
        parse: top::parse_rare,
    },
    CommandSpec {
        name: "format",
        aliases: &[],
        parse: format::parse_format,
    },
    CommandSpec {
        name: "return",
        aliases: &[],
        parse: format::parse_return,
    },
    CommandSpec {
        name: "chart",
        aliases: &[],
        parse: chart::parse,
    },
    CommandSpec {
        name: "timechart",
        aliases: &[],
        parse: timechart::parse,
    },
    CommandSpec {
        name: "anomalousvalue",
        aliases: &[],
        parse: anomalousvalue::parse,
    },
    CommandSpec {
        name: "anomalydetection",
        aliases: &[],
        parse: anomalydetection::parse,
    },
    CommandSpec {
        name: "outlier",
        aliases: &[],
        parse: anomalydetection::parse_outlier,
    },
    CommandSpec {
        name: "tstats",
        aliases: &[],
        parse: tstats::parse,
    },
    CommandSpec {
        name: "typer",
        aliases: &[],
        parse: typer::parse,
    },
    CommandSpec {
        name: "untable",
        aliases: &[],
        parse: untable::parse,
    },
    CommandSpec {
        name: "xpath",
        aliases: &[],
        parse: xpath::parse,
    },
    CommandSpec {
        name: "xyseries",
        aliases: &[],
        parse: xyseries::parse,
    },
    CommandSpec {
        name: "gauge",
        aliases: &[],
        parse: gauge::parse,
    },
    CommandSpec {
        name: "highlight",
        aliases: &[],
        parse: highlight::parse,
    },
    CommandSpec {
        name: "iconify",
        aliases: &[],
        parse: iconify::parse,
    },
    CommandSpec {
        name: "outputtext",
        aliases: &[],
        parse: outputtext::parse,
    },
    CommandSpec {
        name: "require",
        aliases: &[],
        parse: require::parse,
    },
    CommandSpec {
        name: "rtorder",
        aliases: &[],
        parse: rtorder::parse,
    },
    CommandSpec {
        name: "abstract",
        aliases: &[],
        parse: abstract_::parse,
    },
    CommandSpec {
        name: "cofilter",
        aliases: &[],
        parse: cofilter::parse,
    },
    CommandSpec {
        name: "diff",
        aliases: &[],
        parse: diff::parse,
    },
    CommandSpec {
        name: "metasearch",
        aliases: &[],
        parse: metasearch::parse,
    },
    CommandSpec {
        name: "bucketdir",
        aliases: &[],
        parse: bucketdir::parse,
    },
    CommandSpec {
        name: "folderize",
        aliases: &[],
        parse: folderize::parse,
    },
    CommandSpec {
        name: "overlap",
        aliases: &[],
        parse: overlap::parse,
    },
    CommandSpec {
        name: "datamodel",
        aliases: &[],
        parse: datamodel::parse,
    },
    CommandSpec {
        name: "from",
        aliases: &[],
        parse: datamodel::parse_from,
    },
    CommandSpec {
        name: "datamodelsimple",
        aliases: &[],
        parse: datamodelsimple::parse,
    },
    CommandSpec {
        name: "geom",
        aliases: &[],
        parse: geom::parse,
    },
    CommandSpec {
        name: "geomfilter",
        aliases: &[],
        parse: geomfilter::parse,
    },
    CommandSpec {
        name: "kvform",
        aliases: &[],
        parse: kvform::parse,
    },
    CommandSpec {
        name: "searchtxn",
        aliases: &[],
        parse: searchtxn::parse,
    },
    CommandSpec {
        name: "scrub",
        aliases: &[],
        parse: scrub::parse,
    },
    CommandSpec {
        name: "anomalies",
        aliases: &[],
        parse: anomalies::parse,
    },
];

/// Splunk commands that cannot run offline, with why: each needs a Splunk
/// server (its indexes, REST API, jobs, alerting or mail settings). Naming
/// one fails with the reason (see [`not_offline`]).
pub const NOT_OFFLINE: &[(&str, &str)] = &[
    (
        "audit",
        "it reads the audit trail (`_audit` index) of a Splunk server",
    ),
    ("dbinspect", "it reports on the buckets of a Splunk index"),
    ("delete", "it marks events in a Splunk index as deleted"),
    (
        "history",
        "it lists the searches run earlier on a Splunk server",
    ),
    (
        "inputintelligence",
        "it reads threat intelligence collections of Splunk Enterprise Security",
    ),
    (
        "loadjob",
        "it loads the results of a search job stored on a Splunk server",
    ),
    (
        "localop",
        "it controls where a distributed search runs (search head or indexers)",
    ),
    (
        "mcollect",
        "it writes results into a metrics index on a Splunk server",
    ),
    (
        "meventcollect",
        "it writes results into a metrics index on a Splunk server",
    ),
    ("mpreview", "it reads data points from a metrics index"),
    ("msearch", "it reads data points from a metrics index"),
    (
        "redistribute",
        "it spreads a search's reduce phase across the indexers of a Splunk deployment",
    ),
    ("rest", "it queries the REST API of a Splunk server"),
    (
        "run",
        "it runs a script installed in a Splunk app (alias of `script`)",
    ),
    ("script", "it runs a script installed in a Splunk app"),
    (
        "sendalert",
        "it triggers an alert action configured on a Splunk server",
    ),
    (
        "sendemail",
        "it sends mail through a Splunk server's mail settings",
    ),
    (
        "tscollect",
        "it writes tsidx files into a namespace on a Splunk server",
    ),
    (
        "typeahead",
        "it reads the terms of a Splunk index's lexicon",
    ),
    (
        "walklex",
        "it reads the lexicon of a Splunk index's tsidx files",
    ),
];

/// The Splunk Machine Learning Toolkit, by name.
pub const MLTK: &str = "Splunk Machine Learning Toolkit";

/// Commands that a Splunk app provides, which spelunk does not ship, with
/// that app: the ML-SPL commands of the Machine Learning Toolkit (its
/// "Search commands for machine learning" page; `apply` also needs a model
/// trained with `fit` and stored by it) and `cyberchef` of CyberChef for
/// Splunk (Splunkbase app 5348).
pub const NEEDS_APP: &[(&str, &str)] = &[
    ("apply", MLTK),
    ("deletemodel", MLTK),
    ("fit", MLTK),
    ("listmodels", MLTK),
    ("score", MLTK),
    ("summary", MLTK),
    ("cyberchef", "CyberChef for Splunk"),
];

/// The app that provides a command, when it is one of [`NEEDS_APP`].
pub fn needs_app(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    NEEDS_APP
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, app)| *app)
}

/// Why a command cannot run offline, when it is one of [`NOT_OFFLINE`].
pub fn not_offline(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    NOT_OFFLINE
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, why)| *why)
}

/// How a supported command differs from Splunk's, by name: a short note
/// for `spelunk reference` (README "What is supported" has the detail).
/// Kept beside the registry, not in [`CommandSpec`], so adding a command
/// stays one entry.
pub const DIFFERENCES: &[(&str, &str)] = &[
    (
        "anomalies",
        "s() is the DEFLATE-compressed size (Splunk's metric is not documented), so scores differ from Splunk's; the denylist is a CSV of the lookup folders (docs/semantics.md)",
    ),
    (
        "scrub",
        "Splunk's default anonymizer files are not shipped: terms come from the apps' anonymizer/ files, replacements are spelunk's (same length and shape, fixed per term); timeconfig is refused (docs/semantics.md)",
    ),
    (
        "searchtxn",
        "runs over the events given with transactiontypes.conf from the --app folders; the type's transaction options are those spelunk's transaction takes",
    ),
    (
        "geom",
        "the feature collection is a KML file the user gives (Splunk's geo_us_states and geo_countries are not shipped; KMZ is refused); geom is a GeoJSON MultiPolygon and gen a Douglas-Peucker tolerance (docs/semantics.md)",
    ),
    (
        "kvform",
        "forms are read from the --app folders' forms/; a type no transforms.conf stanza defines is one of spelunk's own (string, int, float, ...), and blanks in a form match any run of blanks (docs/semantics.md)",
    ),
    (
        "abstract",
        "lines are scored by their terms and their neighbours' (Splunk's scoring, which also weighs search terms, is not documented)",
    ),
    (
        "addinfo",
        "a run is an all-time search: info_min_time=0.000, info_max_time=+Infinity",
    ),
    (
        "bucketdir",
        "the roll-up rule is spelunk's reading of the page: the directory with the most files per event first, never the root",
    ),
    (
        "analyzefields",
        "the page gives no formula: z-probability is the two-sided normal tail under each class's mean and sample stdev",
    ),
    (
        "arules",
        "the page gives no rule shape: one field=value item implies one of another field; supports are shares of all results",
    ),
    (
        "collect",
        "writes the stash (or HEC) file named by file= into the --output-lookups folder and indexes nothing; file= is required",
    ),
    (
        "datamodel",
        "lowered to a plain pipeline over the given events; the JSON modes return the model file's JSON (compacted) in _raw",
    ),
    (
        "erex",
        "the regular expression is learned by spelunk's own method (Splunk's is not documented; docs/semantics.md), so it can differ from Splunk's; it is given as a notice",
    ),
    (
        "findtypes",
        "suggestions are groups by source type and punct prefix with the field values (and, with useraw, the _raw words) they share, spelunk's own method (Splunk's is not documented; docs/semantics.md)",
    ),
    (
        "diff",
        "the diff text is Python difflib's unified or context form, lines matched by a longest common subsequence",
    ),
    (
        "folderize",
        "the grouping rule is spelunk's reading of the page: the deepest folder level giving at most maxfolders folders",
    ),
    (
        "fieldformat",
        "the format shows in the table output (-o table) only; JSON, NDJSON and CSV output are exports and keep the values",
    ),
    (
        "typelearner",
        "findtypes' grouping by the grouping field's leading characters, without the keyword-based merging of groups the page mentions (not documented)",
    ),
    (
        "geostats",
        "geobin is bin_id_zl_<level>_y_<row>_x_<column> and a bin's latitude/longitude is the mean of its events' coordinates (Splunk's exact rules are not documented); locallimit is refused",
    ),
    (
        "highlight",
        "display only: Splunk Web highlights the terms; the results pass through unchanged",
    ),
    (
        "iconify",
        "_icon is the MD5 of the listed fields' values (Splunk's hash is not documented)",
    ),
    (
        "iplocation",
        "needs a MaxMind database given with --geoip",
    ),
    (
        "outputcsv",
        "writes to the --output-lookups folder (Splunk's is var/run/splunk/csv); no file name (CSV into _xml), usexml, dispatch=true and .gz names are refused",
    ),
    (
        "pivot",
        "over the events given, as `from datamodel:`; the split options (RANGE, PERIOD, TRUELABEL, FALSELABEL), NUMCOLS, rowsort and the summaries are refused; unlabelled cell names and SPLITCOL column order are spelunk's (docs/semantics.md)",
    ),
    (
        "overlap",
        "the page does not describe the output: one result per overlap or gap with reason, start, end, duration and the two runs' info_search_id",
    ),
    (
        "rtorder",
        "a historical run: every result is buffered and emitted oldest first at the end (no real-time clock for buffer_span)",
    ),
    (
        "savedsearch",
        "reads savedsearches.conf from the --app folders; the saved search's dispatch time range does not apply (a notice says so)",
    ),
    (
        "timewrap",
        "align=end ends the latest period at the last bin's end (a run has no search end time); month, quarter and year spans are refused",
    ),
    (
        "sichart",
        "each result keeps what its partial statistics are computed from (_time, the split fields, the functions' fields), as tstats prestats=true does, not Splunk's undocumented psrsvd_* fields; `chart` over them gives the same results",
    ),
    (
        "sirare",
        "each result keeps what its partial statistics are computed from (_time, the split fields, the functions' fields), as tstats prestats=true does, not Splunk's undocumented psrsvd_* fields; `rare` over them gives the same results",
    ),
    (
        "sistats",
        "each result keeps what its partial statistics are computed from (_time, the split fields, the functions' fields), as tstats prestats=true does, not Splunk's undocumented psrsvd_* fields; `stats` over them gives the same results",
    ),
    (
        "sitimechart",
        "each result keeps what its partial statistics are computed from (_time, the split fields, the functions' fields), as tstats prestats=true does, not Splunk's undocumented psrsvd_* fields; `timechart` over them gives the same results",
    ),
    (
        "sitop",
        "each result keeps what its partial statistics are computed from (_time, the split fields, the functions' fields), as tstats prestats=true does, not Splunk's undocumented psrsvd_* fields; `top` over them gives the same results",
    ),
    (
        "tstats",
        "lowered to a plain pipeline over the given events, as if fully accelerated",
    ),
    (
        "union",
        "after other commands every subsearch is appended, where Splunk interleaves streaming inputs",
    ),
    (
        "predict",
        "the models are Durbin & Koopman's local level, local linear trend and seasonal local level with variance ratios by maximum likelihood (Splunk's equations and estimation are not documented; docs/semantics.md), so the numbers can differ; a row's prediction is its filtered state",
    ),
    (
        "x11",
        "X-11's B and C passes (centred, 3x3, Henderson and 3x5 moving averages) without extreme-value replacement, ends by line extension and repetition (Splunk's steps are not documented; docs/semantics.md); the output field is the term as written, e.g. mult15(count)",
    ),
];

/// Registered commands that always fail with a message, and why (listed
/// as not supported by `spelunk reference`).
pub const REFUSED: &[(&str, &str)] = &[];

/// Every supported command's registry entry.
pub fn specs() -> &'static [CommandSpec] {
    COMMANDS
}

/// The registry entry for a (lower-case) command name.
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS
        .iter()
        .find(|c| c.name == name || c.aliases.contains(&name))
}

/// Names of all supported commands, for help and lint.
pub fn names() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|c| c.name)
}

/// A command's parsed arguments: one variant per command.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandArgs {
    /// `accum <field> [AS <newfield>]`: a running total.
    Accum(accum::Accum),
    /// `filldown [<wc-field-list>]`: a missing field takes its last value.
    Filldown(filldown::Filldown),
    /// `search <expr>` (also the implicit first command).
    Search(search::Search),
    /// `selfjoin [overwrite=..] [max=..] [keepsingle=..] <fields>`: results joined with later results sharing the join values.
    Selfjoin(selfjoin::Selfjoin),
    /// `setfields <field>="<value>", ...`, e.g. `setfields ip="10.10.10.10", foo="foo bar"`.
    Setfields(setfields::Setfields),
    /// `| set union|diff|intersect [..] [..]`: set operations on two subsearches.
    Set(set::Set),
    /// `inputcsv [options] <filename> [where <expr>]`.
    InputCsv(inputcsv::InputCsv),
    /// `inputlookup [options] <name> [where <expr>]`.
    InputLookup(inputlookup::InputLookup),
    /// `fields [+|-] <field-list>`.
    Fields(fields::Fields),
    /// `fieldsummary [maxvals=N] [<wc-field-list>]`: summary statistics per field.
    Fieldsummary(fieldsummary::Fieldsummary),
    /// `rename <a> AS <b>, ...`.
    Rename(rename::Rename),
    /// `reltime [timefield=..] [prefix=..]`: "5 minutes ago" from a time field and the search's start.
    Reltime(reltime::Reltime),
    /// `table <field-list>`.
    Table(table::Table),
    /// `tags [outputfield=..] [inclname=..] [inclvalue=..] [allowed_tags=..] [<fields>]`: tags of field values.
    Tags(tags::Tags),
    /// `stats <aggregations> [by <fields>]`.
    Stats(stats::Stats),
    /// `strcat [allrequired=<bool>] <source-fields> <dest-field>`, e.g.
    /// `strcat sourceIP "/" destIP comboIP`.
    Strcat(strcat::Strcat),
    /// `tojson [auto|bool|json|none|num|str(<field>)]... [default_type=..] [fill_null=..] [include_internal=..] [output_field=..]`.
    Tojson(tojson::Tojson),
    /// `convert [timeformat=...] <fn>(<field>) [AS <name>] ...`.
    Convert(convert::Convert),
    /// `cluster [t=..] [field=..] [match=..] [showcount=..] [labelonly=..] ...`: similar results grouped.
    Cluster(cluster::Cluster),
    /// `concurrency duration=<field> [start=<field>] [output=<field>]`: events in progress at each start.
    Concurrency(concurrency::Concurrency),
    /// `contingency [maxrows=..] [maxcols=..] [minrowcover=..] [mincolcover=..] [usetotal=..] [totalstr=..] <field1> <field2>`.
    Contingency(contingency::Contingency),
    /// `correlate`: how often each pair of fields occurs in the same results.
    Correlate(correlate::Correlate),
    /// `collect index=<name> file=<name> [options]`: results written to a summary-index file.
    Collect(collect::Collect),
    /// `analyzefields classfield=<field>` (alias `af`): how well each numeric field predicts the class.
    Analyzefields(analyzefields::Analyzefields),
    /// `arules [sup=..] [conf=..] <field> <field>...`: association rules between field values.
    Arules(arules::Arules),
    /// `eval <field>=<expr>, ...`.
    Eval(eval::Eval),
    /// `fieldformat <field>=<expr>`: a display format (the table output).
    Fieldformat(fieldformat::Fieldformat),
    /// `where <expr>`.
    Where(where_::Where),
    /// `head [N] [limit=N]`, e.g. `head 5` (also `tail`).
    Head(head::Head),
    /// `reverse`.
    Reverse(head::Reverse),
    /// `sort [N] [limit=N] [-|+]<field>...`, e.g. `sort -count, str(user)`.
    Sort(sort::Sort),
    /// `dedup [N] <fields> [keepempty=..] [consecutive=..] [sortby ..]`, e.g. `dedup src dest`.
    Dedup(dedup::Dedup),
    /// `delta <field> [AS <newfield>] [p=N]`: difference with an earlier result.
    Delta(delta::Delta),
    /// `uniq`.
    Uniq(dedup::Uniq),
    /// `fillnull [value=<v>] [<fields>]`, e.g. `fillnull value=unknown user`.
    Fillnull(fillnull::Fillnull),
    /// `rex [field=f] "<regex>"` or `rex mode=sed "s/a/b/g"`.
    Rex(rex::Rex),
    /// `regex [<field>=|!=]"<regex>"`, e.g. `regex user!="^svc_"`.
    Regex(regex::RegexFilter),
    /// `rangemap field=<f> [<name>=<low>-<high>]... [default=<string>]`,
    /// e.g. `rangemap field=count low=0-10 high=11-100`.
    Rangemap(rangemap::Rangemap),
    /// `mvexpand <field> [limit=N]`.
    Mvexpand(mvexpand::Mvexpand),
    /// `makemv [delim=","] <field>`.
    Makemv(mvexpand::Makemv),
    /// `mvcombine [delim=","] <field>`.
    Mvcombine(mvexpand::Mvcombine),
    /// `nomv <field>`.
    Nomv(mvexpand::Nomv),
    /// `replace <old> WITH <new> [, ...] [IN <fields>]`.
    Replace(replace::Replace),
    /// `kmeans [k=..] [reps=..] [maxiters=..] [t=..] [dt=..] [cfield=..] [<fields>]`: k-means clusters.
    Kmeans(kmeans::Kmeans),
    /// `lookup <name> <field> [AS <f>] ... [OUTPUT|OUTPUTNEW <field> [AS <f>] ...]`.
    Lookup(lookup::Lookup),
    /// `associate [supcnt=..] [supfreq=..] [improv=..] [<fields>]`: entropy-reducing field values.
    Associate(associate::Associate),
    /// `localize [maxpause=..] [timeafter=..] [timebefore=..]`: time-contiguous regions of the results.
    Localize(localize::Localize),
    /// `autoregress <field> [AS <newfield>] [p=N | p=N-M]`: earlier values copied.
    Autoregress(autoregress::Autoregress),
    /// `bin [span=<span>] [bins=N] ... <field> [AS <name>]`, e.g. `bin _time span=1h`.
    Bin(bin::Bin),
    /// `spath [input=f] [output=f] [path=p | p]`, e.g. `spath input=data path=a.b{}`.
    Spath(spath::Spath),
    /// `fromjson <field> [prefix=p]`.
    Fromjson(spath::Fromjson),
    /// `xmlkv [maxinputs=N]`.
    Xmlkv(spath::Xmlkv),
    /// `extract [pairdelim=..] [kvdelim=..]` (alias `kv`).
    Extract(extract::Extract),
    /// `multikv [fields f ...]`.
    Multikv(extract::Multikv),
    /// `eventstats <agg>... [BY <fields>]`, e.g. `eventstats count BY user`.
    Eventstats(eventstats::Eventstats),
    /// `| eventcount [index=..]... [summarize=..]`: events per index.
    Eventcount(eventcount::Eventcount),
    /// `streamstats [window=N] [current=..] <agg>... [BY <fields>]`.
    Streamstats(eventstats::Streamstats),
    /// `append [maxout=N] [<subsearch>]`.
    Append(append::Append),
    /// `union [maxout=..] [..] [..]`: datasets merged with the results.
    Union(union::Union),
    /// `appendpipe [<commands>]`, e.g. `appendpipe [stats count]`.
    Appendpipe(append::Appendpipe),
    /// `join [type=..] [max=N] <fields> [<subsearch>]`.
    Join(append::Join),
    /// `map search="... $field$ ..." [maxsearches=N]`.
    Map(append::Map),
    /// `makeresults [count=N]`.
    Makeresults(makeresults::Makeresults),
    /// `makecontinuous [<field>] span=.. [start=..] [end=..]`: empty bins added where the x-axis has gaps.
    Makecontinuous(makecontinuous::Makecontinuous),
    /// `| gentimes start=<time> [end=<time>] [increment=<n>(s|m|h|d)]`: adjacent time ranges.
    Gentimes(gentimes::Gentimes),
    /// `| multisearch [search ..] [search ..]`: streaming subsearches interleaved by time.
    Multisearch(multisearch::Multisearch),
    /// `| metadata type=hosts|sources|sourcetypes [index=..]...`: first/last time and count per value.
    Metadata(metadata::Metadata),
    /// `| mstats avg(cpu.*) AS cpu.* WHERE index=m BY host span=1m`: statistics over metric data points.
    Mstats(mstats::Mstats),
    /// `outputlookup [append=..] <file.csv>`.
    Outputlookup(makeresults::Outputlookup),
    /// `outputcsv [append=..] [create_empty=..] [override_if_empty=..] <filename>`.
    Outputcsv(outputcsv::Outputcsv),
    /// `| savedsearch <name> [nosubstitution=..] [<field>=<string>]...` (compiled by the engine).
    Savedsearch(savedsearch::Savedsearch),
    /// `appendcols [override=..] [maxout=..] [<subsearch>]`: subsearch fields merged row by row.
    Appendcols(appendcols::Appendcols),
    /// `xmlunescape [maxinputs=..]`: XML entity references in `_raw` unescaped.
    Xmlunescape(xmlunescape::Xmlunescape),
    /// `iplocation [prefix=..] [allfields=..] [lang=..] <ip-field>`.
    Iplocation(iplocation::Iplocation),
    /// `transaction <fields> [maxspan=..] [maxpause=..] [startswith=..] [endswith=..]`.
    Transaction(transaction::Transaction),
    /// `geostats count by kind`: statistics per latitude/longitude bin and zoom level.
    Geostats(geostats::Geostats),
    /// `timewrap 1week [align=..] [series=..] [time_format=..]`: one series per period.
    Timewrap(timewrap::Timewrap),
    /// `transpose [int] [column_name=..] [header_field=..] [include_empty=..]`: results become columns.
    Transpose(transpose::Transpose),
    /// `trendline sma5(foo) AS smoothed_foo ema10(bar)`: moving averages.
    Trendline(trendline::Trendline),
    /// `predict <field> [AS <name>] [algorithm=..] [future_timespan=..] ...`: time-series forecasts.
    Predict(predict::Predict),
    /// `x11 [add|mult][<period>](<field>) [AS <name>]`: seasonal adjustment.
    X11(x11::X11),
    /// `foreach <wildcard-fields> [fieldstr=..] [matchstr=..] [matchseg1=..] [<template>]`.
    Foreach(foreach::Foreach),
    /// `addtotals [row=..] [col=..] [labelfield=..] [label=..] [fieldname=..] [<fields>]`.
    Addtotals(addtotals::Addtotals),
    /// `addinfo`: the search's time bounds, start time and id on each result.
    Addinfo(addinfo::Addinfo),
    /// `top [N] [options] <fields> [BY <fields>]` (also `rare`).
    Top(top::Top),
    /// `format [mvsep=..] [maxresults=N] ["(" "(" "AND" ")" "OR" ")"] [emptystr=..]`.
    Format(format::Format),
    /// `return [N] [alias=field] [field] [$field]`.
    Return(format::Return),
    /// `chart <agg>... [over <field>] [by <field> [<field>]] [limit=..] ...`,
    /// e.g. `chart count over host by status`.
    Chart(chart::Chart),
    /// `timechart [span=..] [limit=..] <agg>... [by <field>]`, e.g.
    /// `timechart span=1h count by user`.
    Timechart(timechart::Timechart),
    /// `anomalydetection [method=..] [action=..] <fields>`, e.g.
    /// `anomalydetection "count" "user" action=annotate` (also `outlier`,
    /// which is `method=iqr`).
    Anomalydetection(anomalydetection::Anomalydetection),
    /// `tstats <funcs> [FROM datamodel=<M>[.<D>]] [WHERE <search>] [BY <fields> [span=..]]`
    /// (lowered into a plain pipeline by the engine).
    Tstats(tstats::Tstats),
    /// `typer [eventtypes=..] [maxlen=N]`: the `eventtype` field from the loaded event types.
    Typer(typer::Typer),
    /// `untable <x-field> <y-name-field> <y-data-field>`.
    Untable(untable::Untable),
    /// `xyseries <x-field> <y-name-field> <y-data-field>`.
    Xyseries(xyseries::Xyseries),
    /// `xpath [outfield=..] "<xpath>" [field=..] [default=..]`: values selected from XML.
    Xpath(xpath::Xpath),
    /// `gauge <value> [<range>...]`: one result with `x` and `y1`... for a gauge chart.
    Gauge(gauge::Gauge),
    /// `highlight <string>...`: display only, results unchanged.
    Highlight(highlight::Highlight),
    /// `iconify <fields>`: an `_icon` hash of the fields' values.
    Iconify(iconify::Iconify),
    /// `outputtext [usexml=..]`: `_raw` copied (XML-escaped) into `_xml`.
    Outputtext(outputtext::Outputtext),
    /// `| require`: fails the search when there are no results.
    Require(require::Require),
    /// `rtorder [discard=..] [buffer_span=..] [max_buffer_size=..]`: results in ascending time order.
    Rtorder(rtorder::Rtorder),
    /// `abstract [maxterms=..] [maxlines=..]`: `_raw` replaced by a summary.
    Abstract(abstract_::Abstract),
    /// `cofilter <field1> <field2>`: how many `field1` values each pair of `field2` values shares.
    Cofilter(cofilter::Cofilter),
    /// `diff [position1=..] [position2=..] [attribute=..] ...`: a line diff of two results.
    Diff(diff::Diff),
    /// `| metasearch <expr>`: the metadata fields of the matching events.
    Metasearch(metasearch::Metasearch),
    /// `bucketdir [pathfield=..] [sizefield=..] [maxcount=..] [countfield=..] [sep=..]`: paths rolled up into directories.
    Bucketdir(bucketdir::Bucketdir),
    /// `folderize attr=.. [sep=..] [size=..] [minfolders=..] [maxfolders=..]`: values grouped into folders.
    Folderize(folderize::Folderize),
    /// `overlap`: time overlaps and gaps between runs of a summary-indexing search.
    Overlap(overlap::Overlap),
    /// `datamodel <M> <D> search|flat` and `from datamodel:<M>.<D>` (lowered).
    Datamodel(datamodel::DatamodelSearch),
    /// `pivot <M> <D> <cell values> [SPLITROW ..] [SPLITCOL ..] [FILTER ..] [LIMIT ..]` (lowered).
    Pivot(pivot::Pivot),
    /// `erex [<field>] examples=.. [counterexamples=..] [fromfield=..] [maxtrainers=..]`: a regex learned from examples.
    Erex(erex::Erex),
    /// `findtypes [max=..] [notcovered] [useraw]`: suggested event types.
    Findtypes(findtypes::Findtypes),
    /// `sistats`/`sichart`/`sitimechart`/`sitop`/`sirare`: the fields their partial statistics need.
    SummaryIndex(summary_index::SummaryIndex),
    /// `anomalies [threshold=..] [labelonly=..] [normalize=..] [maxvalues=..] [field=..] [denylist=..] [denylistthreshold=..] [by <fields>]`: an unexpectedness score per event.
    Anomalies(anomalies::Anomalies),
    /// `scrub [public-terms=..] [private-terms=..] [name-terms=..] [dictionary=..] [namespace=..]`: results anonymized.
    Scrub(scrub::Scrub),
    /// `| searchtxn <transaction-name> [max_terms=..] [use_disjunct=..] [eventsonly=..] <search-string>`: transactions of a transactiontypes.conf type.
    Searchtxn(searchtxn::Searchtxn),
    /// `kvform [form=..] [field=..]`: fields extracted with form templates of the apps' forms/ folders.
    Kvform(kvform::Kvform),
    /// `geomfilter [min_x=..] [min_y=..] [max_x=..] [max_y=..]`: `geom` polygons clipped to a box.
    Geomfilter(geomfilter::Geomfilter),
    /// `geom [<featureCollection>] [allFeatures=..] [featureIdField=..] [gen=..] [min_x=..] [min_y=..] [max_x=..] [max_y=..]`: polygons from a geospatial lookup.
    Geom(geom::Geom),
    /// `| datamodelsimple type=models|objects|attributes [datamodel=..] [object=..] [nodename=..]`: names of data models, datasets or attributes.
    Datamodelsimple(datamodelsimple::Datamodelsimple),
}

impl CommandArgs {
    /// Runs the command over its input rows.
    pub fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        match self {
            CommandArgs::Accum(c) => c.apply(input),
            CommandArgs::Filldown(c) => c.apply(input),
            CommandArgs::Search(c) => c.apply(input, ctx),
            CommandArgs::Selfjoin(c) => c.apply(input, ctx),
            CommandArgs::Setfields(c) => c.apply(input),
            CommandArgs::Set(c) => c.apply(input, ctx),
            CommandArgs::InputCsv(c) => c.apply(input, ctx),
            CommandArgs::InputLookup(c) => c.apply(input, ctx),
            CommandArgs::Fields(c) => c.apply(input),
            CommandArgs::Fieldsummary(c) => c.apply(input),
            CommandArgs::Rename(c) => c.apply(input),
            CommandArgs::Reltime(c) => c.apply(input, ctx),
            CommandArgs::Table(c) => c.apply(input),
            CommandArgs::Tags(c) => c.apply(input, ctx),
            CommandArgs::Stats(c) => c.apply(input, ctx),
            CommandArgs::Strcat(c) => c.apply(input),
            CommandArgs::Tojson(c) => c.apply(input),
            CommandArgs::Convert(c) => c.apply(input, ctx),
            CommandArgs::Cluster(c) => c.apply(input),
            CommandArgs::Concurrency(c) => c.apply(input),
            CommandArgs::Contingency(c) => c.apply(input),
            CommandArgs::Correlate(c) => c.apply(input, ctx),
            CommandArgs::Collect(c) => c.apply(input, ctx),
            CommandArgs::Analyzefields(c) => c.apply(input),
            CommandArgs::Arules(c) => c.apply(input),
            CommandArgs::Eval(c) => c.apply(input, ctx),
            CommandArgs::Fieldformat(c) => c.apply(input),
            CommandArgs::Where(c) => c.apply(input, ctx),
            CommandArgs::Head(c) => c.apply(input, ctx),
            CommandArgs::Reverse(c) => c.apply(input),
            CommandArgs::Sort(c) => c.apply(input, ctx),
            CommandArgs::Dedup(c) => c.apply(input, ctx),
            CommandArgs::Delta(c) => c.apply(input),
            CommandArgs::Uniq(c) => c.apply(input),
            CommandArgs::Fillnull(c) => c.apply(input),
            CommandArgs::Rex(c) => c.apply(input),
            CommandArgs::Regex(c) => c.apply(input),
            CommandArgs::Rangemap(c) => c.apply(input),
            CommandArgs::Mvexpand(c) => c.apply(input),
            CommandArgs::Makemv(c) => c.apply(input),
            CommandArgs::Mvcombine(c) => c.apply(input),
            CommandArgs::Nomv(c) => c.apply(input),
            CommandArgs::Replace(c) => c.apply(input),
            CommandArgs::Kmeans(c) => c.apply(input),
            CommandArgs::Lookup(c) => c.apply(input, ctx),
            CommandArgs::Associate(c) => c.apply(input),
            CommandArgs::Localize(c) => c.apply(input),
            CommandArgs::Autoregress(c) => c.apply(input),
            CommandArgs::Bin(c) => c.apply(input, ctx),
            CommandArgs::Spath(c) => c.apply(input),
            CommandArgs::Fromjson(c) => c.apply(input),
            CommandArgs::Xmlkv(c) => c.apply(input),
            CommandArgs::Extract(c) => c.apply(input),
            CommandArgs::Multikv(c) => c.apply(input),
            CommandArgs::Eventstats(c) => c.apply(input, ctx),
            CommandArgs::Eventcount(c) => c.apply(input, ctx),
            CommandArgs::Streamstats(c) => c.apply(input, ctx),
            CommandArgs::Append(c) => c.apply(input, ctx),
            CommandArgs::Union(c) => c.apply(input, ctx),
            CommandArgs::Appendpipe(c) => c.apply(input, ctx),
            CommandArgs::Join(c) => c.apply(input, ctx),
            CommandArgs::Map(c) => c.apply(input, ctx),
            CommandArgs::Makeresults(c) => c.apply(input, ctx),
            CommandArgs::Makecontinuous(c) => c.apply(input, ctx),
            CommandArgs::Gentimes(c) => c.apply(input, ctx),
            CommandArgs::Multisearch(c) => c.apply(input, ctx),
            CommandArgs::Metadata(c) => c.apply(input, ctx),
            CommandArgs::Mstats(c) => c.apply(input, ctx),
            CommandArgs::Outputlookup(c) => c.apply(input, ctx),
            CommandArgs::Outputcsv(c) => c.apply(input, ctx),
            CommandArgs::Savedsearch(c) => c.apply(input, ctx),
            CommandArgs::Appendcols(c) => c.apply(input, ctx),
            CommandArgs::Xmlunescape(c) => c.apply(input),
            CommandArgs::Iplocation(c) => c.apply(input, ctx),
            CommandArgs::Transaction(c) => c.apply(input, ctx),
            CommandArgs::Geostats(c) => c.apply(input, ctx),
            CommandArgs::Timewrap(c) => c.apply(input, ctx),
            CommandArgs::Transpose(c) => c.apply(input),
            CommandArgs::Trendline(c) => c.apply(input),
            CommandArgs::Predict(c) => c.apply(input),
            CommandArgs::X11(c) => c.apply(input),
            CommandArgs::Foreach(c) => c.apply(input, ctx),
            CommandArgs::Addtotals(c) => c.apply(input),
            CommandArgs::Addinfo(c) => c.apply(input, ctx),
            CommandArgs::Top(c) => c.apply(input),
            CommandArgs::Format(c) => c.apply(input),
            CommandArgs::Return(c) => c.apply(input),
            CommandArgs::Chart(c) => c.apply(input, ctx),
            CommandArgs::Timechart(c) => c.apply(input, ctx),
            CommandArgs::Anomalydetection(c) => c.apply(input),
            CommandArgs::Tstats(c) => c.apply(input, ctx),
            CommandArgs::Typer(c) => c.apply(input, ctx),
            CommandArgs::Untable(c) => c.apply(input),
            CommandArgs::Xyseries(c) => c.apply(input),
            CommandArgs::Xpath(c) => c.apply(input),
            CommandArgs::Gauge(c) => c.apply(input),
            CommandArgs::Highlight(c) => c.apply(input),
            CommandArgs::Iconify(c) => c.apply(input),
            CommandArgs::Outputtext(c) => c.apply(input),
            CommandArgs::Require(c) => c.apply(input),
            CommandArgs::Rtorder(c) => c.apply(input, ctx),
            CommandArgs::Abstract(c) => c.apply(input),
            CommandArgs::Cofilter(c) => c.apply(input, ctx),
            CommandArgs::Diff(c) => c.apply(input, ctx),
            CommandArgs::Metasearch(c) => c.apply(input, ctx),
            CommandArgs::Bucketdir(c) => c.apply(input, ctx),
            CommandArgs::Folderize(c) => c.apply(input, ctx),
            CommandArgs::Overlap(c) => c.apply(input, ctx),
            CommandArgs::Datamodel(c) => c.apply(input, ctx),
            CommandArgs::Pivot(c) => c.apply(input, ctx),
            CommandArgs::Erex(c) => c.apply(input, ctx),
            CommandArgs::Findtypes(c) => c.apply(input),
            CommandArgs::SummaryIndex(c) => c.apply(input),
            CommandArgs::Anomalies(c) => c.apply(input, ctx),
            CommandArgs::Scrub(c) => c.apply(input, ctx),
            CommandArgs::Searchtxn(c) => c.apply(input, ctx),
            CommandArgs::Kvform(c) => c.apply(input, ctx),
            CommandArgs::Geomfilter(c) => c.apply(input, ctx),
            CommandArgs::Geom(c) => c.apply(input, ctx),
            CommandArgs::Datamodelsimple(c) => c.apply(input, ctx),
        }
    }

    /// Whether the command generates rows instead of reading events (a
    /// pipeline starting with one reads no events).
    pub fn is_generating(&self) -> bool {
        matches!(self, CommandArgs::InputLookup(c) if !c.append)
            || matches!(self, CommandArgs::InputCsv(c) if !c.append)
    }

    /// Pipelines nested in the command's arguments (`append [...]`,
    /// `join [...]`, `union`/`multisearch`/`set` subsearches, `foreach`'s template with its tokens replaced by
    /// placeholders), for walks over the whole search.
    pub fn subpipelines(&self) -> Vec<&crate::syntax::ast::Pipeline> {
        match self {
            CommandArgs::Append(c) => vec![&c.pipeline],
            CommandArgs::Appendpipe(c) => vec![&c.pipeline],
            CommandArgs::Join(c) => vec![&c.pipeline],
            CommandArgs::Foreach(c) => vec![&c.checked],
            CommandArgs::Multisearch(c) => c.pipelines.iter().collect(),
            CommandArgs::Set(c) => c.pipelines.iter().collect(),
            CommandArgs::Union(c) => c.pipelines.iter().collect(),
            CommandArgs::Savedsearch(c) => c.pipeline.iter().collect(),
            CommandArgs::Appendcols(c) => vec![&c.pipeline],
            _ => Vec::new(),
        }
    }

    /// The lookups the command names, with their spans (for lint).
    pub fn lookup_refs(&self) -> Vec<(String, Span)> {
        match self {
            CommandArgs::InputLookup(c) => vec![(c.name.clone(), c.name_span)],
            CommandArgs::Lookup(c) => vec![(c.name.clone(), c.name_span)],
            _ => Vec::new(),
        }
    }
}

/// Parses a field list: names separated by spaces and/or commas, up to the
/// end of the command or a keyword in `stop` (case-insensitive).
pub fn field_list(p: &mut Parser, stop: &[&str]) -> Result<Vec<(String, Span)>> {
    let mut out = Vec::new();
    while !p.at_command_end() {
        if stop.iter().any(|kw| p.at_keyword(kw)) {
            break;
        }
        if p.eat(&crate::syntax::lexer::Tok::Comma) {
            continue;
        }
        out.push(p.field_name("a field name")?);
    }
    Ok(out)
}
