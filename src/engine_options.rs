//! Everything an [`Engine`] is built from, as one value. The CLI's flags,
//! the Python package's keyword arguments and a detection test's
//! configuration all fill one in, so each builds the same engine in the
//! same order: bundled knowledge, apps, macro files, lookups, props, the
//! output-lookups folder and the GeoIP database.

use std::path::PathBuf;

use crate::engine::Engine;
use crate::error::Result;

/// What to load into an engine and how it runs. [`Default`] is the bundled
/// knowledge alone, UTC, lenient, one thread per core, prefilter on, a
/// 2 GiB memory budget per search.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EngineOptions {
    /// Splunk app folders (`default/`, `local/`, `lookups/`), in load order,
    /// before the files below.
    pub apps: Vec<PathBuf>,
    /// Macro files or folders (macros.conf, security_content macro YAML).
    pub macros: Vec<PathBuf>,
    /// Lookup files or folders.
    pub lookups: Vec<PathBuf>,
    /// props.conf files or folders.
    pub props: Vec<PathBuf>,
    /// The only folder `outputlookup` may write to.
    pub output_lookups: Option<PathBuf>,
    /// A MaxMind City database for `iplocation`.
    pub geoip: Option<PathBuf>,
    /// Zone for timestamps without an offset.
    pub time_zone: chrono_tz::Tz,
    /// Fail on the first malformed event instead of reporting and skipping it.
    pub strict: bool,
    /// Reader threads; 0 is one per core.
    pub threads: usize,
    /// Skip events that cannot match before parsing them.
    pub prefilter: bool,
    /// Each search's memory budget in bytes (`--max-memory`; default
    /// 2 GiB): a command holding rows past it fails with a clear error.
    pub max_memory: u64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            apps: Vec::new(),
            macros: Vec::new(),
            lookups: Vec::new(),
            props: Vec::new(),
            output_lookups: None,
            geoip: None,
            time_zone: chrono_tz::UTC,
            strict: false,
            threads: 0,
            prefilter: true,
            max_memory: crate::exec::memory::DEFAULT_MAX_MEMORY,
        }
    }
}

impl Engine {
    /// The bundled engine with everything `options` names loaded, in the
    /// order [`EngineOptions`] lists it.
    pub fn from_options(options: &EngineOptions) -> Result<Engine> {
        let mut engine = Engine::new()?;
        for dir in &options.apps {
            engine = engine.with_app(dir)?;
        }
        for path in &options.macros {
            engine = engine.with_macros_path(path)?;
        }
        for path in &options.lookups {
            engine = engine.with_lookups_path(path)?;
        }
        for path in &options.props {
            engine = engine.with_props_path(path)?;
        }
        if let Some(dir) = &options.output_lookups {
            engine = engine.with_output_lookups(dir);
        }
        if let Some(path) = &options.geoip {
            engine = engine.with_geoip(path);
        }
        Ok(engine
            .with_time_zone(options.time_zone)
            .with_strict(options.strict)
            .with_threads(options.threads)
            .with_prefilter(options.prefilter)
            .with_max_memory(options.max_memory))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_build_the_bundled_engine() {
        let engine = Engine::from_options(&EngineOptions::default()).expect("builds");
        let bundled = Engine::new().expect("builds");
        assert_eq!(
            engine.expand("`cloudtrail`", "q").map(|e| e.text).ok(),
            bundled.expand("`cloudtrail`", "q").map(|e| e.text).ok()
        );
    }

    #[test]
    fn a_missing_macro_path_is_an_error() {
        let options = EngineOptions {
            macros: vec![PathBuf::from("/nonexistent/spelunk/macros")],
            ..EngineOptions::default()
        };
        assert!(Engine::from_options(&options).is_err());
    }
}
