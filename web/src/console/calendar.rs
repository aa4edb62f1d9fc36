//! The working-day calendar as a month view — weekends, public holidays, martial law (holidays
//! are working days then), supervisors' overrides with their reasons — and the form that sets
//! an override. Deadlines of verification requests are counted on this calendar.

use super::page::{done_banner, Block, Cell, Form, Page, Row, Table};
use super::staff;
use crate::error::{see_other, PageResult, WebError};
use crate::fields::Faults;
use crate::uk;
use crate::widgets::{Field, Kind, Section};
use crate::WebState;
use actix_web::{web, HttpRequest};
use chrono::{Datelike, Months, NaiveDate};
use dms_db::enums::StaffRole;
use dms_schemas::calendar::DayInfo;
use dms_service::ServiceError;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
    done: Option<String>,
}

const MONTHS: [&str; 12] = [
    "Січень",
    "Лютий",
    "Березень",
    "Квітень",
    "Травень",
    "Червень",
    "Липень",
    "Серпень",
    "Вересень",
    "Жовтень",
    "Листопад",
    "Грудень",
];
const WEEKDAYS: [&str; 7] = ["пн", "вт", "ср", "чт", "пт", "сб", "нд"];

fn first_of(text: &str) -> NaiveDate {
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&d.year()))
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today))
}

fn describe(d: &DayInfo, reasons: &[(NaiveDate, String)]) -> (Cell, String) {
    let state = if d.working {
        Cell::tag("Робочий", "green")
    } else {
        Cell::tag("Вихідний", "grey")
    };
    let mut why = Vec::new();
    if let Some(w) = d.overridden {
        let reason = reasons
            .iter()
            .find(|(day, _)| *day == d.day)
            .map(|(_, r)| r.as_str())
            .unwrap_or("");
        why.push(format!(
            "рішення ДМС: {}{}",
            if w {
                "робочий день"
            } else {
                "вихідний"
            },
            if reason.is_empty() {
                String::new()
            } else {
                format!(" — {reason}")
            }
        ));
    }
    if d.holiday {
        why.push(if d.martial_law {
            "святковий день; під час воєнного стану — робочий".to_owned()
        } else {
            "святковий день".to_owned()
        });
    }
    if d.weekend {
        why.push("субота або неділя".to_owned());
    }
    (state, why.join("; "))
}

async fn render(
    state: &WebState,
    req: &HttpRequest,
    month_text: &str,
    done: Option<&str>,
    faults: Faults,
    form: (&str, &str, &str),
) -> PageResult {
    let c = staff(state, req).await?;
    let first = first_of(month_text);
    let days = dms_service::calendar::month(&state.services, &c.signed.actor, first).await?;
    let last = first + Months::new(1) - chrono::Duration::days(1);
    let reasons: Vec<(NaiveDate, String)> =
        dms_service::calendar::overrides(&state.services, &c.signed.actor, Some(first), Some(last))
            .await?
            .into_iter()
            .map(|o| (o.day, o.reason))
            .collect();
    let rows = days
        .iter()
        .map(|d| {
            let (state_cell, why) = describe(d, &reasons);
            Row::new(vec![
                Cell::text(uk::date(d.day)),
                Cell::text(WEEKDAYS[d.day.weekday().num_days_from_monday() as usize]),
                state_cell,
                Cell::text(why),
            ])
        })
        .collect();
    // The month as a grid of weeks, Monday first: a day off says so in words, a DMS decision
    // carries an asterisk (the list below gives every reason).
    let mut weeks: Vec<Row> = Vec::new();
    let mut week: Vec<Cell> = vec![Cell::text(""); first.weekday().num_days_from_monday() as usize];
    for d in &days {
        let n = d.day.day();
        let mark = if d.overridden.is_some() { "*" } else { "" };
        week.push(if d.working {
            Cell::text(if d.holiday {
                format!("{n}{mark} свято, робочий")
            } else {
                format!("{n}{mark}")
            })
        } else {
            Cell::tag(format!("{n}{mark} вихідний"), "grey")
        });
        if week.len() == 7 {
            weeks.push(Row::new(std::mem::take(&mut week)));
        }
    }
    if !week.is_empty() {
        week.resize(7, Cell::text(""));
        weeks.push(Row::new(week));
    }
    let prev = first - Months::new(1);
    let next = first + Months::new(1);
    let title = format!("{} {}", MONTHS[first.month0() as usize], first.year());
    let mut page = Page::new(c.chrome("Робочий календар", "calendar"), "Робочий календар")
        .caption(title.clone())
        .banner(done_banner(done))
        .faults(faults.clone())
        .block(
            Block::default()
                .links(vec![
                    Cell::link(
                        format!("← {}", MONTHS[prev.month0() as usize]),
                        format!("/calendar?month={}", prev.format("%Y-%m")),
                    ),
                    Cell::link(
                        format!("{} →", MONTHS[next.month0() as usize]),
                        format!("/calendar?month={}", next.format("%Y-%m")),
                    ),
                ])
                .table(Table {
                    caption: title.clone(),
                    headers: WEEKDAYS.to_vec(),
                    rows: weeks,
                    empty: String::new(),
                })
                .para("* — рішення ДМС; підстава — у переліку днів нижче."),
        )
        .block(Block::heading("Дні місяця").table(Table {
            caption: format!("Дні місяця: {title}"),
            headers: vec!["День", "День тижня", "Стан", "Чому"],
            rows,
            empty: String::new(),
        }));
    if c.staff.role == StaffRole::Supervisor {
        page = page.block(Block::heading("Змінити день").form(Form {
            action: "/calendar".into(),
            post: true,
            csrf: c.csrf(),
            hidden: vec![("month".into(), first.format("%Y-%m").to_string())],
            sections: vec![Section {
                legend: "Рішення про день",
                fields: vec![
                    Field::new("day", "День", form.0, &faults).kind(Kind::Date).required(),
                    Field::new("working", "Цей день", form.1, &faults)
                        .kind(Kind::Radios)
                        .options([("true", "робочий"), ("false", "вихідний")])
                        .required(),
                    Field::new("reason", "Підстава", form.2, &faults)
                        .hint("Наприклад, розпорядження Кабінету Міністрів із датою і номером")
                        .required(),
                ],
            }],
            button: "Зберегти".into(),
            warning: false,
        }));
    }
    page.render()
}

pub async fn month(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<MonthQuery>,
) -> PageResult {
    render(
        &state,
        &req,
        &q.month,
        q.done.as_deref(),
        Faults::default(),
        ("", "", ""),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverrideForm {
    csrf: String,
    month: String,
    day: String,
    working: String,
    reason: String,
}

pub async fn set_override(
    state: web::Data<WebState>,
    req: HttpRequest,
    form: web::Form<OverrideForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
    let mut faults = Faults::default();
    let day = form.day.parse::<NaiveDate>().ok();
    if day.is_none() {
        faults.add("day", "Вкажіть день");
    }
    let working = match form.working.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            faults.add("working", "Оберіть, робочий це день чи вихідний");
            None
        }
    };
    if form.reason.trim().is_empty() {
        faults.add("reason", "Вкажіть підставу");
    }
    let back = (
        form.day.as_str(),
        form.working.as_str(),
        form.reason.as_str(),
    );
    let (Some(day), Some(working), true) = (day, working, faults.is_empty()) else {
        return render(&state, &req, &form.month, None, faults, back).await;
    };
    match dms_service::calendar::set_override(
        &state.services,
        &c.signed.actor,
        day,
        working,
        form.reason.trim(),
    )
    .await
    {
        Ok(()) => see_other(format!(
            "/calendar?month={}&done=override",
            day.format("%Y-%m")
        )),
        Err(ServiceError::SchemaViolation(_)) | Err(ServiceError::ValidationFailed(_)) => {
            faults.add("reason", "Підстава — звичайний текст без керівних символів");
            render(&state, &req, &form.month, None, faults, back).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}
