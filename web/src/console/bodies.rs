//! Registration bodies for supervisors: the list and search, a new body, a body's page with its
//! credentials and officials, suspending and reactivating it, and a new API token (shown once).

use super::page::{done_banner, Block, Cell, Form, Page, Row, Table};
use super::{staff, Console};
use crate::error::{see_other, PageResult, WebError};
use crate::fields::Faults;
use crate::uk;
use crate::widgets::{Field, Kind, Section};
use crate::WebState;
use actix_web::{web, HttpRequest};
use dms_db::enums::{BodyStatus, StaffRole};
use dms_service::ServiceError;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct BodyForm {
    csrf: String,
    edrpou: String,
    name: String,
    hromada: String,
}

fn new_body_form(c: &Console, form: &BodyForm, faults: &Faults) -> Form {
    Form {
        action: "/bodies".into(),
        post: true,
        csrf: c.csrf(),
        sections: vec![Section {
            legend: "Новий орган реєстрації",
            fields: vec![
                Field::new("edrpou", "Код ЄДРПОУ", &form.edrpou, faults).required(),
                Field::new("name", "Найменування", &form.name, faults).required(),
                Field::new("hromada", "Громада (код КАТОТТГ)", &form.hromada, faults)
                    .hint("Територіальна громада або місто зі спеціальним статусом")
                    .required(),
            ],
        }],
        button: "Додати орган".into(),
        ..Form::default()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    after: String,
}

pub async fn list(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    render_list(&state, &c, &q, BodyForm::default(), Faults::default()).await
}

const PAGE: i64 = 100;

async fn render_list(
    state: &WebState,
    c: &Console,
    query: &ListQuery,
    form: BodyForm,
    faults: Faults,
) -> PageResult {
    let q = query.q.trim();
    let status = match query.status.as_str() {
        "active" => Some(BodyStatus::Active),
        "suspended" => Some(BodyStatus::Suspended),
        _ => None,
    };
    let bodies = dms_service::bodies::list(
        &state.services,
        &c.signed.actor,
        &dms_service::bodies::BodyQuery {
            q: Some(q.to_owned()).filter(|s| !s.is_empty()),
            status,
            after: Some(query.after.trim().to_owned()).filter(|s| !s.is_empty()),
            limit: PAGE,
        },
    )
    .await?;
    let rows = bodies
        .iter()
        .map(|b| {
            Row::new(vec![
                Cell::link(b.name.clone(), format!("/bodies/{}", b.edrpou)),
                Cell::text(b.edrpou.clone()),
                Cell::text(b.hromada_katottg.clone()),
                if b.is_active() {
                    Cell::tag("Працює", "green")
                } else {
                    Cell::tag("Зупинено", "red")
                },
            ])
        })
        .collect();
    let search = Form {
        action: "/bodies".into(),
        sections: vec![Section {
            legend: "Пошук",
            fields: vec![
                Field::new("q", "Найменування або код ЄДРПОУ", q, &Faults::default()),
                Field::new("status", "Стан", &query.status, &Faults::default())
                    .kind(Kind::Select)
                    .options([("active", "Працює"), ("suspended", "Зупинено")]),
            ],
        }],
        button: "Знайти".into(),
        ..Form::default()
    };
    let mut list = Block::default().form(search).table(Table {
        caption: "Органи реєстрації за кодом ЄДРПОУ".into(),
        headers: vec!["Найменування", "ЄДРПОУ", "Громада (КАТОТТГ)", "Стан"],
        rows,
        empty: "Нічого не знайдено.".into(),
    });
    if bodies.len() as i64 == PAGE {
        if let Some(last) = bodies.last() {
            list.links.push(Cell::link(
                "Наступні",
                format!(
                    "/bodies?q={}&status={}&after={}",
                    crate::pages::url_encode(q),
                    crate::pages::url_encode(&query.status),
                    last.edrpou
                ),
            ));
        }
    }
    let mut page = Page::new(c.chrome("Органи реєстрації", "bodies"), "Органи реєстрації")
        .faults(faults.clone())
        .block(list);
    if c.staff.role == StaffRole::Supervisor {
        page = page.block(Block::heading("Новий орган").form(new_body_form(c, &form, &faults)));
    }
    page.render()
}

pub async fn create(
    state: web::Data<WebState>,
    req: HttpRequest,
    form: web::Form<BodyForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
    c.require(&[StaffRole::Supervisor])?;
    let form = form.into_inner();
    let new = dms_service::bodies::NewBody {
        edrpou: form.edrpou.trim().to_owned(),
        name: form.name.trim().to_owned(),
        hromada: form.hromada.trim().to_owned(),
    };
    match dms_service::bodies::register(&state.services, &c.signed.actor, &new).await {
        Ok(b) => see_other(format!("/bodies/{}?done=body", b.edrpou)),
        Err(ServiceError::SchemaViolation(e)) | Err(ServiceError::ValidationFailed(e)) => {
            let mut faults = Faults::default();
            for f in &e {
                match f.pointer.as_str() {
                    "/edrpou" => faults.add(
                        "edrpou",
                        "Код ЄДРПОУ — 8 цифр із правильною контрольною цифрою",
                    ),
                    "/hromada" => faults.add(
                        "hromada",
                        "Вкажіть код громади або міста зі спеціальним статусом з кодифікатора",
                    ),
                    _ => faults.add("name", "Вкажіть найменування"),
                }
            }
            render_list(&state, &c, &ListQuery::default(), form, faults).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    done: Option<String>,
}

fn credential_rows(
    list: &[(String, &dms_service::bodies::CredentialInfo)],
    supervisor: bool,
    edrpou: &str,
) -> Vec<Row> {
    list.iter()
        .map(|(value, info)| {
            let state = match (info.revoked_at, info.expires_at) {
                (Some(t), _) => Cell::tag(format!("Відкликано {}", uk::kyiv_time(t)), "grey"),
                (None, Some(t)) if t <= chrono::Utc::now() => Cell::tag("Строк минув", "grey"),
                (None, Some(t)) => Cell::tag(format!("Діє до {}", uk::kyiv_time(t)), "green"),
                (None, None) => Cell::tag("Діє", "green"),
            };
            let mut cells = vec![
                Cell::text(value.clone()),
                Cell::text(info.label.clone()),
                Cell::text(uk::kyiv_time(info.created_at)),
                state,
            ];
            if supervisor {
                cells.push(if info.revoked_at.is_none() {
                    Cell::link("Відкликати", format!("/bodies/{edrpou}/revoke/{}", info.id))
                } else {
                    Cell::text("—")
                });
            }
            Row::new(cells)
        })
        .collect()
}

async fn render_body(
    state: &WebState,
    c: &Console,
    edrpou: &str,
    done: Option<&str>,
    token: Option<String>,
    faults: Faults,
) -> PageResult {
    let d = dms_service::bodies::detail(&state.services, &c.signed.actor, edrpou).await?;
    let body = &d.body;
    let supervisor = c.staff.role == StaffRole::Supervisor;
    let active = body.is_active();
    let facts = vec![
        ("Найменування".to_owned(), Cell::text(body.name.clone())),
        ("Код ЄДРПОУ".to_owned(), Cell::text(body.edrpou.clone())),
        (
            "Громада (КАТОТТГ)".to_owned(),
            Cell::text(body.hromada_katottg.clone()),
        ),
        (
            "Стан".to_owned(),
            if active {
                Cell::tag("Працює", "green")
            } else {
                Cell::tag("Зупинено", "red")
            },
        ),
        (
            "Додано".to_owned(),
            Cell::text(uk::kyiv_time(body.created_at)),
        ),
    ];
    let mut summary = Block::default().summary(facts);
    if supervisor {
        summary = summary.form(Form {
            action: format!(
                "/bodies/{}/{}",
                body.edrpou,
                if active { "suspend" } else { "reactivate" }
            ),
            post: true,
            csrf: c.csrf(),
            button: if active {
                "Зупинити роботу органу"
            } else {
                "Відновити роботу органу"
            }
            .into(),
            warning: active,
            ..Form::default()
        });
    }
    let mut page = Page::new(c.chrome(body.name.clone(), "bodies"), body.name.clone())
        .caption("Орган реєстрації")
        .banner(done_banner(done))
        .faults(faults.clone())
        .block(summary);
    if let Some(t) = token {
        let mut shown = Block::heading("Новий токен — показується лише один раз")
            .para("Передайте його розробникові реєстру громади захищеним каналом. ДМС зберігає лише його геш.");
        shown.pre = Some(t);
        page = page.block(shown);
    }
    let csrf = c.csrf();
    let mut headers = vec!["Значення", "Позначка", "Видано", "Стан"];
    if supervisor {
        headers.push("Дія");
    }
    let tokens: Vec<(String, &dms_service::bodies::CredentialInfo)> = d
        .tokens
        .iter()
        .map(|t| (format!("токен {}", t.id), t))
        .collect();
    let mut tokens_block = Block::heading("Токени API").table(Table {
        caption: "Токени (значення не зберігається і не показується)".into(),
        headers: headers.clone(),
        rows: credential_rows(&tokens, supervisor, &body.edrpou),
        empty: "Токенів немає.".into(),
    });
    if supervisor {
        tokens_block = tokens_block.form(Form {
            action: format!("/bodies/{}/token", body.edrpou),
            post: true,
            csrf: csrf.clone(),
            button: "Видати новий токен API".into(),
            ..Form::default()
        });
    }
    let trembita: Vec<(String, &dms_service::bodies::CredentialInfo)> = d
        .trembita_clients
        .iter()
        .map(|t| (t.value.clone(), &t.info))
        .collect();
    let mut trembita_block = Block::heading("Клієнти Трембіти").table(Table {
        caption: "Ідентифікатори підсистем (INSTANCE/CLASS/MEMBER/SUBSYSTEM)".into(),
        headers: headers.clone(),
        rows: credential_rows(&trembita, supervisor, &body.edrpou),
        empty: "Клієнтів Трембіти немає.".into(),
    });
    if supervisor {
        trembita_block = trembita_block.form(Form {
            action: format!("/bodies/{}/trembita", body.edrpou),
            post: true,
            csrf: csrf.clone(),
            sections: vec![Section {
                legend: "Новий клієнт Трембіти",
                fields: vec![Field::new("client", "Ідентифікатор підсистеми", "", &faults)
                    .kind(Kind::Code)
                    .hint("INSTANCE/CLASS/MEMBER/SUBSYSTEM, де MEMBER — код ЄДРПОУ органу, наприклад SEVDEIR-TEST/GOV/04055896/LvivRTG")],
            }],
            button: "Додати клієнта".into(),
            ..Form::default()
        });
    }
    let certs: Vec<(String, &dms_service::bodies::CredentialInfo)> = d
        .client_certificates
        .iter()
        .map(|t| (t.value.clone(), &t.info))
        .collect();
    let certs_block = Block::heading("Сертифікати клієнтів (прямий канал)").table(Table {
        caption: "Відбитки SHA-256".into(),
        headers,
        rows: credential_rows(&certs, supervisor, &body.edrpou),
        empty: "Сертифікатів немає.".into(),
    });
    let officials = d
        .officials
        .iter()
        .map(|o| {
            Row::new(vec![
                Cell::text(o.login.clone()),
                Cell::text(o.name.clone()),
                Cell::text(match o.state {
                    "active" => "Працює",
                    "disabled" => "Вимкнено",
                    "locked" => "Тимчасово заблоковано",
                    "awaiting_setup" => "Очікує налаштування входу",
                    other => other,
                }),
                Cell::text(uk::kyiv_time(o.created_at)),
            ])
        })
        .collect();
    let officials_block = Block::heading("Посадові особи у вебінтерфейсі ДМС").table(Table {
        caption: "Посадові особи органу".into(),
        headers: vec!["Логін", "Ім'я", "Стан", "Додано"],
        rows: officials,
        empty: "Посадових осіб немає: орган веде реєстр у власному програмному забезпеченні."
            .into(),
    });
    page.block(tokens_block)
        .block(trembita_block)
        .block(certs_block)
        .block(officials_block)
        .render()
}

pub async fn show(
    state: web::Data<WebState>,
    req: HttpRequest,
    edrpou: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    render_body(
        &state,
        &c,
        &edrpou,
        q.done.as_deref(),
        None,
        Faults::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    pub(super) csrf: String,
    client: String,
}

pub async fn change(
    state: web::Data<WebState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<ChangeForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
    c.require(&[StaffRole::Supervisor])?;
    let (edrpou, what) = path.into_inner();
    let body = dms_service::bodies::find(&state.services, &edrpou).await?;
    match what.as_str() {
        "suspend" | "reactivate" => {
            let status = if what == "suspend" {
                BodyStatus::Suspended
            } else {
                BodyStatus::Active
            };
            dms_service::bodies::set_status(&state.services, &c.signed.actor, &body, status)
                .await?;
            see_other(format!("/bodies/{}?done={what}", body.edrpou))
        }
        "token" => {
            let issued = dms_service::bodies::issue_token(
                &state.services,
                &c.signed.actor,
                &body,
                None,
                "console",
            )
            .await?;
            render_body(
                &state,
                &c,
                &edrpou,
                None,
                Some(issued.token),
                Faults::default(),
            )
            .await
        }
        "trembita" => {
            let client = form.client.trim();
            match dms_service::bodies::add_trembita_client(
                &state.services,
                &c.signed.actor,
                &body,
                client,
            )
            .await
            {
                Ok(_) => see_other(format!("/bodies/{}?done=trembita", body.edrpou)),
                Err(ServiceError::SchemaViolation(_)) | Err(ServiceError::ValidationFailed(_)) => {
                    let mut faults = Faults::default();
                    faults.add(
                        "client",
                        "Ідентифікатор має вигляд INSTANCE/CLASS/MEMBER/SUBSYSTEM, де MEMBER — код ЄДРПОУ цього органу",
                    );
                    render_body(&state, &c, &edrpou, None, None, faults).await
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => Err(WebError::NotFound),
    }
}
