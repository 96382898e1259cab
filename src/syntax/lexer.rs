//! Splits expanded search text into tokens with spans.
//!
//! SPL has no single token grammar: every command reads its own arguments.
//! What all commands share is lexical: whitespace separates words, double
//! quotes group text, `|` separates commands, `[ ]` delimit subsearches,
//! `( ) , = != < <= > >=` are punctuation. Everything else is a word, so
//! `userIdentity.arn`, `*admin*`, `-5` and `a{}.b` are single words.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::combinator::value;
use nom::IResult;
use nom::Parser;

use crate::error::{Error, Result};
use crate::source::Span;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A run of non-punctuation characters, e.g. `userIdentity.arn`, `adm*`, `NOT`.
    Word(String),
    /// A double-quoted string with `\"` and `\\` unescaped, e.g. `"a b"`.
    Str(String),
    /// `|`
    Pipe,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `=` (also `==`)
    Eq,
    /// `!=`
    Neq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A token and where it is in the expanded text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Its bytes in the expanded text (quotes included for strings).
    pub span: Span,
}

impl Tok {
    /// A short description for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Pipe => "`|`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Eq => "`=`".into(),
            Tok::Neq => "`!=`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
        }
    }
}

fn is_word_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '"' | '|' | '[' | ']' | '(' | ')' | ',' | '=' | '<' | '>'))
}

fn punctuation(input: &str) -> IResult<&str, Tok> {
    alt((
        value(Tok::Neq, tag("!=")),
        value(Tok::Le, tag("<=")),
        value(Tok::Ge, tag(">=")),
        value(Tok::Eq, tag("==")),
        value(Tok::Eq, tag("=")),
        value(Tok::Lt, tag("<")),
        value(Tok::Gt, tag(">")),
        value(Tok::Pipe, tag("|")),
        value(Tok::LBracket, tag("[")),
        value(Tok::RBracket, tag("]")),
        value(Tok::LParen, tag("(")),
        value(Tok::RParen, tag(")")),
        value(Tok::Comma, tag(",")),
    ))
    .parse(input)
}

/// A word stops before `!=` so that `user!=bob` is three tokens. A
/// backslash escapes the next character, so `*\"admin\"*` is one word; only
/// `\"` is unescaped (to `"`), other escapes are kept as written.
fn word(input: &str) -> IResult<&str, Tok> {
    let mut len = 0;
    let mut chars = input.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(&(j, next)) if !next.is_whitespace() => {
                    chars.next();
                    len = j + next.len_utf8();
                    continue;
                }
                _ => {}
            }
        }
        if !is_word_char(c) || (c == '!' && input[i..].starts_with("!=") && i > 0) {
            break;
        }
        len = i + c.len_utf8();
    }
    if len == 0 {
        // Nothing matched: report it the way nom's own parsers do.
        let (_, _) = take_while1(is_word_char).parse(input)?;
    }
    let text = input[..len].replace("\\\"", "\"");
    Ok((&input[len..], Tok::Word(text)))
}

/// Reads a double-quoted string starting at `input` (which begins with `"`).
/// Returns the unescaped content and the byte length consumed, or `None` when
/// the closing quote is missing.
pub fn quoted(input: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = input.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                // Any other escape is kept as written: `\d` stays `\d`, which
                // is what regex-bearing values in detections rely on.
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return None,
            },
            _ => out.push(c),
        }
    }
    None
}

/// Pushes a token, joining it to the previous one when a quoted string and
/// a word touch with no space between them: `"Authentication".*` is the one
/// field name `Authentication.*`, as in Splunk. Two touching tokens stay
/// apart when the quoted string is a value (right after `=`, `!=`, `<`,
/// ...): `f="* Nul*"g="x"` is two terms, the value ending at its closing
/// quote; and when the word is a boolean operator (`"x"NOT y`,
/// `NOT"x"`). No Splunk page says; docs/semantics.md#search-matching.
fn push_joined(tokens: &mut Vec<Token>, tok: Tok, span: Span) {
    let n = tokens.len();
    if let Some(prev) = tokens.last() {
        let value_before = n >= 2
            && matches!(prev.tok, Tok::Str(_))
            && matches!(
                tokens[n - 2].tok,
                Tok::Eq | Tok::Neq | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
            );
        let is_operator =
            |t: &Tok| matches!(t, Tok::Word(w) if w == "AND" || w == "OR" || w == "NOT");
        let apart = value_before || is_operator(&prev.tok) || is_operator(&tok);
        if prev.span.end == span.start && !apart {
            let joined = match (&prev.tok, &tok) {
                (Tok::Str(a), Tok::Word(b)) | (Tok::Word(a), Tok::Str(b)) => {
                    Some(format!("{a}{b}"))
                }
                _ => None,
            };
            if let (Some(text), Some(prev)) = (joined, tokens.last_mut()) {
                prev.tok = Tok::Word(text);
                prev.span = prev.span.to(span);
                return;
            }
        }
    }
    tokens.push(Token { tok, span });
}

/// Tokenises `text`; spans are offsets into `text` plus `base`.
pub fn lex(text: &str, base: usize) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(tokens);
        }
        let start = text.len() - rest.len();
        if rest.starts_with('"') {
            let Some((content, len)) = quoted(rest) else {
                return Err(Error::Syntax {
                    expected: "a closing `\"`".into(),
                    found: "end of search".into(),
                    span: Span::new(base + start, base + start + 1),
                });
            };
            let span = Span::new(base + start, base + start + len);
            push_joined(&mut tokens, Tok::Str(content), span);
            rest = &rest[len..];
            continue;
        }
        let parsed = punctuation(rest).or_else(|_| word(rest));
        match parsed {
            Ok((after, tok)) => {
                let end = text.len() - after.len();
                push_joined(&mut tokens, tok, Span::new(base + start, base + end));
                rest = after;
            }
            // Unreachable in practice: every non-space character is either
            // punctuation or a word character. Kept as an error, not a panic.
            Err(_) => {
                return Err(Error::Syntax {
                    expected: "a word".into(),
                    found: rest.chars().take(10).collect(),
                    span: Span::new(base + start, base + start + 1),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text, 0).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn splits_fields_operators_and_pipes() {
        assert_eq!(
            kinds("a.b{}=x* | stats count(y) by z"),
            vec![
                Tok::Word("a.b{}".into()),
                Tok::Eq,
                Tok::Word("x*".into()),
                Tok::Pipe,
                Tok::Word("stats".into()),
                Tok::Word("count".into()),
                Tok::LParen,
                Tok::Word("y".into()),
                Tok::RParen,
                Tok::Word("by".into()),
                Tok::Word("z".into()),
            ]
        );
    }

    #[test]
    fn not_equal_splits_a_word() {
        assert_eq!(
            kinds("user!=bob x>=-5"),
            vec![
                Tok::Word("user".into()),
                Tok::Neq,
                Tok::Word("bob".into()),
                Tok::Word("x".into()),
                Tok::Ge,
                Tok::Word("-5".into()),
            ]
        );
    }

    #[test]
    fn strings_unescape_quote_and_backslash_only() {
        assert_eq!(
            kinds(r#""a \"b\" c:\\x \d""#),
            vec![Tok::Str(r#"a "b" c:\x \d"#.into())]
        );
    }

    #[test]
    fn unclosed_string_is_an_error_at_the_quote() {
        let err = lex("x \"abc", 10).unwrap_err();
        assert!(matches!(err, Error::Syntax { span, .. } if span == Span::new(12, 13)));
    }

    #[test]
    fn escaped_quotes_stay_inside_words() {
        assert_eq!(
            kinds(r#"x=*\"privileged\":true* y"#),
            vec![
                Tok::Word("x".into()),
                Tok::Eq,
                Tok::Word("*\"privileged\":true*".into()),
                Tok::Word("y".into()),
            ]
        );
    }

    #[test]
    fn touching_string_and_word_join() {
        assert_eq!(
            kinds(r#"rename "Authentication".* as *"#),
            vec![
                Tok::Word("rename".into()),
                Tok::Word("Authentication.*".into()),
                Tok::Word("as".into()),
                Tok::Word("*".into()),
            ]
        );
    }

    #[test]
    fn quoted_value_touching_next_term_stays_apart() {
        assert_eq!(
            kinds(r#"f="* Nul*"g="x"OR h=1"#),
            vec![
                Tok::Word("f".into()),
                Tok::Eq,
                Tok::Str("* Nul*".into()),
                Tok::Word("g".into()),
                Tok::Eq,
                Tok::Str("x".into()),
                Tok::Word("OR".into()),
                Tok::Word("h".into()),
                Tok::Eq,
                Tok::Word("1".into()),
            ]
        );
        assert_eq!(
            kinds(r#""x"NOT"y""#),
            vec![
                Tok::Str("x".into()),
                Tok::Word("NOT".into()),
                Tok::Str("y".into()),
            ]
        );
    }

    #[test]
    fn spans_cover_tokens() {
        let toks = lex("ab  \"c\"", 0).unwrap();
        assert_eq!(toks[0].span, Span::new(0, 2));
        assert_eq!(toks[1].span, Span::new(4, 7));
    }
}
