//! `geom`: adds each result's polygon geometry, from a geospatial lookup's
//! feature collection, for choropleth maps.
//!
//! Docs: <https://help.splunk.com/en/splunk-enterprise/search/spl-search-reference/9.4/search-commands/geom>:
//! `geom [<featureCollection>] [allFeatures=<boolean>]
//! [featureIdField=<string>] [gen=<double>] [min_x=<double>]
//! [min_y=<double>] [max_x=<double>] [max_y=<double>]`. The feature
//! collection is a geospatial lookup (a transforms.conf stanza with
//! `external_type = geo` naming a KML file); without one, each result's
//! `featureCollection` field names it. The result's feature id is read
//! from `featureIdField` (default `featureId`, the field a geospatial
//! lookup outputs). `geom` adds `featureCollection` and `geom`;
//! `allFeatures=true` adds a result for every feature no result names,
//! its other fields 0; `min_x`..`max_y` clip the geometry to a box.
//!
//! spelunk's reading, where the page does not say
//! (docs/semantics.md#other-commands): a feature is a KML `Placemark`, its
//! id the Placemark's `name`, its shape every `Polygon` in it (outer
//! boundary and holes; Placemarks sharing a name make one feature); `geom`
//! is the GeoJSON geometry (`{"type":"MultiPolygon","coordinates":...}`);
//! `gen` is a Douglas-Peucker tolerance in degrees (each ring simplified,
//! at least a triangle kept). Splunk's own `geo_us_states` and
//! `geo_countries` files are Splunk's and are not shipped: the user gives
//! the KML. KMZ (zipped KML) is refused (no zip reader).

use std::collections::{HashMap, HashSet};

use crate::commands::common::{at_option, bad, bool_opt, number_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "geom";

/// A ring: (x, y) = (longitude, latitude) points, closed (first = last).
pub type Ring = Vec<(f64, f64)>;
/// A polygon: its outer ring, then its holes.
pub type Polygon = Vec<Ring>;

/// A clipping box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    /// Left.
    pub min_x: f64,
    /// Bottom.
    pub min_y: f64,
    /// Right.
    pub max_x: f64,
    /// Top.
    pub max_y: f64,
}

impl Default for BBox {
    fn default() -> Self {
        BBox {
            min_x: -180.0,
            min_y: -90.0,
            max_x: 180.0,
            max_y: 90.0,
        }
    }
}

impl BBox {
    /// Whether the box is the whole world (clipping changes nothing).
    pub fn is_world(&self) -> bool {
        *self == BBox::default()
    }
}

/// Parses one of `min_x`, `min_y`, `max_x`, `max_y` into `bbox`;
/// `Ok(false)` for another key. Longitudes must be in [-180, 180],
/// latitudes in [-90, 90].
pub fn bbox_option(
    command: &str,
    bbox: &mut BBox,
    key: &str,
    value: &str,
    span: Span,
) -> Result<bool> {
    let (slot, limit) = match key {
        "min_x" => (&mut bbox.min_x, 180.0),
        "max_x" => (&mut bbox.max_x, 180.0),
        "min_y" => (&mut bbox.min_y, 90.0),
        "max_y" => (&mut bbox.max_y, 90.0),
        _ => return Ok(false),
    };
    let n = number_opt(command, key, value, span)?;
    if !(-limit..=limit).contains(&n) {
        return Err(bad(
            command,
            format!("`{key}` must be in the range [-{limit}, {limit}], found `{value}`"),
            span,
        ));
    }
    *slot = n;
    Ok(true)
}

/// Checks that the box's corners are in order.
pub fn check_bbox(command: &str, bbox: &BBox, span: Span) -> Result<()> {
    if bbox.min_x > bbox.max_x || bbox.min_y > bbox.max_y {
        return Err(bad(
            command,
            "the bounding box's bottom-left corner (min_x, min_y) must be below and left of its top-right corner (max_x, max_y)",
            span,
        ));
    }
    Ok(())
}

/// `geom geo_us_states featureIdField="state" gen=0.1 min_x=-130.5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Geom {
    /// The geospatial lookup; None: each result's `featureCollection`.
    pub collection: Option<String>,
    /// `allFeatures`.
    pub all_features: bool,
    /// `featureIdField` (default `featureId`).
    pub id_field: String,
    /// `gen`: simplification tolerance (0: none).
    pub gen: f64,
    /// The clipping box.
    pub bbox: BBox,
    /// The command, for errors.
    pub span: Span,
}

/// Parses `geom`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut collection = None;
    let mut all_features = false;
    let mut id_field = "featureId".to_string();
    let mut gen = 0.0;
    let mut bbox = BBox::default();
    loop {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            if bbox_option(C, &mut bbox, &key, &value, span)? {
                continue;
            }
            match key.as_str() {
                "allfeatures" => all_features = bool_opt(C, &key, &value, span)?,
                "featureidfield" => id_field = value,
                "gen" => {
                    gen = number_opt(C, &key, &value, span)?;
                    if gen < 0.0 {
                        return Err(bad(C, "`gen` must not be negative", span));
                    }
                }
                _ => return Err(unknown_option(C, &key, span)),
            }
        } else if p.at_command_end() {
            break;
        } else if collection.is_none() {
            collection = Some(p.value("a geospatial lookup name")?.0);
        } else {
            return Err(p.expected("an option or the end of `geom`"));
        }
    }
    let span = name_span.to(p.last_span());
    check_bbox(C, &bbox, span)?;
    Ok(CommandArgs::Geom(Geom {
        collection,
        all_features,
        id_field,
        gen,
        bbox,
        span,
    }))
}

/// Splunk's built-in geospatial lookups, which spelunk does not ship.
const SPLUNK_GEO_LOOKUPS: &[&str] = &["geo_us_states", "geo_countries"];

/// A feature collection: features by id, in file order.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// (id, polygons) in first-seen order.
    pub list: Vec<(String, Vec<Polygon>)>,
}

fn load_collection(name: &str, ctx: &Context<'_>, span: Span) -> Result<Features> {
    let lookup_error = |message: String| Error::Lookup {
        name: name.to_string(),
        message,
        span: Some(span),
    };
    match ctx.lookups.geo_file(name) {
        Ok((file, text)) => parse_kml(&text).map_err(|m| lookup_error(format!("file `{file}`: {m}"))),
        Err(_) if SPLUNK_GEO_LOOKUPS.contains(&name) && ctx.lookups.get(name).is_none() => {
            Err(lookup_error(format!(
                "`{name}` is one of Splunk's built-in geospatial lookups, whose KMZ file is Splunk's and is not shipped with spelunk: give its features as a KML file in a lookups folder (-l) with a transforms.conf stanza `[{name}]` setting `external_type = geo` and `filename = <file>.kml`"
            )))
        }
        Err(message) => Err(lookup_error(message)),
    }
}

impl Geom {
    /// Each feature's geometry text, simplified and clipped (a feature
    /// clipped away entirely has none).
    fn shapes(&self, features: &Features) -> HashMap<String, String> {
        let mut map = HashMap::new();
        for (id, polygons) in &features.list {
            let mut polys: Vec<Polygon> = polygons
                .iter()
                .filter_map(|p| simplify_polygon(p, self.gen))
                .collect();
            if !self.bbox.is_world() {
                polys = polys
                    .iter()
                    .filter_map(|p| clip_polygon(p, &self.bbox))
                    .collect();
            }
            if !polys.is_empty() {
                map.insert(id.clone(), geometry_json(&polys, true));
            }
        }
        map
    }

    /// Reads a feature collection the first time it is named: its shapes,
    /// its features' order, and its place among the collections used.
    fn load_once(&self, name: &str, ctx: &Context<'_>, loaded: &mut Loaded) -> Result<()> {
        if loaded.shapes.contains_key(name) {
            return Ok(());
        }
        let features = load_collection(name, ctx, self.span)?;
        loaded.order.insert(
            name.to_string(),
            features.list.iter().map(|(id, _)| id.clone()).collect(),
        );
        loaded.shapes.insert(name.to_string(), self.shapes(&features));
        loaded.used.push(name.to_string());
        Ok(())
    }
}

/// The feature collections a `geom` has read.
#[derive(Default)]
struct Loaded {
    /// Collection → feature id → geometry text.
    shapes: HashMap<String, HashMap<String, String>>,
    /// Collection → its feature ids in the file's order.
    order: HashMap<String, Vec<String>>,
    /// Collections in the order they were first named.
    used: Vec<String>,
}

impl super::Command for Geom {
    /// Adds `featureCollection` and `geom` to each result.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut loaded = Loaded::default();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let mut out = Vec::new();
        let mut fields: Vec<String> = Vec::new();
        for row in input {
            let mut row = row?;
            let name = match &self.collection {
                Some(n) => Some(n.clone()),
                None => row
                    .get("featureCollection")
                    .and_then(|v| v.first_text().map(|t| t.into_owned())),
            };
            if let Some(name) = name {
                self.load_once(&name, ctx, &mut loaded)?;
                let id = row
                    .get(&self.id_field)
                    .and_then(|v| v.first_text().map(|t| t.into_owned()));
                row.set("featureCollection", Value::Str(name.clone()));
                if let Some(id) = id {
                    if let Some(geom) = loaded.shapes.get(&name).and_then(|m| m.get(&id)) {
                        row.set("geom", Value::Str(geom.clone()));
                    }
                    seen.insert((name, id));
                }
            }
            if self.all_features {
                for (k, _) in row.iter() {
                    if !k.starts_with('_')
                        && k != self.id_field
                        && k != "featureCollection"
                        && k != "geom"
                        && !fields.iter().any(|f| f == k)
                    {
                        fields.push(k.to_string());
                    }
                }
            }
            out.push(row);
        }
        if self.all_features {
            if let Some(name) = &self.collection {
                self.load_once(name, ctx, &mut loaded)?;
            }
            for name in &loaded.used {
                let (Some(ids), Some(shapes)) = (loaded.order.get(name), loaded.shapes.get(name)) else {
                    continue;
                };
                for id in ids {
                    if seen.contains(&(name.clone(), id.clone())) {
                        continue;
                    }
                    let mut row = Event::new();
                    for f in &fields {
                        row.set(f.as_str(), Value::Num(0.0));
                    }
                    row.set(self.id_field.as_str(), Value::Str(id.clone()));
                    row.set("featureCollection", Value::Str(name.clone()));
                    if let Some(g) = shapes.get(id) {
                        row.set("geom", Value::Str(g.clone()));
                    }
                    out.push(row);
                }
            }
        }
        Ok(Box::new(out.into_iter().map(Ok)))
    }
}

/// Reads a KML feature collection: each `Placemark`'s `name` and polygons.
pub fn parse_kml(text: &str) -> std::result::Result<Features, String> {
    use quick_xml::events::Event as X;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut features = Features::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    // The Placemark being read: its name and polygons.
    let mut name: Option<String> = None;
    let mut polygons: Vec<Polygon> = Vec::new();
    let mut in_placemark = false;
    let mut text_buf = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed KML: {e}"))?;
        match event {
            X::Start(start) => {
                let local = start.local_name().as_ref().to_string();
                match local.as_str() {
                    "Placemark" => {
                        in_placemark = true;
                        name = None;
                        polygons.clear();
                    }
                    "Polygon" if in_placemark => polygons.push(Vec::new()),
                    _ => {}
                }
                path.push(local);
                text_buf.clear();
            }
            X::Empty(_) => {}
            X::Text(t) => text_buf.push_str(&t.into_inner()),
            X::CData(t) => text_buf.push_str(&t.into_inner()),
            X::GeneralRef(r) => {
                if let Ok(Some(ch)) = r.resolve_char_ref() {
                    text_buf.push(ch);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(r.as_ref()) {
                    text_buf.push_str(s);
                }
            }
            X::End(_) => {
                let local = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str);
                match local.as_str() {
                    "name" if in_placemark && parent == Some("Placemark") => {
                        name = Some(text_buf.trim().to_string());
                    }
                    "coordinates" if in_placemark && parent == Some("LinearRing") => {
                        let ring = parse_coordinates(&text_buf)?;
                        let outer = path.iter().any(|p| p == "outerBoundaryIs");
                        let inner = path.iter().any(|p| p == "innerBoundaryIs");
                        if let Some(poly) = polygons.last_mut() {
                            // The outer ring first, then the holes.
                            if (outer && poly.is_empty()) || (inner && !poly.is_empty()) {
                                poly.push(ring);
                            }
                        }
                    }
                    "Placemark" => {
                        in_placemark = false;
                        let id = name.take().unwrap_or_default();
                        let polys: Vec<Polygon> =
                            polygons.drain(..).filter(|p| !p.is_empty()).collect();
                        match index.get(&id) {
                            Some(&i) => features.list[i].1.extend(polys),
                            None => {
                                index.insert(id.clone(), features.list.len());
                                features.list.push((id, polys));
                            }
                        }
                    }
                    _ => {}
                }
                text_buf.clear();
            }
            X::Eof => break,
            _ => {}
        }
    }
    Ok(features)
}

/// A KML `coordinates` text: `lon,lat[,alt]` tuples separated by blanks.
fn parse_coordinates(text: &str) -> std::result::Result<Ring, String> {
    let mut ring = Vec::new();
    for tuple in text.split_whitespace() {
        let mut parts = tuple.split(',');
        let x = parts.next().and_then(|s| s.trim().parse::<f64>().ok());
        let y = parts.next().and_then(|s| s.trim().parse::<f64>().ok());
        match (x, y) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => ring.push((x, y)),
            _ => return Err(format!("bad coordinates `{tuple}`")),
        }
    }
    close(&mut ring);
    Ok(ring)
}

fn close(ring: &mut Ring) {
    if let (Some(&first), Some(&last)) = (ring.first(), ring.last()) {
        if first != last {
            ring.push(first);
        }
    }
}

/// Whether a closed ring has at least three distinct corners.
fn is_area(ring: &Ring) -> bool {
    ring.len() >= 4
}

/// A polygon simplified with Douglas-Peucker at `tolerance`; None when its
/// outer ring is gone. Holes that shrink below a triangle are dropped.
fn simplify_polygon(poly: &Polygon, tolerance: f64) -> Option<Polygon> {
    let mut out = Vec::with_capacity(poly.len());
    for (i, ring) in poly.iter().enumerate() {
        let simple = if tolerance > 0.0 {
            simplify_ring(ring, tolerance)
        } else {
            ring.clone()
        };
        if is_area(&simple) {
            out.push(simple);
        } else if i == 0 {
            return None;
        }
    }
    Some(out)
}

fn simplify_ring(ring: &Ring, tolerance: f64) -> Ring {
    if ring.len() <= 4 {
        return ring.clone();
    }
    let mut keep = vec![false; ring.len()];
    keep[0] = true;
    let last = ring.len() - 1;
    keep[last] = true;
    // The closed ring's first point is also its last: split it at the
    // point farthest from the first, so both halves are open lines.
    let far = (1..last)
        .max_by(|&a, &b| {
            dist2(ring[0], ring[a])
                .partial_cmp(&dist2(ring[0], ring[b]))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .unwrap_or(1);
    keep[far] = true;
    let mut stack = vec![(0usize, far), (far, last)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let mut best = (0.0f64, a);
        for i in a + 1..b {
            let d = segment_distance(ring[i], ring[a], ring[b]);
            if d > best.0 {
                best = (d, i);
            }
        }
        if best.0 > tolerance {
            keep[best.1] = true;
            stack.push((a, best.1));
            stack.push((best.1, b));
        }
    }
    let mut out: Ring = ring
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect();
    if out.len() < 4 {
        // Keep a triangle: the three points of the original farthest
        // apart along the ring.
        let n = ring.len() - 1;
        out = vec![ring[0], ring[n / 3], ring[2 * n / 3], ring[0]];
    }
    out
}

fn dist2(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
}

fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let len2 = dist2(a, b);
    if len2 == 0.0 {
        return dist2(p, a).sqrt();
    }
    let t = (((p.0 - a.0) * (b.0 - a.0) + (p.1 - a.1) * (b.1 - a.1)) / len2).clamp(0.0, 1.0);
    dist2(p, (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))).sqrt()
}

/// A polygon clipped to `bbox` (Sutherland-Hodgman, ring by ring); None
/// when its outer ring falls outside.
pub fn clip_polygon(poly: &Polygon, bbox: &BBox) -> Option<Polygon> {
    let mut out = Vec::with_capacity(poly.len());
    for (i, ring) in poly.iter().enumerate() {
        let clipped = clip_ring(ring, bbox);
        if is_area(&clipped) {
            out.push(clipped);
        } else if i == 0 {
            return None;
        }
    }
    Some(out)
}

/// Whether a point is on the inner side of one of the box's edges.
type Inside<'a> = &'a dyn Fn((f64, f64)) -> bool;
/// Where a segment crosses that edge.
type Cross<'a> = &'a dyn Fn((f64, f64), (f64, f64)) -> (f64, f64);

fn clip_ring(ring: &Ring, b: &BBox) -> Ring {
    // Open the ring (drop the closing point), clip against each edge.
    let mut pts: Vec<(f64, f64)> = ring.clone();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let edges: [(Inside<'_>, Cross<'_>); 4] = [
        (&|p| p.0 >= b.min_x, &|p, q| at_x(p, q, b.min_x)),
        (&|p| p.0 <= b.max_x, &|p, q| at_x(p, q, b.max_x)),
        (&|p| p.1 >= b.min_y, &|p, q| at_y(p, q, b.min_y)),
        (&|p| p.1 <= b.max_y, &|p, q| at_y(p, q, b.max_y)),
    ];
    for (inside, cross) in edges {
        if pts.is_empty() {
            break;
        }
        let mut next = Vec::with_capacity(pts.len() + 4);
        let mut prev = pts[pts.len() - 1];
        for &cur in &pts {
            match (inside(cur), inside(prev)) {
                (true, true) => next.push(cur),
                (true, false) => {
                    next.push(cross(prev, cur));
                    next.push(cur);
                }
                (false, true) => next.push(cross(prev, cur)),
                (false, false) => {}
            }
            prev = cur;
        }
        pts = next;
    }
    pts.dedup();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return Vec::new();
    }
    close(&mut pts);
    pts
}

fn at_x(p: (f64, f64), q: (f64, f64), x: f64) -> (f64, f64) {
    let t = (x - p.0) / (q.0 - p.0);
    (x, p.1 + t * (q.1 - p.1))
}

fn at_y(p: (f64, f64), q: (f64, f64), y: f64) -> (f64, f64) {
    let t = (y - p.1) / (q.1 - p.1);
    (p.0 + t * (q.0 - p.0), y)
}

/// A number as the geometry text writes it: shortest round-trip form,
/// whole numbers without a fraction.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The GeoJSON text of polygons: a `MultiPolygon` when `multi`, else a
/// `Polygon` (of the first).
pub fn geometry_json(polys: &[Polygon], multi: bool) -> String {
    let ring_text = |r: &Ring| {
        let pts: Vec<String> = r
            .iter()
            .map(|(x, y)| format!("[{},{}]", num(*x), num(*y)))
            .collect();
        format!("[{}]", pts.join(","))
    };
    let poly_text = |p: &Polygon| {
        let rings: Vec<String> = p.iter().map(ring_text).collect();
        format!("[{}]", rings.join(","))
    };
    if multi {
        let all: Vec<String> = polys.iter().map(poly_text).collect();
        format!(
            "{{\"type\":\"MultiPolygon\",\"coordinates\":[{}]}}",
            all.join(",")
        )
    } else {
        let first = polys.first().map(poly_text).unwrap_or_else(|| "[]".into());
        format!("{{\"type\":\"Polygon\",\"coordinates\":{first}}}")
    }
}

/// Reads a GeoJSON `Polygon` or `MultiPolygon` geometry: its polygons and
/// whether it is a `MultiPolygon`.
pub fn parse_geometry(text: &str) -> Option<(Vec<Polygon>, bool)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let kind = v.get("type")?.as_str()?;
    let coords = v.get("coordinates")?;
    let ring = |r: &serde_json::Value| -> Option<Ring> {
        r.as_array()?
            .iter()
            .map(|pt| {
                let a = pt.as_array()?;
                let x = a.first()?.as_f64()?;
                let y = a.get(1)?.as_f64()?;
                Some((x, y))
            })
            .collect()
    };
    let poly =
        |p: &serde_json::Value| -> Option<Polygon> { p.as_array()?.iter().map(ring).collect() };
    match kind {
        "Polygon" => Some((vec![poly(coords)?], false)),
        "MultiPolygon" => Some((
            coords
                .as_array()?
                .iter()
                .map(poly)
                .collect::<Option<Vec<_>>>()?,
            true,
        )),
        _ => None,
    }
}

/// The registry entries of `geom`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "geom",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_square_to_box() {
        let sq = vec![vec![
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
            (0.0, 0.0),
        ]];
        let b = BBox {
            min_x: 5.0,
            min_y: -90.0,
            max_x: 180.0,
            max_y: 90.0,
        };
        let c = clip_polygon(&sq, &b).expect("inside");
        assert_eq!(
            geometry_json(&[c], false),
            r#"{"type":"Polygon","coordinates":[[[5,0],[10,0],[10,10],[5,10],[5,0]]]}"#
        );
        let away = BBox {
            min_x: 20.0,
            ..BBox::default()
        };
        assert!(clip_polygon(&sq, &away).is_none());
    }

    #[test]
    fn kml_placemarks() {
        let kml = r#"<kml><Document><Placemark><name>A</name><MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry></Placemark></Document></kml>"#;
        let f = parse_kml(kml).expect("kml");
        assert_eq!(f.list.len(), 1);
        assert_eq!(f.list[0].0, "A");
        assert_eq!(f.list[0].1[0][0].len(), 4);
        assert!(parse_kml("<kml><a></b></kml>").is_err());
        assert!(parse_kml("<kml><Placemark><name>x</name><Polygon><outerBoundaryIs><LinearRing><coordinates>a,b</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>").is_err());
    }
}
