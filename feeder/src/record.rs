//! One data-set record as a JSON line (`dataset-record.v1`), built from the parts PostgreSQL
//! returns: the keys in the order of the schema's description, absent values left out (as
//! `json_strip_nulls` did when the database built the line).

use dms_db::feed::Record;
use serde_json::Value;
use std::io::Write;

/// Append the record's JSON (no newline) to `out`.
pub fn line(r: &Record, edrpou: &str, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut o = Object::new(out);
    o.str(
        "record_type",
        if r.action_type == "cancellation" {
            "cancellation"
        } else {
            "registration_action"
        },
    )?;
    o.str("action_id", &r.action_id.to_string())?;
    o.str("dms_number", &r.dms_number)?;
    o.str("registration_body_edrpou", edrpou)?;
    o.str("action_type", &r.action_type)?;
    o.str("action_date", &r.action_date.format("%Y-%m-%d").to_string())?;
    o.str(
        "received_at",
        &r.received_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
    )?;
    o.raw("late", if r.late { "true" } else { "false" })?;
    o.raw("historical", if r.historical { "true" } else { "false" })?;
    for (key, value) in [
        ("ground", &r.ground),
        ("basis", &r.basis),
        ("person", &r.person),
        ("address", &r.address),
        ("previous_address", &r.previous_address),
        ("legal_representative", &r.legal_representative),
    ] {
        if let Some(json) = value {
            o.json(key, json)?;
        }
    }
    if let (Some(id), Some(number)) = (r.cancels_action_id, &r.cancels_dms_number) {
        o.key("cancels")?;
        let mut c = Object::new(o.out);
        c.str("action_id", &id.to_string())?;
        c.str("dms_number", number)?;
        if let Some(reason) = &r.cancels_reason {
            c.json("reason", reason)?;
        }
        c.end();
        o.first = false;
    }
    o.end();
    Ok(())
}

struct Object<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, first: true }
    }

    fn key(&mut self, key: &str) -> anyhow::Result<()> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.push(b':');
        Ok(())
    }

    fn str(&mut self, key: &str, value: &str) -> anyhow::Result<()> {
        self.key(key)?;
        serde_json::to_writer(&mut *self.out, value)?;
        Ok(())
    }

    fn raw(&mut self, key: &str, json: &str) -> anyhow::Result<()> {
        self.key(key)?;
        self.out.write_all(json.as_bytes())?;
        Ok(())
    }

    /// A JSON value as stored; a JSON `null` is left out, and so are null members inside it.
    fn json(&mut self, key: &str, json: &str) -> anyhow::Result<()> {
        if json == "null" {
            return Ok(());
        }
        if !json.contains("null") {
            return self.raw(key, json);
        }
        let mut value: Value = serde_json::from_str(json)?;
        strip_nulls(&mut value);
        self.key(key)?;
        serde_json::to_writer(&mut *self.out, &value)?;
        Ok(())
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

/// Remove object members whose value is null, at every depth (array elements stay).
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            action_id: uuid::Uuid::nil(),
            dms_number: "2026-0000001".into(),
            registration_body_id: uuid::Uuid::nil(),
            action_type: "cancellation".into(),
            action_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default(),
            received_at: chrono::DateTime::from_timestamp(1_796_000_000, 123_456_000)
                .unwrap_or_default(),
            late: false,
            historical: true,
            ground: None,
            basis: Some("null".into()),
            person: Some(
                r#"{"sex": "female", "surname": "Шевченко \"О\"", "patronymic": null}"#.into(),
            ),
            address: Some(r#"{"katottg": "UA68040470010096613"}"#.into()),
            previous_address: None,
            legal_representative: None,
            cancels_action_id: Some(uuid::Uuid::max()),
            cancels_dms_number: Some("2026-0000000".into()),
            cancels_reason: None,
        }
    }

    #[test]
    fn a_line_is_json_without_nulls_in_the_schema_order() {
        let mut out = Vec::new();
        line(&record(), "04060772", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["record_type"], "cancellation");
        assert_eq!(v["received_at"], "2026-11-30T00:53:20.123456Z");
        assert_eq!(v["person"]["surname"], "Шевченко \"О\"");
        assert!(v["person"].get("patronymic").is_none(), "{text}");
        assert!(
            v.get("basis").is_none() && v.get("ground").is_none(),
            "{text}"
        );
        assert_eq!(v["cancels"]["dms_number"], "2026-0000000");
        assert!(v["cancels"].get("reason").is_none(), "{text}");
        assert!(
            text.starts_with(r#"{"record_type":"cancellation","action_id":"00000000-"#),
            "{text}"
        );
        assert!(text.ends_with("}}"), "{text}");
    }
}
