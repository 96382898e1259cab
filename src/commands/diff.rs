//! `diff`: a line-by-line diff of one field of two results, as one result.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/diff>:
//! `diff [position1=int] [position2=int] [attribute=string]
//! [diffheader=bool] [context=bool] [maxlen=int]`. It "mimics *nix diff
//! output and compares two search results at a time by returning the
//! line-by-line difference"; `position1` and `position2` (defaults 1 and 2,
//! counted from 1; "this value must be greater than position1") pick the
//! results, `attribute` the field (default `_raw`); `diffheader=true`
//! shows "the traditional diff header, naming the 'files' compared";
//! `context=true` selects context-mode output instead of the default
//! unified diff; `maxlen` is "the maximum content in bytes diffed from the
//! two events", 0 for no limit (default 100000). The page's example 1 is
//! written `diff pos1=1 pos2=3 attribute=ip`, so `pos1`/`pos2` are taken as
//! the same options.
//!
//! The output (not described by the page) is one result whose `_raw` is the
//! diff text, lines joined by newlines, in the form of Python's `difflib`
//! `unified_diff`/`context_diff` with three lines of context; the header's
//! "file" names are `position1` and `position2`'s numbers. Lines are matched
//! by a longest common subsequence (difflib's own matcher differs on some
//! inputs); past 4 million line pairs (the table it needs, charged to the
//! memory budget) the differing middle of the two texts shows as replaced. Equal texts give a result without `_raw`; a missing field
//! counts as empty text; a position past the last result is an error
//! (docs/semantics.md#other-commands).

use crate::commands::common::{at_option, bad, bool_opt, count_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::exec::{Context, Rows};
use crate::source::Span;
use crate::syntax::parser::Parser;
use crate::value::Value;

const C: &str = "diff";

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// Most cells of the line-matching table; beyond it the differing middle of
/// the two texts is shown as wholly replaced.
const MAX_CELLS: usize = 4_000_000;

/// `diff position1=9 position2=10`.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// The first result's position, from 1.
    pub position1: usize,
    /// The second result's position, greater than `position1`.
    pub position2: usize,
    /// The field compared.
    pub attribute: String,
    /// Show the `---`/`+++` (or `***`/`---`) header.
    pub diffheader: bool,
    /// Context diff instead of unified.
    pub context: bool,
    /// Bytes of each text compared (0: all).
    pub maxlen: usize,
    /// The command, for errors.
    pub span: Span,
}

/// Parses `diff`'s options.
pub fn parse(p: &mut Parser, name_span: Span) -> Result<CommandArgs> {
    let mut out = Diff {
        position1: 1,
        position2: 2,
        attribute: "_raw".into(),
        diffheader: false,
        context: false,
        maxlen: 100_000,
        span: name_span,
    };
    let mut spans = (name_span, name_span);
    while at_option(p) {
        let (key, value, span) = option(p)?;
        match key.as_str() {
            "position1" | "pos1" => {
                out.position1 = count_opt(C, &key, &value, span)?;
                spans.0 = span;
            }
            "position2" | "pos2" => {
                out.position2 = count_opt(C, &key, &value, span)?;
                spans.1 = span;
            }
            "attribute" => out.attribute = value,
            "diffheader" => out.diffheader = bool_opt(C, &key, &value, span)?,
            "context" => out.context = bool_opt(C, &key, &value, span)?,
            "maxlen" => out.maxlen = count_opt(C, &key, &value, span)?,
            _ => return Err(unknown_option(C, &key, span)),
        }
    }
    if !p.at_command_end() {
        return Err(p.expected("a `diff` option such as `position1=` or the end of `diff`"));
    }
    if out.position1 == 0 {
        return Err(bad(C, "`position1` counts from 1", spans.0));
    }
    if out.position2 <= out.position1 {
        return Err(bad(
            C,
            format!(
                "`position2` ({}) must be greater than `position1` ({})",
                out.position2, out.position1
            ),
            spans.1,
        ));
    }
    Ok(CommandArgs::Diff(out))
}

impl Diff {
    /// The compared text of a result: the attribute, cut to `maxlen` bytes.
    fn text(&self, row: &Event) -> String {
        let mut text = row
            .get(&self.attribute)
            .map(|v| v.to_text().into_owned())
            .unwrap_or_default();
        if self.maxlen > 0 && text.len() > self.maxlen {
            let mut end = self.maxlen;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        text
    }
}

impl super::Command for Diff {
    /// One result holding the diff of the two chosen results.
    fn apply<'a>(&'a self, input: Rows<'a>, ctx: &'a Context<'a>) -> Result<Rows<'a>> {
        let mut first = None;
        let mut second = None;
        let mut seen = 0usize;
        for row in input {
            let row = row?;
            seen += 1;
            if seen == self.position1 {
                first = Some(self.text(&row));
            } else if seen == self.position2 {
                second = Some(self.text(&row));
            }
        }
        let (Some(a), Some(b)) = (first, second) else {
            return Err(Error::Runtime {
                message: format!(
                    "diff: position{}={} but there {} only {seen} result{}",
                    if seen < self.position1 { 1 } else { 2 },
                    if seen < self.position1 {
                        self.position1
                    } else {
                        self.position2
                    },
                    if seen == 1 { "is" } else { "are" },
                    if seen == 1 { "" } else { "s" },
                ),
                span: Some(self.span),
            });
        };
        let a: Vec<&str> = lines(&a);
        let b: Vec<&str> = lines(&b);
        // The line-matching table (see `matches`) is the big allocation.
        let mut held = ctx.memory.hold(C);
        held.charge(4 * (a.len().saturating_mul(b.len())).min(MAX_CELLS) as u64)?;
        let names = (self.position1.to_string(), self.position2.to_string());
        let text = if self.context {
            context_diff(&a, &b, self.diffheader.then_some(&names))
        } else {
            unified_diff(&a, &b, self.diffheader.then_some(&names))
        };
        drop(held);
        let mut out = Event::new();
        if !text.is_empty() {
            out.set("_raw", Value::Str(text.join("\n")));
        }
        Ok(Box::new(std::iter::once(Ok(out))))
    }
}

/// The text's lines (none for empty text).
fn lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').collect()
    }
}

/// What a stretch of lines is: `(tag, i1, i2, j1, j2)` as difflib's opcodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Equal,
    Replace,
    Delete,
    Insert,
}

type Opcode = (Tag, usize, usize, usize, usize);

/// The pairs of equal lines `(i, j)`, increasing: common prefix and suffix,
/// then a longest common subsequence of the middle.
fn matches(a: &[&str], b: &[&str]) -> Vec<(usize, usize)> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut out: Vec<(usize, usize)> = (0..prefix).map(|i| (i, i)).collect();
    if !ma.is_empty() && !mb.is_empty() && ma.len().saturating_mul(mb.len()) <= MAX_CELLS {
        let (n, m) = (ma.len(), mb.len());
        // lcs[i][j]: the length of an LCS of ma[i..] and mb[j..].
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if ma[i] == mb[j] {
                out.push((prefix + i, prefix + j));
                i += 1;
                j += 1;
            } else if lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    out.extend((0..suffix).map(|k| (a.len() - suffix + k, b.len() - suffix + k)));
    out
}

/// difflib's `get_opcodes` from the matching line pairs.
fn opcodes(a: &[&str], b: &[&str]) -> Vec<Opcode> {
    let mut out: Vec<Opcode> = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut pairs = matches(a, b);
    pairs.push((a.len(), b.len()));
    let mut k = 0;
    while k < pairs.len() {
        let (ai, bj) = pairs[k];
        let tag = match (i < ai, j < bj) {
            (true, true) => Some(Tag::Replace),
            (true, false) => Some(Tag::Delete),
            (false, true) => Some(Tag::Insert),
            (false, false) => None,
        };
        if let Some(tag) = tag {
            out.push((tag, i, ai, j, bj));
        }
        if ai == a.len() && bj == b.len() && k == pairs.len() - 1 {
            break;
        }
        // A run of consecutive matches is one equal block.
        let mut len = 1;
        while k + len < pairs.len() - 1 && pairs[k + len] == (ai + len, bj + len) {
            len += 1;
        }
        out.push((Tag::Equal, ai, ai + len, bj, bj + len));
        i = ai + len;
        j = bj + len;
        k += len;
    }
    out
}

/// difflib's `get_grouped_opcodes(n)`: the changes with `n` lines of
/// context, in hunks.
fn grouped(a: &[&str], b: &[&str], n: usize) -> Vec<Vec<Opcode>> {
    let mut codes = opcodes(a, b);
    if codes.is_empty() {
        codes.push((Tag::Equal, 0, 1, 0, 1));
    }
    if let Some(first) = codes.first_mut() {
        if first.0 == Tag::Equal {
            let (t, i1, i2, j1, j2) = *first;
            *first = (
                t,
                i1.max(i2.saturating_sub(n)),
                i2,
                j1.max(j2.saturating_sub(n)),
                j2,
            );
        }
    }
    if let Some(last) = codes.last_mut() {
        if last.0 == Tag::Equal {
            let (t, i1, i2, j1, j2) = *last;
            *last = (t, i1, i2.min(i1 + n), j1, j2.min(j1 + n));
        }
    }
    let mut groups = Vec::new();
    let mut group: Vec<Opcode> = Vec::new();
    for (tag, mut i1, i2, mut j1, j2) in codes {
        if tag == Tag::Equal && i2 - i1 > 2 * n {
            group.push((tag, i1, i2.min(i1 + n), j1, j2.min(j1 + n)));
            groups.push(std::mem::take(&mut group));
            i1 = i1.max(i2.saturating_sub(n));
            j1 = j1.max(j2.saturating_sub(n));
        }
        group.push((tag, i1, i2, j1, j2));
    }
    let only_equal = group.len() == 1 && group[0].0 == Tag::Equal;
    if !group.is_empty() && !only_equal {
        groups.push(group);
    }
    groups
}

fn range_unified(start: usize, stop: usize) -> String {
    let mut beginning = start + 1;
    let length = stop - start;
    if length == 1 {
        return beginning.to_string();
    }
    if length == 0 {
        beginning -= 1;
    }
    format!("{beginning},{length}")
}

fn range_context(start: usize, stop: usize) -> String {
    let mut beginning = start + 1;
    let length = stop - start;
    if length == 0 {
        beginning -= 1;
    }
    if length <= 1 {
        return beginning.to_string();
    }
    format!("{beginning},{}", beginning + length - 1)
}

/// A unified diff's lines (difflib's `unified_diff`, `lineterm=""`).
fn unified_diff(a: &[&str], b: &[&str], header: Option<&(String, String)>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, group) in grouped(a, b, CONTEXT).iter().enumerate() {
        if k == 0 {
            if let Some((from, to)) = header {
                out.push(format!("--- {from}"));
                out.push(format!("+++ {to}"));
            }
        }
        let (first, last) = (group[0], group[group.len() - 1]);
        out.push(format!(
            "@@ -{} +{} @@",
            range_unified(first.1, last.2),
            range_unified(first.3, last.4)
        ));
        for &(tag, i1, i2, j1, j2) in group {
            if tag == Tag::Equal {
                out.extend(a[i1..i2].iter().map(|l| format!(" {l}")));
                continue;
            }
            if matches!(tag, Tag::Replace | Tag::Delete) {
                out.extend(a[i1..i2].iter().map(|l| format!("-{l}")));
            }
            if matches!(tag, Tag::Replace | Tag::Insert) {
                out.extend(b[j1..j2].iter().map(|l| format!("+{l}")));
            }
        }
    }
    out
}

/// A context diff's lines (difflib's `context_diff`, `lineterm=""`).
fn context_diff(a: &[&str], b: &[&str], header: Option<&(String, String)>) -> Vec<String> {
    let prefix = |tag: Tag| match tag {
        Tag::Insert => "+ ",
        Tag::Delete => "- ",
        Tag::Replace => "! ",
        Tag::Equal => "  ",
    };
    let mut out = Vec::new();
    for (k, group) in grouped(a, b, CONTEXT).iter().enumerate() {
        if k == 0 {
            if let Some((from, to)) = header {
                out.push(format!("*** {from}"));
                out.push(format!("--- {to}"));
            }
        }
        let (first, last) = (group[0], group[group.len() - 1]);
        out.push("***************".to_string());
        out.push(format!("*** {} ****", range_context(first.1, last.2)));
        if group
            .iter()
            .any(|c| matches!(c.0, Tag::Replace | Tag::Delete))
        {
            for &(tag, i1, i2, _, _) in group {
                if tag != Tag::Insert {
                    out.extend(a[i1..i2].iter().map(|l| format!("{}{l}", prefix(tag))));
                }
            }
        }
        out.push(format!("--- {} ----", range_context(first.3, last.4)));
        if group
            .iter()
            .any(|c| matches!(c.0, Tag::Replace | Tag::Insert))
        {
            for &(tag, _, _, j1, j2) in group {
                if tag != Tag::Delete {
                    out.extend(b[j1..j2].iter().map(|l| format!("{}{l}", prefix(tag))));
                }
            }
        }
    }
    out
}

/// The registry entries of `diff`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "diff",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<&str> {
        s.split(' ').collect()
    }

    // Expected lines from Python's difflib (`lineterm=""`, files "1", "2").
    #[test]
    fn unified_like_difflib() {
        let names = ("1".to_string(), "2".to_string());
        let a = words("one two three four five six seven eight nine ten");
        let b = words("one two THREE four five six seven eight nine ten eleven");
        assert_eq!(
            unified_diff(&a, &b, Some(&names)),
            [
                "--- 1",
                "+++ 2",
                "@@ -1,6 +1,6 @@",
                " one",
                " two",
                "-three",
                "+THREE",
                " four",
                " five",
                " six",
                "@@ -8,3 +8,4 @@",
                " eight",
                " nine",
                " ten",
                "+eleven"
            ]
        );
        let a = words("a b c d e f g h");
        let b = words("a B c d e f g h i");
        assert_eq!(
            context_diff(&a, &b, Some(&names)),
            [
                "*** 1",
                "--- 2",
                "***************",
                "*** 1,8 ****",
                "  a",
                "! b",
                "  c",
                "  d",
                "  e",
                "  f",
                "  g",
                "  h",
                "--- 1,9 ----",
                "  a",
                "! B",
                "  c",
                "  d",
                "  e",
                "  f",
                "  g",
                "  h",
                "+ i"
            ]
        );
        assert!(unified_diff(&a, &a, None).is_empty());
        assert_eq!(unified_diff(&[], &["x"], None), ["@@ -0,0 +1 @@", "+x"]);
    }
}
