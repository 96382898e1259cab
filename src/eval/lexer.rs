//! Tokens of eval expressions. Eval has its own lexical rules, unlike the
//! rest of SPL: `.` is an operator, `'name'` quotes a field name, and
//! numbers are literals.

use crate::error::{Error, Result};
use crate::source::Span;

/// An eval token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A number literal, e.g. `42`, `0.5`, `1e-3`.
    Num(f64),
    /// A double-quoted string, `\"` and `\\` unescaped, e.g. `"a b"`.
    Str(String),
    /// A single-quoted field name, e.g. `'userIdentity.arn'`.
    QuotedField(String),
    /// A bare name: a field, a function or a keyword, e.g. `src`, `if`, `AND`.
    Ident(String),
    /// An operator or punctuation, e.g. `+`, `>=`, `(`.
    Punct(&'static str),
}

/// A token and its span in the expanded search text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Where it is.
    pub span: Span,
}

impl Tok {
    /// A short description for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("`{}`", crate::value::format_number(*n)),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::QuotedField(s) => format!("'{s}'"),
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Punct(p) => format!("`{p}`"),
        }
    }
}

/// Operators, longest first so that `<=` wins over `<`.
const PUNCT: &[&str] = &[
    "==", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "%", ".", "(", ")", ",", "[", "]",
];

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `text` into tokens; spans are offsets into `text` plus `base`.
pub fn lex(text: &str, base: usize) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let tok = if c == '"' {
            let Some((s, len)) = crate::syntax::lexer::quoted(&text[i..]) else {
                return Err(unclosed('"', base + i));
            };
            i += len;
            Tok::Str(s)
        } else if c == '\'' {
            let Some(close) = text[i + 1..].find('\'') else {
                return Err(unclosed('\'', base + i));
            };
            let name = text[i + 1..i + 1 + close].to_string();
            i += close + 2;
            Tok::QuotedField(name)
        } else if c.is_ascii_digit()
            || (c == '.'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
                && starts_operand(&tokens))
        {
            let len = number_len(&text[i..]);
            let n = text[i..i + len].parse::<f64>().map_err(|_| Error::Syntax {
                expected: "a number".into(),
                found: format!("`{}`", &text[i..i + len]),
                span: Span::new(base + i, base + i + len),
            })?;
            i += len;
            Tok::Num(n)
        } else if is_ident_start(c) {
            let len = text[i..]
                .find(|ch: char| !is_ident_char(ch))
                .unwrap_or(text.len() - i);
            let word = text[i..i + len].to_string();
            i += len;
            Tok::Ident(word)
        } else if let Some(p) = PUNCT.iter().find(|p| text[i..].starts_with(**p)) {
            i += p.len();
            Tok::Punct(p)
        } else {
            return Err(Error::Syntax {
                expected: "an eval expression".into(),
                found: format!("`{c}`"),
                span: Span::new(base + i, base + i + c.len_utf8()),
            });
        };
        tokens.push(Token {
            tok,
            span: Span::new(base + start, base + i),
        });
    }
    Ok(tokens)
}

/// Whether a number may start here: `.5` is a number only where an operand
/// is expected, otherwise `.` is concatenation (`x.5` is `x . 5`).
/// Whether an identifier is a word operator. Splunk's eval accepts them in
/// any case: security_content detections write `where a > 1 and b < 2` and
/// `if(x like "%", ...)`.
pub fn is_word_operator(w: &str) -> bool {
    ["AND", "OR", "XOR", "NOT", "LIKE", "IN"]
        .iter()
        .any(|op| w.eq_ignore_ascii_case(op))
}

fn starts_operand(tokens: &[Token]) -> bool {
    match tokens.last() {
        None => true,
        Some(t) => match &t.tok {
            Tok::Punct(p) => *p != ")" && *p != "]",
            Tok::Ident(w) => is_word_operator(w),
            _ => false,
        },
    }
}

/// Length of the number at the start of `s`: digits, an optional fraction
/// and an optional exponent.
fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = digits(0);
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i = digits(i + 1);
    } else if b.get(i) == Some(&b'.')
        && i > 0
        && !b.get(i + 1).is_some_and(|c| {
            c.is_ascii_alphabetic() || *c == b'_' || *c == b'\'' || *c == b'"' || *c == b'('
        })
    {
        // `1.` is a number; `1.x` is `1 . x`.
        i += 1;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            i = digits(j);
        }
    }
    i
}

fn unclosed(quote: char, at: usize) -> Error {
    Error::Syntax {
        expected: format!("a closing `{quote}`"),
        found: "end of expression".into(),
        span: Span::new(at, at + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text, 0).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn dot_is_concatenation_between_names() {
        assert_eq!(
            kinds("a.b"),
            vec![
                Tok::Ident("a".into()),
                Tok::Punct("."),
                Tok::Ident("b".into())
            ]
        );
    }

    #[test]
    fn numbers_strings_and_quoted_fields() {
        assert_eq!(
            kinds(r#"1.5e2 "x\"y" 'a.b{}' >= .5"#),
            vec![
                Tok::Num(150.0),
                Tok::Str("x\"y".into()),
                Tok::QuotedField("a.b{}".into()),
                Tok::Punct(">="),
                Tok::Num(0.5),
            ]
        );
    }

    #[test]
    fn spans_are_offset_by_base() {
        let toks = lex("ab + 1", 10).unwrap();
        assert_eq!(toks[0].span, Span::new(10, 12));
        assert_eq!(toks[2].span, Span::new(15, 16));
    }

    #[test]
    fn unclosed_quotes_and_stray_characters_are_errors() {
        assert!(lex("'abc", 0).is_err());
        assert!(lex("\"abc", 0).is_err());
        assert!(lex("a # b", 0).is_err());
    }
}
