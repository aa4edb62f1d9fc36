//! JSON text to a value, refusing what a lenient parser would silently resolve: a member name that
//! appears twice in one object. serde_json keeps the last of them while other parsers keep the
//! first, so a document with duplicates could mean one thing to us and another to the next reader
//! of the bytes we hash and sign. Every duplicate is reported with its JSON Pointer.

use crate::codes::FieldCode;
use crate::contract::FieldError;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// Parse `bytes` as one JSON value. `Err` for text that is not JSON; `Ok((value, faults))` where
/// `faults` lists every duplicated member (the value then holds the last occurrence).
pub fn from_slice(bytes: &[u8]) -> Result<(Value, Vec<FieldError>), serde_json::Error> {
    let faults = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Seed {
        path: String::new(),
        faults: &faults,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok((value, faults.into_inner()))
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

struct Seed<'a> {
    path: String,
    faults: &'a RefCell<Vec<FieldError>>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Seed {
            path: format!("{}/{}", self.path, items.len()),
            faults: self.faults,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = format!("{}/{}", self.path, escape(&key));
            let value = map.next_value_seed(Seed {
                path: path.clone(),
                faults: self.faults,
            })?;
            if out.insert(key, value).is_some() {
                self.faults.borrow_mut().push(FieldError::new(
                    path,
                    FieldCode::DuplicateMember,
                    "appears more than once in its object",
                ));
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn duplicates_are_reported_where_they_are() {
        let (_, faults) =
            from_slice(br#"{"a": 1, "b": {"c/d": [1, {"x": 1, "x": 2}]}, "a": 3}"#).unwrap();
        let at: Vec<&str> = faults.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(at, vec!["/b/c~1d/1/x", "/a"]);
    }

    #[test]
    fn a_document_without_duplicates_parses_as_serde_json_does() {
        let text =
            br#"{"n": [1, -2, 3.5, 18446744073709551615], "s": "\u0436", "z": null, "t": true}"#;
        let (v, faults) = from_slice(text).unwrap();
        assert!(faults.is_empty());
        assert_eq!(v, serde_json::from_slice::<Value>(text).unwrap());
    }

    #[test]
    fn text_that_is_not_json_is_an_error() {
        assert!(from_slice(b"{\"a\": 1} x").is_err());
        assert!(from_slice(b"{\"a\": ").is_err());
    }
}
