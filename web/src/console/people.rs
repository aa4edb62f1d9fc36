//! Searching people and their actions (officers within their unit's territory, supervisors
//! everywhere; every search and every view audited by the service), an action's page — the
//! record as the body sent it, its signed receipt, its way to ЄДДР — and a person's history
//! across communities.

use super::page::{Block, Cell, Form, Page, Row, Table};
use super::{staff, Console};
use crate::error::{PageResult, WebError};
use crate::fields::Faults;
use crate::uk;
use crate::widgets::{Field, Kind, Section};
use crate::WebState;
use actix_web::{web, HttpRequest};
use dms_db::enums::StaffRole;
use dms_service::search::Query;
use dms_service::ServiceError;
use serde::Deserialize;
use uuid::Uuid;

/// The search as the form sends it (empty fields are absent).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub unzr: String,
    pub rnokpp: String,
    pub doc_type: String,
    pub doc_number: String,
    pub surname: String,
    pub birth_date: String,
}

impl SearchQuery {
    fn is_empty(&self) -> bool {
        [
            &self.unzr,
            &self.rnokpp,
            &self.doc_type,
            &self.doc_number,
            &self.surname,
            &self.birth_date,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }

    fn query(&self) -> Query {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Query {
            unzr: some(&self.unzr),
            rnokpp: some(&self.rnokpp),
            document_type: some(&self.doc_type),
            document_number: some(&self.doc_number),
            surname: some(&self.surname),
            birth_date: some(&self.birth_date),
        }
    }
}

pub fn search_form(action: &str, q: &SearchQuery, faults: &Faults) -> Form {
    Form {
        action: action.into(),
        post: false,
        sections: vec![Section {
            legend: "Пошук особи",
            fields: vec![
                Field::new("unzr", "УНЗР", &q.unzr, faults)
                    .kind(Kind::Code)
                    .hint("Наприклад, 19900101-00018"),
                Field::new("rnokpp", "РНОКПП", &q.rnokpp, faults).kind(Kind::Code),
                Field::new("doc_type", "Вид документа", &q.doc_type, faults)
                    .kind(Kind::Select)
                    .options(uk::DOCUMENTS),
                Field::new(
                    "doc_number",
                    "Серія та номер документа",
                    &q.doc_number,
                    faults,
                )
                .kind(Kind::Code),
                Field::new("surname", "Прізвище", &q.surname, faults),
                Field::new("birth_date", "Дата народження", &q.birth_date, faults)
                    .kind(Kind::Date)
                    .hint("Разом із прізвищем"),
            ],
        }],
        button: "Знайти".into(),
        ..Form::default()
    }
}

fn faults_of_search(errors: &[dms_schemas::FieldError]) -> Faults {
    let mut faults = Faults::default();
    for e in errors {
        let field = match e.pointer.as_str() {
            "/unzr" => "unzr",
            "/rnokpp" => "rnokpp",
            "/document_type" => "doc_type",
            "/document_number" => "doc_number",
            "/birth_date" => "birth_date",
            _ => "surname",
        };
        let text = match field {
            "unzr" => "УНЗР має вигляд РРРРММДД-ННННК і правильну контрольну цифру",
            "rnokpp" => "РНОКПП — 10 цифр із правильною контрольною цифрою",
            "doc_type" => "Оберіть вид документа",
            "birth_date" => "Вкажіть дату народження",
            _ => "Шукайте за УНЗР, РНОКПП, документом (вид і номер) або прізвищем із датою народження",
        };
        faults.add(field, text);
    }
    faults
}

/// The search's results as a block (none before a search), and the faults of the query.
/// `for_request`: each result offers a verification request about that person.
pub async fn results(
    state: &WebState,
    c: &Console,
    q: &SearchQuery,
    for_request: bool,
) -> Result<(Block, Faults), WebError> {
    if q.is_empty() {
        return Ok((Block::default(), Faults::default()));
    }
    let found =
        match dms_service::search::search(&state.services, &c.signed.actor, &q.query()).await {
            Ok(found) => found,
            Err(ServiceError::ValidationFailed(e)) | Err(ServiceError::SchemaViolation(e)) => {
                return Ok((Block::default(), faults_of_search(&e)));
            }
            Err(e) => return Err(e.into()),
        };
    let rows = found
        .iter()
        .map(|f| {
            let mut cells = vec![
                Cell::link(f.dms_number.clone(), format!("/actions/{}", f.id)),
                Cell::text(uk::action_type(f.action_type.as_str())),
                Cell::text(uk::date(f.action_date)),
                Cell::text(crate::views::full_name(&f.body["person"])),
                Cell::text(f.registration_body_edrpou.clone()),
                Cell::text(f.katottg.clone().unwrap_or_default()),
            ];
            if for_request {
                cells.push(Cell::link(
                    "Надіслати запит",
                    format!("/requests/new?action={}", f.id),
                ));
            }
            Row::new(cells)
        })
        .collect();
    let mut headers = vec![
        "Номер ДМС",
        "Дія",
        "Дата",
        "Особа",
        "Орган (ЄДРПОУ)",
        "Населений пункт (КАТОТТГ)",
    ];
    if for_request {
        headers.push("Запит");
    }
    let block = Block::heading(format!("Знайдено дій: {}", found.len())).table(Table {
        caption: "Реєстраційні дії щодо особи (новіші першими)".into(),
        headers,
        rows,
        empty: if c.staff.territory.is_some() {
            "Нічого не знайдено у межах вашої території.".into()
        } else {
            "Нічого не знайдено.".into()
        },
    });
    Ok((block, Faults::default()))
}

pub async fn search(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<SearchQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.require(&[StaffRole::Officer, StaffRole::Supervisor])?;
    let (block, faults) = results(&state, &c, &q, false).await?;
    Page::new(c.chrome("Пошук осіб і дій", "search"), "Пошук осіб і дій")
        .faults(faults.clone())
        .block(
            Block::default()
                .para("Кожен пошук і перегляд записується до журналу аудиту.")
                .form(search_form("/search", &q, &faults)),
        )
        .block(block)
        .render()
}

fn uuid(s: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(s).map_err(|_| WebError::NotFound)
}

pub async fn action(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    let a =
        dms_service::actions::read_for_staff(&state.services, &c.signed.actor, uuid(&id)?).await?;
    let v = &a.view;
    let mut facts = vec![
        ("Номер ДМС".to_owned(), Cell::text(v.dms_number.clone())),
        (
            "Дія".to_owned(),
            Cell::text(uk::action_type(v.action_type.as_str())),
        ),
        ("Дата дії".to_owned(), Cell::text(uk::date(v.action_date))),
        (
            "Отримано".to_owned(),
            Cell::text(format!(
                "{}{}",
                uk::kyiv_time(v.received_at),
                if v.late {
                    " (із запізненням)"
                } else {
                    ""
                }
            )),
        ),
        (
            "Орган реєстрації".to_owned(),
            Cell::text(format!(
                "{} (ЄДРПОУ {})",
                a.registration_body_name, a.registration_body_edrpou
            )),
        ),
        (
            "Канал".to_owned(),
            Cell::text(match a.channel.as_str() {
                "trembita" => "Трембіта",
                "token" => "прямий канал (токен)",
                "mtls" => "прямий канал (сертифікат)",
                "web" => "вебінтерфейс ДМС",
                other => other,
            }),
        ),
        (
            "Ідентифікатор у реєстрі громади".to_owned(),
            Cell::text(v.external_id.clone()),
        ),
        (
            "Передача до ЄДДР".to_owned(),
            Cell::text(uk::feed_state(
                v.feed_state.map(|s| s.as_str()),
                v.dataset_seq,
            )),
        ),
    ];
    if let Some(r) = &v.feed_reason {
        facts.push(("Причина".to_owned(), Cell::text(r.clone())));
    }
    if let (Some(id), Some(n)) = (v.cancelled_by_id, &v.cancelled_by_number) {
        facts.push((
            "Скасовано дією".to_owned(),
            Cell::link(n.clone(), format!("/actions/{id}")),
        ));
    }
    if let (Some(id), Some(n)) = (v.cancels_id, &v.cancels_number) {
        facts.push((
            "Скасовує дію".to_owned(),
            Cell::link(n.clone(), format!("/actions/{id}")),
        ));
    }
    if let Some(p) = a.person_id {
        facts.push((
            "Особа".to_owned(),
            Cell::link("Історія особи в усіх громадах", format!("/people/{p}")),
        ));
    }
    let mut sent = Block::heading("Запис, як його надіслав орган реєстрації");
    sent.pre = Some(serde_json::to_string_pretty(&a.body).unwrap_or_default());
    let mut receipt = Block::heading("Підтвердження ДМС (підписане)")
        .para("Дію завершено в момент видачі цього підтвердження.");
    receipt.pre = Some(v.receipt.clone());
    Page::new(
        c.chrome("Реєстраційна дія", "search"),
        format!("Дія {}", v.dms_number),
    )
    .block(Block::default().summary(facts))
    .block(sent)
    .block(receipt)
    .render()
}

pub async fn history(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    let entries =
        dms_service::persons::history(&state.services, &c.signed.actor, uuid(&id)?).await?;
    let rows = entries
        .iter()
        .map(|e| {
            let mut what = uk::action_type(e.action_type.as_str()).to_owned();
            if e.cancelled_by_id.is_some() {
                what.push_str(" (скасовано)");
            }
            if let Some(prev) = &e.previous_body_edrpou {
                what.push_str(&format!("; переїзд, попередній орган {prev}"));
            }
            Row::new(vec![
                Cell::text(uk::date(e.action_date)),
                Cell::link(e.dms_number.clone(), format!("/actions/{}", e.id)),
                Cell::text(what),
                Cell::text(format!(
                    "{} ({})",
                    e.registration_body_name, e.registration_body_edrpou
                )),
                Cell::text(e.katottg.clone().unwrap_or_default()),
                Cell::text(format!(
                    "{}{}{}",
                    uk::kyiv_time(e.received_at),
                    if e.late {
                        ", із запізненням"
                    } else {
                        ""
                    },
                    if e.historical {
                        ", з наявних даних реєстру"
                    } else {
                        ""
                    }
                )),
                Cell::text(uk::feed_state(
                    e.feed_state.map(|s| s.as_str()),
                    e.dataset_seq,
                )),
            ])
        })
        .collect();
    Page::new(c.chrome("Історія особи", "search"), "Історія особи в усіх громадах")
        .block(
            Block::default()
                .para("Усі реєстраційні дії щодо особи в усіх громадах, від найдавніших: реєстрації, зняття з реєстрації, переїзди, скасування.")
                .table(Table {
                    caption: "Реєстраційні дії щодо особи".into(),
                    headers: vec!["Дата дії", "Номер ДМС", "Дія", "Орган реєстрації", "Населений пункт (КАТОТТГ)", "Отримано", "Передача до ЄДДР"],
                    rows,
                    empty: "Дій немає.".into(),
                }),
        )
        .render()
}
