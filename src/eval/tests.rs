//! Evaluator tests: operators, null and type rules.

use super::*;
use crate::value::Value;

fn event(fields: &[(&str, &str)]) -> Event {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect()
}

fn ev(text: &str, fields: &[(&str, &str)]) -> EvalValue {
    let ctx = EvalContext::at(1_700_000_000.0, chrono_tz::UTC);
    parse_expr(text, 0)
        .unwrap()
        .eval(&event(fields), &ctx)
        .unwrap()
}

fn s(x: &str) -> EvalValue {
    EvalValue::Str(x.into())
}

const T: EvalValue = EvalValue::Bool(true);
const F: EvalValue = EvalValue::Bool(false);

#[test]
fn arithmetic_on_numbers_and_numeric_field_text() {
    assert_eq!(ev("1 + 2 * 3", &[]), EvalValue::Num(7.0));
    assert_eq!(ev("a * 2", &[("a", "21")]), EvalValue::Num(42.0));
    assert_eq!(ev("7 % 4 - 10 / 4", &[]), EvalValue::Num(0.5));
    assert_eq!(ev("-a", &[("a", "3")]), EvalValue::Num(-3.0));
}

#[test]
fn plus_concatenates_non_numbers_and_dot_always() {
    assert_eq!(ev("\"a\" + \"b\"", &[]), s("ab"));
    assert_eq!(ev("a . 1 . \"x\"", &[("a", "5")]), s("51x"));
}

#[test]
fn null_propagates_through_arithmetic_and_concatenation() {
    assert_eq!(ev("missing + 1", &[]), EvalValue::Null);
    assert_eq!(ev("\"a\" . missing", &[]), EvalValue::Null);
    assert_eq!(ev("1 / 0", &[]), EvalValue::Null);
    assert_eq!(ev("\"abc\" * 2", &[]), EvalValue::Null);
}

#[test]
fn comparisons_numeric_or_case_sensitive_text() {
    assert_eq!(ev("a = 5", &[("a", "5")]), T);
    assert_eq!(ev("a = \"5\"", &[("a", "5")]), T);
    assert_eq!(ev("a < 10", &[("a", "9")]), T);
    assert_eq!(ev("a = \"Admin\"", &[("a", "admin")]), F);
    assert_eq!(ev("a != \"x\"", &[("a", "y")]), T);
    assert_eq!(ev("missing = 1", &[]), EvalValue::Null);
}

#[test]
fn logic_is_three_valued() {
    assert_eq!(ev("missing=1 OR 1=1", &[]), T);
    assert_eq!(ev("missing=1 AND 1=2", &[]), F);
    assert_eq!(ev("missing=1 AND 1=1", &[]), EvalValue::Null);
    assert_eq!(ev("NOT missing=1", &[]), EvalValue::Null);
    assert_eq!(ev("1=1 XOR 1=1", &[]), F);
    assert_eq!(ev("NOT 1=2", &[]), T);
}

#[test]
fn logic_on_non_booleans_is_a_type_error() {
    let ctx = EvalContext::at(0.0, chrono_tz::UTC);
    let err = parse_expr("1 AND 1=1", 0)
        .unwrap()
        .eval(&Event::new(), &ctx)
        .unwrap_err();
    assert!(err.to_string().contains("type checking failed"), "{err}");
}

#[test]
fn like_and_in_operators() {
    assert_eq!(ev("u LIKE \"adm%\"", &[("u", "admin")]), T);
    assert_eq!(ev("u LIKE \"a_m\"", &[("u", "adm")]), T);
    assert_eq!(ev("u LIKE \"ADM%\"", &[("u", "admin")]), F);
    assert_eq!(ev("u IN (\"a\", \"b\")", &[("u", "b")]), T);
    assert_eq!(ev("u IN (1, 2)", &[("u", "3")]), F);
}

#[test]
fn multivalue_compares_true_when_any_value_does() {
    let mut e = Event::new();
    e.set("m", Value::Multi(vec!["a".into(), "b".into()]));
    let ctx = EvalContext::at(0.0, chrono_tz::UTC);
    let r = parse_expr("m = \"b\"", 0).unwrap().eval(&e, &ctx).unwrap();
    assert_eq!(r, T);
}

#[test]
fn quoted_field_names_and_values_out() {
    assert_eq!(ev("'a.b' . \"!\"", &[("a.b", "x")]), s("x!"));
    assert_eq!(EvalValue::Num(2.0).into_value(), Some(Value::Num(2.0)));
    assert_eq!(EvalValue::Null.into_value(), None);
    assert_eq!(
        EvalValue::Multi(vec!["a".into(), "b".into()]).into_value(),
        Some(Value::Multi(vec!["a".into(), "b".into()]))
    );
}

#[test]
fn random_is_deterministic() {
    let a = EvalContext::at(0.0, chrono_tz::UTC);
    let b = EvalContext::at(0.0, chrono_tz::UTC);
    let xs: Vec<u64> = (0..3).map(|_| a.next_random()).collect();
    let ys: Vec<u64> = (0..3).map(|_| b.next_random()).collect();
    assert_eq!(xs, ys);
    assert!(xs.iter().all(|x| *x < 1 << 31));
}

#[test]
fn errors_point_into_the_expanded_text() {
    let err = parse_expr("a + )", 40).unwrap_err();
    assert!(matches!(err, crate::Error::Syntax { span, .. } if span.start == 44));
}
