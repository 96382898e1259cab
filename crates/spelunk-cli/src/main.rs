//! The `spelunk` command line: a thin shell over the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

/// mimalloc for the binary only (the library leaves the allocator to its
/// user): reading events allocates many small strings per event, and with
/// several reader threads glibc's malloc spent ~15% of the time in
/// consolidation and arena bookkeeping.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use spelunk::color::{ColorChoice, Stream};
use spelunk::detection::read_search_file;
use spelunk::output::{self, Format};
use spelunk::testing;
use spelunk::{Diagnostic, Engine, EngineOptions, Error, ErrorCategory, EventSource};

/// Run Splunk searches offline over JSON events.
#[derive(Parser, Debug)]
#[command(name = "spelunk", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print no warnings or notices on stderr (errors still print).
    #[arg(short = 'q', long = "quiet", global = true)]
    quiet: bool,
    /// Colour: auto (a terminal, unless NO_COLOR is set or CLICOLOR_FORCE
    /// forces it), always or never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: ColorChoice,
}

/// Set once from `--color` before any work starts.
static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

/// Whether `stream` gets ANSI colour: `--color`, then `NO_COLOR`,
/// `CLICOLOR_FORCE`, then whether it is a terminal (see `spelunk::color`).
fn color_enabled(stream: Stream) -> bool {
    spelunk::color::enabled(COLOR.get().copied().unwrap_or_default(), stream)
}

/// Set once from `--quiet` before any work starts.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Prints a warning or notice line on stderr unless `--quiet` was given.
fn say(line: std::fmt::Arguments) {
    if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("{line}");
    }
}

/// How many malformed-event reports a run prints before summing up the rest:
/// a wrong file can hold a million bad lines, and the first few tell why.
const MALFORMED_SHOWN: usize = 20;

#[derive(Subcommand, Debug)]
// Parsed once per process; boxing the large variant would gain nothing.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Run a search over events and print the results.
    Run(RunArgs),
    /// Print a search with every macro expanded.
    Expand(ExpandArgs),
    /// Check detections without running them: macros, syntax, supported
    /// commands and options, lookups.
    Lint(LintArgs),
    /// Replay datasets through detections and check the results
    /// (security_content `tests:` and spelunk `*.test.yml` files).
    Test(TestArgs),
    /// Run many detections (files or folders of .spl and detection YAML)
    /// over one set of events and show which fired.
    Hunt(HuntArgs),
    /// Write events to a Parquet file for `run --engine datafusion`: every
    /// event with every field the readers and props give it, in the order
    /// read, so a search over the file gives what it gives over the events
    /// (needs a spelunk built with `--features datafusion`).
    Parquet(ParquetArgs),
    /// Serve a Ballista scheduler or executor that runs `run --engine
    /// ballista`'s searches, decoding spelunk's functions (needs a spelunk
    /// built with `--features ballista`).
    #[command(subcommand)]
    Ballista(BallistaRole),
    /// Print a shell completion script (e.g. `spelunk completions bash >
    /// /etc/bash_completion.d/spelunk`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print spelunk's man page (roff) on stdout (e.g. `spelunk man > spelunk.1`).
    Man,
    /// List every command, eval function and stats function with its
    /// status: supported, supported with a stated difference, cannot run
    /// offline, or not supported.
    Reference(ReferenceArgs),
}

/// What `spelunk ballista` serves.
// Parsed (and in --help) in every build; read only with the feature.
#[cfg_attr(not(feature = "ballista"), allow(dead_code))]
#[derive(Subcommand, Debug)]
enum BallistaRole {
    /// A scheduler: `run --engine ballista --scheduler HOST:PORT` sends it
    /// searches, it hands their tasks to the executors.
    Scheduler {
        /// Where it listens for clients and executors.
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050")]
        bind: String,
        #[command(flatten)]
        knowledge: KnowledgeArgs,
    },
    /// An executor: polls the scheduler for tasks and serves their output
    /// to the other executors and the client (Arrow Flight).
    Executor {
        /// The scheduler.
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050")]
        scheduler: String,
        /// Where it serves task output.
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50051")]
        bind: String,
        /// Tasks it runs at once (default: one per core).
        #[arg(long, value_name = "N", default_value_t = 0)]
        slots: usize,
        #[command(flatten)]
        knowledge: KnowledgeArgs,
    },
}

/// The knowledge a scheduler or executor rebuilds searches with: the
/// client's (`run`'s) own, for searches it did not see prepared.
#[cfg_attr(not(feature = "ballista"), allow(dead_code))]
#[derive(Args, Debug)]
struct KnowledgeArgs {
    /// Macro definitions, as for `run` (repeatable).
    #[arg(short = 'm', long = "macros", value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// Splunk app folders, as for `run` (repeatable).
    #[arg(long = "app", value_name = "DIR")]
    apps: Vec<PathBuf>,
    /// Lookups, as for `run` (repeatable).
    #[arg(short = 'l', long = "lookups", value_name = "PATH")]
    lookups: Vec<PathBuf>,
    /// Sourcetype settings, as for `run` (repeatable).
    #[arg(long = "props", value_name = "PATH")]
    props: Vec<PathBuf>,
    /// The time zone, as for `run`.
    #[arg(long, default_value = "UTC", value_name = "TZ")]
    tz: String,
}

#[derive(Args, Debug)]
struct ParquetArgs {
    /// Events, as for `run` (repeatable; a folder reads every file in it).
    #[arg(short = 'e', long = "events", value_name = "PATH", required = true)]
    events: Vec<PathBuf>,
    /// The Parquet file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// Sourcetype of every events file (default: recognised from the content).
    #[arg(long, value_name = "ST")]
    sourcetype: Option<String>,
    /// `source` of every event (default: its file path).
    #[arg(long, value_name = "S")]
    source: Option<String>,
    /// `host` of every event.
    #[arg(long, value_name = "H")]
    host: Option<String>,
    /// `index` of every event.
    #[arg(long, value_name = "I")]
    index: Option<String>,
    /// Splunk app folders whose knowledge applies (repeatable).
    #[arg(long = "app", value_name = "DIR")]
    apps: Vec<PathBuf>,
    /// Lookups, for automatic lookups (repeatable).
    #[arg(short = 'l', long = "lookups", value_name = "PATH")]
    lookups: Vec<PathBuf>,
    /// Sourcetype settings: a props.conf or a folder of them (repeatable).
    #[arg(long = "props", value_name = "PATH")]
    props: Vec<PathBuf>,
    /// Time zone for timestamps without an offset.
    #[arg(long, default_value = "UTC", value_name = "TZ")]
    tz: String,
}

#[derive(Args, Debug)]
struct ReferenceArgs {
    /// Print Markdown tables (the block README holds) instead of
    /// tab-separated `kind name status` lines.
    #[arg(long)]
    markdown: bool,
    /// Rewrite the block between `<!-- reference:start -->` and
    /// `<!-- reference:end -->` in this file (README.md) with the Markdown.
    #[arg(long, value_name = "FILE", conflicts_with = "markdown")]
    update_readme: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct HuntArgs {
    /// Detections: .spl files, security_content detection YAMLs, or folders of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Events, as for `run` (repeatable; a folder reads every file in it).
    #[arg(short = 'e', long = "events", value_name = "PATH", required = true)]
    events: Vec<PathBuf>,
    /// Sourcetype of every events file (default: recognised from the content).
    #[arg(long, value_name = "ST")]
    sourcetype: Option<String>,
    /// Macro definitions (repeatable).
    #[arg(short = 'm', long = "macros", value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// Lookups (repeatable).
    #[arg(short = 'l', long = "lookups", value_name = "PATH")]
    lookups: Vec<PathBuf>,
    /// Sourcetype settings: a props.conf or a folder of them (repeatable).
    #[arg(long = "props", value_name = "PATH")]
    props: Vec<PathBuf>,
    /// A Splunk app or add-on folder (repeatable; a later app wins).
    #[arg(long = "app", value_name = "DIR")]
    apps: Vec<PathBuf>,
    /// A MaxMind City `.mmdb` database for `iplocation`.
    #[arg(long = "geoip", value_name = "PATH", env = "SPELUNK_GEOIP")]
    geoip: Option<PathBuf>,
    /// Time zone for reading and formatting times.
    #[arg(long, default_value = "UTC", value_name = "TZ")]
    tz: String,
    /// Output: table (a line per detection and a summary), json
    /// (`{"detections": [...]}` with each detection's rows) or csv (every hit,
    /// with a `detection` column).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FORMAT",
        default_value = "table"
    )]
    output: HuntFormat,
    /// Detections run at once (default: one per core; at most 1024).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = thread_count)]
    jobs: usize,
    /// Folder `outputlookup` writes CSV files to (baseline detections).
    #[arg(long = "output-lookups", value_name = "DIR")]
    output_lookups: Option<PathBuf>,
    /// Explain each detection under its line: rows after each command,
    /// fields no event carries (with -o json, an `explain` object each).
    #[arg(long)]
    explain: bool,
    /// Instead of one line per detection, every fired row in time order
    /// (oldest first; rows without `_time` last): `_time`, the detection,
    /// and the row's other fields as `name=value`.
    #[arg(long, conflicts_with = "explain")]
    timeline: bool,
    /// How the timeline table shows `_time` (a strftime format, in --tz).
    #[arg(long = "time-format", value_name = "FORMAT", requires = "timeline")]
    time_format: Option<String>,
    /// Memory budget of each search: a command holding more rows than
    /// fit (sort, dedup, stats, eventstats, transaction, join, the rows
    /// kept as results) stops with an error naming it (exit 6). A size
    /// such as 512M or 2G (powers of 1024), or bytes.
    #[arg(long = "max-memory", value_name = "SIZE", default_value = "2G", value_parser = memory_size)]
    max_memory: u64,
    #[command(flatten)]
    width: WidthArgs,
}

/// Output of `spelunk hunt`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum HuntFormat {
    Table,
    Json,
    Csv,
}

#[derive(Args, Debug)]
struct LintArgs {
    /// Detections: .spl files, security_content detection YAMLs, or folders of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Macro definitions: a macros.conf, a macro YAML, or a folder (repeatable).
    #[arg(short = 'm', long = "macros", value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// Lookups: a folder of transforms.conf, lookup YAML and CSV files (repeatable).
    #[arg(short = 'l', long = "lookups", value_name = "PATH")]
    lookups: Vec<PathBuf>,
    /// A Splunk app or add-on folder as installed (repeatable; a later app wins).
    #[arg(long = "app", value_name = "DIR")]
    apps: Vec<PathBuf>,
    /// Report format: table (one line per problem and a summary) or json.
    #[arg(
        short = 'o',
        long = "output",
        default_value = "table",
        value_name = "FORMAT"
    )]
    output: LintFormat,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum LintFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
struct SearchInput {
    /// The search text (or use -f).
    search: Option<String>,
    /// Read the search from a file: .spl/.txt as the search, .yml/.yaml as a
    /// security_content detection (its `search:`).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,
    /// Macro definitions: a macros.conf, a macro YAML, or a folder (repeatable).
    #[arg(short = 'm', long = "macros", value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// A Splunk app or add-on folder as installed: its default/ then local/
    /// props, transforms, eventtypes, tags, macros and collections, and its
    /// lookups/ (repeatable; a later app wins).
    #[arg(long = "app", value_name = "DIR")]
    apps: Vec<PathBuf>,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    input: SearchInput,
    /// Events: NDJSON, a JSON array, one object, or CloudTrail {"Records":[...]},
    /// optionally gzipped; a folder reads every file in it; `-` is stdin (repeatable).
    #[arg(short = 'e', long = "events", value_name = "PATH")]
    events: Vec<PathBuf>,
    /// Sourcetype of every events file (default: recognised from the content:
    /// JSON is _json, Windows XML events and .evtx files XmlWinEventLog,
    /// classic Windows event log text WinEventLog, Linux audit linux:audit).
    #[arg(long, value_name = "ST")]
    sourcetype: Option<String>,
    /// `source` of every event (default: its file path).
    #[arg(long, value_name = "S")]
    source: Option<String>,
    /// `host` of every event.
    #[arg(long, value_name = "H")]
    host: Option<String>,
    /// `index` of every event.
    #[arg(long, value_name = "I")]
    index: Option<String>,
    /// Lookups: a folder of transforms.conf, lookup YAML and CSV files, or one file (repeatable).
    #[arg(short = 'l', long = "lookups", value_name = "PATH")]
    lookups: Vec<PathBuf>,
    /// Sourcetype settings: a props.conf or a folder of them (repeatable).
    #[arg(long = "props", value_name = "PATH")]
    props: Vec<PathBuf>,
    /// Output format: table, csv, json or ndjson (default: table on a terminal, json otherwise).
    #[arg(short = 'o', long = "output", value_name = "FORMAT")]
    output: Option<Format>,
    /// Time zone for reading and formatting times, e.g. UTC or America/New_York.
    #[arg(long, default_value = "UTC", value_name = "TZ")]
    tz: String,
    /// Fail on a malformed event line instead of reporting and skipping it.
    #[arg(long)]
    strict: bool,
    /// Folder `outputlookup` writes CSV files to (without it, `outputlookup` fails).
    #[arg(long = "output-lookups", value_name = "DIR")]
    output_lookups: Option<PathBuf>,
    /// A MaxMind City `.mmdb` database for `iplocation` (Splunk ships
    /// GeoLite2 City, so its searches always have one).
    #[arg(long = "geoip", value_name = "PATH", env = "SPELUNK_GEOIP")]
    geoip: Option<PathBuf>,
    /// Threads reading and filtering NDJSON events (default: one per core;
    /// at most 1024). Results do not depend on it.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = thread_count)]
    threads: usize,
    /// Parse every event line, even those lacking a literal the search
    /// needs (for checking; results do not depend on it).
    #[arg(long = "no-prefilter")]
    no_prefilter: bool,
    /// How the table shows `_time`: a strftime format such as `%s` or
    /// `%Y-%m-%dT%H:%M:%S%z`, in --tz (default `%Y-%m-%d %H:%M:%S`, plus
    /// `.%3N` for fractions). JSON and CSV keep epoch seconds.
    #[arg(long = "time-format", value_name = "FORMAT")]
    time_format: Option<String>,
    #[command(flatten)]
    width: WidthArgs,
    /// Exit 1 when the search returns no rows (for CI jobs that expect a hit).
    #[arg(long = "fail-on-empty")]
    fail_on_empty: bool,
    /// Show on stderr why the search returned what it did: events read per
    /// file, the expanded search, rows after each command, fields no event
    /// carries and the props setting that would set them.
    #[arg(long)]
    explain: bool,
    /// Memory budget of each search: a command holding more rows than
    /// fit (sort, dedup, stats, eventstats, transaction, join, the rows
    /// kept as results) stops with an error naming it (exit 6). A size
    /// such as 512M or 2G (powers of 1024), or bytes.
    #[arg(long = "max-memory", value_name = "SIZE", default_value = "2G", value_parser = memory_size)]
    max_memory: u64,
    /// Where the search runs: `interpreter`, `datafusion` (its leading
    /// search/where/eval commands and a following stats on Apache
    /// DataFusion, the rest in the interpreter; needs a spelunk built with
    /// `--features datafusion`), or `ballista` (the same plan on a Ballista
    /// cluster, see --scheduler; event files every node can read, or
    /// Parquet; needs `--features ballista`). Results do not depend on it.
    #[arg(long = "engine", value_name = "ENGINE", default_value = "interpreter", value_parser = ["interpreter", "datafusion", "ballista"])]
    engine: String,
    /// `--engine ballista`'s scheduler: HOST:PORT of `spelunk ballista
    /// scheduler`, or `local` for a scheduler and two executors in this
    /// process.
    #[arg(long, value_name = "HOST:PORT", default_value = "local")]
    scheduler: String,
}

/// How wide a table may be.
#[derive(Args, Debug)]
struct WidthArgs {
    /// Fit the table to N characters a line, cutting long cells with `…`
    /// (default: the terminal's width when stdout is a terminal; a file or
    /// a pipe gets the whole table).
    #[arg(long, value_name = "N", conflicts_with = "no_truncate")]
    width: Option<usize>,
    /// Never cut table cells, even on a terminal.
    #[arg(long = "no-truncate")]
    no_truncate: bool,
}

impl WidthArgs {
    /// The line width the table must fit, if any.
    fn limit(&self) -> Option<usize> {
        if self.no_truncate {
            None
        } else {
            self.width.or_else(output::stdout_width)
        }
    }
}

/// A `--threads`/`--jobs` value: 0 (one per core) to
/// [`spelunk::engine::MAX_THREADS`].
fn thread_count(text: &str) -> Result<usize, String> {
    let max = spelunk::engine::MAX_THREADS;
    match text.parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!(
            "expected a thread count from 0 (one per core) to {max}"
        )),
    }
}

/// A `--max-memory` value (see `spelunk::memory::parse_size`).
fn memory_size(text: &str) -> Result<u64, String> {
    spelunk::memory::parse_size(text)
}

#[derive(Args, Debug)]
struct ExpandArgs {
    #[command(flatten)]
    input: SearchInput,
}

#[derive(Args, Debug)]
struct TestArgs {
    /// Test files or folders: `*.test.yml`, security_content detection YAMLs
    /// with `tests:` (default: the current folder).
    paths: Vec<PathBuf>,
    /// A local checkout of splunk/attack_data: dataset URLs are read from it.
    #[arg(long = "attack-data", value_name = "DIR")]
    attack_data: Option<PathBuf>,
    /// Macro definitions for every test (repeatable).
    #[arg(short = 'm', long = "macros", value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// Lookups for every test (repeatable).
    #[arg(short = 'l', long = "lookups", value_name = "PATH")]
    lookups: Vec<PathBuf>,
    /// Sourcetype settings (props.conf) for every test (repeatable).
    #[arg(long = "props", value_name = "PATH")]
    props: Vec<PathBuf>,
    /// A Splunk app or add-on folder for every test (repeatable; a later app wins).
    #[arg(long = "app", value_name = "DIR")]
    apps: Vec<PathBuf>,
    /// A MaxMind City `.mmdb` database for `iplocation` in every test.
    #[arg(long = "geoip", value_name = "PATH", env = "SPELUNK_GEOIP")]
    geoip: Option<PathBuf>,
    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Output: table (one line per test and a summary) or json.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FORMAT",
        default_value = "table"
    )]
    output: TestFormat,
    /// Worker threads (default: one per core; at most 1024).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = thread_count)]
    jobs: usize,
    /// Only run tests whose name or file contains PATTERN (case-insensitive).
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// Write each *.test.yml test's current rows into its file as `expect.rows`.
    #[arg(long)]
    bless: bool,
    /// Exit 0 even when no test ran (none found, or every one skipped).
    #[arg(long)]
    allow_skips: bool,
    /// Under a failing test, show why the search returned what it did:
    /// events read, expanded search, rows after each command, fields no
    /// event carries (without it, only the rows after each command).
    #[arg(long)]
    explain: bool,
    /// Memory budget of each search: a command holding more rows than
    /// fit (sort, dedup, stats, eventstats, transaction, join, the rows
    /// kept as results) stops with an error naming it (exit 6). A size
    /// such as 512M or 2G (powers of 1024), or bytes.
    #[arg(long = "max-memory", value_name = "SIZE", default_value = "2G", value_parser = memory_size)]
    max_memory: u64,
}

/// Output of `spelunk test`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum TestFormat {
    Table,
    Json,
}

/// Exit codes by kind of failure.
mod exit {
    pub const TEST_FAILED: u8 = 1;
    pub const QUERY: u8 = 3;
    pub const RUNTIME: u8 = 4;
    pub const INPUT: u8 = 5;
    pub const RESOURCE: u8 = 6;
}

/// Exit code of `lint` when it found a problem.
const LINT_PROBLEMS: u8 = 1;

/// Exit code for usage errors, as clap uses for its own.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    let _ = COLOR.set(cli.color);
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Parquet(args) => write_parquet(args),
        Command::Ballista(role) => serve_ballista(role).map(|()| ExitCode::SUCCESS),
        Command::Expand(args) => expand(args).map(|()| ExitCode::SUCCESS),
        Command::Lint(args) => lint(args).map(|clean| {
            if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(LINT_PROBLEMS)
            }
        }),
        Command::Test(args) => test(args),
        Command::Hunt(args) => hunt(args).map(|()| ExitCode::SUCCESS),
        Command::Completions { shell } => write_stdout(|out| {
            clap_complete::generate(shell, &mut Cli::command(), "spelunk", out);
            Ok(())
        })
        .map(|()| ExitCode::SUCCESS),
        Command::Man => write_stdout(|out| clap_mangen::Man::new(Cli::command()).render(out))
            .map(|()| ExitCode::SUCCESS),
        Command::Reference(args) => reference(&args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(diagnostic) => {
            let code = exit_code(&diagnostic.error);
            eprintln!("{}", diagnostic.render(color_enabled(Stream::Stderr)));
            ExitCode::from(code)
        }
    }
}

fn exit_code(error: &Error) -> u8 {
    match error.category() {
        ErrorCategory::Search => exit::QUERY,
        ErrorCategory::Execution => exit::RUNTIME,
        ErrorCategory::Input => exit::INPUT,
        ErrorCategory::Usage => USAGE,
        ErrorCategory::Resource => exit::RESOURCE,
    }
}

/// The search text, the name errors should call it by, and for a YAML
/// detection where the search sits in the file.
fn read_search(
    input: &SearchInput,
) -> Result<(String, String, Option<spelunk::detection::Placement>), Diagnostic> {
    match (&input.search, &input.file) {
        (Some(text), None) => {
            if names_a_search_file(text) {
                say(format_args!(
                    "warning: the search text `{text}` names a file; it runs as a search for that word. To run the search in the file, give it with -f {text}"
                ));
            }
            Ok((text.clone(), "<search>".to_string(), None))
        }
        (None, Some(path)) => {
            let file = read_search_file(path)?;
            Ok((file.search, path.display().to_string(), file.placement))
        }
        (Some(_), Some(_)) => Err(usage("give the search as text or with -f, not both")),
        (None, None) => Err(usage("no search given: pass it as text or with -f FILE")),
    }
}

/// Whether search text is the path of an existing `.spl` or detection
/// YAML file: `spelunk run detection.yml`, a slip for `-f detection.yml`.
fn names_a_search_file(text: &str) -> bool {
    let path = Path::new(text.trim());
    let search_like = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["spl", "yml", "yaml"].contains(&e.to_ascii_lowercase().as_str()));
    search_like && !text.trim().contains(char::is_whitespace) && path.is_file()
}

fn usage(message: &str) -> Diagnostic {
    Diagnostic::plain(Error::Usage(message.into()))
}

/// The bundled engine, then the apps, then the macro files given.
fn engine_with(apps: &[PathBuf], macros: &[PathBuf]) -> Result<Engine, Diagnostic> {
    Ok(Engine::from_options(&EngineOptions {
        apps: apps.to_vec(),
        macros: macros.to_vec(),
        ..EngineOptions::default()
    })?)
}

/// Prints each knowledge setting that will not run as written, once.
fn warn_about_knowledge(engine: &Engine) {
    for warning in engine.knowledge_warnings() {
        say(format_args!("warning: {warning}"));
    }
}

fn expand(args: ExpandArgs) -> Result<(), Diagnostic> {
    let (text, name, placement) = read_search(&args.input)?;
    let engine = engine_with(&args.input.apps, &args.input.macros)?;
    let expanded = engine
        .expand(&text, &name)
        .map_err(|d| placed(d, placement.as_ref(), &name))?;
    for notice in &expanded.notices {
        say(format_args!("notice: {}", notice.message));
    }
    write_stdout(|out| writeln!(out, "{}", expanded.text))
}

/// Lints and prints the report; true when every detection is clean.
fn lint(args: LintArgs) -> Result<bool, Diagnostic> {
    let engine = Engine::from_options(&EngineOptions {
        apps: args.apps.clone(),
        macros: args.macros.clone(),
        lookups: args.lookups.clone(),
        ..EngineOptions::default()
    })?;
    warn_about_knowledge(&engine);
    let reports = spelunk::lint::lint_paths(&args.paths, &engine);
    let text = match args.output {
        LintFormat::Table => spelunk::lint::render_text(&reports),
        LintFormat::Json => spelunk::lint::render_json(&reports) + "\n",
    };
    write_stdout(|out| out.write_all(text.as_bytes()))?;
    Ok(reports.iter().all(|r| r.is_clean()))
}

fn time_zone(name: &str) -> Result<chrono_tz::Tz, Diagnostic> {
    name.parse().map_err(|_| {
        Diagnostic::plain(Error::Config {
            file: "--tz".into(),
            line: 0,
            message: format!("unknown time zone `{name}`"),
        })
    })
}

fn hunt(args: HuntArgs) -> Result<(), Diagnostic> {
    let engine = Engine::from_options(&EngineOptions {
        apps: args.apps.clone(),
        macros: args.macros.clone(),
        lookups: args.lookups.clone(),
        props: args.props.clone(),
        output_lookups: args.output_lookups.clone(),
        geoip: args.geoip.clone(),
        time_zone: time_zone(&args.tz)?,
        max_memory: args.max_memory,
        ..EngineOptions::default()
    })?;
    warn_about_knowledge(&engine);
    let files = spelunk::hunt::detection_files(&args.paths)?;
    if files.is_empty() {
        return Err(Diagnostic::plain(Error::Usage(
            "no detections found (looked for .spl files and YAML files with `search:`)".into(),
        )));
    }
    let sources = event_sources(&args.events, args.sourcetype.as_deref(), None, None, None)?;
    let (loaded, read) = if args.explain {
        engine.load_events_explained(&sources)?
    } else {
        (engine.load_events(&sources)?, Vec::new())
    };
    for m in loaded.malformed.iter().take(MALFORMED_SHOWN) {
        say(format_args!("{m}"));
    }
    if !loaded.malformed.is_empty() {
        say(format_args!(
            "warning: {} malformed event(s) skipped, {} event(s) read",
            loaded.malformed.len(),
            loaded.events.len()
        ));
    }
    if loaded.events.is_empty() {
        return Err(Diagnostic::plain(Error::Io {
            path: args
                .events
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            message: "no readable event in the events given".into(),
        }));
    }
    let bar = progress_bar(files.len(), "detections");
    let results = spelunk::hunt::hunt_observed(
        &engine,
        &files,
        &loaded.events,
        args.jobs,
        args.explain.then_some(read.as_slice()),
        &|| bar.tick(),
    );
    bar.finish();
    if args.timeline {
        let tz = time_zone(&args.tz)?;
        return hunt_timeline(&args, &results, tz);
    }
    match args.output {
        HuntFormat::Table => {
            let text = spelunk::hunt::render_text_with(&results, color_enabled(Stream::Stdout));
            write_stdout(|out| out.write_all(text.as_bytes()))
        }
        HuntFormat::Json => {
            let json = spelunk::hunt::render_json(&results);
            write_stdout(|out| {
                serde_json::to_writer_pretty(&mut *out, &json)?;
                writeln!(out)
            })
        }
        HuntFormat::Csv => {
            say(format_args!("{}", spelunk::hunt::summary(&results)));
            write_stdout(|out| spelunk::hunt::write_csv(out, &results))
        }
    }
}

/// `hunt --timeline`: the fired rows in time order, the summary on stderr.
fn hunt_timeline(
    args: &HuntArgs,
    results: &[spelunk::hunt::HuntResult],
    tz: chrono_tz::Tz,
) -> Result<(), Diagnostic> {
    use spelunk::hunt::{timeline, timeline_json, timeline_rows, TIMELINE_DETAILS_SHOWN};
    say(format_args!("{}", spelunk::hunt::summary(results)));
    for r in results.iter().filter(|r| r.error.is_some()) {
        let first = r.error.as_deref().and_then(|e| e.lines().next());
        say(format_args!(
            "error: {}: {}",
            r.name,
            first.unwrap_or_default()
        ));
    }
    let entries = timeline(results);
    let time = output::TableTime {
        format: args.time_format.clone(),
        tz,
    };
    match args.output {
        HuntFormat::Table => {
            let (rows, columns) = timeline_rows(&entries, Some(TIMELINE_DETAILS_SHOWN));
            let width = args.width.limit();
            write_stdout(|out| {
                output::write_fitted(out, Format::Table, &rows, &columns, &time, width)
            })
        }
        HuntFormat::Csv => {
            let (rows, columns) = timeline_rows(&entries, None);
            write_stdout(|out| output::write_with(out, Format::Csv, &rows, &columns, &time))
        }
        HuntFormat::Json => write_stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, &timeline_json(&entries))?;
            writeln!(out)
        }),
    }
}

/// A diagnostic placed in the YAML detection file it came from, when it
/// came from one (its line and column are then the file's).
fn placed(
    diagnostic: Diagnostic,
    placement: Option<&spelunk::detection::Placement>,
    name: &str,
) -> Diagnostic {
    match placement {
        Some(p) => p.place(diagnostic, name),
        None => diagnostic,
    }
}

fn run(args: RunArgs) -> Result<ExitCode, Diagnostic> {
    let (text, name, placement) = read_search(&args.input)?;
    run_search(args, text, &name).map_err(|d| placed(d, placement.as_ref(), &name))
}

fn run_search(args: RunArgs, text: String, name: &str) -> Result<ExitCode, Diagnostic> {
    let tz = time_zone(&args.tz)?;
    let engine = Engine::from_options(&EngineOptions {
        apps: args.input.apps.clone(),
        macros: args.input.macros.clone(),
        lookups: args.lookups.clone(),
        props: args.props.clone(),
        output_lookups: args.output_lookups.clone(),
        geoip: args.geoip.clone(),
        time_zone: tz,
        strict: args.strict,
        threads: args.threads,
        prefilter: !args.no_prefilter,
        max_memory: args.max_memory,
    })?;
    warn_about_knowledge(&engine);
    let query = engine.compile(&text, name)?;
    // A search that reads events over none gives no rows and exit 0: say
    // why, so a CI job that forgot `-e` does not pass silently.
    if args.events.is_empty() && query.reads_events() {
        say(format_args!(
            "warning: no events given (-e PATH): the search reads events and sees none"
        ));
    }
    let sources = event_sources(
        &args.events,
        args.sourcetype.as_deref(),
        args.source.as_deref(),
        args.host.as_deref(),
        args.index.as_deref(),
    )?;
    let bar = bytes_bar(&sources);
    let engine = match &bar {
        Some(bar) => {
            let bar = bar.clone();
            engine.with_progress(spelunk::engine::Progress::new(move |done| {
                bar.set_position(done);
            }))
        }
        None => engine,
    };
    let format = args.output.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    // JSON and NDJSON rows are written as the search produces them (see
    // `Engine::run_sources_to`); the table and CSV need every row first.
    let mut streamed: Option<usize> = None;
    let out = if args.engine == "datafusion" {
        run_on_datafusion(engine, &query, &sources, args.threads, args.explain)?
    } else if args.engine == "ballista" {
        run_on_ballista(
            engine,
            &query,
            &sources,
            args.threads,
            args.explain,
            &args.scheduler,
        )?
    } else if args.explain {
        // Printed even with --quiet: it was asked for.
        let (out, explain) = engine.run_sources_explained(&query, &sources)?;
        eprint!("{}", explain.render());
        out?
    } else if let Some((out, rows)) = run_streamed(&engine, &query, &sources, format)? {
        streamed = Some(rows);
        out
    } else {
        engine.run_sources(&query, &sources)?
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    for m in out.malformed.iter().take(MALFORMED_SHOWN) {
        say(format_args!("{m}"));
    }
    if out.malformed.len() > MALFORMED_SHOWN {
        say(format_args!(
            "... and {} more malformed event(s) not shown",
            out.malformed.len() - MALFORMED_SHOWN
        ));
    }
    if !out.malformed.is_empty() {
        say(format_args!(
            "warning: {} malformed event(s) skipped, {} event(s) read (use --strict to fail instead)",
            out.malformed.len(),
            out.events
        ));
    }
    // Files were named but not one event could be read from them: the
    // answer would be an empty table that looks like "no hits".
    if !args.events.is_empty() && out.events == 0 && !out.malformed.is_empty() {
        let names: Vec<String> = args
            .events
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(Diagnostic::plain(Error::Io {
            path: names.join(", "),
            message: format!(
                "no readable event in the events given ({} malformed); is the format or --sourcetype right?",
                out.malformed.len()
            ),
        }));
    }
    if out.untimed > 0 {
        say(format_args!(
            "warning: {} event(s) have no recognisable timestamp: each takes the previous event's time, else the file's modification time, else the current time (as Splunk does)",
            out.untimed
        ));
    }
    let results = out.results;
    for notice in &results.notices {
        say(format_args!("notice: {notice}"));
    }
    if let Some(rows) = streamed {
        if args.fail_on_empty && rows == 0 {
            eprintln!("error: the search returned no rows (--fail-on-empty)");
            return Ok(ExitCode::from(exit::TEST_FAILED));
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Rows go straight to stdout (buffered), not through a second copy
    // of the whole output in memory.
    let time = output::TableTime {
        format: args.time_format.clone(),
        tz,
    };
    let width = args.width.limit();
    // `fieldformat` changes only what is displayed: the table, not exports.
    let displayed = match format {
        Format::Table => spelunk::commands::fieldformat::display_rows(
            &query.pipeline,
            &results.rows,
            &results.columns,
            &spelunk::eval::EvalContext::new(tz),
        )
        .map_err(|e| Diagnostic::new(e, &query.expanded.map))?,
        _ => None,
    };
    let (rows, columns) = match &displayed {
        Some((rows, columns)) => (rows, columns),
        None => (&results.rows, &results.columns),
    };
    write_stdout(|out| output::write_fitted(out, format, rows, columns, &time, width))?;
    if args.fail_on_empty && results.rows.is_empty() {
        eprintln!("error: the search returned no rows (--fail-on-empty)");
        return Ok(ExitCode::from(exit::TEST_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

fn test(args: TestArgs) -> Result<ExitCode, Diagnostic> {
    let options = testing::Options {
        attack_data: args.attack_data,
        macros: args.macros,
        lookups: args.lookups,
        props: args.props,
        apps: args.apps,
        geoip: args.geoip,
        filter: args.filter,
        jobs: args.jobs,
        explain: args.explain,
        max_memory: Some(args.max_memory),
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let cases = testing::discover(&paths, &options)?;
    if cases.is_empty() {
        eprintln!(
            "warning: no tests found (looked for *.test.yml and detection YAMLs with `tests:`)"
        );
    }
    let bar = progress_bar(cases.len(), "tests");
    let mut report = testing::run_cases_observed(&cases, &options, &|| bar.tick());
    bar.finish();
    if args.bless {
        for (file, n) in testing::spec::bless(&report.results)? {
            eprintln!("blessed {n} test(s) in {}", file.display());
        }
        // The blessed files now hold what ran; judge them again.
        let cases = testing::discover(&paths, &options)?;
        report = testing::run_cases(&cases, &options);
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, testing::report::junit(&report))
            .map_err(|e| Diagnostic::plain(Error::io(path.display(), e)))?;
    }
    let text = match args.output {
        TestFormat::Table => testing::report::text(&report, color_enabled(Stream::Stdout)),
        TestFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&testing::report::json(&report)).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    write_stdout(|out| out.write_all(text.as_bytes()))?;
    // A CI job pointed at the wrong folder must not go green: a run that
    // checked nothing fails unless the caller says that is expected.
    let checked = report.passed() + report.failed();
    if checked == 0 && !args.allow_skips {
        eprintln!(
            "error: no test ran ({} found, {} skipped): nothing was checked; check the paths and --attack-data, or pass --allow-skips",
            report.results.len(),
            report.skipped()
        );
        return Ok(ExitCode::from(exit::TEST_FAILED));
    }
    Ok(if report.failed() > 0 {
        ExitCode::from(exit::TEST_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// A progress bar on stderr (items done / total), drawn only when stderr
/// is a terminal and `--quiet` was not given: a log file or a CI job's
/// output never gets one.
struct Progress(Option<indicatif::ProgressBar>);

/// Event files smaller than this in total get no bar: they are read
/// before one would be worth drawing.
const BYTES_BAR_MIN: u64 = 64 << 20;

/// A bar of bytes read for `run` over large event files, on the same terms
/// as [`progress_bar`] (a terminal, no `--quiet`).
fn bytes_bar(sources: &[EventSource]) -> Option<indicatif::ProgressBar> {
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) || !Stream::Stderr.is_terminal() {
        return None;
    }
    let total: u64 = sources
        .iter()
        .filter_map(|s| s.path.as_ref())
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    if total < BYTES_BAR_MIN {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    let template = "{bar:30} {bytes}/{total_bytes} read ({elapsed}, {bytes_per_sec})";
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    Some(bar)
}

fn progress_bar(total: usize, what: &str) -> Progress {
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) || !Stream::Stderr.is_terminal() {
        return Progress(None);
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    let template = format!("{{bar:30}} {{pos}}/{{len}} {what} ({{elapsed}})");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    Progress(Some(bar))
}

impl Progress {
    fn tick(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Clears the bar, so the report that follows starts on a clean line.
    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Runs `write` over a buffered stdout and flushes it. A closed pipe
/// (`spelunk ... | head`) ends the output quietly, as for any Unix filter;
/// every other write error (a full disk, `> /dev/full`) is an error naming
/// stdout, so a CI job never takes truncated output for success.
/// `spelunk reference`: the generated list on stdout, or written into
/// README's marked block.
fn reference(args: &ReferenceArgs) -> Result<(), Diagnostic> {
    use spelunk::reference;
    if let Some(path) = &args.update_readme {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Diagnostic::plain(Error::io(path.display(), e)))?;
        let updated = reference::replace_block(&text, &reference::markdown()).ok_or_else(|| {
            Diagnostic::plain(Error::Usage(format!(
                "{}: no `{}` ... `{}` block to replace",
                path.display(),
                reference::README_START,
                reference::README_END
            )))
        })?;
        return std::fs::write(path, updated)
            .map_err(|e| Diagnostic::plain(Error::io(path.display(), e)));
    }
    if args.markdown {
        return write_stdout(|out| out.write_all(reference::markdown().as_bytes()));
    }
    let kinds = [
        ("command", reference::commands()),
        ("eval", reference::eval_functions()),
        ("stats", reference::stats_functions()),
    ];
    write_stdout(|out| {
        for (kind, entries) in &kinds {
            for e in entries {
                writeln!(out, "{kind}\t{}\t{}", e.name, e.status.text())?;
            }
        }
        Ok(())
    })
}

/// `spelunk parquet`: reads the events with the knowledge given and writes
/// them to one Parquet file.
fn write_parquet(args: ParquetArgs) -> Result<ExitCode, Diagnostic> {
    let engine = Engine::from_options(&EngineOptions {
        apps: args.apps.clone(),
        lookups: args.lookups.clone(),
        props: args.props.clone(),
        time_zone: time_zone(&args.tz)?,
        ..EngineOptions::default()
    })?;
    warn_about_knowledge(&engine);
    let sources = event_sources(
        &args.events,
        args.sourcetype.as_deref(),
        args.source.as_deref(),
        args.host.as_deref(),
        args.index.as_deref(),
    )?;
    write_parquet_file(engine, &sources, &args.output)
}

#[cfg(feature = "datafusion")]
fn write_parquet_file(
    engine: Engine,
    sources: &[spelunk::EventSource],
    output: &Path,
) -> Result<ExitCode, Diagnostic> {
    let report = spelunk_datafusion::write_parquet(std::sync::Arc::new(engine), sources, output)?;
    for m in report.malformed.iter().take(MALFORMED_SHOWN) {
        say(format_args!("{m}"));
    }
    say(format_args!(
        "{} event(s) written to {} ({} malformed skipped)",
        report.events,
        output.display(),
        report.malformed.len()
    ));
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "datafusion"))]
fn write_parquet_file(
    _engine: Engine,
    _sources: &[spelunk::EventSource],
    _output: &Path,
) -> Result<ExitCode, Diagnostic> {
    Err(without_datafusion("spelunk parquet"))
}

/// The error of a DataFusion feature in a spelunk built without it.
#[cfg(not(feature = "datafusion"))]
fn without_datafusion(what: &str) -> Diagnostic {
    Diagnostic::plain(Error::Usage(format!(
        "{what}: this spelunk was built without the DataFusion backend: build it with `cargo build --release -p spelunk-cli --features datafusion`"
    )))
}

/// Runs the search with the DataFusion backend; with `explain`, says on
/// stderr which commands ran where and DataFusion's plan.
#[cfg(feature = "datafusion")]
fn run_on_datafusion(
    engine: Engine,
    query: &spelunk::engine::Query,
    sources: &[spelunk::EventSource],
    threads: usize,
    explain: bool,
) -> Result<spelunk::engine::RunOutput, Diagnostic> {
    let run = spelunk_datafusion::run(
        std::sync::Arc::new(engine),
        query,
        sources,
        &spelunk_datafusion::Options { threads },
    )?;
    if explain {
        // Printed even with --quiet: it was asked for.
        eprint!("{}", run.placement.render());
    }
    Ok(run.output)
}

/// Without the backend compiled in, `--engine datafusion` says how to get it.
#[cfg(not(feature = "datafusion"))]
fn run_on_datafusion(
    _engine: Engine,
    _query: &spelunk::engine::Query,
    _sources: &[spelunk::EventSource],
    _threads: usize,
    _explain: bool,
) -> Result<spelunk::engine::RunOutput, Diagnostic> {
    Err(without_datafusion("--engine"))
}

/// Runs the search on a Ballista cluster: the one at `scheduler`, or, for
/// `local`, a scheduler and two executors started in this process.
#[cfg(feature = "ballista")]
fn run_on_ballista(
    engine: Engine,
    query: &spelunk::engine::Query,
    sources: &[spelunk::EventSource],
    threads: usize,
    explain: bool,
    scheduler: &str,
) -> Result<spelunk::engine::RunOutput, Diagnostic> {
    use spelunk_datafusion::ballista;
    let engine = std::sync::Arc::new(engine);
    let options = spelunk_datafusion::Options { threads };
    let run = if scheduler == "local" {
        // Kept until the run ends: dropping it stops the cluster.
        let cluster = ballista::LocalCluster::start(std::sync::Arc::clone(&engine), 2, 1)?;
        ballista::run(engine, query, sources, &options, cluster.scheduler())?
    } else {
        let remote = ballista::Scheduler::remote(std::sync::Arc::clone(&engine), scheduler);
        ballista::run(engine, query, sources, &options, &remote)?
    };
    if explain {
        eprint!("{}", run.placement.render());
    }
    Ok(run.output)
}

/// Without the feature, `--engine ballista` says how to get it.
#[cfg(not(feature = "ballista"))]
fn run_on_ballista(
    _engine: Engine,
    _query: &spelunk::engine::Query,
    _sources: &[spelunk::EventSource],
    _threads: usize,
    _explain: bool,
    _scheduler: &str,
) -> Result<spelunk::engine::RunOutput, Diagnostic> {
    Err(without_ballista("--engine ballista"))
}

/// The error of a Ballista feature in a spelunk built without it.
#[cfg(not(feature = "ballista"))]
fn without_ballista(what: &str) -> Diagnostic {
    Diagnostic::plain(Error::Usage(format!(
        "{what}: this spelunk was built without Ballista: build it with `cargo build --release -p spelunk-cli --features ballista`"
    )))
}

/// `spelunk ballista scheduler|executor`: serves until stopped.
#[cfg(feature = "ballista")]
fn serve_ballista(role: BallistaRole) -> Result<(), Diagnostic> {
    use spelunk_datafusion::ballista;
    let engine = |k: &KnowledgeArgs| -> Result<std::sync::Arc<Engine>, Diagnostic> {
        let engine = Engine::from_options(&EngineOptions {
            apps: k.apps.clone(),
            macros: k.macros.clone(),
            lookups: k.lookups.clone(),
            props: k.props.clone(),
            time_zone: time_zone(&k.tz)?,
            ..EngineOptions::default()
        })?;
        warn_about_knowledge(&engine);
        Ok(std::sync::Arc::new(engine))
    };
    match role {
        BallistaRole::Scheduler { bind, knowledge } => {
            ballista::serve_scheduler(engine(&knowledge)?, &bind)
        }
        BallistaRole::Executor {
            scheduler,
            bind,
            slots,
            knowledge,
        } => ballista::serve_executor(engine(&knowledge)?, &scheduler, &bind, slots),
    }
}

#[cfg(not(feature = "ballista"))]
fn serve_ballista(_role: BallistaRole) -> Result<(), Diagnostic> {
    Err(without_ballista("spelunk ballista"))
}

/// Runs the search writing each row to stdout as it comes, for the formats
/// [`output::RowWriter`] streams: the run's summary and the rows written,
/// or `None` for the other formats. A reader that closed the pipe stops
/// the search quietly, as [`write_stdout`] does.
fn run_streamed(
    engine: &Engine,
    query: &spelunk::engine::Query,
    sources: &[spelunk::EventSource],
    format: Format,
) -> Result<Option<(spelunk::engine::RunOutput, usize)>, Diagnostic> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let Some(mut writer) = output::RowWriter::new(&mut out, format) else {
        return Ok(None);
    };
    let mut failed: Option<std::io::Error> = None;
    let run = engine.run_sources_to(query, sources, &mut |row| {
        writer.row(&row).map_err(|e| {
            let error = Error::io("<stdout>", write_error(&e));
            failed = Some(e);
            error
        })
    });
    let rows = writer.rows();
    let finished = match (&run, failed) {
        (_, Some(e)) => Err(e),
        (Ok(_), None) => writer.finish().and_then(|()| out.flush()),
        // The search failed: the rows written so far stay written.
        (Err(_), None) => out.flush(),
    };
    match finished {
        Err(e) if is_closed_pipe(&e) => return Ok(Some((Default::default(), rows))),
        Err(e) => return Err(Diagnostic::plain(Error::io("<stdout>", write_error(&e)))),
        Ok(()) => {}
    }
    Ok(Some((run?, rows)))
}

fn write_stdout(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Diagnostic> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if is_closed_pipe(&e) => Ok(()),
        Err(e) => Err(Diagnostic::plain(Error::io("<stdout>", write_error(&e)))),
    }
}

/// serde_json and csv wrap the underlying io error; look through them.
fn is_closed_pipe(error: &std::io::Error) -> bool {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return true;
    }
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<std::io::Error>())
        .is_some_and(is_closed_pipe)
}

fn write_error(error: &std::io::Error) -> String {
    format!("cannot write the output: {error}")
}

fn event_sources(
    events: &[PathBuf],
    sourcetype: Option<&str>,
    source: Option<&str>,
    host: Option<&str>,
    index: Option<&str>,
) -> Result<Vec<EventSource>, Diagnostic> {
    let mut sources = Vec::new();
    for path in events {
        let files = if path == Path::new("-") {
            vec![None]
        } else if path.is_dir() {
            files_in(path)?.into_iter().map(Some).collect()
        } else {
            vec![Some(path.clone())]
        };
        for file in files {
            sources.push(EventSource {
                source: source.map(str::to_string),
                host: host.map(str::to_string),
                index: index.map(str::to_string),
                sourcetype: sourcetype.unwrap_or_default().to_string(),
                path: file,
            });
        }
    }
    Ok(sources)
}

/// Every file below an events folder; links are followed (data is often
/// linked in from elsewhere) but a link loop ends.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    Ok(spelunk::walk::files_under(
        dir,
        spelunk::walk::Links::Follow,
        |_| true,
    )?)
}
