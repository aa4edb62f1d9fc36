//! The auditor's screens: the audit log (paged, filtered), the chain's verification with its
//! result, and the reports as tables, charts and CSV.

use super::page::{Block, Cell, ChartImg, Form, Page, Row, Table};
use super::staff;
use crate::charts;
use crate::error::{PageResult, WebError};
use crate::fields::Faults;
use crate::uk;
use crate::widgets::{Field, Kind, Section};
use crate::WebState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate};
use dms_db::enums::ReportKind;
use dms_service::ServiceError;
use serde::Deserialize;

pub async fn verify(state: web::Data<WebState>, req: HttpRequest) -> PageResult {
    let c = staff(&state, &req).await?;
    let v = dms_service::audit_log::verify(&state.services, &c.signed.actor, None).await?;
    let intact = v.first_broken.is_none() && v.holes.is_empty();
    let mut facts = vec![
        (
            "Результат".to_owned(),
            if intact {
                Cell::tag("Ланцюг цілий", "green")
            } else {
                Cell::tag("Ланцюг порушено", "red")
            },
        ),
        (
            "Запечатаних записів".to_owned(),
            Cell::text(v.sealed_rows.to_string()),
        ),
    ];
    if let Some(b) = v.first_broken {
        facts.push((
            "Перший порушений запис".to_owned(),
            Cell::text(b.to_string()),
        ));
    }
    if let Some(r) = &v.reason {
        facts.push(("Причина".to_owned(), Cell::text(r.clone())));
    }
    if !v.holes.is_empty() {
        let holes: Vec<String> = v.holes.iter().map(i64::to_string).collect();
        facts.push((
            "Записи без печатки".to_owned(),
            Cell::text(holes.join(", ")),
        ));
    }
    if let Some(h) = &v.head {
        facts.push((
            "Остання печатка".to_owned(),
            Cell::text(format!("№ {}", h.seq)),
        ));
    }
    Page::new(c.chrome("Перевірка ланцюга журналу", "verify"), "Перевірка ланцюга журналу аудиту")
        .block(
            Block::default()
                .para("Кожен запис журналу запечатано в ланцюг гешів; перевірка проходить увесь ланцюг заново. Сама перевірка також записується до журналу.")
                .summary(facts),
        )
        .render()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    kind: String,
    from: String,
    to: String,
}

fn kind_of(s: &str) -> ReportKind {
    match s {
        "volumes" => ReportKind::Volumes,
        "overdue" => ReportKind::Overdue,
        _ => ReportKind::Late,
    }
}

fn kind_title(k: ReportKind) -> &'static str {
    match k {
        ReportKind::Late => "Подання із запізненням за органами реєстрації",
        ReportKind::Volumes => "Кількість дій за днями і видами",
        ReportKind::Overdue => "Прострочені відповіді на запити за органами реєстрації",
    }
}

fn period(q: &ReportQuery) -> (NaiveDate, NaiveDate) {
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
    let to = q.to.parse().unwrap_or(today);
    let from = q.from.parse().unwrap_or(to - Duration::days(29));
    (from, to)
}

fn chart_of(
    kind: ReportKind,
    rows: &[dms_db::reports::ReportRow],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<charts::Chart, WebError> {
    let chart = match kind {
        ReportKind::Volumes => {
            let (days, series) = charts::volumes(rows, from, to);
            charts::daily_series(
                kind_title(kind),
                charts::Axes {
                    category: "День",
                    value: "Кількість дій",
                },
                &days,
                &series,
            )
        }
        ReportKind::Late => charts::bars(
            kind_title(kind),
            charts::Axes {
                category: "Орган реєстрації (ЄДРПОУ)",
                value: "Подань із запізненням",
            },
            &charts::per_body(rows),
        ),
        ReportKind::Overdue => charts::bars(
            kind_title(kind),
            charts::Axes {
                category: "Орган реєстрації (ЄДРПОУ)",
                value: "Прострочених відповідей",
            },
            &charts::per_body(rows),
        ),
    };
    Ok(chart?)
}

pub async fn reports(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    let kind = kind_of(&q.kind);
    let (from, to) = period(&q);
    let mut faults = Faults::default();
    let rows = match dms_service::reports::report(&state.services, &c.signed.actor, kind, from, to)
        .await
    {
        Ok(rows) => rows,
        Err(ServiceError::ValidationFailed(_)) | Err(ServiceError::SchemaViolation(_)) => {
            faults.add(
                "to",
                "Кінець періоду — не раніше початку; період — не довше 366 днів",
            );
            Vec::new()
        }
        Err(e) => return Err(e.into()),
    };
    let form = Form {
        action: "/reports".into(),
        sections: vec![Section {
            legend: "Звіт",
            fields: vec![
                Field::new("kind", "Звіт", kind.as_str(), &faults)
                    .kind(Kind::Select)
                    .options([
                        ("late", kind_title(ReportKind::Late)),
                        ("volumes", kind_title(ReportKind::Volumes)),
                        ("overdue", kind_title(ReportKind::Overdue)),
                    ]),
                Field::new("from", "З дати", &from.to_string(), &faults)
                    .kind(Kind::Date)
                    .required(),
                Field::new("to", "По дату", &to.to_string(), &faults)
                    .kind(Kind::Date)
                    .required(),
            ],
        }],
        button: "Показати".into(),
        ..Form::default()
    };
    let table_rows = rows
        .iter()
        .map(|r| {
            Row::new(vec![
                Cell::text(r.registration_body_edrpou.clone()),
                Cell::text(r.day.map(uk::date).unwrap_or_else(|| "—".into())),
                Cell::text(
                    r.action_type
                        .map(|t| uk::action_type(t.as_str()))
                        .unwrap_or("—"),
                ),
                Cell::text(r.count.to_string()),
            ])
        })
        .collect();
    let mut result = Block::heading(kind_title(kind))
        .para(format!("Період: {} — {}.", uk::date(from), uk::date(to)))
        .links(vec![Cell::link(
            "Завантажити CSV",
            format!("/reports/{}.csv?from={from}&to={to}", kind.as_str()),
        )]);
    let chart = chart_of(kind, &rows, from, to)?;
    result.chart = Some(ChartImg {
        data_url: chart.data_url,
        alt: chart.alt,
    });
    result = result.table(Table {
        caption: "Дані звіту".into(),
        headers: vec!["Орган (ЄДРПОУ)", "День", "Вид дії", "Кількість"],
        rows: table_rows,
        empty: "За цей період даних немає.".into(),
    });
    Page::new(c.chrome("Звіти", "reports"), "Звіти")
        .faults(faults.clone())
        .block(Block::default().form(form))
        .block(result)
        .render()
}

pub async fn report_csv(
    state: web::Data<WebState>,
    req: HttpRequest,
    kind: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, WebError> {
    let c = staff(&state, &req).await?;
    let kind = match kind.as_str() {
        "late" | "volumes" | "overdue" => kind_of(&kind),
        _ => return Err(WebError::NotFound),
    };
    let (from, to) = period(&q);
    let rows =
        dms_service::reports::report(&state.services, &c.signed.actor, kind, from, to).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-{from}-{to}.csv\"", kind.as_str()),
        ))
        .body(dms_service::reports::csv(&rows)))
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct LogQuery {
    actor: String,
    event: String,
    target: String,
    from: String,
    to: String,
    before: String,
}

/// A Kyiv date as the first moment of that day, or with `end` the last (the next day's first
/// moment less a microsecond: the bound is inclusive).
fn kyiv_bound(text: &str, end: bool) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    let d: NaiveDate = text.trim().parse().ok()?;
    let day = if end { d.succ_opt()? } else { d };
    let start = chrono_tz::Europe::Kyiv
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()?
        .with_timezone(&chrono::Utc);
    Some(if end {
        start - chrono::Duration::microseconds(1)
    } else {
        start
    })
}

const LOG_PAGE: i64 = 50;

pub async fn log(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<LogQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    let q = q.into_inner();
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut faults = Faults::default();
    let from = some(&q.from).and_then(|t| {
        let b = kyiv_bound(&t, false);
        if b.is_none() {
            faults.add("from", "Вкажіть дату");
        }
        b
    });
    let to = some(&q.to).and_then(|t| {
        let b = kyiv_bound(&t, true);
        if b.is_none() {
            faults.add("to", "Вкажіть дату");
        }
        b
    });
    let event = some(&q.event);
    let filter = dms_db::audit::listing::AuditFilter {
        actor: some(&q.actor),
        event: event.clone().filter(|e| !e.ends_with('.')),
        event_prefix: event.filter(|e| e.ends_with('.')),
        target: some(&q.target),
        from,
        to,
    };
    let before = q.before.trim().parse::<i64>().ok().filter(|b| *b > 0);
    let rows = if faults.is_empty() {
        match dms_service::audit_log::list(
            &state.services,
            &c.signed.actor,
            &filter,
            before,
            LOG_PAGE,
        )
        .await
        {
            Ok(rows) => rows,
            Err(ServiceError::ValidationFailed(e)) | Err(ServiceError::SchemaViolation(e)) => {
                for f in &e {
                    let field = f.pointer.trim_start_matches('/');
                    let field = if ["actor", "event", "target", "from", "to"].contains(&field) {
                        field
                    } else {
                        "event"
                    };
                    faults.add(field, "Перевірте значення фільтра");
                }
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        c.require(&[dms_db::enums::StaffRole::Auditor])?;
        Vec::new()
    };
    let form = Form {
        action: "/audit".into(),
        sections: vec![Section {
            legend: "Відбір",
            fields: vec![
                Field::new("actor", "Хто", &q.actor, &faults).hint(
                    "Ідентифікатор або вид: staff, official, registration_body, system, operator",
                ),
                Field::new("event", "Подія", &q.event, &faults).hint(
                    "Точна назва (registration_action.search) або її початок із крапкою (web.)",
                ),
                Field::new("target", "Об'єкт", &q.target, &faults),
                Field::new("from", "З дати", &q.from, &faults).kind(Kind::Date),
                Field::new("to", "По дату", &q.to, &faults).kind(Kind::Date),
            ],
        }],
        button: "Показати".into(),
        ..Form::default()
    };
    let table_rows = rows
        .iter()
        .map(|r| {
            Row::new(vec![
                Cell::text(r.id.to_string()),
                Cell::text(uk::kyiv_time(r.at)),
                Cell::text(format!(
                    "{} {}",
                    r.actor_kind,
                    r.actor_id.clone().unwrap_or_default()
                )),
                Cell::text(r.channel.clone()),
                Cell::text(r.event.clone()),
                Cell::text(r.target.clone().unwrap_or_default()),
                Cell::text(r.details.to_string()),
            ])
        })
        .collect();
    let mut result = Block::default().table(Table {
        caption: "Записи журналу, новіші першими".into(),
        headers: vec![
            "№",
            "Час (Київ)",
            "Хто",
            "Канал",
            "Подія",
            "Об'єкт",
            "Подробиці",
        ],
        rows: table_rows,
        empty: "Записів за цим відбором немає.".into(),
    });
    if rows.len() as i64 == LOG_PAGE {
        if let Some(last) = rows.last() {
            let mut next = String::new();
            for (k, v) in [
                ("actor", &q.actor),
                ("event", &q.event),
                ("target", &q.target),
                ("from", &q.from),
                ("to", &q.to),
            ] {
                if !v.trim().is_empty() {
                    next.push_str(&format!("{k}={}&", crate::pages::url_encode(v.trim())));
                }
            }
            result.links.push(Cell::link(
                "Старіші записи",
                format!("/audit?{next}before={}", last.id),
            ));
        }
    }
    Page::new(c.chrome("Журнал аудиту", "audit"), "Журнал аудиту")
        .faults(faults.clone())
        .block(
            Block::default()
                .para("Перегляд журналу також записується до нього.")
                .form(form),
        )
        .block(result)
        .render()
}
