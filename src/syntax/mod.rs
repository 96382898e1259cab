//! Everything about SPL text after macro expansion: tokens, syntax tree, parser.

pub mod ast;
pub mod lexer;
pub mod parser;

pub use parser::parse;
