//! `geostats`: statistics clustered into latitude/longitude bins at several
//! zoom levels, for map rendering.
//!
//! Docs: <https://help.splunk.com/splunk-cloud-platform/spl-search-reference/9.3.2411/search-commands/geostats>:
//! `geostats [translatetoxy=<bool>] [latfield=<string>] [longfield=<string>]
//! [globallimit=<int>] [locallimit=<int>] [outputlatfield=<string>]
//! [outputlongfield=<string>] [binspanlat=<float> binspanlong=<float>]
//! [maxzoomlevel=<int>] <stats-agg-term>... [<by-clause>]`. Defaults used
//! here as the page gives them: `lat`/`lon` in, `latitude`/`longitude` out,
//! bins of 22.5° × 45.0° at the first level, "at each level of zoom, the
//! number of bins is doubled in both dimensions", `maxzoomlevel=9`,
//! `globallimit=10` named by-values per bin (the rest become `OTHER`, as
//! `chart` does).
//!
//! What the pages do not pin, and the rule followed (recorded in
//! `commands::DIFFERENCES`): the `geobin` value is
//! `bin_id_zl_<level>_y_<row>_x_<column>` (the `bin_id_zl_<level>` prefix
//! appears in public dashboards filtering geostats output; the row and
//! column are counted from -90° and -180°); the output latitude/longitude
//! of a bin is the mean of its events' coordinates; rows come in `geobin`
//! order. `locallimit` and `translatetoxy=false` are refused.

use crate::commands::chart::{Chart, SeriesOptions, Split};
use crate::commands::common::{
    at_option, bad, bool_opt, collect, count_opt, number_opt, option, unknown_option, unsupported,
};
use crate::commands::stats::aggregations_and_by;
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// The field holding a row's bin.
const GEOBIN: &str = "geobin";

/// `geostats latfield=lat longfield=lon count by kind`.
#[derive(Debug, Clone, PartialEq)]
pub struct Geostats {
    /// The events' latitude field.
    pub latfield: String,
    /// The events' longitude field.
    pub longfield: String,
    /// The output latitude field.
    pub outputlatfield: String,
    /// The output longitude field.
    pub outputlongfield: String,
    /// Bin height at zoom level 0, degrees.
    pub binspanlat: f64,
    /// Bin width at zoom level 0, degrees.
    pub binspanlong: f64,
    /// The last zoom level (levels 0..=maxzoomlevel are produced).
    pub maxzoomlevel: u32,
    /// The aggregations and the by-split, run as `chart ... over geobin by`.
    pub chart: Chart,
}

/// Parses `geostats`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "geostats";
    let mut g = Geostats {
        latfield: "lat".into(),
        longfield: "lon".into(),
        outputlatfield: "latitude".into(),
        outputlongfield: "longitude".into(),
        binspanlat: 22.5,
        binspanlong: 45.0,
        maxzoomlevel: 9,
        chart: Chart {
            aggs: Vec::new(),
            row: None,
            col: None,
            series: SeriesOptions::default(),
        },
    };
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "latfield" => g.latfield = value,
            "longfield" => g.longfield = value,
            "outputlatfield" => g.outputlatfield = value,
            "outputlongfield" => g.outputlongfield = value,
            "binspanlat" | "binspanlong" => {
                let v = number_opt(c, &key, &value, span)?;
                if !(v > 0.0 && v.is_finite()) {
                    return Err(bad(c, format!("`{key}` must be a positive number"), span));
                }
                if key == "binspanlat" {
                    g.binspanlat = v;
                } else {
                    g.binspanlong = v;
                }
            }
            "maxzoomlevel" => {
                let v = count_opt(c, &key, &value, span)?;
                g.maxzoomlevel = u32::try_from(v)
                    .ok()
                    .filter(|v| *v <= 30)
                    .ok_or_else(|| bad(c, "`maxzoomlevel` must be at most 30", span))?;
            }
            "globallimit" => g.chart.series.limit = count_opt(c, &key, &value, span)?,
            "translatetoxy" => {
                if !bool_opt(c, &key, &value, span)? {
                    return Err(unsupported(c, "translatetoxy=false is not supported", span));
                }
            }
            _ => return Err(unknown_option(c, &key, span)),
        }
    }
    let (aggs, by) = aggregations_and_by(p, c, name_span)?;
    if by.len() > 1 {
        return Err(bad(c, "at most one by field is allowed", name_span));
    }
    g.chart.aggs = aggs;
    g.chart.row = Some(Split {
        field: GEOBIN.into(),
        bin: None,
    });
    g.chart.col = by
        .into_iter()
        .next()
        .map(|field| Split { field, bin: None });
    Ok(CommandArgs::Geostats(g))
}

impl Geostats {
    /// `bin_id_zl_<z>_y_<row>_x_<col>` for a point at zoom level `z`.
    fn geobin(&self, z: u32, lat: f64, lon: f64) -> String {
        let scale = f64::from(1u32 << z.min(30));
        let y = ((lat + 90.0) / (self.binspanlat / scale)).floor() as i64;
        let x = ((lon + 180.0) / (self.binspanlong / scale)).floor() as i64;
        format!("bin_id_zl_{z}_y_{y}_x_{x}")
    }
}

impl super::Command for Geostats {
    /// One row per (zoom level, bin): `geobin`, the mean coordinates, the
    /// aggregations (split by the by-field as `chart` does).
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let rows = collect(input)?;
        let mut binned = Vec::new();
        // geobin → (sum of lat, sum of lon, n), for the mean coordinates.
        let mut centres: std::collections::HashMap<String, (f64, f64, f64)> =
            std::collections::HashMap::new();
        for row in rows {
            let coord = |f: &str| row.get(f).and_then(|v| v.as_number());
            let (Some(lat), Some(lon)) = (coord(&self.latfield), coord(&self.longfield)) else {
                // Events without both coordinates are on no map.
                continue;
            };
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                continue;
            }
            for z in 0..=self.maxzoomlevel {
                let bin = self.geobin(z, lat, lon);
                let c = centres.entry(bin.clone()).or_insert((0.0, 0.0, 0.0));
                c.0 += lat;
                c.1 += lon;
                c.2 += 1.0;
                let mut copy = row.clone();
                copy.set(GEOBIN, Value::Str(bin));
                binned.push(copy);
            }
        }
        let charted = collect(
            self.chart
                .apply(Box::new(binned.into_iter().map(Ok)), ctx)?,
        )?;
        let out: Vec<Event> = charted
            .into_iter()
            .map(|row| {
                let mut out = Event::with_capacity(row.len() + 2);
                let centre = row
                    .get(GEOBIN)
                    .and_then(|b| centres.get(b.to_text().as_ref()))
                    .copied();
                for (name, value) in row.iter() {
                    out.set(name.to_string(), value.clone());
                    if name == GEOBIN {
                        if let Some((lat, lon, n)) = centre {
                            out.set(self.outputlatfield.clone(), Value::Num(lat / n));
                            out.set(self.outputlongfield.clone(), Value::Num(lon / n));
                        }
                    }
                }
                out
            })
            .collect();
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// The registry entries of `geostats`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "geostats",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> Geostats {
        Geostats {
            latfield: "lat".into(),
            longfield: "lon".into(),
            outputlatfield: "latitude".into(),
            outputlongfield: "longitude".into(),
            binspanlat: 22.5,
            binspanlong: 45.0,
            maxzoomlevel: 9,
            chart: Chart {
                aggs: Vec::new(),
                row: None,
                col: None,
                series: SeriesOptions::default(),
            },
        }
    }

    #[test]
    fn bins_halve_at_each_zoom_level() {
        let g = g();
        // 40N 74W: (40+90)/22.5 = 5.78 → row 5; (−74+180)/45 = 2.36 → column 2.
        assert_eq!(g.geobin(0, 40.0, -74.0), "bin_id_zl_0_y_5_x_2");
        // Level 1 bins are 11.25 × 22.5: rows 11, columns 4.
        assert_eq!(g.geobin(1, 40.0, -74.0), "bin_id_zl_1_y_11_x_4");
        assert_eq!(g.geobin(0, -90.0, -180.0), "bin_id_zl_0_y_0_x_0");
    }
}
