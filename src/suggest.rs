//! "Did you mean" hints: the closest known name to a misspelt one.

/// The candidate nearest to `name` (case-insensitive), when it is close
/// enough to be a likely typo: one edit for names of up to four letters,
/// two for longer ones. Transposed neighbours count as one edit, so `stast`
/// finds `stats`. Ties go to the earlier candidate.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    let length = name.chars().count();
    let limit = if length <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        // The distance is at least the difference in length, so a candidate
        // too much shorter or longer is skipped without the quadratic
        // table (a long unknown word against every command name was most
        // of the parser's time on such input).
        if length.abs_diff(candidate.chars().count()) > limit {
            continue;
        }
        let d = edit_distance(&name, &candidate.to_ascii_lowercase());
        if d == 0 || d > limit {
            continue;
        }
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance: insertions, deletions, substitutions
/// and transpositions of adjacent characters, each costing one.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows are enough: the transposition looks two rows back.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Command names from Splunk's Search Reference (plus the Machine Learning
/// Toolkit's). A name in this list is a real command that spelunk may lack,
/// not a typo, so it gets no "did you mean": `mstats` is not `stats`.
pub const SPLUNK_COMMANDS: &[&str] = &[
    "abstract",
    "accum",
    "addcoltotals",
    "addinfo",
    "addtotals",
    "analyzefields",
    "anomalies",
    "anomalousvalue",
    "anomalydetection",
    "append",
    "appendcols",
    "appendpipe",
    "apply",
    "arules",
    "associate",
    "audit",
    "autoregress",
    "bin",
    "bucket",
    "bucketdir",
    "chart",
    "cluster",
    "cofilter",
    "collect",
    "concurrency",
    "contingency",
    "convert",
    "correlate",
    "ctable",
    "datamodel",
    "datamodelsimple",
    "dbinspect",
    "dedup",
    "delete",
    "delta",
    "diff",
    "erex",
    "eval",
    "eventcount",
    "eventstats",
    "extract",
    "fieldformat",
    "fields",
    "fieldsummary",
    "filldown",
    "fillnull",
    "findtypes",
    "fit",
    "folderize",
    "foreach",
    "format",
    "from",
    "fromjson",
    "gauge",
    "gentimes",
    "geom",
    "geomfilter",
    "geostats",
    "head",
    "highlight",
    "history",
    "iconify",
    "inputcsv",
    "inputintelligence",
    "inputlookup",
    "iplocation",
    "join",
    "kmeans",
    "kv",
    "kvform",
    "loadjob",
    "localize",
    "localop",
    "lookup",
    "makecontinuous",
    "makemv",
    "makeresults",
    "map",
    "mcollect",
    "metadata",
    "metasearch",
    "meventcollect",
    "mpreview",
    "msearch",
    "mstats",
    "multikv",
    "multisearch",
    "mvcombine",
    "mvexpand",
    "nomv",
    "outlier",
    "outputcsv",
    "outputlookup",
    "outputtext",
    "overlap",
    "pivot",
    "predict",
    "rangemap",
    "rare",
    "redistribute",
    "regex",
    "reltime",
    "rename",
    "replace",
    "require",
    "rest",
    "return",
    "reverse",
    "rex",
    "rtorder",
    "savedsearch",
    "script",
    "scrub",
    "search",
    "searchtxn",
    "selfjoin",
    "sendalert",
    "sendemail",
    "set",
    "setfields",
    "sichart",
    "sirare",
    "sistats",
    "sitimechart",
    "sitop",
    "sort",
    "spath",
    "stats",
    "strcat",
    "streamstats",
    "table",
    "tags",
    "tail",
    "timechart",
    "timewrap",
    "tojson",
    "top",
    "transaction",
    "transpose",
    "trendline",
    "tscollect",
    "tstats",
    "typeahead",
    "typelearner",
    "typer",
    "union",
    "uniq",
    "untable",
    "walklex",
    "where",
    "x11",
    "xmlkv",
    "xmlunescape",
    "xpath",
    "xyseries",
];

/// A "did you mean" for an unknown command name: none when the name is a
/// real Splunk command that spelunk lacks.
pub fn command(name: &str, supported: impl IntoIterator<Item = &'static str>) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if SPLUNK_COMMANDS.contains(&lower.as_str()) {
        return None;
    }
    closest(name, supported).map(str::to_string)
}

/// The text appended to an error message for a suggestion, or nothing.
pub fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_the_issue_names() {
        assert_eq!(closest("stast", ["search", "stats", "sort"]), Some("stats"));
        assert_eq!(closest("lowr", ["lower", "len"]), Some("lower"));
        assert_eq!(closest("Tabel", ["table", "tail"]), Some("table"));
    }

    #[test]
    fn lengths_too_far_apart_are_never_close() {
        assert_eq!(
            closest("stat", ["stats", "st", "statistics"]),
            Some("stats")
        );
        assert_eq!(closest("sttas", ["stats"]), Some("stats"));
        assert_eq!(closest(&"stats".repeat(1000), ["stats"]), None);
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        assert_eq!(closest("frobnicate", ["stats", "search"]), None);
        assert_eq!(closest("ab", ["xyz"]), None);
        // An exact name is not a suggestion.
        assert_eq!(closest("stats", ["stats"]), None);
    }

    #[test]
    fn real_splunk_commands_are_not_typos() {
        assert_eq!(command("mstats", ["stats", "tstats"]), None);
        assert_eq!(
            command("stast", ["stats", "tstats"]).as_deref(),
            Some("stats")
        );
    }

    #[test]
    fn distance_counts_a_transposition_once() {
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
