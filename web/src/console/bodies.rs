//! Registration bodies for supervisors: the list and search, a new body, a body's page with its
//! credentials and officials, suspending and reactivating it, and a new API token (shown once).

use super::page::{done_banner, Block, Cell, Form, Page};
use super::{staff, Console};
use crate::error::{see_other, PageResult, WebError};
use crate::fields::Faults;
use crate::uk;
use crate::widgets::{Field, Section};
use crate::WebState;
use actix_web::{web, HttpRequest};
use dms_db::enums::BodyStatus;
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
    done: Option<String>,
}

pub async fn list(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    render_list(&state, &c, &q.q, BodyForm::default(), Faults::default()).await
}

async fn render_list(
    _state: &WebState,
    c: &Console,
    _query: &str,
    form: BodyForm,
    faults: Faults,
) -> PageResult {
    c.require(&[dms_db::enums::StaffRole::Supervisor])?;
    Page::new(c.chrome("Органи реєстрації", "bodies"), "Органи реєстрації")
        .faults(faults.clone())
        .block(Block::heading("Новий орган").form(new_body_form(c, &form, &faults)))
        .render()
}

pub async fn create(
    state: web::Data<WebState>,
    req: HttpRequest,
    form: web::Form<BodyForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
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
            render_list(&state, &c, "", form, faults).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    done: Option<String>,
}

async fn render_body(
    state: &WebState,
    c: &Console,
    edrpou: &str,
    done: Option<&str>,
    token: Option<String>,
) -> PageResult {
    c.require(&[dms_db::enums::StaffRole::Supervisor])?;
    let body = dms_service::bodies::find(&state.services, edrpou).await?;
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
    let status_form = Form {
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
    };
    let token_form = Form {
        action: format!("/bodies/{}/token", body.edrpou),
        post: true,
        csrf: c.csrf(),
        button: "Видати новий токен API".into(),
        ..Form::default()
    };
    let mut page = Page::new(c.chrome(body.name.clone(), "bodies"), body.name.clone())
        .caption("Орган реєстрації")
        .banner(done_banner(done))
        .block(Block::default().summary(facts).form(status_form));
    if let Some(t) = token {
        let mut shown = Block::heading("Новий токен — показується лише один раз")
            .para("Передайте його розробникові реєстру громади захищеним каналом. ДМС зберігає лише його геш.");
        shown.pre = Some(t);
        page = page.block(shown);
    }
    page.block(Block::heading("Облікові дані").form(token_form))
        .render()
}

pub async fn show(
    state: web::Data<WebState>,
    req: HttpRequest,
    edrpou: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    render_body(&state, &c, &edrpou, q.done.as_deref(), None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn change(
    state: web::Data<WebState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
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
            render_body(&state, &c, &edrpou, None, Some(issued.token)).await
        }
        _ => Err(WebError::NotFound),
    }
}
