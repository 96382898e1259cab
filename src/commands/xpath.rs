//! `xpath`: evaluates an XPath expression over a field holding XML.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/xpath>:
//! `xpath [outfield=<field>] <xpath-string> [field=<field>]
//! [default=<string>]`; `field` defaults to `_raw`, `outfield` to `xpath`;
//! `default` is written "if the attribute referenced in xpath doesn't
//! exist", otherwise nothing is; "the xpath command returns empty results
//! when input XML strings have prologue headers, such as xml version or
//! DOCTYPE"; it "supports the syntax described in the Python Standard
//! Library ... Supported XPath syntax". The examples: `//bar/@nickname`
//! (an attribute of every `bar`), `//DataSet/identity_id` (an element's
//! text), `//DataSet[sname='BARC']/instrument_id` (a predicate on a child's
//! text), and `field=xml` over a `makeresults` field.
//!
//! The subset evaluated here, that of Python's ElementTree plus the page's
//! attribute step: steps separated by `/` (children) or `//` (descendants),
//! a leading `/` or `//` from the document; a step is a name, `*`, `.`,
//! `..`, or, last, `@name` (an attribute's value) or `text()`; predicates
//! `[@a]`, `[@a='v']`, `[tag]`, `[tag='v']` and `[N]` (1-based position
//! among the parent's matching children). Anything else (functions, axes
//! such as `child::`, `|`, `@*`) is an error naming it. Choices where the
//! page is silent: an element's value is its text with its descendants'
//! text, trimmed; several matches make a multivalue field in document
//! order; XML that is not well-formed yields nothing (so `default`, if
//! given); a relative path starts at the document, like an absolute one.

use quick_xml::events::{BytesRef, Event as XmlEvent};
use quick_xml::Reader;

use crate::commands::common::{at_option, bad, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::exec::Rows;
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

/// `xpath outfield=name "//bar/@nickname" field=xml default=none`.
#[derive(Debug, Clone, PartialEq)]
pub struct Xpath {
    /// The expression as written.
    pub expr: String,
    /// Its compiled steps.
    pub steps: Vec<Step>,
    /// The field holding XML.
    pub field: String,
    /// The field written.
    pub outfield: String,
    /// Written when nothing matches.
    pub default: Option<String>,
}

/// Which nodes a step looks at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Axis {
    /// `/`: children.
    Child,
    /// `//`: all descendants.
    Descendant,
}

/// What a step selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Elements with this name.
    Name(String),
    /// `*`: every element.
    Any,
    /// `.`: the node itself.
    Current,
    /// `..`: the parent.
    Parent,
    /// `@name`: an attribute's value (last step only).
    Attribute(String),
    /// `text()`: the element's own text (last step only).
    Text,
}

/// A `[...]` filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// `[@a]`.
    HasAttr(String),
    /// `[@a='v']`.
    AttrEq(String, String),
    /// `[tag]`.
    HasChild(String),
    /// `[tag='v']`.
    ChildEq(String, String),
    /// `[N]`.
    Position(usize),
}

/// One location step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    axis: Axis,
    test: Test,
    preds: Vec<Pred>,
}

/// Parses `xpath`'s arguments.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let c = "xpath";
    let mut expr: Option<(String, Span)> = None;
    let mut field = "_raw".to_string();
    let mut outfield = "xpath".to_string();
    let mut default = None;
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            match key.as_str() {
                "field" => field = value,
                "outfield" => outfield = value,
                "default" => default = Some(value),
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        if expr.is_some() {
            return Err(p.expected("the end of `xpath` (one XPath expression and options)"));
        }
        expr = Some(p.value("an XPath expression")?);
    }
    let Some((expr, span)) = expr else {
        return Err(bad(
            c,
            "an XPath expression is required, e.g. `xpath \"//bar/@nickname\"`",
            name_span,
        ));
    };
    let steps = compile(&expr).map_err(|m| bad(c, m, span))?;
    Ok(CommandArgs::Xpath(Xpath {
        expr,
        steps,
        field,
        outfield,
        default,
    }))
}

/// Whether `name` is an XML name as the subset accepts it.
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
}

/// A quoted literal `'v'` or `"v"`.
fn literal(text: &str) -> Option<&str> {
    let t = text.trim();
    let q = t.chars().next()?;
    if (q == '\'' || q == '"') && t.len() >= 2 && t.ends_with(q) {
        Some(&t[1..t.len() - 1])
    } else {
        None
    }
}

/// Compiles one predicate's inside.
fn predicate(inner: &str) -> std::result::Result<Pred, String> {
    let t = inner.trim();
    if let Ok(n) = t.parse::<usize>() {
        return if n >= 1 {
            Ok(Pred::Position(n))
        } else {
            Err(format!("position `[{t}]` must be 1 or more"))
        };
    }
    let (lhs, rhs) = match t.split_once('=') {
        Some((l, r)) => (l.trim(), Some(r)),
        None => (t, None),
    };
    let value = match rhs {
        Some(r) => Some(
            literal(r)
                .ok_or_else(|| format!("`[{t}]`: the value must be quoted, e.g. [@a='v']"))?
                .to_string(),
        ),
        None => None,
    };
    if let Some(attr) = lhs.strip_prefix('@') {
        if !is_name(attr) {
            return Err(format!("`[{t}]` is not a supported predicate"));
        }
        return Ok(match value {
            Some(v) => Pred::AttrEq(attr.to_string(), v),
            None => Pred::HasAttr(attr.to_string()),
        });
    }
    if !is_name(lhs) {
        return Err(format!(
            "`[{t}]` is not a supported predicate (supported: [@a], [@a='v'], [tag], [tag='v'], [N])"
        ));
    }
    Ok(match value {
        Some(v) => Pred::ChildEq(lhs.to_string(), v),
        None => Pred::HasChild(lhs.to_string()),
    })
}

/// Splits a path into (axis, step text) pieces, keeping `/` inside
/// predicates and quotes.
fn split_steps(expr: &str) -> std::result::Result<Vec<(Axis, String)>, String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut axis = Axis::Child;
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let chars: Vec<char> = expr.trim().chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => depth = depth.checked_sub(1).ok_or("unbalanced `]`")?,
            (None, '/') if depth == 0 => {
                if !current.is_empty() || !out.is_empty() {
                    if current.is_empty() {
                        return Err("an empty step (`///`)".to_string());
                    }
                    out.push((axis, std::mem::take(&mut current)));
                }
                axis = if chars.get(i + 1) == Some(&'/') {
                    i += 1;
                    Axis::Descendant
                } else {
                    Axis::Child
                };
                i += 1;
                continue;
            }
            _ => {}
        }
        current.push(c);
        i += 1;
    }
    if quote.is_some() || depth != 0 {
        return Err("an unclosed quote or `[`".to_string());
    }
    if current.is_empty() {
        return Err("the path ends with `/`".to_string());
    }
    out.push((axis, current));
    Ok(out)
}

/// Compiles an expression into steps, or says what is not supported.
pub fn compile(expr: &str) -> std::result::Result<Vec<Step>, String> {
    if expr.contains('|') || expr.contains("::") {
        return Err(format!(
            "`{expr}`: unions (`|`) and axes (`::`) are not supported"
        ));
    }
    let pieces = split_steps(expr).map_err(|m| format!("`{expr}`: {m}"))?;
    let last = pieces.len().saturating_sub(1);
    let mut steps = Vec::with_capacity(pieces.len());
    for (n, (axis, text)) in pieces.into_iter().enumerate() {
        let (head, preds_text) = match text.find('[') {
            Some(at) => text.split_at(at),
            None => (text.as_str(), ""),
        };
        let test = match head {
            "*" => Test::Any,
            "." => Test::Current,
            ".." => Test::Parent,
            "text()" => Test::Text,
            h if h.starts_with('@') && is_name(&h[1..]) => Test::Attribute(h[1..].to_string()),
            h if is_name(h) => Test::Name(h.to_string()),
            h => {
                return Err(format!(
                    "`{expr}`: the step `{h}` is not supported (supported: names, *, ., .., @name, text())"
                ))
            }
        };
        if matches!(test, Test::Attribute(_) | Test::Text) && n != last {
            return Err(format!("`{expr}`: `{head}` must be the last step"));
        }
        let mut preds = Vec::new();
        let mut rest = preds_text;
        while !rest.is_empty() {
            let Some(body) = rest.strip_prefix('[') else {
                return Err(format!("`{expr}`: unexpected `{rest}` after a step"));
            };
            let close = body
                .find(']')
                .ok_or_else(|| format!("`{expr}`: unclosed `[`"))?;
            preds.push(predicate(&body[..close]).map_err(|m| format!("`{expr}`: {m}"))?);
            rest = &body[close + 1..];
        }
        if !preds.is_empty() && matches!(test, Test::Attribute(_) | Test::Text) {
            return Err(format!(
                "`{expr}`: predicates on `{head}` are not supported"
            ));
        }
        steps.push(Step { axis, test, preds });
    }
    Ok(steps)
}

/// An element of a parsed document (node 0 is the document itself).
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    parent: usize,
    children: Vec<usize>,
    /// Its own text, outside child elements.
    own: String,
    /// Its text and its descendants', in document order.
    all: String,
}

/// A parsed document, or `None` when it is not well-formed XML or has a
/// prologue (which Splunk's xpath does not read either).
fn document(text: &str) -> Option<Vec<Node>> {
    let mut reader = Reader::from_str(text);
    let mut nodes = vec![Node::default()];
    let mut open: Vec<usize> = vec![0];
    let push_text = |nodes: &mut Vec<Node>, open: &[usize], s: &str| {
        if let Some(&last) = open.last() {
            if let Some(n) = nodes.get_mut(last) {
                n.own.push_str(s);
            }
        }
        for &o in open {
            if let Some(n) = nodes.get_mut(o) {
                n.all.push_str(s);
            }
        }
    };
    loop {
        match reader.read_event().ok()? {
            XmlEvent::Start(start) => {
                let id = element(&mut nodes, &open, &start)?;
                open.push(id);
            }
            XmlEvent::Empty(start) => {
                element(&mut nodes, &open, &start)?;
            }
            XmlEvent::End(_) => {
                open.pop();
                if open.is_empty() {
                    return None;
                }
            }
            XmlEvent::Text(t) => {
                let t = t.into_inner();
                if open.len() > 1 {
                    push_text(&mut nodes, &open, &t);
                }
            }
            XmlEvent::CData(t) => {
                let t = t.into_inner();
                push_text(&mut nodes, &open, &t);
            }
            XmlEvent::GeneralRef(r) => {
                let s = reference(&r);
                push_text(&mut nodes, &open, &s);
            }
            XmlEvent::Decl(_) | XmlEvent::DocType(_) => return None,
            XmlEvent::PI(_) | XmlEvent::Comment(_) => {}
            XmlEvent::Eof => break,
        }
    }
    (open.len() == 1 && nodes.len() > 1).then_some(nodes)
}

/// Adds an element under the innermost open one; returns its id.
fn element(
    nodes: &mut Vec<Node>,
    open: &[usize],
    start: &quick_xml::events::BytesStart<'_>,
) -> Option<usize> {
    let parent = *open.last()?;
    let name = start.name();
    let mut attrs = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.ok()?;
        let key: &str = attribute.key.as_ref();
        let value = match quick_xml::escape::unescape(&attribute.value) {
            Ok(v) => v.into_owned(),
            Err(_) => attribute.value.to_string(),
        };
        attrs.push((key.to_string(), value));
    }
    let id = nodes.len();
    let own_name: &str = name.as_ref();
    nodes.push(Node {
        name: own_name.to_string(),
        attrs,
        parent,
        ..Node::default()
    });
    nodes.get_mut(parent)?.children.push(id);
    Some(id)
}

/// An entity or character reference's text.
fn reference(r: &BytesRef<'_>) -> String {
    if let Ok(Some(ch)) = r.resolve_char_ref() {
        return ch.to_string();
    }
    let name: &str = r.as_ref();
    quick_xml::escape::resolve_predefined_entity(name)
        .map(str::to_string)
        .unwrap_or_else(|| format!("&{name};"))
}

/// Evaluates compiled steps over a document: the matched values.
fn evaluate(steps: &[Step], nodes: &[Node]) -> Vec<String> {
    let mut current: Vec<usize> = vec![0];
    for step in steps {
        match &step.test {
            Test::Attribute(a) => {
                let targets = owners(nodes, &current, step.axis);
                return targets
                    .into_iter()
                    .filter_map(|id| {
                        nodes
                            .get(id)?
                            .attrs
                            .iter()
                            .find(|(k, _)| k == a)
                            .map(|(_, v)| v.clone())
                    })
                    .collect();
            }
            Test::Text => {
                let targets = owners(nodes, &current, step.axis);
                return targets
                    .into_iter()
                    .filter(|&id| id != 0)
                    .filter_map(|id| nodes.get(id).map(|n| n.own.trim().to_string()))
                    .filter(|t| !t.is_empty())
                    .collect();
            }
            Test::Current => {}
            Test::Parent => {
                current = current
                    .iter()
                    .filter(|&&id| id != 0)
                    .filter_map(|&id| nodes.get(id).map(|n| n.parent))
                    .collect();
            }
            Test::Name(_) | Test::Any => {
                let candidates = axis_nodes(nodes, &current, step.axis);
                current = candidates
                    .into_iter()
                    .filter(|&id| id != 0 && name_matches(&step.test, nodes, id))
                    .filter(|&id| step.preds.iter().all(|p| pred_holds(p, step, nodes, id)))
                    .collect();
            }
        }
        current.sort_unstable();
        current.dedup();
    }
    current
        .into_iter()
        .filter(|&id| id != 0)
        .filter_map(|id| nodes.get(id).map(|n| n.all.trim().to_string()))
        .collect()
}

/// The elements whose attributes or text a last `@name` / `text()` step
/// reads: after `/` the current elements themselves, after `//` those and
/// all their descendants.
fn owners(nodes: &[Node], current: &[usize], axis: Axis) -> Vec<usize> {
    let mut out = current.to_vec();
    if axis == Axis::Descendant {
        out.extend(axis_nodes(nodes, current, Axis::Descendant));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The nodes a step's axis reaches from the current ones: for `/` their
/// children, for `//` all their descendants.
fn axis_nodes(nodes: &[Node], current: &[usize], axis: Axis) -> Vec<usize> {
    let mut out = Vec::new();
    for &id in current {
        match axis {
            Axis::Child => {
                if let Some(n) = nodes.get(id) {
                    out.extend(n.children.iter().copied());
                }
            }
            Axis::Descendant => {
                let mut stack: Vec<usize> = nodes
                    .get(id)
                    .map(|n| n.children.iter().rev().copied().collect())
                    .unwrap_or_default();
                while let Some(d) = stack.pop() {
                    out.push(d);
                    if let Some(n) = nodes.get(d) {
                        stack.extend(n.children.iter().rev().copied());
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn name_matches(test: &Test, nodes: &[Node], id: usize) -> bool {
    match test {
        Test::Any => true,
        Test::Name(n) => nodes.get(id).is_some_and(|node| &node.name == n),
        _ => false,
    }
}

/// The children of `node` named `tag`.
fn children_named<'a>(nodes: &'a [Node], node: &'a Node, tag: &str) -> Vec<&'a Node> {
    node.children
        .iter()
        .filter_map(|&c| nodes.get(c))
        .filter(|c| c.name == tag)
        .collect()
}

/// Whether a predicate holds for element `id` selected by `step`.
fn pred_holds(pred: &Pred, step: &Step, nodes: &[Node], id: usize) -> bool {
    let Some(node) = nodes.get(id) else {
        return false;
    };
    match pred {
        Pred::HasAttr(a) => node.attrs.iter().any(|(k, _)| k == a),
        Pred::AttrEq(a, v) => node.attrs.iter().any(|(k, x)| k == a && x == v),
        Pred::HasChild(t) => !children_named(nodes, node, t).is_empty(),
        Pred::ChildEq(t, v) => children_named(nodes, node, t)
            .iter()
            .any(|c| c.all.trim() == v),
        Pred::Position(n) => nodes.get(node.parent).is_some_and(|parent| {
            parent
                .children
                .iter()
                .filter(|&&c| name_matches(&step.test, nodes, c))
                .position(|&c| c == id)
                == Some(n - 1)
        }),
    }
}

impl Xpath {
    /// The values the expression selects from one XML text.
    pub fn values(&self, xml: &str) -> Vec<String> {
        document(xml)
            .map(|nodes| evaluate(&self.steps, &nodes))
            .unwrap_or_default()
    }
}

impl super::Command for Xpath {
    /// Writes the selected values (or the default) on every result.
    fn apply<'a>(&'a self, input: Rows<'a>, _ctx: &'a crate::exec::Context<'a>) -> Result<Rows<'a>> {
        Ok(Box::new(input.map(move |row| {
            let mut event = row?;
            let found: Vec<String> = event
                .get(&self.field)
                .map(|v| v.to_text().into_owned())
                .map(|xml| self.values(&xml))
                .unwrap_or_default();
            match Value::from_list(found) {
                Some(v) => event.set(self.outfield.clone(), v),
                None => {
                    if let Some(d) = &self.default {
                        event.set(self.outfield.clone(), Value::Str(d.clone()));
                    }
                }
            }
            Ok(event)
        })))
    }
}

/// The registry entries of `xpath`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "xpath",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn run(expr: &str, xml: &str) -> Vec<String> {
        let steps = compile(expr).expect("compiles");
        let x = Xpath {
            expr: expr.into(),
            steps,
            field: "_raw".into(),
            outfield: "xpath".into(),
            default: None,
        };
        x.values(xml)
    }

    const DATASET: &str = "<DataSet xmlns=\"\"><identity_id>3017669</identity_id><instrument_id>912383KM1</instrument_id><sname>BARC</sname></DataSet>";

    #[test]
    fn page_examples() {
        assert_eq!(
            run(
                "//bar/@nickname",
                "<foo><bar nickname=\"spock\"></bar></foo>"
            ),
            ["spock"]
        );
        assert_eq!(run("//DataSet/identity_id", DATASET), ["3017669"]);
        assert_eq!(
            run("//DataSet[sname='BARC']/instrument_id", DATASET),
            ["912383KM1"]
        );
        assert!(run("//DataSet[sname='TARC']/instrument_id", DATASET).is_empty());
    }

    #[test]
    fn positions_absolute_paths_and_prologue() {
        let xml = "<a><b>1</b><c/><b>2</b></a>";
        assert_eq!(run("/a/b", xml), ["1", "2"]);
        assert_eq!(run("/a/b[2]", xml), ["2"]);
        assert_eq!(run("//b[@x]", "<a><b x='1'>y</b><b>z</b></a>"), ["y"]);
        assert_eq!(run("/a/*[1]", xml), ["1"]);
        assert!(run("/a/b", "<?xml version=\"1.0\"?><a><b>1</b></a>").is_empty());
        assert!(run("/a/b", "<a><b>1</a>").is_empty());
    }

    #[test]
    fn unsupported_syntax_is_named() {
        assert!(compile("count(//a)").is_err());
        assert!(compile("//a | //b").is_err());
        assert!(compile("child::a").is_err());
        assert!(compile("//@x/a").is_err());
        assert!(compile("//a[last()]").is_err());
    }

    #[test]
    fn text_and_descendant_attribute_steps() {
        // text() is the element's own text, not its children's.
        assert_eq!(run("/a/b/text()", "<a><b>x<c>y</c></b></a>"), ["x"]);
        // `//@id` reads the attribute on every element of the document.
        assert_eq!(run("//@id", "<a id='1'><b id='2'/></a>"), ["1", "2"]);
        // An element's value includes its descendants' text.
        assert_eq!(run("/a/b", "<a><b>x<c>y</c></b></a>"), ["xy"]);
    }
}
