//! Precedence-climbing parser for eval expressions.

use crate::error::{Error, Result};
use crate::eval::ast::{BinaryOp, Expr, ExprKind, UnaryOp, NOT_PRECEDENCE};
use crate::eval::lexer::{lex, Tok, Token};
use crate::functions::eval as functions;
use crate::source::Span;

/// Deepest nesting accepted, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 200;

/// Parses a whole eval expression. `base` is the offset of `text` in the
/// expanded search text, so spans point at the user's text.
pub fn parse_expr(text: &str, base: usize) -> Result<Expr> {
    let mut p = ExprParser::new(text, base)?;
    let expr = p.expr(0)?;
    if let Some(tok) = p.peek_token() {
        return Err(p.expected_at("an operator or the end of the expression", tok));
    }
    Ok(expr)
}

/// One `field=expression` of an `eval` command.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The field written, e.g. `user` or `"user name"`.
    pub field: String,
    /// Where the field name is written.
    pub field_span: Span,
    /// The expression.
    pub expr: Expr,
}

/// Parses `a=expr, b=expr, ...` (the arguments of `eval`). `base` as in
/// [`parse_expr`]. The field name is everything before `=`, unquoted when
/// quoted with `"` or `'`.
pub fn parse_assignments(text: &str, base: usize) -> Result<Vec<Assignment>> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        i += leading_space(&text[i..]);
        if i >= text.len() {
            if out.is_empty() {
                return Err(Error::Syntax {
                    expected: "an assignment such as `field=expression`".into(),
                    found: "end of command".into(),
                    span: Span::new(base + i, base + i),
                });
            }
            return Ok(out);
        }
        let (field, name_len) = target_name(&text[i..], base + i)?;
        let field_span = Span::new(base + i, base + i + name_len);
        i += name_len;
        i += leading_space(&text[i..]);
        let rest = &text[i..];
        if !rest.starts_with('=') || rest.starts_with("==") {
            return Err(Error::Syntax {
                expected: format!("`=` after the field name `{field}`"),
                found: found_text(rest),
                span: Span::new(
                    base + i,
                    base + i + rest.chars().next().map_or(0, char::len_utf8),
                ),
            });
        }
        i += 1;
        let mut p = ExprParser::new(&text[i..], base + i)?;
        let expr = p.expr(0)?;
        out.push(Assignment {
            field,
            field_span,
            expr,
        });
        match p.next_token() {
            None => return Ok(out),
            Some(Token {
                tok: Tok::Punct(","),
                span,
            }) => i = span.end - base,
            Some(tok) => {
                return Err(p.expected_at("`,` or the end of the command", &tok));
            }
        }
    }
}

fn leading_space(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

fn found_text(rest: &str) -> String {
    match rest.split_whitespace().next() {
        None => "end of command".into(),
        Some(w) => format!("`{}`", w.chars().take(20).collect::<String>()),
    }
}

/// The target field name at the start of `s` and its length in bytes.
fn target_name(s: &str, at: usize) -> Result<(String, usize)> {
    let missing = |span: Span| Error::Syntax {
        expected: "a field name".into(),
        found: found_text(s),
        span,
    };
    if s.starts_with('"') {
        return crate::syntax::lexer::quoted(s).ok_or_else(|| missing(Span::new(at, at + 1)));
    }
    if let Some(body) = s.strip_prefix('\'') {
        let close = body
            .find('\'')
            .ok_or_else(|| missing(Span::new(at, at + 1)))?;
        return Ok((body[..close].to_string(), close + 2));
    }
    let len = s
        .find(|c: char| c.is_whitespace() || c == '=' || c == ',')
        .unwrap_or(s.len());
    if len == 0 {
        return Err(missing(Span::new(at, at + 1)));
    }
    Ok((s[..len].to_string(), len))
}

/// A cursor over eval tokens.
struct ExprParser {
    tokens: Vec<Token>,
    pos: usize,
    /// Offset of the end of the text, for errors at the end.
    end: usize,
    depth: usize,
}

impl ExprParser {
    fn new(text: &str, base: usize) -> Result<Self> {
        Ok(ExprParser {
            tokens: lex(text, base)?,
            pos: 0,
            end: base + text.len(),
            depth: 0,
        })
    }

    fn peek_token(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek(&self) -> Option<&Tok> {
        self.peek_token().map(|t| &t.tok)
    }

    fn next_token(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn last_span(&self) -> Span {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(Span::new(self.end, self.end), |t| t.span)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(q)) if *q == p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn at_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn expected(&self, what: &str) -> Error {
        match self.peek_token() {
            Some(tok) => self.expected_at(what, tok),
            None => Error::Syntax {
                expected: what.to_string(),
                found: "end of expression".into(),
                span: Span::new(self.end, self.end),
            },
        }
    }

    fn expected_at(&self, what: &str, tok: &Token) -> Error {
        Error::Syntax {
            expected: what.to_string(),
            found: tok.tok.describe(),
            span: tok.span,
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::Syntax {
                expected: format!("at most {MAX_DEPTH} levels of nesting"),
                found: "deeper nesting".into(),
                span: self
                    .peek_token()
                    .map_or(Span::new(self.end, self.end), |t| t.span),
            });
        }
        Ok(())
    }

    /// The infix operator at the cursor, if any.
    fn infix(&self) -> Option<BinaryOp> {
        Some(match self.peek()? {
            Tok::Punct(p) => match *p {
                "=" | "==" => BinaryOp::Eq,
                "!=" => BinaryOp::Neq,
                "<" => BinaryOp::Lt,
                "<=" => BinaryOp::Le,
                ">" => BinaryOp::Gt,
                ">=" => BinaryOp::Ge,
                "+" => BinaryOp::Add,
                "-" => BinaryOp::Sub,
                "." => BinaryOp::Concat,
                "*" => BinaryOp::Mul,
                "/" => BinaryOp::Div,
                "%" => BinaryOp::Mod,
                _ => return None,
            },
            // Word operators in any case (see `lexer::is_word_operator`).
            Tok::Ident(w) => match w.to_ascii_uppercase().as_str() {
                "AND" => BinaryOp::And,
                "OR" => BinaryOp::Or,
                "XOR" => BinaryOp::Xor,
                "LIKE" => BinaryOp::Like,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// An expression whose operators all bind tighter than `min`.
    fn expr(&mut self, min: u8) -> Result<Expr> {
        self.enter()?;
        let mut lhs = self.prefix()?;
        loop {
            // `x IN (...)` and `x NOT IN (...)`? Splunk has only the former.
            if self.at_keyword("IN") && 5 > min {
                self.pos += 1;
                lhs = self.in_list(lhs)?;
                continue;
            }
            let Some(op) = self.infix() else { break };
            let prec = op.precedence();
            if prec <= min {
                break;
            }
            self.pos += 1;
            let rhs = self.expr(prec)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            };
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn in_list(&mut self, lhs: Expr) -> Result<Expr> {
        if !self.eat_punct("(") {
            return Err(self.expected("`(` after IN"));
        }
        let mut list = Vec::new();
        if !self.eat_punct(")") {
            loop {
                list.push(self.expr(0)?);
                if self.eat_punct(")") {
                    break;
                }
                if !self.eat_punct(",") {
                    return Err(self.expected("`,` or `)` in the IN list"));
                }
            }
        }
        let span = lhs.span.to(self.last_span());
        Ok(Expr {
            kind: ExprKind::In {
                expr: Box::new(lhs),
                list,
            },
            span,
        })
    }

    /// Prefix operators and primaries.
    fn prefix(&mut self) -> Result<Expr> {
        let Some(tok) = self.peek_token().cloned() else {
            return Err(self.expected("an expression"));
        };
        match &tok.tok {
            Tok::Ident(w) if w.eq_ignore_ascii_case("NOT") => {
                self.pos += 1;
                let inner = self.expr(NOT_PRECEDENCE - 1)?;
                Ok(unary(UnaryOp::Not, inner, tok.span))
            }
            Tok::Punct("-") => {
                self.pos += 1;
                self.enter()?;
                let inner = self.prefix()?;
                self.depth -= 1;
                // `-5` is a literal, so that `-5` prints as it does in Splunk.
                if let ExprKind::Num(n) = inner.kind {
                    return Ok(Expr {
                        kind: ExprKind::Num(-n),
                        span: tok.span.to(inner.span),
                    });
                }
                Ok(unary(UnaryOp::Neg, inner, tok.span))
            }
            Tok::Punct("+") => {
                self.pos += 1;
                self.enter()?;
                let inner = self.prefix();
                self.depth -= 1;
                inner
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr> {
        let Some(tok) = self.next_token() else {
            return Err(self.expected("an expression"));
        };
        let kind = match tok.tok {
            Tok::Num(n) => ExprKind::Num(n),
            Tok::Str(s) => ExprKind::Str(s),
            Tok::QuotedField(f) => ExprKind::Field(f),
            Tok::Ident(name) if self.peek() == Some(&Tok::Punct("(")) => {
                return self.call(name, tok.span);
            }
            Tok::Ident(name) => ExprKind::Field(name),
            Tok::Punct("(") => {
                let inner = self.expr(0)?;
                if !self.eat_punct(")") {
                    return Err(self.expected("a closing `)`"));
                }
                return Ok(Expr {
                    kind: inner.kind,
                    span: tok.span.to(self.last_span()),
                });
            }
            _ => {
                self.pos -= 1;
                return Err(self.expected("an expression"));
            }
        };
        Ok(Expr {
            kind,
            span: tok.span,
        })
    }

    fn call(&mut self, name: String, name_span: Span) -> Result<Expr> {
        self.pos += 1; // `(`
        let mut args = Vec::new();
        if !self.eat_punct(")") {
            loop {
                args.push(self.expr(0)?);
                if self.eat_punct(")") {
                    break;
                }
                if !self.eat_punct(",") {
                    return Err(self.expected(&format!("`,` or `)` in the arguments of `{name}`")));
                }
            }
        }
        let span = name_span.to(self.last_span());
        if let Some(why) = functions::unsupported(&name) {
            return Err(Error::Unsupported {
                command: Some("eval".into()),
                message: format!("function `{name}()` is not supported: {why}"),
                span: name_span,
            });
        }
        let func = functions::find(&name).ok_or_else(|| Error::UnknownFunction {
            suggestion: crate::suggest::closest(&name, functions::names()).map(str::to_string),
            name: name.clone(),
            span: name_span,
        })?;
        func.check_arity(args.len(), span)?;
        Ok(Expr {
            kind: ExprKind::Call { func, args },
            span,
        })
    }
}

fn unary(op: UnaryOp, inner: Expr, op_span: Span) -> Expr {
    let span = op_span.to(inner.span);
    Expr {
        kind: ExprKind::Unary {
            op,
            expr: Box::new(inner),
        },
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact rendering of the tree, to check precedence.
    fn shape(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Num(n) => crate::value::format_number(*n),
            ExprKind::Str(s) => format!("{s:?}"),
            ExprKind::Field(f) => f.clone(),
            ExprKind::Call { func, args } => format!(
                "{}({})",
                func.name,
                args.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            ExprKind::Unary { op, expr } => format!("{op:?}({})", shape(expr)),
            ExprKind::Binary { op, lhs, rhs } => {
                format!("({} {} {})", shape(lhs), op.as_str(), shape(rhs))
            }
            ExprKind::In { expr, list } => format!(
                "({} IN {})",
                shape(expr),
                list.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
        }
    }

    fn p(text: &str) -> String {
        shape(&parse_expr(text, 0).unwrap())
    }

    #[test]
    fn arithmetic_precedence() {
        assert_eq!(p("1 + 2 * 3 - 4"), "((1 + (2 * 3)) - 4)");
        assert_eq!(p("(1 + 2) * 3"), "((1 + 2) * 3)");
        assert_eq!(p("a . \"-\" . b"), "((a . \"-\") . b)");
        assert_eq!(p("-x * 2"), "(Neg(x) * 2)");
    }

    #[test]
    fn logical_precedence_is_not_and_or_xor() {
        assert_eq!(
            p("a=1 OR b=2 AND c=3"),
            "((a = 1) OR ((b = 2) AND (c = 3)))"
        );
        assert_eq!(p("NOT a=1 AND b"), "(Not((a = 1)) AND b)");
        assert_eq!(p("a OR b XOR c"), "((a OR b) XOR c)");
    }

    #[test]
    fn in_like_and_calls() {
        assert_eq!(p("x IN (\"a\", 1)"), "(x IN \"a\",1)");
        assert_eq!(p("NOT x IN (1)"), "Not((x IN 1))");
        assert_eq!(p("u LIKE \"a%\""), "(u LIKE \"a%\")");
        assert_eq!(p("IF(x>1, 'a.b', null())"), "if((x > 1),a.b,null())");
    }

    #[test]
    fn a_misspelt_function_gets_a_suggestion() {
        let err = parse_expr("lowr(x)", 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown eval function `lowr` (did you mean `lower`?)"
        );
    }

    #[test]
    fn unknown_function_names_itself_at_its_span() {
        let err = parse_expr("1 + frob(2)", 100).unwrap_err();
        assert_eq!(
            err,
            Error::UnknownFunction {
                name: "frob".into(),
                suggestion: None,
                span: Span::new(104, 108)
            }
        );
    }

    #[test]
    fn arity_is_checked_when_parsing() {
        let err = parse_expr("if(x)", 0).unwrap_err();
        assert!(err.to_string().contains("if"), "{err}");
    }

    #[test]
    fn assignments_split_on_top_level_commas() {
        let a = parse_assignments("a = 1 + 2, 'b c'=if(x, 1, 2) , \"d\"=a", 0).unwrap();
        let names: Vec<_> = a.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(names, ["a", "b c", "d"]);
        assert_eq!(shape(&a[1].expr), "if(x,1,2)");
        assert!(parse_assignments("a", 0).is_err());
        assert!(parse_assignments("a=", 0).is_err());
        assert!(parse_assignments("a=1 b=2", 0).is_err());
    }

    #[test]
    fn trailing_garbage_and_deep_nesting_are_errors() {
        assert!(parse_expr("1 2", 0).is_err());
        assert!(parse_expr(&"(".repeat(5000), 0).is_err());
        assert!(parse_expr(&"NOT ".repeat(5000), 0).is_err());
        assert!(parse_expr(&"-".repeat(5000), 0).is_err());
        assert!(parse_expr(&"+".repeat(5000), 0).is_err());
    }
}
