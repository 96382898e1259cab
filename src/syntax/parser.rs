//! Recursive-descent parser over [`Token`]s: pipelines, commands (through the
//! command registry) and search expressions.

use crate::commands;
use crate::error::{Error, Result};
use crate::source::Span;
use crate::syntax::ast::{Command, CompareOp, Pipeline, SearchExpr, SearchKind, SearchValue};
use crate::syntax::lexer::{lex, Tok, Token};

/// Deepest nesting of subsearches and parentheses accepted, so hostile input
/// cannot overflow the stack.
const MAX_NESTING: usize = 100;

/// Most commands a search may hold, its subsearches' included: the
/// executor chains one iterator per command, so a longer pipeline could
/// overflow the stack. Splunk documents no limit; real searches, macros
/// expanded, hold a few dozen.
pub const MAX_COMMANDS: usize = 1000;

/// Parses a whole (expanded) search text into a pipeline.
pub fn parse(text: &str) -> Result<Pipeline> {
    let tokens = lex(text, 0)?;
    let mut p = Parser::new(tokens, text);
    let pipeline = p.pipeline()?;
    if let Some(tok) = p.peek_token() {
        return Err(p.expected_at("`|` or the end of the search", tok));
    }
    Ok(pipeline)
}

/// Parses like [`parse`], but a command that fails to parse (unsupported,
/// bad option) is recorded and skipped, so one pass reports every such
/// problem. Returns the pipeline of the commands that parsed (None when the
/// text as a whole does not parse) and the problems, in order.
pub fn parse_lenient(text: &str) -> (Option<Pipeline>, Vec<Error>) {
    let tokens = match lex(text, 0) {
        Ok(t) => t,
        Err(e) => return (None, vec![e]),
    };
    let mut p = Parser::new(tokens, text);
    p.lenient = true;
    let result = p.pipeline().and_then(|pipeline| match p.peek_token() {
        Some(tok) => Err(p.expected_at("`|` or the end of the search", tok)),
        None => Ok(pipeline),
    });
    let mut problems = std::mem::take(&mut p.problems);
    match result {
        Ok(pipeline) => (Some(pipeline), problems),
        Err(e) => {
            problems.push(e);
            (None, problems)
        }
    }
}

/// Parses a search expression on its own (used for a subsearch's formatted
/// results). Every span is set to `span`, where the text came from.
pub fn parse_search_expr_at(text: &str, span: Span) -> Result<SearchExpr> {
    let mut tokens = lex(text, 0)?;
    for t in &mut tokens {
        t.span = span;
    }
    let mut p = Parser::new(tokens, "");
    p.end = span.end;
    let expr = p.search_expr(span)?;
    if let Some(tok) = p.peek_token() {
        return Err(p.expected_at("the end of the subsearch results", tok));
    }
    Ok(expr)
}

/// Parses `text` as commands separated by `|` with no implicit search (the
/// body of a bracketed template such as `foreach`'s). Spans point into the
/// whole search as if `text` started at byte `base`.
pub fn parse_commands_at(text: &str, base: usize) -> Result<Pipeline> {
    let tokens = lex(text, base)?;
    let source = format!("{}{text}", " ".repeat(base));
    let mut p = Parser::new(tokens, &source);
    let pipeline = p.command_pipeline()?;
    if let Some(tok) = p.peek_token() {
        return Err(p.expected_at("`|` or the end of the commands", tok));
    }
    Ok(pipeline)
}

/// A cursor over tokens, with the helpers command parsers use.
pub struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: usize,
    depth: usize,
    /// Commands parsed so far (see [`MAX_COMMANDS`]).
    commands: usize,
    /// Lenient mode (for lint): a command that fails to parse is recorded in
    /// `problems` and skipped instead of ending the parse.
    lenient: bool,
    problems: Vec<Error>,
    /// The text the token spans point into.
    source: String,
    /// Keywords that end a search expression at its top level (`by` in
    /// `tstats ... where <search> by <fields>`).
    stop_words: &'static [&'static str],
}

impl Parser {
    fn new(tokens: Vec<Token>, source: &str) -> Self {
        Parser {
            tokens,
            pos: 0,
            end: source.len(),
            depth: 0,
            commands: 0,
            lenient: false,
            problems: Vec::new(),
            source: source.to_string(),
            stop_words: &[],
        }
    }

    /// The source text of a span (empty when the span is not in the text).
    pub fn text_of(&self, span: Span) -> &str {
        self.source.get(span.range()).unwrap_or("")
    }

    /// Consumes every token to the end of the current command and returns
    /// the raw text they cover and its span, for commands whose arguments
    /// have their own lexical rules (`eval` expressions, `rex` patterns).
    /// Returns an empty text at the current position when nothing is left.
    pub fn rest_of_command(&mut self) -> (String, Span) {
        let start = self.here();
        let mut end = Span::new(start.start, start.start);
        let mut depth = 0usize;
        while let Some(tok) = self.peek() {
            match tok {
                Tok::LBracket => depth += 1,
                Tok::RBracket if depth == 0 => break,
                Tok::RBracket => depth -= 1,
                Tok::Pipe if depth == 0 => break,
                _ => {}
            }
            end = self.here();
            self.pos += 1;
        }
        let span = Span::new(start.start, end.end.max(start.start));
        (self.text_of(span).to_string(), span)
    }

    /// The next token, without consuming it.
    pub fn peek_token(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    /// The next token's kind.
    pub fn peek(&self) -> Option<&Tok> {
        self.peek_token().map(|t| &t.tok)
    }

    /// The token after the next one.
    pub fn peek2(&self) -> Option<&Tok> {
        self.tokens.get(self.pos + 1).map(|t| &t.tok)
    }

    /// Consumes and returns the next token.
    pub fn next_token(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Whether the current command's arguments have ended (`|`, `]` or the end).
    pub fn at_command_end(&self) -> bool {
        matches!(self.peek(), None | Some(Tok::Pipe) | Some(Tok::RBracket))
    }

    /// The span of the next token, or an empty span at the end of the text.
    pub fn here(&self) -> Span {
        self.peek_token()
            .map(|t| t.span)
            .unwrap_or(Span::new(self.end, self.end))
    }

    /// The span of the last consumed token.
    pub fn last_span(&self) -> Span {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map(|t| t.span)
            .unwrap_or_default()
    }

    /// An "expected X, found <next token>" error.
    pub fn expected(&self, what: &str) -> Error {
        match self.peek_token() {
            Some(tok) => self.expected_at(what, tok),
            None => Error::Syntax {
                expected: what.to_string(),
                found: "end of search".into(),
                span: self.here(),
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

    /// Consumes the next token if it is `tok`.
    pub fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `tok` or fails with "expected `what`".
    pub fn expect(&mut self, tok: &Tok, what: &str) -> Result<Span> {
        if self.eat(tok) {
            Ok(self.last_span())
        } else {
            Err(self.expected(what))
        }
    }

    /// Whether the next token is the word `kw`, ignoring case.
    pub fn at_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    /// Consumes the word `kw` (any case) if it is next.
    pub fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.at_keyword(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A field name: a word or a quoted string. A word touching a
    /// parenthesised group is one name, as Splunk reads it: `count(user)`,
    /// `aceFlags(inheritance)`.
    pub fn field_name(&mut self, what: &str) -> Result<(String, Span)> {
        let (mut name, mut span, is_word) = match self.peek_token() {
            Some(Token {
                tok: Tok::Word(w),
                span,
            }) => (w.clone(), *span, true),
            Some(Token {
                tok: Tok::Str(w),
                span,
            }) => (w.clone(), *span, false),
            _ => return Err(self.expected(what)),
        };
        self.pos += 1;
        if is_word {
            if let Some(group) = self.touching_group(span) {
                name.push_str(self.text_of(group));
                span = span.to(group);
            }
        }
        Ok((name, span))
    }

    /// A `( ... )` group starting right at `after.end`, consumed; its span.
    fn touching_group(&mut self, after: Span) -> Option<Span> {
        let open = self
            .peek_token()
            .filter(|t| t.tok == Tok::LParen && t.span.start == after.end)?;
        let start = open.span;
        let mut depth = 0usize;
        let mut i = self.pos;
        while let Some(t) = self.tokens.get(i) {
            match t.tok {
                Tok::LParen => depth += 1,
                Tok::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i + 1;
                        return Some(start.to(t.span));
                    }
                }
                Tok::Pipe | Tok::LBracket | Tok::RBracket => return None,
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// A word (not a quoted string).
    pub fn word(&mut self, what: &str) -> Result<(String, Span)> {
        match self.peek_token() {
            Some(Token {
                tok: Tok::Word(w),
                span,
            }) => {
                let out = (w.clone(), *span);
                self.pos += 1;
                Ok(out)
            }
            _ => Err(self.expected(what)),
        }
    }

    /// A value: a word or quoted string (`Str` unescaped), one token only
    /// (unlike [`Parser::field_name`], a touching `( ... )` is not absorbed).
    pub fn value(&mut self, what: &str) -> Result<(String, Span)> {
        match self.peek_token() {
            Some(Token {
                tok: Tok::Word(w) | Tok::Str(w),
                span,
            }) => {
                let out = (w.clone(), *span);
                self.pos += 1;
                Ok(out)
            }
            _ => Err(self.expected(what)),
        }
    }

    /// `name=value` options at the current position whose names are in
    /// `names` (case-insensitive); returns them in order.
    pub fn options(&mut self, names: &[&str]) -> Result<Vec<(String, String, Span)>> {
        let mut out = Vec::new();
        while let (Some(Tok::Word(w)), Some(Tok::Eq)) = (self.peek(), self.peek2()) {
            let key = w.to_ascii_lowercase();
            if !names.contains(&key.as_str()) {
                break;
            }
            let start = self.here();
            self.pos += 2;
            let (value, vspan) = self.value(&format!("a value for `{key}`"))?;
            out.push((key, value, start.to(vspan)));
        }
        Ok(out)
    }

    /// Fails with "unknown option" when the next tokens are `name=` and the
    /// name is not one of `known` — for commands whose options come first,
    /// so a misspelt option is not taken for an argument.
    pub fn reject_unknown_option(&self, command: &str, known: &[&str]) -> Result<()> {
        if let (
            Some(Token {
                tok: Tok::Word(w),
                span,
            }),
            Some(Tok::Eq),
        ) = (self.peek_token(), self.peek2())
        {
            if !known.contains(&w.to_ascii_lowercase().as_str()) {
                return Err(Error::BadArgument {
                    command: command.to_string(),
                    message: format!(
                        "unknown option `{w}` (expected one of: {})",
                        known.join(", ")
                    ),
                    span: *span,
                });
            }
        }
        Ok(())
    }

    /// A pipeline up to `]` or the end of the text.
    pub fn pipeline(&mut self) -> Result<Pipeline> {
        self.enter()?;
        let start = self.here();
        let mut commands = Vec::new();
        let leading_pipe = self.eat(&Tok::Pipe);
        if !leading_pipe {
            self.count_command()?;
            // A search not starting with `|` begins with an implied `search`;
            // writing the word `search` there is the same command.
            if self.at_keyword("search") && !matches!(self.peek2(), Some(Tok::Eq | Tok::Neq)) {
                let (_, name_span) = self.word("search")?;
                let args = commands::search::parse(self, name_span)?;
                commands.push(Command {
                    name: "search".into(),
                    name_span,
                    span: name_span.to(self.last_span()),
                    args,
                });
            } else {
                commands.push(self.implicit_search()?);
            }
            if !self.eat(&Tok::Pipe) {
                self.depth -= 1;
                return Ok(Pipeline {
                    span: start.to(self.last_span()),
                    commands,
                });
            }
        }
        loop {
            // Not skipped in lenient mode: every later command would fail too.
            self.count_command()?;
            let (command_start, depth_at_start) = (self.pos, self.depth);
            match self.command() {
                Ok(command) => commands.push(command),
                Err(e) if self.lenient => {
                    self.problems.push(e);
                    // Skip the whole command from its name, so an error
                    // inside its brackets (`appendpipe [| timechart ...]`)
                    // does not leave the rest of the brackets behind.
                    self.pos = command_start;
                    self.depth = depth_at_start;
                    self.rest_of_command();
                }
                Err(e) => return Err(e),
            }
            if !self.eat(&Tok::Pipe) {
                break;
            }
        }
        self.depth -= 1;
        Ok(Pipeline {
            span: start.to(self.last_span()),
            commands,
        })
    }

    /// Counts one more command, an error past [`MAX_COMMANDS`].
    fn count_command(&mut self) -> Result<()> {
        self.commands += 1;
        if self.commands > MAX_COMMANDS {
            return Err(Error::Syntax {
                expected: format!(
                    "at most {MAX_COMMANDS} commands in a search (subsearches included)"
                ),
                found: format!("command {}", self.commands),
                span: self.here(),
            });
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Error::Syntax {
                expected: format!("at most {MAX_NESTING} levels of nesting"),
                found: "deeper nesting".into(),
                span: self.here(),
            });
        }
        Ok(())
    }

    fn implicit_search(&mut self) -> Result<Command> {
        let start = self.here();
        let args = commands::search::parse_args(self)?;
        Ok(Command {
            name: "search".into(),
            name_span: Span::new(start.start, start.start),
            span: start.to(self.last_span()),
            args,
        })
    }

    /// Commands separated by `|`, with no implicit leading search, up to
    /// `]` or the end: the body of `appendpipe [ ... ]`.
    pub fn command_pipeline(&mut self) -> Result<Pipeline> {
        self.enter()?;
        let start = self.here();
        self.eat(&Tok::Pipe);
        self.count_command()?;
        let mut commands = vec![self.command()?];
        while self.eat(&Tok::Pipe) {
            self.count_command()?;
            commands.push(self.command()?);
        }
        self.depth -= 1;
        Ok(Pipeline {
            span: start.to(self.last_span()),
            commands,
        })
    }

    fn command(&mut self) -> Result<Command> {
        let (name, name_span) = self.word("a command name")?;
        let lname = name.to_ascii_lowercase();
        let Some(spec) = commands::find(&lname) else {
            if let Some(app) = commands::needs_app(&lname) {
                return Err(Error::NeedsApp {
                    command: name,
                    app,
                    span: name_span,
                });
            }
            let offline = commands::not_offline(&lname);
            return Err(Error::UnsupportedCommand {
                suggestion: offline
                    .is_none()
                    .then(|| crate::suggest::command(&name, commands::names()))
                    .flatten(),
                offline,
                name,
                span: name_span,
            });
        };
        let args = (spec.parse)(self, name_span)?;
        if !self.at_command_end() {
            return Err(self.expected(&format!("the end of the `{lname}` command")));
        }
        Ok(Command {
            name: spec.name.to_string(),
            name_span,
            span: name_span.to(self.last_span()),
            args,
        })
    }

    /// A search expression up to the end of the command. `start` is used as
    /// the span of an empty expression.
    pub fn search_expr(&mut self, start: Span) -> Result<SearchExpr> {
        let terms = self.and_terms()?;
        Ok(match terms.len() {
            0 => SearchExpr {
                kind: SearchKind::Empty,
                span: Span::new(start.start, start.start),
            },
            _ => and_of(terms),
        })
    }

    /// A search expression that ends at the end of the command or at one of
    /// `stop` (a keyword not followed by `=`), e.g. the `where` clause of
    /// `tstats ... where a=1 by b`.
    pub fn search_expr_until(
        &mut self,
        start: Span,
        stop: &'static [&'static str],
    ) -> Result<SearchExpr> {
        let saved = std::mem::replace(&mut self.stop_words, stop);
        let result = self.search_expr(start);
        self.stop_words = saved;
        result
    }

    fn at_stop_word(&self) -> bool {
        self.stop_words.iter().any(|kw| self.at_keyword(kw))
            && !matches!(self.peek2(), Some(Tok::Eq | Tok::Neq))
    }

    /// A parenthesised search expression, e.g. the `(EventCode=4698)` of
    /// `transaction startswith=(EventCode=4698)`. The caller checks that the
    /// current token is `(`.
    pub fn search_group(&mut self) -> Result<SearchExpr> {
        self.primary()
    }

    /// Implicit AND: terms until `)`, `|`, `]` or the end. Precedence is
    /// Splunk's: NOT binds tightest, then OR, then (implicit) AND.
    fn and_terms(&mut self) -> Result<Vec<SearchExpr>> {
        let mut terms = Vec::new();
        loop {
            if self.at_command_end() || self.peek() == Some(&Tok::RParen) || self.at_stop_word() {
                return Ok(terms);
            }
            if self.at_case_sensitive_keyword("AND") {
                self.pos += 1;
                continue;
            }
            terms.push(self.or_expr()?);
        }
    }

    fn at_case_sensitive_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w == kw)
    }

    fn or_expr(&mut self) -> Result<SearchExpr> {
        let first = self.not_expr()?;
        let mut alts = vec![first];
        while self.at_case_sensitive_keyword("OR") {
            self.pos += 1;
            alts.push(self.not_expr()?);
        }
        if alts.len() == 1 {
            return Ok(alts.remove(0));
        }
        let span = alts[0].span.to(alts[alts.len() - 1].span);
        Ok(SearchExpr {
            kind: SearchKind::Or(alts),
            span,
        })
    }

    fn not_expr(&mut self) -> Result<SearchExpr> {
        if self.at_case_sensitive_keyword("NOT") {
            let start = self.here();
            self.pos += 1;
            self.enter()?;
            let inner = self.not_expr()?;
            self.depth -= 1;
            let span = start.to(inner.span);
            return Ok(SearchExpr {
                kind: SearchKind::Not(Box::new(inner)),
                span,
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<SearchExpr> {
        let start = self.here();
        match self.peek() {
            Some(Tok::LParen) => {
                self.pos += 1;
                self.enter()?;
                let terms = self.and_terms()?;
                self.depth -= 1;
                self.expect(&Tok::RParen, "a closing `)`")?;
                let span = start.to(self.last_span());
                if terms.is_empty() {
                    return Ok(SearchExpr {
                        kind: SearchKind::Empty,
                        span,
                    });
                }
                let mut e = and_of(terms);
                e.span = span;
                Ok(e)
            }
            Some(Tok::LBracket) => {
                self.pos += 1;
                let pipeline = self.pipeline()?;
                self.expect(&Tok::RBracket, "a closing `]` for the subsearch")
                    .map_err(|e| match e {
                        Error::Syntax {
                            expected,
                            found,
                            span,
                        } if found == "end of search" => Error::Syntax {
                            expected,
                            found,
                            span: Span::new(start.start, start.start + 1).to(span),
                        },
                        other => other,
                    })?;
                Ok(SearchExpr {
                    kind: SearchKind::Subsearch(Box::new(pipeline)),
                    span: start.to(self.last_span()),
                })
            }
            Some(Tok::Word(_)) | Some(Tok::Str(_)) => self.comparison_or_term(),
            _ => Err(self.expected("a search term")),
        }
    }

    fn comparison_or_term(&mut self) -> Result<SearchExpr> {
        let Some(first) = self.next_token() else {
            return Err(self.expected("a search term"));
        };
        let op = match self.peek() {
            Some(Tok::Eq) => Some(CompareOp::Eq),
            Some(Tok::Neq) => Some(CompareOp::Neq),
            Some(Tok::Lt) => Some(CompareOp::Lt),
            Some(Tok::Le) => Some(CompareOp::Le),
            Some(Tok::Gt) => Some(CompareOp::Gt),
            Some(Tok::Ge) => Some(CompareOp::Ge),
            _ => None,
        };
        let (name, quoted) = match &first.tok {
            Tok::Word(w) => (w.clone(), false),
            Tok::Str(s) => (s.clone(), true),
            _ => return Err(self.expected("a search term")),
        };
        if let Some(op) = op {
            self.pos += 1;
            let value = self.search_value()?;
            let span = first.span.to(value.span);
            let lname = name.to_ascii_lowercase();
            if op == CompareOp::Eq
                && matches!(
                    lname.as_str(),
                    "earliest" | "latest" | "_index_earliest" | "_index_latest"
                )
            {
                return Ok(SearchExpr {
                    kind: SearchKind::TimeModifier {
                        name: lname,
                        value: value.text,
                    },
                    span,
                });
            }
            return Ok(SearchExpr {
                kind: SearchKind::Compare {
                    field: name,
                    op,
                    value,
                },
                span,
            });
        }
        if self.at_keyword("IN") && self.peek2() == Some(&Tok::LParen) {
            self.pos += 2;
            let mut values = Vec::new();
            loop {
                if self.eat(&Tok::RParen) {
                    break;
                }
                // Splunk accepts space-separated lists and stray commas.
                if self.eat(&Tok::Comma) {
                    continue;
                }
                if self.at_command_end() {
                    return Err(self.expected("`,` or `)` in the IN list"));
                }
                values.push(self.search_value()?);
            }
            return Ok(SearchExpr {
                kind: SearchKind::In {
                    field: name,
                    values,
                },
                span: first.span.to(self.last_span()),
            });
        }
        // CASE(x) and TERM(x) as bare terms.
        if let Some(v) = self.wrapped_value(&first, &name, quoted)? {
            let span = v.span;
            return Ok(SearchExpr {
                kind: SearchKind::Term(v),
                span,
            });
        }
        Ok(SearchExpr {
            kind: SearchKind::Term(SearchValue {
                text: if quoted { name } else { unescape_word(&name) },
                quoted,
                case_sensitive: false,
                term: false,
                span: first.span,
            }),
            span: first.span,
        })
    }

    /// `CASE(x)` / `TERM(x)` following an already consumed `first` word.
    fn wrapped_value(
        &mut self,
        first: &Token,
        name: &str,
        quoted: bool,
    ) -> Result<Option<SearchValue>> {
        let upper = name.to_ascii_uppercase();
        if quoted || !(upper == "CASE" || upper == "TERM") || self.peek() != Some(&Tok::LParen) {
            return Ok(None);
        }
        self.pos += 1;
        let (text, _) = self.value("a value inside CASE() or TERM()")?;
        let quoted_inner = matches!(
            self.tokens.get(self.pos.saturating_sub(1)).map(|t| &t.tok),
            Some(Tok::Str(_))
        );
        self.expect(&Tok::RParen, "a closing `)`")?;
        Ok(Some(SearchValue {
            text: if quoted_inner {
                text
            } else {
                unescape_word(&text)
            },
            quoted: quoted_inner,
            case_sensitive: upper == "CASE",
            term: upper == "TERM",
            span: first.span.to(self.last_span()),
        }))
    }

    fn search_value(&mut self) -> Result<SearchValue> {
        let Some(tok) = self.next_token() else {
            return Err(self.expected("a value"));
        };
        match &tok.tok {
            Tok::Word(w) => {
                if let Some(v) = self.wrapped_value(&tok, w, false)? {
                    return Ok(v);
                }
                Ok(SearchValue {
                    text: unescape_word(w),
                    quoted: false,
                    case_sensitive: false,
                    term: false,
                    span: tok.span,
                })
            }
            Tok::Str(s) => Ok(SearchValue {
                text: s.clone(),
                quoted: true,
                case_sensitive: false,
                term: false,
                span: tok.span,
            }),
            _ => {
                self.pos -= 1;
                Err(self.expected("a value"))
            }
        }
    }
}

/// An unquoted search value or term as the search sees it: `\\` is one
/// literal backslash, as in a quoted value ("To pass a literal backslash in
/// an argument to a Splunk SPL command, you must escape the backslash by
/// using the double-slash", Search Manual, Backslashes; the search primer
/// writes the path `D:\Digital\RTFM` as `D:\\Digital\\RTFM`). The lexer has
/// already made `\"` a quote; any other backslash stays as written, and
/// `\*` is a backslash then a wildcard ("the backslash symbol can't be used
/// to escape the asterisk in search strings").
fn unescape_word(word: &str) -> String {
    if !word.contains("\\\\") {
        return word.to_string();
    }
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\\' {
            match chars.next() {
                Some('\\') | None => {}
                Some(other) => out.push(other),
            }
        }
    }
    out
}

fn and_of(mut terms: Vec<SearchExpr>) -> SearchExpr {
    if terms.len() == 1 {
        return terms.remove(0);
    }
    let span = terms[0].span.to(terms[terms.len() - 1].span);
    SearchExpr {
        kind: SearchKind::And(terms),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::CommandArgs;

    #[test]
    fn pipelines_over_max_commands_are_an_error() {
        let chain = |n: usize| "| where a=1 ".repeat(n);
        // `*` and 999 more: the limit.
        let ok = format!("*{}", chain(MAX_COMMANDS - 1));
        assert_eq!(
            parse(&ok).expect("at the limit").commands.len(),
            MAX_COMMANDS
        );
        for text in [
            format!("*{}", chain(MAX_COMMANDS)),
            format!("| makeresults {}", "| eval a=1 ".repeat(100_000)),
            // Subsearches count towards it.
            format!("* | append [| makeresults {}] {}", chain(600), chain(600)),
            format!("* | appendpipe [{}]", chain(MAX_COMMANDS)),
        ] {
            let err = parse(&text).expect_err("over the limit").to_string();
            assert!(err.contains("at most 1000 commands"), "{err}");
        }
        // Lint's lenient parse stops at the limit rather than reporting
        // every later command.
        let (pipeline, problems) = parse_lenient(&format!("*{}", chain(5000)));
        assert!(pipeline.is_none());
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    fn search_of(text: &str) -> SearchExpr {
        let p = parse(text).unwrap();
        match &p.commands[0].args {
            CommandArgs::Search(s) => s.expr.clone(),
            other => panic!("not a search: {other:?}"),
        }
    }

    fn shape(e: &SearchExpr) -> String {
        match &e.kind {
            SearchKind::And(v) => {
                format!("AND({})", v.iter().map(shape).collect::<Vec<_>>().join(","))
            }
            SearchKind::Or(v) => {
                format!("OR({})", v.iter().map(shape).collect::<Vec<_>>().join(","))
            }
            SearchKind::Not(x) => format!("NOT({})", shape(x)),
            SearchKind::Compare { field, op, value } => {
                format!("{field}{}{}", op.as_str(), value.text)
            }
            SearchKind::In { field, values } => format!(
                "{field} IN({})",
                values
                    .iter()
                    .map(|v| v.text.clone())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            SearchKind::Term(v) => v.text.clone(),
            SearchKind::Subsearch(_) => "[sub]".into(),
            SearchKind::TimeModifier { name, .. } => format!("time:{name}"),
            SearchKind::Empty => "()".into(),
        }
    }

    #[test]
    fn unquoted_values_unescape_double_backslashes() {
        assert_eq!(
            shape(&search_of(
                r#"a=*\\cmd.exe b=*\cmd.exe c=x\* d IN (\\\\h) C:\\x TERM(a\\b) e="q\\r""#
            )),
            r#"AND(a=*\cmd.exe,b=*\cmd.exe,c=x\*,d IN(\\h),C:\x,a\b,e=q\r)"#
        );
        assert_eq!(unescape_word(r"a\\"), r"a\");
        assert_eq!(unescape_word(r"a\"), r"a\");
        assert_eq!(unescape_word(r"\\\"), r"\\");
        assert_eq!(unescape_word("é\\\\ü"), "é\\ü");
    }

    #[test]
    fn or_binds_tighter_than_implicit_and() {
        assert_eq!(shape(&search_of("a=1 b=2 OR c=3")), "AND(a=1,OR(b=2,c=3))");
    }

    #[test]
    fn not_binds_tightest() {
        assert_eq!(shape(&search_of("NOT a=1 OR b=2")), "OR(NOT(a=1),b=2)");
    }

    #[test]
    fn lowercase_or_is_a_term() {
        assert_eq!(shape(&search_of("a or b")), "AND(a,or,b)");
    }

    #[test]
    fn in_lists_and_groups() {
        assert_eq!(
            shape(&search_of("NOT x IN (a, \"b c\", d*) (y=1 OR ( ))")),
            "AND(NOT(x IN(a,b c,d*)),OR(y=1,()))"
        );
    }

    #[test]
    fn subsearch_nests_a_pipeline() {
        let p = parse("x NOT [ | inputlookup t | fields a ] | stats count").unwrap();
        assert_eq!(p.commands.len(), 2);
        assert_eq!(
            shape(&search_of("x NOT [ | inputlookup t ]")),
            "AND(x,NOT([sub]))"
        );
    }

    #[test]
    fn unclosed_subsearch_is_a_syntax_error() {
        let err = parse("x [ | inputlookup t").unwrap_err();
        assert!(err.to_string().contains("closing `]`"), "{err}");
    }

    #[test]
    fn unknown_command_names_itself() {
        let err = parse("x | frobnicate y").unwrap_err();
        assert_eq!(
            err,
            Error::UnsupportedCommand {
                name: "frobnicate".into(),
                suggestion: None,
                offline: None,
                span: Span::new(4, 14)
            }
        );
    }

    #[test]
    fn a_misspelt_command_gets_a_suggestion() {
        let err = parse("x | stast count").unwrap_err();
        assert_eq!(
            err.to_string(),
            "command `stast` is not supported yet (did you mean `stats`?)"
        );
        // One that needs a server says so instead.
        let err = parse("| mcollect index=m").unwrap_err();
        assert_eq!(
            err.to_string(),
            "command `mcollect` cannot run offline: it writes results into a metrics index on a Splunk server"
        );
    }

    #[test]
    fn lenient_skips_a_bad_command_with_its_brackets() {
        let (pipeline, problems) =
            parse_lenient("x | appendpipe [| frob a ] | foreach * [eval <<FIELD>>=1] | top y");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(matches!(&problems[0], Error::UnsupportedCommand { name, .. } if name == "frob"));
        let names: Vec<String> = pipeline
            .map(|p| p.commands.into_iter().map(|c| c.name).collect())
            .unwrap_or_default();
        assert_eq!(names, vec!["search", "foreach", "top"]);
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        let text = "(".repeat(10_000);
        assert!(parse(&text).is_err());
        let text = "NOT ".repeat(10_000);
        assert!(parse(&text).is_err());
    }
}

#[cfg(test)]
mod raw_tests {
    use super::*;

    #[test]
    fn rest_of_command_returns_raw_text_up_to_the_pipe() {
        let text = "x | eval a = 'b c'.\"d|e\" + 1 | stats count";
        let tokens = lex(text, 0).unwrap();
        let mut p = Parser::new(tokens, text);
        while !p.at_keyword("eval") {
            p.next_token();
        }
        p.next_token();
        let (raw, span) = p.rest_of_command();
        assert_eq!(raw, "a = 'b c'.\"d|e\" + 1");
        assert_eq!(&text[span.range()], raw);
        assert_eq!(p.peek(), Some(&Tok::Pipe));
    }
}
