//! Verification requests (rule 5) on the console: an officer finds the person first, sends the
//! request to the registration body of the person's address, and follows it — open, due today,
//! overdue, answered — to its answer. Supervisors see every unit's requests.

use super::page::{done_banner, Block, Cell, Form, Page, Row, Table};
use super::people::{search_form, SearchQuery};
use super::{staff, Console};
use crate::error::{see_other, PageResult, WebError};
use crate::fields::Faults;
use crate::uk;
use crate::views::full_name;
use crate::widgets::{Field, Kind, Section};
use crate::WebState;
use actix_web::{web, HttpRequest};
use chrono::NaiveDate;
use dms_db::verification_requests::Request;
use dms_service::verification_requests::{self as requests, Paging, RequestFilter};
use dms_service::ServiceError;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    state: String,
    after: String,
    done: Option<String>,
}

/// Requests per page of the list.
const PAGE: i64 = 100;

/// The deadline state as the officer reads it: open, due today, overdue or answered.
pub fn deadline(r: &Request, today: NaiveDate) -> Cell {
    match (r.answer.is_some(), r.due_date) {
        (true, _) => Cell::tag("Відповідь надано", "green"),
        (false, Some(due)) if due < today => Cell::tag("Прострочено", "red"),
        (false, Some(due)) if due == today => Cell::tag("Сьогодні останній день", "yellow"),
        (false, Some(_)) => Cell::tag("Відкритий", "blue"),
        (false, None) => Cell::tag("Ще не отримано органом", "grey"),
    }
}

pub async fn list(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    let which = match q.state.as_str() {
        "answered" | "all" | "overdue" => q.state.clone(),
        _ => "open".to_owned(),
    };
    let filter = RequestFilter::parse(Some(&which)).map_err(|_| WebError::NotFound)?;
    let listed = requests::list_for_staff(
        &state.services,
        &c.signed.actor,
        filter,
        None,
        Paging {
            after: Uuid::parse_str(q.after.trim()).ok(),
            limit: PAGE,
        },
    )
    .await?;
    let rows = listed
        .requests
        .iter()
        .map(|r| {
            let overdue = r.answer.is_none() && r.due_date.is_some_and(|d| d < listed.today);
            Row::new(vec![
                Cell::link(
                    uk::question(r.question.as_str()),
                    format!("/requests/{}", r.id),
                ),
                Cell::text(full_name(&r.person)),
                Cell::text(r.registration_body_edrpou.clone()),
                Cell::text(uk::kyiv_time(r.created_at)),
                Cell::text(r.due_date.map(uk::date).unwrap_or_else(|| "—".into())),
                deadline(r, listed.today),
            ])
            .alert(overdue)
        })
        .collect();
    let filters = [
        ("open", "Очікують відповіді"),
        ("overdue", "Прострочені"),
        ("answered", "З відповіддю"),
        ("all", "Усі"),
    ]
    .iter()
    .map(|(k, label)| {
        if *k == which {
            Cell::tag(*label, "grey")
        } else {
            Cell::link(*label, format!("/requests?state={k}"))
        }
    })
    .collect();
    let mut page = Page::new(
        c.chrome("Запити на перевірку", "requests"),
        "Запити на перевірку",
    )
    .banner(done_banner(q.done.as_deref()));
    if c.staff.role == dms_db::enums::StaffRole::Officer {
        page = page.block(Block::default().links(vec![Cell::link(
            "Новий запит: спершу знайдіть особу",
            "/requests/new",
        )]));
    }
    let mut more = Vec::new();
    if listed.requests.len() as i64 == PAGE {
        if let Some(last) = listed.requests.last() {
            more.push(Cell::link(
                "Наступні запити",
                format!("/requests?state={which}&after={}", last.id),
            ));
        }
    }
    page.block(
        Block::default()
            .para(format!(
                "Орган реєстрації відповідає до кінця третього робочого дня після отримання запиту. Сьогодні {}.",
                uk::date(listed.today)
            ))
            .links(filters)
            .table(Table {
                caption: "Запити".into(),
                headers: vec!["Запит", "Особа", "Орган (ЄДРПОУ)", "Створено", "Відповісти до", "Стан"],
                rows,
                empty: "Запитів немає.".into(),
            }),
    )
    .block(Block::default().links(more))
    .render()
}

fn request_id(id: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(id).map_err(|_| WebError::NotFound)
}

fn person_lines(p: &Value) -> Vec<(String, Cell)> {
    let mut out = vec![("Особа".to_owned(), Cell::text(full_name(p)))];
    if let Some(v) = p.get("unzr").and_then(Value::as_str) {
        out.push(("УНЗР".to_owned(), Cell::text(v)));
    }
    if let Some(v) = p.get("birth_date").and_then(Value::as_str) {
        out.push(("Дата народження".to_owned(), Cell::text(uk::date_text(v))));
    }
    if let Some(d) = p.get("document") {
        out.push((
            "Документ".to_owned(),
            Cell::text(format!(
                "{} {}",
                uk::document(d["type"].as_str().unwrap_or_default()),
                d["number"].as_str().unwrap_or_default()
            )),
        ));
    }
    out
}

pub async fn show(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<ListQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    let id = request_id(&id)?;
    let (today, r) = requests::get_for_staff(&state.services, &c.signed.actor, id).await?;
    let mut facts = person_lines(&r.person);
    facts.extend([
        (
            "Питання".to_owned(),
            Cell::text(uk::question(r.question.as_str())),
        ),
        (
            "Пояснення".to_owned(),
            Cell::text(if r.details.is_empty() {
                "—".to_owned()
            } else {
                r.details.clone()
            }),
        ),
        (
            "Орган реєстрації (ЄДРПОУ)".to_owned(),
            Cell::text(r.registration_body_edrpou.clone()),
        ),
        ("Підрозділ".to_owned(), Cell::text(r.unit.clone())),
        (
            "Створено".to_owned(),
            Cell::text(uk::kyiv_time(r.created_at)),
        ),
        (
            "Отримано органом".to_owned(),
            Cell::text(
                r.delivered_at
                    .map(uk::kyiv_time)
                    .unwrap_or_else(|| "ще ні".into()),
            ),
        ),
        (
            "Відповісти до".to_owned(),
            Cell::text(
                r.due_date
                    .map(uk::date)
                    .unwrap_or_else(|| "строк почнеться з отримання".into()),
            ),
        ),
        ("Стан".to_owned(), deadline(&r, today)),
    ]);
    let mut page = Page::new(
        c.chrome("Запит на перевірку", "requests"),
        "Запит на перевірку",
    )
    .caption(format!("Запит {}", r.id))
    .banner(done_banner(q.done.as_deref()))
    .block(Block::default().summary(facts));
    if let Some(a) = &r.answer {
        let mut lines = vec![(
            "Відповідь".to_owned(),
            Cell::text(uk::answer(a["result"].as_str().unwrap_or_default())),
        )];
        if let Some(t) = r.answered_at {
            lines.push(("Надано".to_owned(), Cell::text(uk::kyiv_time(t))));
        }
        if let Some(s) = a.get("registered_since").and_then(Value::as_str) {
            lines.push(("Зареєстровано з".to_owned(), Cell::text(s)));
        }
        if let Some(d) = a.get("details").and_then(Value::as_str) {
            lines.push(("Пояснення органу".to_owned(), Cell::text(d)));
        }
        if r.corrected_at.is_some() {
            lines.push((
                "Виправлено".to_owned(),
                Cell::text(r.corrected_at.map(uk::kyiv_time).unwrap_or_default()),
            ));
        }
        let mut block = Block::heading("Відповідь органу реєстрації").summary(lines);
        if let Some(addr) = a.get("address") {
            block.pre = Some(serde_json::to_string_pretty(addr).unwrap_or_default());
        }
        page = page.block(block);
    }
    page.render()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    action: Option<String>,
    #[serde(flatten)]
    search: SearchQuery,
}

/// The person of a request, from the action that registered them: by УНЗР when they have one,
/// else by name, birth date and a document the request's schema knows.
fn person_of(action: &Value) -> Value {
    let p = &action["person"];
    let mut out = serde_json::Map::new();
    for key in ["unzr", "surname", "given_name", "patronymic", "birth_date"] {
        if let Some(v) = p.get(key).filter(|v| v.is_string()) {
            out.insert(key.into(), v.clone());
        }
    }
    let known = [
        "passport_booklet",
        "id_card",
        "birth_certificate",
        "permanent_residence_permit",
        "temporary_residence_permit",
    ];
    if let Some(d) = p.get("document") {
        if d["type"].as_str().is_some_and(|t| known.contains(&t)) {
            let mut doc = serde_json::Map::new();
            for key in ["type", "number", "issued_on", "issuer"] {
                if let Some(v) = d.get(key).filter(|v| v.is_string()) {
                    doc.insert(key.into(), v.clone());
                }
            }
            out.insert("document".into(), Value::Object(doc));
        }
    }
    Value::Object(out)
}

fn question_form(
    c: &Console,
    action: &str,
    question: &str,
    details: &str,
    faults: &Faults,
) -> Form {
    Form {
        action: "/requests/new".into(),
        post: true,
        csrf: c.csrf(),
        hidden: vec![("action".into(), action.to_owned())],
        sections: vec![Section {
            legend: "Запит",
            fields: vec![
                Field::new(
                    "question",
                    "Що слід зробити органу реєстрації",
                    question,
                    faults,
                )
                .kind(Kind::Radios)
                .options([
                    (
                        "confirm_current_address",
                        uk::question("confirm_current_address"),
                    ),
                    ("clarify_address", uk::question("clarify_address")),
                    (
                        "report_deregistration",
                        uk::question("report_deregistration"),
                    ),
                ])
                .required(),
                Field::new("details", "Пояснення", details, faults)
                    .kind(Kind::Textarea)
                    .hint("До 2000 символів. Не вказуйте даних, яких немає в запиті."),
            ],
        }],
        button: "Надіслати запит".into(),
        warning: false,
    }
}

async fn form_page(
    state: &WebState,
    c: &Console,
    action_id: Uuid,
    question: &str,
    details: &str,
    faults: Faults,
) -> PageResult {
    let a =
        dms_service::actions::read_for_staff(&state.services, &c.signed.actor, action_id).await?;
    let mut facts = person_lines(&person_of(&a.body));
    facts.push((
        "Орган реєстрації за адресою".to_owned(),
        Cell::text(format!(
            "{} (ЄДРПОУ {})",
            a.registration_body_name, a.registration_body_edrpou
        )),
    ));
    facts.push((
        "Орган визначено за дією".to_owned(),
        Cell::link(
            format!(
                "{} від {}",
                uk::action_type(a.view.action_type.as_str()),
                uk::date(a.view.action_date)
            ),
            format!("/actions/{}", a.view.id),
        ),
    ));
    Page::new(
        c.chrome("Новий запит на перевірку", "requests"),
        "Новий запит на перевірку",
    )
    .faults(faults.clone())
    .block(Block::heading("Особа та орган реєстрації").summary(facts))
    .block(Block::default().form(question_form(
        c,
        &action_id.to_string(),
        question,
        details,
        &faults,
    )))
    .render()
}

pub async fn new_page(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<NewQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.require(&[dms_db::enums::StaffRole::Officer])?;
    if let Some(a) = q.action.as_deref() {
        return form_page(&state, &c, request_id(a)?, "", "", Faults::default()).await;
    }
    let (block, faults) = super::people::results(&state, &c, &q.search, true).await?;
    Page::new(c.chrome("Новий запит на перевірку", "requests"), "Новий запит на перевірку")
        .faults(faults.clone())
        .block(
            Block::default()
                .para("Спершу знайдіть особу. Запит буде надіслано органу реєстрації, який зареєстрував її адресу.")
                .form(search_form("/requests/new", &q.search, &faults)),
        )
        .block(block)
        .render()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewForm {
    csrf: String,
    action: String,
    question: String,
    details: String,
}

pub async fn create(
    state: web::Data<WebState>,
    req: HttpRequest,
    form: web::Form<NewForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
    let action_id = request_id(&form.action)?;
    let a =
        dms_service::actions::read_for_staff(&state.services, &c.signed.actor, action_id).await?;
    let mut doc = json!({
        "registration_body_edrpou": a.registration_body_edrpou,
        "person": person_of(&a.body),
        "question": form.question,
    });
    if !form.details.trim().is_empty() {
        doc["details"] = form.details.trim().into();
    }
    let bytes = serde_json::to_vec(&doc).map_err(|_| WebError::Internal)?;
    match requests::create(&state.services, &c.signed.actor, &bytes).await {
        Ok(r) => see_other(format!("/requests/{}?done=request", r.id)),
        Err(ServiceError::SchemaViolation(e)) | Err(ServiceError::ValidationFailed(e)) => {
            let mut faults = Faults::default();
            for f in &e {
                match f.pointer.as_str() {
                    "/question" => {
                        faults.add("question", "Оберіть, що слід зробити органу реєстрації")
                    }
                    "/details" => faults.add("details", "Пояснення — до 2000 символів"),
                    _ => faults.add(
                        "question",
                        format!("Запит не можна надіслати: {} ({})", f.message, f.pointer),
                    ),
                }
            }
            form_page(&state, &c, action_id, &form.question, &form.details, faults).await
        }
        Err(e) => Err(e.into()),
    }
}
