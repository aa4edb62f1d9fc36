//! Territorial bans on registration actions (CMU 1450/2021): the list, a new ban (the next
//! submission in that territory is refused), and ending a ban early.

use super::page::{done_banner, Block, Cell, Form, Page, Row, Table};
use super::staff;
use crate::error::{see_other, PageResult, WebError};
use crate::fields::Faults;
use crate::uk;
use crate::widgets::{Field, Kind, Section};
use crate::WebState;
use actix_web::{web, HttpRequest};
use chrono::NaiveDate;
use dms_db::enums::StaffRole;
use dms_service::restrictions::NewRestriction;
use dms_service::ServiceError;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct BanForm {
    csrf: String,
    katottg: String,
    from: String,
    to: String,
    legal_basis: String,
}

async fn render(
    state: &WebState,
    req: &HttpRequest,
    done: Option<&str>,
    faults: Faults,
    form: BanForm,
) -> PageResult {
    let c = staff(state, req).await?;
    let bans = dms_service::restrictions::list(&state.services, &c.signed.actor).await?;
    let supervisor = c.staff.role == StaffRole::Supervisor;
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
    let rows = bans
        .iter()
        .map(|b| {
            let last = b.effective_to();
            let active = b.from_date <= today && last.is_none_or(|t| t >= today);
            // Ended before its first day: it never applied.
            let called_off = last.is_some_and(|t| t < b.from_date);
            let mut cells = vec![
                Cell::text(b.katottg.clone()),
                Cell::text(uk::date(b.from_date)),
                Cell::text(match (b.ended_last_day, last) {
                    (Some(e), _) => format!(
                        "{} (завершено достроково: {})",
                        uk::date(e),
                        b.ended_reason.clone().unwrap_or_default()
                    ),
                    (None, Some(t)) => uk::date(t),
                    (None, None) => "до скасування".into(),
                }),
                Cell::text(b.legal_basis.clone()),
                if active {
                    Cell::tag("Діє", "red")
                } else if called_off {
                    Cell::tag("Скасована", "grey")
                } else if b.from_date > today {
                    Cell::tag("Почне діяти", "yellow")
                } else {
                    Cell::tag("Завершена", "grey")
                },
            ];
            if supervisor {
                cells.push(
                    if b.ended_last_day.is_none() && last.is_none_or(|t| t >= today) && !called_off
                    {
                        Cell::link("Завершити достроково", format!("/bans/{}/end", b.id))
                    } else {
                        Cell::text("—")
                    },
                );
            }
            Row::new(cells)
        })
        .collect();
    let mut headers = vec!["Територія (КАТОТТГ)", "З", "По", "Підстава", "Стан"];
    if supervisor {
        headers.push("Дія");
    }
    let mut page = Page::new(c.chrome("Територіальні заборони", "bans"), "Територіальні заборони")
        .banner(done_banner(done))
        .faults(faults.clone())
        .block(
            Block::default()
                .para("Поки заборона діє, реєстраційні дії щодо адрес на цій території не приймаються (постанова КМУ № 1450).")
                .table(Table {
                    caption: "Заборони".into(),
                    headers,
                    rows,
                    empty: "Заборон немає.".into(),
                }),
        );
    if supervisor {
        page = page.block(Block::heading("Нова заборона").form(Form {
            action: "/bans".into(),
            post: true,
            csrf: c.csrf(),
            sections: vec![Section {
                legend: "Заборона",
                fields: vec![
                        Field::new(
                            "katottg",
                            "Територія (код КАТОТТГ будь-якого рівня)",
                            &form.katottg,
                            &faults,
                        )
                        .kind(Kind::Code)
                        .hint("Наприклад, UA68040470000053519 — заборона діє на все, що в ній")
                        .required(),
                        Field::new("from", "З дати", &form.from, &faults)
                            .kind(Kind::Date)
                            .required(),
                        Field::new("to", "По дату", &form.to, &faults)
                            .kind(Kind::Date)
                            .hint("Порожньо — до скасування"),
                        Field::new("legal_basis", "Підстава", &form.legal_basis, &faults)
                            .hint("Рішення військового командування: дата, номер")
                            .required(),
                    ],
            }],
            button: "Встановити заборону".into(),
            warning: true,
            ..Form::default()
        }));
    }
    page.render()
}

pub async fn list(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> PageResult {
    render(
        &state,
        &req,
        q.done.as_deref(),
        Faults::default(),
        BanForm::default(),
    )
    .await
}

pub async fn add(
    state: web::Data<WebState>,
    req: HttpRequest,
    form: web::Form<BanForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let mut faults = Faults::default();
    let from = form.from.parse::<NaiveDate>().ok();
    if from.is_none() {
        faults.add("from", "Вкажіть дату початку");
    }
    let to = if form.to.trim().is_empty() {
        Some(None)
    } else {
        form.to.parse::<NaiveDate>().ok().map(Some)
    };
    if to.is_none() {
        faults.add("to", "Дата закінчення — у форматі дати або порожньо");
    }
    let (Some(from), Some(to), true) = (from, to, faults.is_empty()) else {
        return render(&state, &req, None, faults, form).await;
    };
    let new = NewRestriction {
        katottg: form.katottg.trim().to_owned(),
        from,
        to,
        legal_basis: form.legal_basis.trim().to_owned(),
    };
    match dms_service::restrictions::add(&state.services, &c.signed.actor, &new).await {
        Ok(_) => see_other("/bans?done=ban"),
        Err(ServiceError::SchemaViolation(e)) | Err(ServiceError::ValidationFailed(e)) => {
            for f in &e {
                match f.pointer.as_str() {
                    "/katottg" => {
                        faults.add("katottg", "Такого коду немає в кодифікаторі територій")
                    }
                    "/to" => faults.add("to", "Дата закінчення — не раніше початку"),
                    _ => faults.add("legal_basis", "Вкажіть підставу"),
                }
            }
            render(&state, &req, None, faults, form).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct EndForm {
    csrf: String,
    last_day: String,
    reason: String,
}

fn ban_id(s: &str) -> Result<uuid::Uuid, WebError> {
    uuid::Uuid::parse_str(s).map_err(|_| WebError::NotFound)
}

async fn render_end(
    state: &WebState,
    req: &HttpRequest,
    id: uuid::Uuid,
    form: EndForm,
    faults: Faults,
) -> PageResult {
    let c = staff(state, req).await?;
    c.require(&[StaffRole::Supervisor])?;
    let bans = dms_service::restrictions::list(&state.services, &c.signed.actor).await?;
    let b = bans.iter().find(|b| b.id == id).ok_or(WebError::NotFound)?;
    let yesterday = dms_schemas::time::kyiv_date(chrono::Utc::now()) - chrono::Duration::days(1);
    let facts = vec![
        (
            "Територія (КАТОТТГ)".to_owned(),
            Cell::text(b.katottg.clone()),
        ),
        ("З".to_owned(), Cell::text(uk::date(b.from_date))),
        (
            "По".to_owned(),
            Cell::text(
                b.to_date
                    .map(uk::date)
                    .unwrap_or_else(|| "до скасування".into()),
            ),
        ),
        ("Підстава".to_owned(), Cell::text(b.legal_basis.clone())),
    ];
    let default_day = if form.last_day.is_empty() {
        yesterday
            .max(b.from_date - chrono::Duration::days(1))
            .to_string()
    } else {
        form.last_day.clone()
    };
    Page::new(c.chrome("Завершити заборону", "bans"), "Завершити заборону достроково")
        .faults(faults.clone())
        .block(Block::default().summary(facts).form(Form {
            action: format!("/bans/{id}/end"),
            post: true,
            csrf: c.csrf(),
            sections: vec![Section {
                legend: "Завершення",
                fields: vec![
                    Field::new("last_day", "Останній день дії заборони", &default_day, &faults)
                        .kind(Kind::Date)
                        .hint("Найраніше — вчорашній день: тоді дії, датовані сьогодні, вже приймаються. Минулі дні не змінюються. День перед початком заборони скасовує її.")
                        .required(),
                    Field::new("reason", "Підстава завершення", &form.reason, &faults).required(),
                ],
            }],
            button: "Завершити заборону".into(),
            warning: true,
            ..Form::default()
        }))
        .render()
}

pub async fn end_page(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> PageResult {
    render_end(
        &state,
        &req,
        ban_id(&id)?,
        EndForm::default(),
        Faults::default(),
    )
    .await
}

pub async fn end(
    state: web::Data<WebState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<EndForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
    let id = ban_id(&id)?;
    let form = form.into_inner();
    let mut faults = Faults::default();
    let Ok(last_day) = form.last_day.parse::<NaiveDate>() else {
        faults.add("last_day", "Вкажіть останній день дії заборони");
        return render_end(&state, &req, id, form, faults).await;
    };
    let end = dms_service::restrictions::EndRestriction {
        last_day,
        reason: form.reason.trim().to_owned(),
    };
    match dms_service::restrictions::end(&state.services, &c.signed.actor, id, &end).await {
        Ok(_) => see_other("/bans?done=ended"),
        // Ended meanwhile (by someone else): the list shows how.
        Err(ServiceError::RestrictionAlreadyEnded) => see_other("/bans"),
        Err(ServiceError::SchemaViolation(e)) | Err(ServiceError::ValidationFailed(e)) => {
            for f in &e {
                if f.pointer == "/reason" {
                    faults.add("reason", "Вкажіть підставу завершення");
                } else {
                    faults.add(
                        "last_day",
                        "Останній день — у межах заборони і не раніше вчорашнього дня",
                    );
                }
            }
            render_end(&state, &req, id, form, faults).await
        }
        Err(e) => Err(e.into()),
    }
}
