//! SPL commands: one module per command, each holding its argument type, its
//! parser, its execution (`impl Command`) and its registry entries
//! (`SPECS`). The `registry!` block below has one line per module, so adding
//! a command means adding its module and one line there.

use crate::error::Result;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;

pub mod common;

/// A command's registry entry.
pub struct CommandSpec {
    /// The canonical name.
    pub name: &'static str,
    /// Other names it answers to.
    pub aliases: &'static [&'static str],
    /// Parses the arguments after the name (whose span is given).
    pub parse: fn(&mut Parser, Span) -> Result<CommandArgs>,
}

/// A command: how it runs over its input rows. Each command's file
/// implements it for its argument type, beside that type's parser and its
/// registry entries ([`CommandSpec`]s, as `SPECS`).
pub trait Command {
    /// Runs the command over its input rows.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>>;
}

/// The command registry: one line per command module, naming the
/// [`CommandArgs`] variants its parsers build and their argument types
/// (each implements [`Command`]). It declares the module, the variants and
/// the dispatch, and lists the module's `SPECS`, so adding a command is its
/// file plus one line here.
macro_rules! registry {
    ($($module:ident { $($variant:ident($ty:ident)),* })*) => {
        $(pub mod $module;)*

        /// A command's parsed arguments: one variant per command.
        #[derive(Debug, Clone, PartialEq)]
        pub enum CommandArgs {
            $($(
                #[allow(missing_docs)]
                $variant($module::$ty),
            )*)*
        }

        impl CommandArgs {
            /// The command these arguments run.
            pub fn command(&self) -> &dyn Command {
                match self {
                    $($(CommandArgs::$variant(c) => c,)*)*
                }
            }
        }

        /// Every command module's registry entries, in registry order.
        const SPEC_GROUPS: &[&[CommandSpec]] = &[$($module::SPECS,)*];
    };
}

registry! {
    accum { Accum(Accum) }
    filldown { Filldown(Filldown) }
    search { Search(Search) }
    pivot { Pivot(Pivot) }
    erex { Erex(Erex) }
    findtypes { Findtypes(Findtypes) }
    summary_index { SummaryIndex(SummaryIndex) }
    selfjoin { Selfjoin(Selfjoin) }
    setfields { Setfields(Setfields) }
    set { Set(Set) }
    inputcsv { InputCsv(InputCsv) }
    inputlookup { InputLookup(InputLookup) }
    fieldformat { Fieldformat(Fieldformat) }
    fields { Fields(Fields) }
    fieldsummary { Fieldsummary(Fieldsummary) }
    reltime { Reltime(Reltime) }
    rename { Rename(Rename) }
    table { Table(Table) }
    tags { Tags(Tags) }
    stats { Stats(Stats) }
    strcat { Strcat(Strcat) }
    tojson { Tojson(Tojson) }
    convert { Convert(Convert) }
    cluster { Cluster(Cluster) }
    collect { Collect(Collect) }
    concurrency { Concurrency(Concurrency) }
    contingency { Contingency(Contingency) }
    correlate { Correlate(Correlate) }
    eval { Eval(Eval) }
    where_ { Where(Where) }
    head { Head(Head), Reverse(Reverse) }
    sort { Sort(Sort) }
    delta { Delta(Delta) }
    dedup { Dedup(Dedup), Uniq(Uniq) }
    fillnull { Fillnull(Fillnull) }
    rex { Rex(Rex) }
    rangemap { Rangemap(Rangemap) }
    regex { Regex(RegexFilter) }
    mvexpand { Mvexpand(Mvexpand), Makemv(Makemv), Mvcombine(Mvcombine), Nomv(Nomv) }
    replace { Replace(Replace) }
    kmeans { Kmeans(Kmeans) }
    localize { Localize(Localize) }
    lookup { Lookup(Lookup) }
    analyzefields { Analyzefields(Analyzefields) }
    arules { Arules(Arules) }
    associate { Associate(Associate) }
    autoregress { Autoregress(Autoregress) }
    bin { Bin(Bin) }
    spath { Spath(Spath), Fromjson(Fromjson), Xmlkv(Xmlkv) }
    extract { Extract(Extract), Multikv(Multikv) }
    eventcount { Eventcount(Eventcount) }
    eventstats { Eventstats(Eventstats), Streamstats(Streamstats) }
    append { Append(Append), Appendpipe(Appendpipe), Join(Join), Map(Map) }
    union { Union(Union) }
    makecontinuous { Makecontinuous(Makecontinuous) }
    makeresults { Makeresults(Makeresults), Outputlookup(Outputlookup) }
    geostats { Geostats(Geostats) }
    gentimes { Gentimes(Gentimes) }
    metadata { Metadata(Metadata) }
    mstats { Mstats(Mstats) }
    multisearch { Multisearch(Multisearch) }
    xmlunescape { Xmlunescape(Xmlunescape) }
    appendcols { Appendcols(Appendcols) }
    savedsearch { Savedsearch(Savedsearch) }
    outputcsv { Outputcsv(Outputcsv) }
    iplocation { Iplocation(Iplocation) }
    transaction { Transaction(Transaction) }
    timewrap { Timewrap(Timewrap) }
    transpose { Transpose(Transpose) }
    trendline { Trendline(Trendline) }
    predict { Predict(Predict) }
    x11 { X11(X11) }
    foreach { Foreach(Foreach) }
    addcoltotals {  }
    addtotals { Addtotals(Addtotals) }
    addinfo { Addinfo(Addinfo) }
    top { Top(Top) }
    format { Format(Format), Return(Return) }
    chart { Chart(Chart) }
    timechart { Timechart(Timechart) }
    anomalousvalue {  }
    anomalydetection { Anomalydetection(Anomalydetection) }
    tstats { Tstats(Tstats) }
    typer { Typer(Typer) }
    untable { Untable(Untable) }
    xpath { Xpath(Xpath) }
    xyseries { Xyseries(Xyseries) }
    gauge { Gauge(Gauge) }
    highlight { Highlight(Highlight) }
    iconify { Iconify(Iconify) }
    outputtext { Outputtext(Outputtext) }
    require { Require(Require) }
    rtorder { Rtorder(Rtorder) }
    abstract_ { Abstract(Abstract) }
    cofilter { Cofilter(Cofilter) }
    diff { Diff(Diff) }
    metasearch { Metasearch(Metasearch) }
    bucketdir { Bucketdir(Bucketdir) }
    folderize { Folderize(Folderize) }
    overlap { Overlap(Overlap) }
    datamodel { Datamodel(DatamodelSearch) }
    datamodelsimple { Datamodelsimple(Datamodelsimple) }
    geom { Geom(Geom) }
    geomfilter { Geomfilter(Geomfilter) }
    kvform { Kvform(Kvform) }
    searchtxn { Searchtxn(Searchtxn) }
    scrub { Scrub(Scrub) }
    anomalies { Anomalies(Anomalies) }
}

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
        "transaction",
        "delim, maxopentxn, maxopenevents and name= are refused by name; how several fields, connected and unifyends group events is spelunk's reading of the page (docs/semantics.md)",
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

/// Runs a command over `rows` in a test search context and gives back its
/// output (collected, so it outlives the context).
#[cfg(test)]
pub(crate) fn apply_in_test<'r>(command: &dyn Command, rows: Rows<'r>) -> Result<Rows<'r>> {
    let out: Vec<Result<crate::event::Event>> =
        crate::exec::with_test_context(Default::default(), |ctx| {
            command.apply(rows, ctx).map(|rows| rows.collect())
        })?;
    Ok(Box::new(out.into_iter()))
}

/// Every supported command's registry entry, in registry order.
pub fn specs() -> impl Iterator<Item = &'static CommandSpec> {
    SPEC_GROUPS.iter().flat_map(|group| group.iter())
}

/// The registry entry for a (lower-case) command name.
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    specs().find(|c| c.name == name || c.aliases.contains(&name))
}

/// Names of all supported commands, for help and lint.
pub fn names() -> impl Iterator<Item = &'static str> {
    specs().map(|c| c.name)
}

impl CommandArgs {
    /// Runs the command over its input rows.
    pub fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        self.command().apply(input, ctx)
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
