//! Records as the pages show them: dates as ДД.ММ.РРРР, times in Kyiv, terms in Ukrainian.

use crate::uk;
use chrono::NaiveDate;
use dms_db::notices::Notice;
use dms_db::register::ActionRow;
use dms_db::verification_requests::Request;
use serde_json::Value;

/// A line of a list of actions.
#[derive(Debug, Clone)]
pub struct ActionLine {
    pub id: String,
    pub dms_number: String,
    pub kind: &'static str,
    pub date: String,
    pub received: String,
    pub late: bool,
    pub person: String,
    pub birth_date: String,
    pub state: String,
    pub cancelled: bool,
}

impl From<&ActionRow> for ActionLine {
    fn from(r: &ActionRow) -> Self {
        let person = [r.surname.as_deref(), r.given_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        ActionLine {
            id: r.id.to_string(),
            dms_number: r.dms_number.clone(),
            kind: uk::action_type(r.action_type.as_str()),
            date: uk::date(r.action_date),
            received: uk::kyiv_time(r.received_at),
            late: r.late,
            person,
            birth_date: r
                .birth_date
                .as_deref()
                .map(uk::date_text)
                .unwrap_or_default(),
            state: uk::feed_state(r.feed_state.map(|s| s.as_str()), None),
            cancelled: r.cancelled,
        }
    }
}

/// A person's names from an action's `person` member: surname, given name, patronymic.
pub fn full_name(person: &Value) -> String {
    ["surname", "given_name", "patronymic"]
        .iter()
        .filter_map(|k| person.get(*k).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// An address as one line: settlement code's name is looked up by the page; here the rest.
pub fn address_line(address: &Value, settlement: &str) -> String {
    let mut parts = vec![settlement.to_owned()];
    for (key, prefix) in [
        ("street", ""),
        ("building", "буд. "),
        ("block", "корп. "),
        ("apartment", "кв. "),
    ] {
        if let Some(v) = address.get(key).and_then(Value::as_str) {
            parts.push(format!("{prefix}{v}"));
        }
    }
    if let Some(p) = address.get("postal_code").and_then(Value::as_str) {
        parts.push(p.to_owned());
    }
    parts.retain(|p| !p.is_empty());
    parts.join(", ")
}

/// A line of a list of verification requests.
#[derive(Debug, Clone)]
pub struct RequestLine {
    pub id: String,
    pub question: &'static str,
    pub person: String,
    pub received: String,
    pub due: String,
    pub state: &'static str,
    pub overdue: bool,
    pub answered: bool,
}

impl RequestLine {
    pub fn new(r: &Request, today: NaiveDate) -> RequestLine {
        let state = r.state(today);
        RequestLine {
            id: r.id.to_string(),
            question: uk::question(r.question.as_str()),
            person: full_name(&r.person),
            received: r.delivered_at.map(uk::kyiv_time).unwrap_or_default(),
            due: r.due_date.map(uk::date).unwrap_or_default(),
            state: uk::request_state(state.as_str()),
            overdue: state.as_str() == "overdue",
            answered: state.as_str() == "answered",
        }
    }
}

/// A line of the notices.
#[derive(Debug, Clone)]
pub struct NoticeLine {
    pub kind: &'static str,
    pub date: String,
    pub person: String,
    pub birth_date: String,
    pub dms_number: String,
    pub previous_id: Option<String>,
    pub previous_number: Option<String>,
}

impl From<&Notice> for NoticeLine {
    fn from(n: &Notice) -> Self {
        let person = n.person.clone().unwrap_or(Value::Null);
        NoticeLine {
            kind: uk::notice_kind(n.kind.as_str()),
            date: uk::date(n.effective_date),
            person: full_name(&person),
            birth_date: uk::date_text(&text(&person, "/birth_date")),
            dms_number: n.dms_number.clone(),
            previous_id: n.previous_action_id.map(|i| i.to_string()),
            previous_number: n.previous_dms_number.clone(),
        }
    }
}
