//! Verification requests of DMS (rule 5): the list with due dates (overdue ones stand out), a
//! request's page, and its answer — confirmed, another address, or not registered — through the
//! same service operation as the API's (checked, final after the correction window).

use crate::error::{html, html_status, see_other, PageResult, WebError};
use crate::fields::{faults_of, Faults};
use crate::form::AnswerForm;
use crate::pages::Chrome;
use crate::session::{signed, Signed};
use crate::uk;
use crate::views::{address_line, full_name, text, RequestLine};
use crate::widgets::{Field, Kind, Section};
use crate::WebState;
use actix_web::{web, HttpRequest};
use askama::Template;
use dms_service::verification_requests::{self as requests, Paging, RequestFilter};
use dms_service::ServiceError;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    state: String,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    chrome: Chrome,
    state: String,
    requests: Vec<RequestLine>,
}

pub async fn list(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let which = match q.state.as_str() {
        "answered" | "all" | "overdue" => q.state.clone(),
        _ => "open".to_owned(),
    };
    let filter = RequestFilter::parse(Some(&which)).map_err(|_| WebError::NotFound)?;
    let listed = requests::list_for_body(
        &state.services,
        &signed.actor,
        filter,
        Paging {
            after: None,
            limit: Paging::MAX,
        },
    )
    .await?;
    html(&ListPage {
        chrome: Chrome::signed(&signed, "Запити ДМС", "requests"),
        state: which,
        requests: listed
            .requests
            .iter()
            .map(|r| RequestLine::new(r, listed.today))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    chrome: Chrome,
    id: String,
    line: RequestLine,
    unit: String,
    details: String,
    person: Vec<(&'static str, String)>,
    answer: Option<Vec<(&'static str, String)>>,
    answered_at: String,
    corrected: bool,
    csrf: String,
    faults: Faults,
    sections: Vec<Section>,
    saved: bool,
}

fn answer_sections(
    f: &AnswerForm,
    faults: &Faults,
    settlements: &[dms_db::register::Settlement],
) -> Vec<Section> {
    let mut katottg = Field::new("katottg", "Населений пункт", &f.katottg, faults)
        .kind(Kind::Select)
        .hint("Лише якщо адреса інша");
    katottg.options = settlements
        .iter()
        .map(|s| (s.code.clone(), s.name.clone()))
        .collect();
    vec![
        Section {
            legend: "Відомості для ДМС",
            fields: vec![
                Field::new("result", "Результат перевірки", &f.result, faults)
                    .kind(Kind::Select)
                    .required()
                    .options(uk::ANSWERS),
                Field::new(
                    "registered_since",
                    "Зареєстровано з",
                    &f.registered_since,
                    faults,
                )
                .kind(Kind::Date)
                .hint("Дата реєстрації за адресою, якщо відома"),
                Field::new("details", "Пояснення", &f.details, faults).kind(Kind::Textarea),
            ],
        },
        Section {
            legend: "Інша адреса (якщо особа проживає за іншою адресою)",
            fields: vec![
                katottg,
                Field::new("street", "Вулиця", &f.street, faults),
                Field::new("building", "Будинок", &f.building, faults).kind(Kind::Code),
                Field::new("block", "Корпус", &f.block, faults).kind(Kind::Code),
                Field::new("apartment", "Квартира", &f.apartment, faults).kind(Kind::Code),
                Field::new("postal_code", "Поштовий індекс", &f.postal_code, faults)
                    .kind(Kind::Code),
            ],
        },
    ]
}

async fn render(
    state: &WebState,
    signed: &Signed,
    id: Uuid,
    f: &AnswerForm,
    faults: Faults,
    saved: bool,
) -> PageResult {
    let r = dms_service::register::request(&state.services, &signed.actor, id).await?;
    let settlements = dms_service::register::settlements(&state.services, &signed.actor).await?;
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
    let person = vec![
        ("Особа", full_name(&r.person)),
        (
            "Дата народження",
            uk::date_text(&text(&r.person, "/birth_date")),
        ),
        ("УНЗР", text(&r.person, "/unzr")),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let answer = r.answer.as_ref().map(|a| {
        let code = text(a, "/address/katottg");
        let name = settlements
            .iter()
            .find(|s| s.code == code)
            .map_or(code.clone(), |s| s.name.clone());
        let mut rows = vec![("Результат", uk::answer(&text(a, "/result")).to_owned())];
        if a.get("address").is_some() {
            rows.push(("Адреса", address_line(&a["address"], &name)));
        }
        rows.push((
            "Зареєстровано з",
            uk::date_text(&text(a, "/registered_since")),
        ));
        rows.push(("Пояснення", text(a, "/details")));
        rows.retain(|(_, v)| !v.is_empty());
        rows
    });
    let status = faults.status();
    html_status(
        status,
        &RequestPage {
            chrome: Chrome::signed(signed, "Запит ДМС", "requests"),
            id: id.to_string(),
            line: RequestLine::new(&r, today),
            unit: r.unit.clone(),
            details: r.details.clone(),
            person,
            answer,
            answered_at: r.answered_at.map(uk::kyiv_time).unwrap_or_default(),
            corrected: r.corrected_at.is_some(),
            csrf: signed.csrf().to_owned(),
            sections: answer_sections(f, &faults, &settlements),
            faults,
            saved,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    saved: Option<String>,
}

pub async fn show(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    render(
        &state,
        &signed,
        id,
        &AnswerForm::default(),
        Faults::default(),
        q.saved.is_some(),
    )
    .await
}

pub async fn answer(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Form<AnswerForm>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let f = body.into_inner();
    signed.check_csrf(&f.csrf)?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    match requests::answer(&state.services, &signed.actor, id, &f.bytes()).await {
        Ok(_) => see_other(format!("/requests/{id}?saved=1")),
        Err(ServiceError::SchemaViolation(e)) | Err(ServiceError::ValidationFailed(e)) => {
            render(&state, &signed, id, &f, faults_of(&e), false).await
        }
        Err(ServiceError::AlreadyAnswered) => {
            let mut faults = Faults::default();
            faults.add(
                "result",
                "Відповідь уже надано, і строк її виправлення (24 години) минув",
            );
            render(&state, &signed, id, &f, faults, false).await
        }
        Err(e) => Err(e.into()),
    }
}
