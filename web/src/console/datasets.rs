//! Data sets for ЄДДР (list with state, records, delivery attempts and ЄДДР's verdicts; a data
//! set's page; re-delivering a failed one) and register entries (a person entered ЄДДР: their
//! held actions go into the next data set).

use super::page::{done_banner, Block, Cell, Form, Page, Row, Table};
use super::staff;
use crate::error::{see_other, PageResult, WebError};
use crate::fields::Faults;
use crate::uk;
use crate::widgets::{Field, Kind, Section};
use crate::WebState;
use actix_web::{web, HttpRequest};
use dms_db::datasets::DatasetRow;
use dms_db::enums::{DatasetState, StaffRole};
use dms_service::ServiceError;
use serde::Deserialize;

const PAGE: i64 = 50;

fn state_cell(s: DatasetState) -> Cell {
    match s {
        DatasetState::Building => Cell::tag("Формується", "grey"),
        DatasetState::Sealed => Cell::tag("Готовий до передачі", "blue"),
        DatasetState::Delivered => Cell::tag("Передано, очікує відповіді", "yellow"),
        DatasetState::Acknowledged => Cell::tag("Прийнято ЄДДР", "green"),
        DatasetState::Failed => Cell::tag("Не передано", "red"),
    }
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(uk::kyiv_time).unwrap_or_else(|| "—".into())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    state: String,
    before: String,
    done: Option<String>,
}

pub async fn list(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    let which = DatasetState::parse(&q.state);
    let before = q.before.trim().parse::<i64>().ok().filter(|b| *b > 0);
    let rows =
        dms_service::datasets::list(&state.services, &c.signed.actor, which, before, PAGE).await?;
    let table_rows = rows
        .iter()
        .map(|d| {
            Row::new(vec![
                Cell::link(format!("№ {}", d.seq), format!("/datasets/{}", d.seq)),
                state_cell(d.state),
                Cell::text(d.record_count.to_string()),
                Cell::text(d.attempts.to_string()),
                Cell::text(format!("{} / {} / {}", d.accepted, d.rejected, d.awaiting)),
                Cell::text(uk::kyiv_time(d.created_at)),
            ])
        })
        .collect();
    let mut filters: Vec<Cell> = vec![if which.is_none() {
        Cell::tag("Усі", "grey")
    } else {
        Cell::link("Усі", "/datasets")
    }];
    for s in [
        DatasetState::Failed,
        DatasetState::Delivered,
        DatasetState::Acknowledged,
    ] {
        let label = state_cell(s).text;
        filters.push(if which == Some(s) {
            Cell::tag(label, "grey")
        } else {
            Cell::link(label, format!("/datasets?state={}", s.as_str()))
        });
    }
    let mut block = Block::default().links(filters).table(Table {
        caption: "Набори даних, новіші першими".into(),
        headers: vec![
            "Набір",
            "Стан",
            "Записів",
            "Спроб передачі",
            "Прийнято / відхилено / без відповіді",
            "Сформовано",
        ],
        rows: table_rows,
        empty: "Наборів даних немає.".into(),
    });
    if rows.len() as i64 == PAGE {
        if let Some(last) = rows.last() {
            let state_q = which
                .map(|s| format!("state={}&", s.as_str()))
                .unwrap_or_default();
            block.links.push(Cell::link(
                "Старіші набори",
                format!("/datasets?{state_q}before={}", last.seq),
            ));
        }
    }
    Page::new(c.chrome("Набори даних для ЄДДР", "datasets"), "Набори даних для ЄДДР")
        .banner(done_banner(q.done.as_deref()))
        .block(Block::default().para(
            "Набори формуються автоматично з прийнятих дій і передаються до ЄДДР; ЄДДР відповідає щодо кожного запису.",
        ))
        .block(block)
        .render()
}

fn facts(d: &DatasetRow) -> Vec<(String, Cell)> {
    let mut f = vec![
        ("Стан".to_owned(), state_cell(d.state)),
        ("Записів".to_owned(), Cell::text(d.record_count.to_string())),
        (
            "Прийнято ЄДДР".to_owned(),
            Cell::text(d.accepted.to_string()),
        ),
        (
            "Відхилено ЄДДР".to_owned(),
            Cell::text(d.rejected.to_string()),
        ),
        (
            "Без відповіді".to_owned(),
            Cell::text(d.awaiting.to_string()),
        ),
        (
            "Спроб передачі".to_owned(),
            Cell::text(d.attempts.to_string()),
        ),
        (
            "Сформовано".to_owned(),
            Cell::text(uk::kyiv_time(d.created_at)),
        ),
        ("Запечатано".to_owned(), Cell::text(time(d.sealed_at))),
        ("Передано".to_owned(), Cell::text(time(d.delivered_at))),
        (
            "Відповідь ЄДДР".to_owned(),
            Cell::text(time(d.acknowledged_at)),
        ),
    ];
    // The next attempt matters only while the set still waits to be delivered.
    if let Some(t) = d
        .next_attempt_at
        .filter(|_| matches!(d.state, DatasetState::Sealed | DatasetState::Delivered))
    {
        f.push(("Наступна спроба".to_owned(), Cell::text(uk::kyiv_time(t))));
    }
    if let Some(e) = &d.last_error {
        f.push(("Остання помилка".to_owned(), Cell::text(e.clone())));
    }
    for (label, value) in [
        ("SHA-256 записів", &d.records_sha256),
        ("SHA-256 маніфесту", &d.manifest_sha256),
        (
            "SHA-256 попереднього маніфесту",
            &d.previous_manifest_sha256,
        ),
    ] {
        if let Some(v) = value {
            f.push((label.to_owned(), Cell::text(v.clone())));
        }
    }
    if let Some(seq) = d.audit_head_seq {
        f.push((
            "Останній запечатаний запис журналу аудиту".to_owned(),
            Cell::text(format!("№ {seq}")),
        ));
    }
    f
}

fn seq_of(s: &str) -> Result<i64, WebError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(WebError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    done: Option<String>,
}

pub async fn show(
    state: web::Data<WebState>,
    req: HttpRequest,
    seq: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    let d = dms_service::datasets::detail(&state.services, &c.signed.actor, seq_of(&seq)?).await?;
    let mut block = Block::default().summary(facts(&d));
    if d.state == DatasetState::Failed && c.staff.role == StaffRole::Supervisor {
        block = block
            .para("Усі спроби передачі вичерпано. Після усунення причини передайте набір повторно: ЄДДР приймає його за тим самим номером лише один раз.")
            .form(Form {
                action: format!("/datasets/{}/redeliver", d.seq),
                post: true,
                csrf: c.csrf(),
                button: "Передати повторно".into(),
                ..Form::default()
            });
    }
    Page::new(
        c.chrome(format!("Набір даних № {}", d.seq), "datasets"),
        format!("Набір даних № {}", d.seq),
    )
    .banner(done_banner(q.done.as_deref()))
    .block(block)
    .render()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn redeliver(
    state: web::Data<WebState>,
    req: HttpRequest,
    seq: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
    let seq = seq_of(&seq)?;
    match dms_service::datasets::redeliver(&state.services, &c.signed.actor, seq).await {
        // Not failed (any more): the page shows its state as it is now.
        Ok(_) => see_other(format!("/datasets/{seq}?done=redeliver")),
        Err(ServiceError::DatasetNotFailed) => see_other(format!("/datasets/{seq}")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct EntryForm {
    csrf: String,
    unzr: String,
    doc_type: String,
    doc_number: String,
    done: Option<String>,
    released: String,
}

async fn entry_form(
    state: &WebState,
    req: &HttpRequest,
    form: EntryForm,
    faults: Faults,
) -> PageResult {
    let c = staff(state, req).await?;
    c.require(&[StaffRole::Supervisor])?;
    let mut banner = done_banner(form.done.as_deref());
    if let (Some(b), Ok(n)) = (banner.as_mut(), form.released.parse::<usize>()) {
        b.push_str(&format!(
            " До наступного набору даних передано затриманих дій: {n}."
        ));
    }
    Page::new(c.chrome("Внесення особи до ЄДДР", "entries"), "Внесення особи до ЄДДР")
        .banner(banner)
        .faults(faults.clone())
        .block(
            Block::default()
                .para("Коли особу вперше внесено до ЄДДР (під час оформлення документів), її дії, затримані до цього, передаються до наступного набору даних — від найдавніших.")
                .para("Система оформлення документів повідомляє про це сама; тут це можна записати вручну.")
                .form(Form {
                    action: "/register-entries".into(),
                    post: true,
                    csrf: c.csrf(),
                    sections: vec![Section {
                        legend: "Особа",
                        fields: vec![
                            Field::new("unzr", "УНЗР, присвоєний особі", &form.unzr, &faults).kind(Kind::Code).required(),
                            Field::new("doc_type", "Вид документа, на який присвоєно УНЗР", &form.doc_type, &faults)
                                .kind(Kind::Select)
                                .options(uk::DOCUMENTS)
                                .hint("Разом із номером — щоб знайти дії, подані без УНЗР"),
                            Field::new("doc_number", "Серія та номер документа", &form.doc_number, &faults).kind(Kind::Code),
                        ],
                    }],
                    button: "Записати внесення".into(),
                    ..Form::default()
                }),
        )
        .render()
}

pub async fn entry_page(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<EntryForm>,
) -> PageResult {
    entry_form(&state, &req, q.into_inner(), Faults::default()).await
}

pub async fn entry(
    state: web::Data<WebState>,
    req: HttpRequest,
    form: web::Form<EntryForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let mut faults = Faults::default();
    let unzr = match dms_schemas::Unzr::parse(form.unzr.trim()) {
        Ok(u) => Some(u),
        Err(_) => {
            faults.add(
                "unzr",
                "УНЗР має вигляд РРРРММДД-ННННК і правильну контрольну цифру",
            );
            None
        }
    };
    let document = match (form.doc_type.trim(), form.doc_number.trim()) {
        ("", "") => None,
        (t, n) if !t.is_empty() && !n.is_empty() => {
            let kind = serde_json::from_value::<dms_schemas::DocumentType>(
                serde_json::Value::String(t.to_owned()),
            );
            match kind
                .ok()
                .and_then(|k| dms_schemas::DocumentNumber::parse(k, n).ok())
            {
                Some(d) => Some(d),
                None => {
                    faults.add("doc_number", "Номер не відповідає виду документа");
                    None
                }
            }
        }
        _ => {
            faults.add(
                "doc_number",
                "Вкажіть і вид, і номер документа (або жодного)",
            );
            None
        }
    };
    let Some(unzr) = unzr.filter(|_| faults.is_empty()) else {
        return entry_form(&state, &req, form, faults).await;
    };
    let released = dms_service::register_entries::record(
        &state.services,
        &c.signed.actor,
        &unzr,
        document.as_ref(),
    )
    .await?;
    see_other(format!("/register-entries?done=entry&released={released}"))
}
