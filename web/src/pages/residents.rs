//! The community's residents (people whose current residence this body registered), a person's
//! history here, and the extract from the register (витяг) for a resident: a printable page
//! with the registered address and dates, the DMS number and the receipt's check code.

use crate::error::{html, PageResult, WebError};
use crate::pages::actions::receipt_code;
use crate::pages::{page_number, url_encode, Chrome, Pager, PAGE_SIZE};
use crate::session::signed;
use crate::uk;
use crate::views::{address_line, full_name, text, ActionLine};
use crate::WebState;
use actix_web::{web, HttpRequest};
use askama::Template;
use dms_db::register::{Resident, Settlement};
use serde::Deserialize;
use uuid::Uuid;

/// A resident as the lists and the extract show them.
#[derive(Debug, Clone)]
pub struct ResidentLine {
    pub person_id: String,
    pub name: String,
    pub birth_date: String,
    pub unzr: String,
    pub document: String,
    pub address: String,
    pub kind: &'static str,
    pub since: String,
    pub action_id: String,
    pub dms_number: String,
    pub received: String,
    pub receipt_code: String,
}

fn settlement_name(list: &[Settlement], code: &str) -> String {
    list.iter()
        .find(|s| s.code == code)
        .map_or_else(|| code.to_owned(), |s| s.name.clone())
}

impl ResidentLine {
    fn new(r: &Resident, settlements: &[Settlement]) -> ResidentLine {
        let code = text(&r.address, "/katottg");
        ResidentLine {
            person_id: r.person_id.to_string(),
            name: full_name(&r.person),
            birth_date: uk::date_text(&text(&r.person, "/birth_date")),
            unzr: text(&r.person, "/unzr"),
            document: format!(
                "{} {}",
                uk::document(&text(&r.person, "/document/type")),
                text(&r.person, "/document/number")
            ),
            address: address_line(&r.address, &settlement_name(settlements, &code)),
            kind: uk::action_type(r.action_type.as_str()),
            since: uk::date(r.action_date),
            action_id: r.action_id.to_string(),
            dms_number: r.dms_number.clone(),
            received: uk::kyiv_time(r.received_at),
            receipt_code: receipt_code(&r.receipt),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    surname: String,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "residents.html")]
struct ListPage {
    chrome: Chrome,
    surname: String,
    residents: Vec<ResidentLine>,
    pager: Pager,
}

pub async fn list(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let page = page_number(q.page.as_deref());
    let surname = q.surname.trim();
    let prefix = (!surname.is_empty()).then_some(surname);
    let listed = dms_service::register::residents(
        &state.services,
        &signed.actor,
        prefix,
        (page - 1) * PAGE_SIZE,
        PAGE_SIZE,
    )
    .await?;
    let settlements = dms_service::register::settlements(&state.services, &signed.actor).await?;
    let query = if surname.is_empty() {
        String::new()
    } else {
        format!("surname={}&", url_encode(surname))
    };
    html(&ListPage {
        chrome: Chrome::signed(&signed, "Мешканці", "residents"),
        surname: surname.to_owned(),
        residents: listed
            .rows
            .iter()
            .map(|r| ResidentLine::new(r, &settlements))
            .collect(),
        pager: Pager::new(page, listed.total, query),
    })
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    chrome: Chrome,
    person_id: String,
    name: String,
    resident: Option<ResidentLine>,
    rows: Vec<ActionLine>,
    caption: &'static str,
}

fn person_id(s: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(s).map_err(|_| WebError::NotFound)
}

pub async fn show(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let id = person_id(&id)?;
    let (resident, history) =
        dms_service::register::person(&state.services, &signed.actor, id).await?;
    let settlements = dms_service::register::settlements(&state.services, &signed.actor).await?;
    let resident = resident
        .as_ref()
        .map(|r| ResidentLine::new(r, &settlements));
    let rows: Vec<ActionLine> = history.iter().map(ActionLine::from).collect();
    let name = resident.as_ref().map_or_else(
        || rows.first().map(|r| r.person.clone()).unwrap_or_default(),
        |r| r.name.clone(),
    );
    html(&PersonPage {
        chrome: Chrome::signed(&signed, name.clone(), "residents"),
        person_id: id.to_string(),
        name,
        resident,
        rows,
        caption: "Дії щодо особи",
    })
}

#[derive(Template)]
#[template(path = "extract.html")]
struct ExtractPage {
    chrome: Chrome,
    r: ResidentLine,
    body: String,
    edrpou: String,
    made_at: String,
    official: String,
}

pub async fn extract(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let id = person_id(&id)?;
    let resident = dms_service::register::extract(&state.services, &signed.actor, id).await?;
    let settlements = dms_service::register::settlements(&state.services, &signed.actor).await?;
    html(&ExtractPage {
        chrome: Chrome::signed(
            &signed,
            "Витяг з реєстру територіальної громади",
            "residents",
        ),
        r: ResidentLine::new(&resident, &settlements),
        body: signed.body()?.name.clone(),
        edrpou: signed.body()?.edrpou.clone(),
        made_at: uk::kyiv_time(chrono::Utc::now()),
        official: signed.session.official.name.clone(),
    })
}
