//! `geomfilter`: clips the polygons of each result's `geom` field to a
//! bounding box (choropleth maps).
//!
//! Docs: <https://help.splunk.com/en/splunk-enterprise/spl-search-reference/9.2/search-commands/geomfilter>:
//! `geomfilter [min_x=<float>] [min_y=<float>] [max_x=<float>]
//! [max_y=<float>]`, the box's bottom-left and top-right corners (x in
//! [-180, 180], default -180 and 180; y in [-90, 90], default -90 and 90).
//! "Points that fall outside of the bounding box will be filtered out."
//!
//! spelunk's reading (docs/semantics.md#other-commands): `geom` holds a
//! GeoJSON `Polygon` or `MultiPolygon` (what `geom` writes); each ring is
//! clipped to the box (Sutherland-Hodgman, so the edges crossing the box's
//! sides end on them); a polygon whose outer ring falls outside is dropped,
//! and a result with nothing left loses its `geom` field (the result
//! stays). A `geom` value that is not such a geometry is left as it is,
//! with a notice.

use crate::commands::common::{at_option, option, unknown_option};
use crate::commands::geom::{
    bbox_option, check_bbox, clip_polygon, geometry_json, parse_geometry, BBox,
};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "geomfilter";

/// `geomfilter min_x=-90 min_y=-90 max_x=90 max_y=90`.
#[derive(Debug, Clone, PartialEq)]
pub struct Geomfilter {
    /// The box.
    pub bbox: BBox,
}

/// Parses `geomfilter`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut bbox = BBox::default();
    while at_option(p) {
        let (key, value, span) = option(p)?;
        if !bbox_option(C, &mut bbox, &key, &value, span)? {
            return Err(unknown_option(C, &key, span));
        }
    }
    if !p.at_command_end() {
        return Err(p.expected("`min_x=`, `min_y=`, `max_x=`, `max_y=` or the end of `geomfilter`"));
    }
    check_bbox(C, &bbox, name_span.to(p.last_span()))?;
    Ok(CommandArgs::Geomfilter(Geomfilter { bbox }))
}

impl super::Command for Geomfilter {
    /// Clips each result's `geom`.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut warned = false;
        Ok(Box::new(input.map(move |row| {
            let mut row = row?;
            let Some(text) = row.get("geom").and_then(|v| match v {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            }) else {
                return Ok(row);
            };
            match parse_geometry(&text) {
                Some((polys, multi)) => {
                    let kept: Vec<_> = polys
                        .iter()
                        .filter_map(|p| clip_polygon(p, &self.bbox))
                        .collect();
                    if kept.is_empty() {
                        row.remove("geom");
                    } else {
                        row.set("geom", Value::Str(geometry_json(&kept, multi || kept.len() > 1)));
                    }
                }
                None if !warned => {
                    warned = true;
                    ctx.notice(
                        "geomfilter: a `geom` value is not a GeoJSON Polygon or MultiPolygon; such values are left as they are",
                    );
                }
                None => {}
            }
            Ok(row)
        })))
    }
}

/// The registry entries of `geomfilter`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "geomfilter",
        aliases: &[],
        parse,
    },
];
