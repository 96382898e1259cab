//! `iplocation [prefix=<string>] [allfields=<bool>] [lang=<string>] <ip-field>`:
//! adds location fields looked up in a MaxMind GeoIP2/GeoLite2 City database
//! (`.mmdb`, given by `--geoip` / `Engine::with_geoip`).
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/iplocation>.
//! The fields are `City`, `Country`, `Region`, `lat`, `lon`, and with
//! `allfields=true` also `Continent`, `MetroCode`, `Timezone`, each preceded by
//! `prefix`. An address the database knows gets every field, empty where the
//! record has no value; an address it does not know (internal addresses) and a
//! value that is not an IP address get none. Names are in `lang` (default
//! `en`). Splunk's own number formatting of `lat`/`lon` is not documented;
//! spelunk writes the database's number as is. Without a database the command
//! adds no fields and says so once.

use std::collections::BTreeMap;
use std::net::IpAddr;

use maxminddb::Reader;
use serde::Deserialize;

use crate::commands::common::{at_option, bad, bool_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::{format_number, Value};

/// The parsed command.
#[derive(Debug, Clone, PartialEq)]
pub struct Iplocation {
    /// The field holding IP addresses.
    pub field: String,
    /// Put before every added field's name.
    pub prefix: String,
    /// Also add `Continent`, `MetroCode` and `Timezone`.
    pub allfields: bool,
    /// The language of names (a key of the database's `names` maps).
    pub lang: String,
    /// Where the command is written.
    pub span: Span,
}

/// Parses `iplocation`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut field = None;
    let mut prefix = String::new();
    let mut allfields = false;
    let mut lang = "en".to_string();
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "prefix" => prefix = value,
                "lang" => lang = value,
                "allfields" => allfields = bool_opt("iplocation", &key, &value, span)?,
                _ => return Err(unknown_option("iplocation", &key, span)),
            }
        } else if field.is_none() {
            field = Some(p.field_name("an IP field")?.0);
        } else {
            return Err(p.expected("the end of `iplocation`"));
        }
    }
    let field =
        field.ok_or_else(|| bad("iplocation", "expected an IP address field", name_span))?;
    Ok(CommandArgs::Iplocation(Iplocation {
        field,
        prefix,
        allfields,
        lang,
        span: name_span,
    }))
}

/// The parts of a City record iplocation reads; names in every language.
#[derive(Debug, Default, Deserialize)]
struct CityRecord {
    #[serde(default)]
    city: Named,
    #[serde(default)]
    continent: Named,
    #[serde(default)]
    country: Named,
    #[serde(default)]
    subdivisions: Vec<Named>,
    #[serde(default)]
    location: Location,
}

#[derive(Debug, Default, Deserialize)]
struct Named {
    #[serde(default)]
    names: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
    metro_code: Option<u16>,
    time_zone: Option<String>,
}

impl Named {
    fn name(&self, lang: &str) -> String {
        self.names.get(lang).cloned().unwrap_or_default()
    }
}

impl Iplocation {
    fn locate(&self, reader: &Reader<Vec<u8>>, event: &mut Event) -> Result<()> {
        // A multivalue field is located by its first value.
        let Some(ip) = event
            .get(&self.field)
            .and_then(|v| v.first_text().and_then(|t| parse_ip(&t)))
        else {
            return Ok(());
        };
        let runtime = |e: maxminddb::MaxMindDbError| Error::Runtime {
            message: format!("iplocation: reading the GeoIP database failed: {e}"),
            span: Some(self.span),
        };
        let found = reader.lookup(ip).map_err(runtime)?;
        let Some(record) = found.decode::<CityRecord>().map_err(runtime)? else {
            return Ok(());
        };
        let number = |n: Option<f64>| n.map(format_number).unwrap_or_default();
        let region = record
            .subdivisions
            .first()
            .map(|s| s.name(&self.lang))
            .unwrap_or_default();
        let mut fields = vec![
            ("City", record.city.name(&self.lang)),
            ("Country", record.country.name(&self.lang)),
            ("Region", region),
            ("lat", number(record.location.latitude)),
            ("lon", number(record.location.longitude)),
        ];
        if self.allfields {
            fields.push(("Continent", record.continent.name(&self.lang)));
            fields.push((
                "MetroCode",
                record
                    .location
                    .metro_code
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
            ));
            fields.push(("Timezone", record.location.time_zone.unwrap_or_default()));
        }
        for (name, value) in fields {
            event.set(format!("{}{name}", self.prefix), Value::Str(value));
        }
        Ok(())
    }
}

impl super::Command for Iplocation {
    /// Adds the location fields to each result.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let Some(path) = ctx.geoip else {
            ctx.notice(format!(
                "iplocation {}: no GeoIP database given (--geoip PATH), so no location fields were added",
                self.field
            ));
            return Ok(input);
        };
        let reader = Reader::open_readfile(path).map_err(|e| {
            Error::io(
                path.display(),
                format!("not a readable MaxMind database: {e}"),
            )
        })?;
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            self.locate(&reader, &mut event)?;
            Ok(event)
        })))
    }
}

/// An IP address, also the network part of a CIDR subnet (the docs accept
/// subnets).
fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let addr = text.split_once('/').map_or(text, |(a, _)| a);
    addr.parse().ok()
}

/// The registry entries of `iplocation`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "iplocation",
        aliases: &[],
        parse,
    },
];
