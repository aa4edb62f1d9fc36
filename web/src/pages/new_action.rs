//! A new registration action on a person, in three steps: the form, a review of what will be
//! sent, and the submission through the service layer (the same checks, transaction and signed
//! receipt as the API). The form carries a one-time token used as the action's `external_id`,
//! so a double click, a reload or Back-and-resubmit stores one action and shows its receipt.

use crate::error::{html, html_status, see_other, PageResult, WebError};
use crate::fields::{faults_of, Faults};
use crate::form::{self, ActionForm};
use crate::pages::Chrome;
use crate::session::{signed, Signed};
use crate::uk;
use crate::widgets::{Field, Kind, Section};
use crate::WebState;
use actix_web::{web, HttpRequest};
use askama::Template;
use dms_db::register::Settlement;
use dms_service::actions::{self, Submitted};
use dms_service::ServiceError;

#[derive(Template)]
#[template(path = "new_choose.html")]
struct ChoosePage {
    chrome: Chrome,
    types: Vec<(&'static str, &'static str)>,
}

pub async fn choose(state: web::Data<WebState>, req: HttpRequest) -> PageResult {
    let signed = signed(&state, &req).await?;
    html(&ChoosePage {
        chrome: Chrome::signed(&signed, "Нова реєстраційна дія", "new"),
        types: uk::PERSON_ACTIONS
            .iter()
            .map(|t| (*t, uk::action_type(t)))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "new_form.html")]
struct FormPage {
    chrome: Chrome,
    action_type: &'static str,
    heading: &'static str,
    csrf: String,
    form_token: String,
    faults: Faults,
    sections: Vec<Section>,
}

#[derive(Template)]
#[template(path = "new_review.html")]
struct ReviewPage {
    chrome: Chrome,
    action_type: &'static str,
    heading: &'static str,
    csrf: String,
    rows: Vec<(&'static str, String)>,
    hidden: Vec<(&'static str, String)>,
}

fn action_type(t: &str) -> Result<&'static str, WebError> {
    uk::PERSON_ACTIONS
        .iter()
        .copied()
        .find(|k| *k == t)
        .ok_or(WebError::NotFound)
}

fn settlement_options(list: &[Settlement]) -> Vec<(String, String)> {
    list.iter()
        .map(|s| (s.code.clone(), s.name.clone()))
        .collect()
}

fn sections(
    f: &ActionForm,
    action_type: &str,
    faults: &Faults,
    settlements: &[Settlement],
) -> Vec<Section> {
    let mut action = vec![Field::new(
        "action_date",
        "Дата реєстраційної дії",
        &f.action_date,
        faults,
    )
    .kind(Kind::Date)
    .required()
    .hint("День, коли ви здійснили дію; за замовчуванням — сьогодні")];
    if uk::is_deregistration(action_type) {
        action.push(
            Field::new("ground_code", "Підстава", &f.ground_code, faults)
                .kind(Kind::Select)
                .required()
                .options(uk::GROUNDS),
        );
        action.push(
            Field::new(
                "ground_document",
                "Документ-підстава",
                &f.ground_document,
                faults,
            )
            .hint("Наприклад, номер справи і дата рішення суду"),
        );
    }
    let mut katottg = Field::new("katottg", "Населений пункт", &f.katottg, faults)
        .kind(Kind::Select)
        .required()
        .hint("Населений пункт або район міста вашої територіальної громади");
    katottg.options = settlement_options(settlements);
    vec![
        Section {
            legend: "Реєстраційна дія",
            fields: action,
        },
        Section {
            legend: "Особа",
            fields: vec![
                Field::new("unzr", "УНЗР", &f.unzr, faults)
                    .kind(Kind::Code)
                    .hint("Унікальний номер запису в ЄДДР, якщо є: РРРРММДД-ННННК, наприклад 19850701-01234"),
                Field::new("rnokpp", "РНОКПП", &f.rnokpp, faults)
                    .kind(Kind::Code)
                    .hint("Реєстраційний номер облікової картки платника податків, 10 цифр, якщо є"),
                Field::new("surname", "Прізвище", &f.surname, faults).required(),
                Field::new("given_name", "Власне ім'я", &f.given_name, faults).required(),
                Field::new("patronymic", "По батькові", &f.patronymic, faults),
                Field::new("birth_date", "Дата народження", &f.birth_date, faults)
                    .kind(Kind::Date)
                    .required(),
                Field::new("sex", "Стать", &f.sex, faults)
                    .kind(Kind::Radios)
                    .options([("female", "Жіноча"), ("male", "Чоловіча")]),
                Field::new("citizenship", "Громадянство", &f.citizenship, faults)
                    .kind(Kind::Code)
                    .hint("Коди країн ISO 3166-1 alpha-3 через кому, наприклад UKR або POL, DEU; для особи без громадянства — «без громадянства»"),
            ],
        },
        Section {
            legend: "Документ, що посвідчує особу",
            fields: vec![
                Field::new("doc_type", "Вид документа", &f.doc_type, faults)
                    .kind(Kind::Select)
                    .required()
                    .options(uk::DOCUMENTS),
                Field::new("doc_number", "Серія та номер документа", &f.doc_number, faults)
                    .kind(Kind::Code)
                    .required()
                    .hint("ID-картка і посвідки — 9 цифр; книжечка — КВ123456; свідоцтво — I-АБ 123456; паспорт для виїзду за кордон — FA123456; паспорт іноземця — латинські літери й цифри"),
                Field::new("doc_issued_on", "Дата видачі документа", &f.doc_issued_on, faults)
                    .kind(Kind::Date),
                Field::new("doc_expires_on", "Дійсний до", &f.doc_expires_on, faults)
                    .kind(Kind::Date)
                    .hint("Дата закінчення строку дії, якщо вона є в документі"),
                Field::new("doc_issuer", "Орган, що видав документ", &f.doc_issuer, faults),
            ],
        },
        Section {
            legend: "Адреса",
            fields: vec![
                katottg,
                Field::new("street", "Вулиця", &f.street, faults)
                    .hint("Наприклад: вулиця Кам'янецька"),
                Field::new("building", "Будинок", &f.building, faults)
                    .kind(Kind::Code)
                    .required(),
                Field::new("block", "Корпус", &f.block, faults).kind(Kind::Code),
                Field::new("apartment", "Квартира", &f.apartment, faults).kind(Kind::Code),
                Field::new("postal_code", "Поштовий індекс", &f.postal_code, faults)
                    .kind(Kind::Code)
                    .hint("5 цифр"),
            ],
        },
    ]
}

async fn render_form(
    state: &WebState,
    signed: &Signed,
    action_type: &'static str,
    f: &ActionForm,
    faults: Faults,
) -> PageResult {
    let settlements = dms_service::register::settlements(&state.services, &signed.actor).await?;
    let status = faults.status();
    let heading = uk::action_type(action_type);
    html_status(
        status,
        &FormPage {
            chrome: Chrome::signed(signed, heading, "new"),
            action_type,
            heading,
            csrf: signed.csrf().to_owned(),
            form_token: f.form_token.clone(),
            sections: sections(f, action_type, &faults, &settlements),
            faults,
        },
    )
}

pub async fn form(
    state: web::Data<WebState>,
    req: HttpRequest,
    kind: web::Path<String>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let action_type = action_type(&kind)?;
    let f = ActionForm {
        form_token: form::new_form_token(),
        action_date: dms_schemas::time::kyiv_date(chrono::Utc::now()).to_string(),
        ..ActionForm::default()
    };
    render_form(&state, &signed, action_type, &f, Faults::default()).await
}

/// What the review shows: each filled field with its label, in the form's order.
fn review_rows(f: &ActionForm, settlements: &[Settlement]) -> Vec<(&'static str, String)> {
    let settlement = settlements
        .iter()
        .find(|s| s.code == f.katottg)
        .map_or_else(|| f.katottg.clone(), |s| s.name.clone());
    let rows = [
        ("Дата реєстраційної дії", uk::date_text(&f.action_date)),
        ("Підстава", uk::ground(&f.ground_code).to_owned()),
        ("Документ-підстава", f.ground_document.clone()),
        ("УНЗР", f.unzr.clone()),
        ("РНОКПП", f.rnokpp.clone()),
        ("Прізвище", f.surname.clone()),
        ("Власне ім'я", f.given_name.clone()),
        ("По батькові", f.patronymic.clone()),
        ("Дата народження", uk::date_text(&f.birth_date)),
        ("Стать", uk::sex(&f.sex).to_owned()),
        ("Громадянство", f.citizenship.clone()),
        ("Вид документа", uk::document(&f.doc_type).to_owned()),
        ("Серія та номер документа", f.doc_number.clone()),
        ("Дата видачі документа", uk::date_text(&f.doc_issued_on)),
        ("Дійсний до", uk::date_text(&f.doc_expires_on)),
        ("Орган, що видав документ", f.doc_issuer.clone()),
        ("Населений пункт", settlement),
        ("Вулиця", f.street.clone()),
        ("Будинок", f.building.clone()),
        ("Корпус", f.block.clone()),
        ("Квартира", f.apartment.clone()),
        ("Поштовий індекс", f.postal_code.clone()),
    ];
    rows.into_iter()
        .map(|(k, v)| (k, v.trim().to_owned()))
        .filter(|(_, v)| !v.is_empty() && v != "—")
        .collect()
}

/// The form's values as hidden fields of the review page.
fn hidden(f: &ActionForm) -> Vec<(&'static str, String)> {
    vec![
        ("form_token", f.form_token.clone()),
        ("action_date", f.action_date.clone()),
        ("ground_code", f.ground_code.clone()),
        ("ground_document", f.ground_document.clone()),
        ("unzr", f.unzr.clone()),
        ("rnokpp", f.rnokpp.clone()),
        ("surname", f.surname.clone()),
        ("given_name", f.given_name.clone()),
        ("patronymic", f.patronymic.clone()),
        ("birth_date", f.birth_date.clone()),
        ("sex", f.sex.clone()),
        ("doc_type", f.doc_type.clone()),
        ("doc_number", f.doc_number.clone()),
        ("doc_issued_on", f.doc_issued_on.clone()),
        ("doc_issuer", f.doc_issuer.clone()),
        ("katottg", f.katottg.clone()),
        ("street", f.street.clone()),
        ("building", f.building.clone()),
        ("block", f.block.clone()),
        ("apartment", f.apartment.clone()),
        ("postal_code", f.postal_code.clone()),
    ]
}

/// Where a submitted form lands: the stored action's page, for a retry of the same form too; the
/// same form token sent again with other values shows what was stored under it. Refusals are the
/// caller's to show on its form.
pub(crate) async fn landing(
    state: &WebState,
    signed: &Signed,
    outcome: Result<Submitted, ServiceError>,
    form_token: &str,
) -> Result<PageResult, ServiceError> {
    let stored = match outcome {
        Ok(Submitted::Created { stored, .. } | Submitted::Replayed(stored)) => {
            return Ok(see_other(format!("/actions/{}?submitted=1", stored.id)));
        }
        Err(ServiceError::IdempotencyKeyReused) => {
            dms_service::register::by_external_id(&state.services, &signed.actor, form_token)
                .await?
        }
        Err(e) => return Err(e),
    };
    Ok(match stored {
        Some(id) => see_other(format!("/actions/{id}?resubmitted=1")),
        None => Err(WebError::Internal),
    })
}

/// A refusal of the service as faults on the form; anything else is the service's problem.
fn refusal_faults(e: ServiceError) -> Result<Faults, WebError> {
    match e {
        ServiceError::SchemaViolation(errors) | ServiceError::ValidationFailed(errors) => {
            Ok(faults_of(&errors))
        }
        ServiceError::MalformedJson(_) => {
            let mut f = Faults::default();
            f.add("form", "Форму заповнено неправильно; перевірте поля");
            Ok(f)
        }
        ServiceError::TerritoryRestricted(basis) => {
            let mut f = Faults::default();
            f.add(
                "katottg",
                format!("Реєстраційні дії на цій території на цю дату заборонено ({basis})"),
            );
            Ok(f)
        }
        other => Err(other.into()),
    }
}

pub async fn post(
    state: web::Data<WebState>,
    req: HttpRequest,
    kind: web::Path<String>,
    body: web::Form<ActionForm>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let f = body.into_inner();
    signed.check_csrf(&f.csrf)?;
    let action_type = action_type(&kind)?;
    if form::form_token(&f.form_token).is_none() {
        return Err(WebError::Csrf);
    }
    let services = &state.services;
    let bytes = f.bytes(action_type);
    match f.step.as_str() {
        "submit" => {
            let outcome = actions::submit(services, &signed.actor, &bytes).await;
            match landing(&state, &signed, outcome, &f.form_token).await {
                Ok(page) => page,
                Err(e) => {
                    let faults = refusal_faults(e)?;
                    render_form(&state, &signed, action_type, &f, faults).await
                }
            }
        }
        "review" => match actions::check(services, &signed.actor, &bytes).await {
            Ok(_) => {
                let settlements =
                    dms_service::register::settlements(services, &signed.actor).await?;
                let heading = uk::action_type(action_type);
                html(&ReviewPage {
                    chrome: Chrome::signed(&signed, "Перевірте дані", "new"),
                    action_type,
                    heading,
                    csrf: signed.csrf().to_owned(),
                    rows: review_rows(&f, &settlements),
                    hidden: hidden(&f),
                })
            }
            Err(e) => {
                let faults = refusal_faults(e)?;
                render_form(&state, &signed, action_type, &f, faults).await
            }
        },
        _ => render_form(&state, &signed, action_type, &f, Faults::default()).await,
    }
}
