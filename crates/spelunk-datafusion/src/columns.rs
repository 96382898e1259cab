//! spelunk values in Arrow columns, both ways.
//!
//! - The scan's columns are lists of strings (one element for a single
//!   value, several for a multivalue field, null when the event lacks the
//!   field), except `_time`, a float of epoch seconds: a reader gives every
//!   other field as text, so a field may be multivalue in any event.
//! - Computed columns (eval's fields, aggregation results) may also be
//!   numbers, so they are [`value_type`]: a struct of the texts and the
//!   number, one of them set.
//! - Parquet columns come as they are typed: text, numbers (read as their
//!   text, as a JSON event's are; `_time` as a number), booleans, lists and
//!   timestamps.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Builder, ListBuilder, StringBuilder, StructArray,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{
    DataType, Field, Fields, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimeUnit, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use datafusion::error::{DataFusionError, Result};
use spelunk::Value;

/// The type of a scanned field: a list of strings.
pub fn texts_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// The type of a computed value: `{s: list of strings, n: float}`.
pub fn value_type() -> DataType {
    DataType::Struct(value_fields())
}

fn value_fields() -> Fields {
    Fields::from(vec![
        Field::new("s", texts_type(), true),
        Field::new("n", DataType::Float64, true),
    ])
}

/// Builds a list-of-strings column from optional values (numbers as their
/// text).
pub fn texts_array<'v>(values: impl Iterator<Item = Option<&'v Value>>) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for v in values {
        match v {
            None => b.append_null(),
            Some(v) => {
                for t in v.texts() {
                    b.values().append_value(t);
                }
                b.append(true);
            }
        }
    }
    Arc::new(b.finish())
}

/// Builds a [`value_type`] column.
pub fn values_array(values: &[Option<Value>]) -> Result<ArrayRef> {
    let mut s = ListBuilder::new(StringBuilder::new());
    let mut n = Float64Builder::new();
    let mut valid = Vec::with_capacity(values.len());
    for v in values {
        match v {
            Some(Value::Num(x)) => {
                s.append_null();
                n.append_value(*x);
            }
            Some(Value::Str(t)) => {
                s.values().append_value(t);
                s.append(true);
                n.append_null();
            }
            Some(Value::Multi(ts)) => {
                for t in ts {
                    s.values().append_value(t);
                }
                s.append(true);
                n.append_null();
            }
            None => {
                s.append_null();
                n.append_null();
            }
        }
        valid.push(v.is_some());
    }
    let children: Vec<ArrayRef> = vec![Arc::new(s.finish()), Arc::new(n.finish())];
    let array = StructArray::try_new(value_fields(), children, Some(NullBuffer::from(valid)))?;
    Ok(Arc::new(array))
}

/// The value at `row` of a column named `name` (None when null).
pub fn value_at(array: &dyn Array, row: usize, name: &str) -> Result<Option<Value>> {
    if array.is_null(row) {
        return Ok(None);
    }
    let time = name == "_time";
    let number = |x: f64| -> Value {
        match time {
            true => Value::Num(x),
            false => Value::Str(number_text(x)),
        }
    };
    let integer = |x: i128| -> Value {
        match time {
            true => Value::Num(x as f64),
            false => Value::Str(x.to_string()),
        }
    };
    Ok(Some(match array.data_type() {
        DataType::Utf8 => Value::Str(array.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Value::Str(array.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => Value::Str(array.as_string_view().value(row).to_string()),
        DataType::Boolean => Value::Str(array.as_boolean().value(row).to_string()),
        DataType::Float64 => number(array.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => number(f64::from(array.as_primitive::<Float32Type>().value(row))),
        DataType::Int64 => integer(i128::from(array.as_primitive::<Int64Type>().value(row))),
        DataType::Int32 => integer(i128::from(array.as_primitive::<Int32Type>().value(row))),
        DataType::Int16 => integer(i128::from(array.as_primitive::<Int16Type>().value(row))),
        DataType::Int8 => integer(i128::from(array.as_primitive::<Int8Type>().value(row))),
        DataType::UInt64 => integer(i128::from(array.as_primitive::<UInt64Type>().value(row))),
        DataType::UInt32 => integer(i128::from(array.as_primitive::<UInt32Type>().value(row))),
        DataType::UInt16 => integer(i128::from(array.as_primitive::<UInt16Type>().value(row))),
        DataType::UInt8 => integer(i128::from(array.as_primitive::<UInt8Type>().value(row))),
        DataType::Timestamp(unit, _) => {
            let (raw, per_second) = match unit {
                TimeUnit::Second => (
                    array.as_primitive::<TimestampSecondType>().value(row),
                    1.0,
                ),
                TimeUnit::Millisecond => (
                    array.as_primitive::<TimestampMillisecondType>().value(row),
                    1e3,
                ),
                TimeUnit::Microsecond => (
                    array.as_primitive::<TimestampMicrosecondType>().value(row),
                    1e6,
                ),
                TimeUnit::Nanosecond => (
                    array.as_primitive::<TimestampNanosecondType>().value(row),
                    1e9,
                ),
            };
            Value::Num(raw as f64 / per_second)
        }
        DataType::List(_) => {
            let list = array.as_list::<i32>().value(row);
            return list_value(&list, name);
        }
        DataType::LargeList(_) => {
            let list = array.as_list::<i64>().value(row);
            return list_value(&list, name);
        }
        DataType::Struct(fields) if fields.len() == 2 && fields[0].name() == "s" => {
            let st = array.as_struct();
            let texts = st.column(0);
            if texts.is_valid(row) {
                return value_at(texts.as_ref(), row, "");
            }
            let n = st.column(1);
            if n.is_valid(row) {
                return Ok(Some(Value::Num(n.as_primitive::<Float64Type>().value(row))));
            }
            return Ok(None);
        }
        DataType::Null => return Ok(None),
        other => {
            return Err(DataFusionError::NotImplemented(format!(
                "spelunk cannot read column `{name}` of Arrow type {other}: only text, numbers, booleans, timestamps and lists of those are fields"
            )))
        }
    }))
}

/// A list's elements as one value: none, single or multivalue.
fn list_value(list: &ArrayRef, name: &str) -> Result<Option<Value>> {
    let mut texts = Vec::with_capacity(list.len());
    for i in 0..list.len() {
        if let Some(v) = value_at(list.as_ref(), i, name)? {
            texts.extend(v.texts().into_iter().map(|t| t.into_owned()));
        }
    }
    Ok(Value::from_list(texts))
}

/// A float column's value as the text a JSON event would carry: integers
/// without a fraction.
fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_struct() {
        let values = vec![
            Some(Value::Num(1.5)),
            Some(Value::Str("a".into())),
            Some(Value::Multi(vec!["x".into(), "y".into()])),
            None,
        ];
        let array = values_array(&values).expect("builds");
        let back: Vec<Option<Value>> = (0..values.len())
            .map(|i| value_at(array.as_ref(), i, "f").expect("reads"))
            .collect();
        assert_eq!(back, values);
    }

    #[test]
    fn scanned_texts_are_single_or_multivalue() {
        let a = Value::Str("a".into());
        let m = Value::Multi(vec!["x".into(), "y".into()]);
        let array = texts_array([Some(&a), None, Some(&m)].into_iter());
        assert_eq!(value_at(array.as_ref(), 0, "f").expect("reads"), Some(a));
        assert_eq!(value_at(array.as_ref(), 1, "f").expect("reads"), None);
        assert_eq!(value_at(array.as_ref(), 2, "f").expect("reads"), Some(m));
    }

    #[test]
    fn only_time_columns_are_numbers() {
        let array: ArrayRef = Arc::new(datafusion::arrow::array::Float64Array::from(vec![3.0]));
        assert_eq!(
            value_at(array.as_ref(), 0, "_time").expect("reads"),
            Some(Value::Num(3.0))
        );
        assert_eq!(
            value_at(array.as_ref(), 0, "bytes").expect("reads"),
            Some(Value::Str("3".into()))
        );
    }
}
