//! The community's actions: the list (paged; filtered by date, type and state; searched by
//! surname and birth date, УНЗР or document), an action's page (its data, receipt, and where it
//! is in the feed to ЄДДР; the printable confirmation), the receipt's download, and cancelling
//! an action with a reason.

use crate::error::{html, html_status, see_other, PageResult, WebError};
use crate::fields::{faults_of, Faults};
use crate::form::{self, CancelForm};
use crate::pages::{page_number, url_encode, Chrome, Pager, PAGE_SIZE};
use crate::session::signed;
use crate::uk;
use crate::views::{address_line, full_name, text, ActionLine};
use crate::WebState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use dms_db::register::ActionFilter;
use dms_service::ServiceError;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    from: String,
    to: String,
    #[serde(rename = "type")]
    kind: String,
    state: String,
    surname: String,
    birth_date: String,
    unzr: String,
    document: String,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "actions.html")]
struct ListPage {
    chrome: Chrome,
    q: ListQuery,
    faults: Faults,
    types: Vec<(&'static str, &'static str)>,
    states: Vec<(&'static str, &'static str)>,
    rows: Vec<ActionLine>,
    caption: &'static str,
    pager: Pager,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn date(s: &str, field: &str, faults: &mut Faults) -> Option<NaiveDate> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            faults.add(field, "Вкажіть справжню дату");
            None
        }
    }
}

impl ListQuery {
    fn filter(&self, faults: &mut Faults) -> ActionFilter {
        let date_from = date(&self.from, "from", faults);
        let date_to = date(&self.to, "to", faults);
        if let (Some(a), Some(b)) = (date_from, date_to) {
            if b < a {
                faults.add("to", "Кінець періоду не може бути раніше початку");
            }
        }
        let action_type = opt(&self.kind);
        if action_type
            .as_deref()
            .is_some_and(|t| uk::action_type(t) == "Невідома дія")
        {
            faults.add("type", "Оберіть дію зі списку");
        }
        let state = opt(&self.state);
        if state
            .as_deref()
            .is_some_and(|s| !uk::STATES.iter().any(|(k, _)| *k == s))
        {
            faults.add("state", "Оберіть стан зі списку");
        }
        let surname = opt(&self.surname);
        let birth_date = date(&self.birth_date, "birth_date", faults).map(|d| d.to_string());
        let has_birth_date = !self.birth_date.trim().is_empty();
        if surname.is_some() != has_birth_date {
            let field = if surname.is_none() {
                "surname"
            } else {
                "birth_date"
            };
            faults.add(
                field,
                "Для пошуку за особою вкажіть і прізвище, і дату народження",
            );
        }
        ActionFilter {
            date_from,
            date_to,
            action_type,
            state,
            surname,
            birth_date,
            unzr: opt(&self.unzr),
            document: opt(&self.document),
            person_id: None,
        }
    }

    /// The query string without the page number, for the pager's links.
    fn without_page(&self) -> String {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("type", &self.kind),
            ("state", &self.state),
            ("surname", &self.surname),
            ("birth_date", &self.birth_date),
            ("unzr", &self.unzr),
            ("document", &self.document),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}&", url_encode(v.trim())))
        .collect()
    }
}

pub async fn list(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let q = q.into_inner();
    let mut faults = Faults::default();
    let filter = q.filter(&mut faults);
    let page = page_number(q.page.as_deref());
    let (rows, total) = if faults.is_empty() {
        let listed = dms_service::register::actions(
            &state.services,
            &signed.actor,
            &filter,
            (page - 1) * PAGE_SIZE,
            PAGE_SIZE,
        )
        .await?;
        (
            listed.rows.iter().map(ActionLine::from).collect(),
            listed.total,
        )
    } else {
        (Vec::new(), 0)
    };
    let status = faults.status();
    let pager = Pager::new(page, total, q.without_page());
    html_status(
        status,
        &ListPage {
            chrome: Chrome::signed(&signed, "Дії", "actions"),
            faults,
            types: uk::PERSON_ACTIONS
                .iter()
                .chain(["cancellation"].iter())
                .map(|t| (*t, uk::action_type(t)))
                .collect(),
            states: uk::STATES.to_vec(),
            rows,
            caption: "Дії громади",
            pager,
            q,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    submitted: Option<String>,
    resubmitted: Option<String>,
}

#[derive(Template)]
#[template(path = "action.html")]
struct ActionPage {
    chrome: Chrome,
    id: String,
    dms_number: String,
    kind: &'static str,
    date: String,
    received: String,
    late: bool,
    feed: String,
    feed_reason: Option<String>,
    official: String,
    submitted: bool,
    resubmitted: bool,
    rows: Vec<(&'static str, String)>,
    person_id: Option<String>,
    cancelled_by: Option<(String, String)>,
    cancels: Option<(String, String)>,
    can_cancel: bool,
    receipt_code: String,
}

/// A short code of the receipt (the first 80 bits of its SHA-256, in groups): printed on the
/// confirmation and the extract, it is checked against the receipt file.
pub fn receipt_code(receipt: &str) -> String {
    use sha2::Digest;
    let hex = hex::encode(sha2::Sha256::digest(receipt.as_bytes()));
    hex.as_bytes()[..20]
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join("-")
}

fn id_of(s: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(s).map_err(|_| WebError::NotFound)
}

pub async fn show(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let id = id_of(&id)?;
    let (view, doc) = dms_service::register::action(&state.services, &signed.actor, id).await?;
    let settlements = dms_service::register::settlements(&state.services, &signed.actor).await?;
    let body = &doc.body;
    let person = body.get("person").cloned().unwrap_or_default();
    let address = body.get("address").cloned().unwrap_or_default();
    let code = text(&address, "/katottg");
    let settlement = settlements
        .iter()
        .find(|s| s.code == code)
        .map_or(code.clone(), |s| s.name.clone());
    let mut rows = vec![
        ("Особа", full_name(&person)),
        (
            "Дата народження",
            uk::date_text(&text(&person, "/birth_date")),
        ),
        ("УНЗР", text(&person, "/unzr")),
        ("РНОКПП", text(&person, "/rnokpp")),
        (
            "Документ",
            format!(
                "{} {}",
                uk::document(&text(&person, "/document/type")),
                text(&person, "/document/number")
            ),
        ),
        ("Адреса", address_line(&address, &settlement)),
        (
            "Підстава",
            uk::ground(&text(body, "/action/ground/code")).to_owned(),
        ),
        ("Причина скасування", text(body, "/cancels/reason")),
    ];
    rows.retain(|(_, v)| !v.trim().is_empty() && v.trim() != "—");
    let is_cancellation = view.action_type.as_str() == "cancellation";
    html(&ActionPage {
        chrome: Chrome::signed(&signed, format!("Дія {}", view.dms_number), "actions"),
        id: view.id.to_string(),
        kind: uk::action_type(view.action_type.as_str()),
        date: uk::date(view.action_date),
        received: uk::kyiv_time(view.received_at),
        late: view.late,
        feed: uk::feed_state(view.feed_state.map(|s| s.as_str()), view.dataset_seq),
        feed_reason: view.feed_reason.clone(),
        official: doc
            .transport_user_id
            .clone()
            .unwrap_or_else(|| match doc.channel.as_str() {
                "web" => "—".into(),
                other => format!("програмне забезпечення реєстру ({other})"),
            }),
        submitted: q.submitted.is_some(),
        resubmitted: q.resubmitted.is_some(),
        rows,
        person_id: doc.person_id.map(|p| p.to_string()),
        cancelled_by: view
            .cancelled_by_id
            .zip(view.cancelled_by_number.clone())
            .map(|(i, n)| (i.to_string(), n)),
        cancels: view
            .cancels_id
            .zip(view.cancels_number.clone())
            .map(|(i, n)| (i.to_string(), n)),
        can_cancel: !is_cancellation && view.cancelled_by_id.is_none(),
        receipt_code: receipt_code(&view.receipt),
        dms_number: view.dms_number,
    })
}

/// The signed receipt as a file (a compact JWS, checked with the keys DMS publishes).
pub async fn receipt(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let id = id_of(&id)?;
    let view = dms_service::actions::read_own(&state.services, &signed.actor, id).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jose; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.jws\"", view.dms_number),
        ))
        .body(view.receipt))
}

#[derive(Template)]
#[template(path = "cancel.html")]
struct CancelPage {
    chrome: Chrome,
    id: String,
    dms_number: String,
    kind: &'static str,
    csrf: String,
    form_token: String,
    reason: String,
    faults: Faults,
}

async fn render_cancel(
    state: &WebState,
    signed: &crate::session::Signed,
    id: Uuid,
    f: &CancelForm,
    faults: Faults,
) -> PageResult {
    let view = dms_service::actions::read_own(&state.services, &signed.actor, id).await?;
    if view.action_type.as_str() == "cancellation" || view.cancelled_by_id.is_some() {
        return see_other(format!("/actions/{id}"));
    }
    let status = faults.status();
    html_status(
        status,
        &CancelPage {
            chrome: Chrome::signed(signed, "Скасування дії", "actions"),
            id: id.to_string(),
            kind: uk::action_type(view.action_type.as_str()),
            dms_number: view.dms_number,
            csrf: signed.csrf().to_owned(),
            form_token: f.form_token.clone(),
            reason: f.reason.clone(),
            faults,
        },
    )
}

pub async fn cancel_page(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let id = id_of(&id)?;
    let f = CancelForm {
        form_token: form::new_form_token(),
        ..CancelForm::default()
    };
    render_cancel(&state, &signed, id, &f, Faults::default()).await
}

pub async fn cancel(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Form<CancelForm>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let f = body.into_inner();
    signed.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    if form::form_token(&f.form_token).is_none() {
        return Err(WebError::Csrf);
    }
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
    let bytes = f.bytes(id, today);
    let outcome = dms_service::actions::submit(&state.services, &signed.actor, &bytes).await;
    match crate::pages::new_action::landing(&state, &signed, outcome, &f.form_token).await {
        Ok(page) => page,
        Err(ServiceError::SchemaViolation(e) | ServiceError::ValidationFailed(e)) => {
            render_cancel(&state, &signed, id, &f, faults_of(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}
