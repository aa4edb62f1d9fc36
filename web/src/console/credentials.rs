//! Revoking one credential of a registration body (a token, a Трембіта client, a client
//! certificate): a confirmation page, then the change.

use super::bodies::ChangeForm;
use super::page::{Block, Form, Page};
use super::staff;
use crate::error::{see_other, PageResult, WebError};
use crate::WebState;
use actix_web::{web, HttpRequest};
use dms_db::enums::StaffRole;

/// The body's credential with this id, described as the confirmation names it, and whether it
/// is still live.
fn credential(d: &dms_service::bodies::BodyDetail, id: uuid::Uuid) -> Option<(String, bool)> {
    d.tokens
        .iter()
        .map(|t| (format!("токен {} ({})", t.id, t.label), t))
        .chain(
            d.trembita_clients
                .iter()
                .map(|t| (format!("клієнт Трембіти {}", t.value), &t.info)),
        )
        .chain(
            d.client_certificates
                .iter()
                .map(|t| (format!("сертифікат {}", t.value), &t.info)),
        )
        .find(|(_, info)| info.id == id)
        .map(|(text, info)| (text, info.revoked_at.is_none()))
}

fn credential_id(s: &str) -> Result<uuid::Uuid, WebError> {
    uuid::Uuid::parse_str(s).map_err(|_| WebError::NotFound)
}

/// The confirmation of revoking one credential of the body.
pub async fn revoke_page(
    state: web::Data<WebState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.require(&[StaffRole::Supervisor])?;
    let (edrpou, id) = path.into_inner();
    let id = credential_id(&id)?;
    let d = dms_service::bodies::detail(&state.services, &c.signed.actor, &edrpou).await?;
    let described = credential(&d, id)
        .filter(|(_, live)| *live)
        .map(|(text, _)| text)
        .ok_or(WebError::NotFound)?;
    Page::new(c.chrome("Відкликати облікові дані", "bodies"), "Відкликати облікові дані")
        .caption(d.body.name.clone())
        .block(
            Block::default()
                .para(format!("Буде відкликано: {described}."))
                .para("Після відкликання ним не можна буде подати жодного запиту. Цю дію не можна скасувати.")
                .form(Form {
                    action: format!("/bodies/{edrpou}/revoke/{id}"),
                    post: true,
                    csrf: c.csrf(),
                    button: "Відкликати".into(),
                    warning: true,
                    ..Form::default()
                }),
        )
        .render()
}

pub async fn revoke(
    state: web::Data<WebState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<ChangeForm>,
) -> PageResult {
    let c = staff(&state, &req).await?;
    c.signed.check_csrf(&form.csrf)?;
    c.require(&[StaffRole::Supervisor])?;
    let (edrpou, id) = path.into_inner();
    let id = credential_id(&id)?;
    // Only a credential of this body (the id of another's is, here, not there).
    let d = dms_service::bodies::detail(&state.services, &c.signed.actor, &edrpou).await?;
    credential(&d, id).ok_or(WebError::NotFound)?;
    dms_service::bodies::revoke_credential_by_id(&state.services, &c.signed.actor, id).await?;
    see_other(format!("/bodies/{}?done=revoked", d.body.edrpou))
}
