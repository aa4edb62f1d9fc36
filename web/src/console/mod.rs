//! The staff console: DMS officers, supervisors and auditors on the web, in Ukrainian, on its
//! own listener (`DMS_CONSOLE_LISTEN`). Same sign-in (password + TOTP), sessions and design
//! system as the officials' web; every screen calls the same service operations as the staff
//! API, so the role matrix, territory limits and audit rows are the API's. Pages are built from
//! a few blocks (headings, summaries, tables, forms, charts) rendered by one template.

pub mod audit;
pub mod bans;
pub mod bodies;
pub mod calendar;
pub mod credentials;
pub mod datasets;
pub mod home;
pub mod page;
pub mod people;
pub mod requests;

use crate::error::WebError;
use crate::pages::{auth, Chrome, Section};
use crate::session::{signed, Signed};
use crate::WebState;
use actix_web::{web, HttpRequest};
use dms_db::enums::StaffRole;
use dms_db::staff::Staff;

/// A signed-in staff member.
pub struct Console {
    pub signed: Signed,
    pub staff: Staff,
}

impl Console {
    /// The layout of a console page whose current section is `nav`.
    pub fn chrome(&self, title: impl Into<String>, nav: &'static str) -> Chrome {
        Chrome::console(
            &self.signed,
            title,
            nav,
            sections(self.staff.role),
            format!("{}, {}", role_name(self.staff.role), self.staff.unit),
        )
    }

    pub fn csrf(&self) -> String {
        self.signed.csrf().to_owned()
    }

    /// A page whose every operation needs one of `roles` refuses anyone else before it shows a
    /// form (the service refuses again when the form is sent).
    pub fn require(&self, roles: &[StaffRole]) -> Result<(), WebError> {
        self.signed
            .actor
            .require_staff(roles)
            .map(|_| ())
            .map_err(WebError::from)
    }
}

/// The request's staff member, or to the console's sign-in.
pub async fn staff(state: &WebState, req: &HttpRequest) -> Result<Console, WebError> {
    let signed = signed(state, req).await?;
    let staff = signed.staff()?.clone();
    Ok(Console { signed, staff })
}

pub fn role_name(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Officer => "Працівник територіального органу",
        StaffRole::Supervisor => "Адміністратор",
        StaffRole::Auditor => "Аудитор",
        StaffRole::Issuance => "Система оформлення документів",
    }
}

/// The navigation of a role: what its API role matrix lets it do.
pub fn sections(role: StaffRole) -> Vec<Section> {
    let mut s: Vec<Section> = vec![("home", "/", "Головна")];
    match role {
        StaffRole::Officer => {
            s.push(("requests", "/requests", "Запити на перевірку"));
            s.push(("search", "/search", "Пошук осіб і дій"));
            s.push(("calendar", "/calendar", "Календар"));
            s.push(("bans", "/bans", "Заборони"));
        }
        StaffRole::Supervisor => {
            s.push(("requests", "/requests", "Запити"));
            s.push(("search", "/search", "Пошук"));
            s.push(("bodies", "/bodies", "Органи реєстрації"));
            s.push(("calendar", "/calendar", "Календар"));
            s.push(("bans", "/bans", "Заборони"));
            s.push(("datasets", "/datasets", "Набори даних"));
            s.push(("entries", "/register-entries", "Внесення до ЄДДР"));
            s.push(("reports", "/reports", "Звіти"));
        }
        StaffRole::Auditor => {
            s.push(("bodies", "/bodies", "Органи реєстрації"));
            s.push(("datasets", "/datasets", "Набори даних"));
            s.push(("audit", "/audit", "Журнал аудиту"));
            s.push(("verify", "/audit/verify", "Перевірка ланцюга"));
            s.push(("reports", "/reports", "Звіти"));
            s.push(("calendar", "/calendar", "Календар"));
        }
        // A machine client has no web account; were it to have one, it would see nothing.
        StaffRole::Issuance => {}
    }
    s
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::page))
        .route("/sign-in", web::get().to(auth::sign_in_page))
        .route("/sign-in", web::post().to(auth::sign_in))
        .route("/sign-out", web::post().to(auth::sign_out))
        .route("/setup/{secret}", web::get().to(auth::setup_page))
        .route("/setup/{secret}", web::post().to(auth::setup))
        .route("/requests", web::get().to(requests::list))
        .route("/requests/new", web::get().to(requests::new_page))
        .route("/requests/new", web::post().to(requests::create))
        .route("/requests/{id}", web::get().to(requests::show))
        .route("/search", web::get().to(people::search))
        .route("/actions/{id}", web::get().to(people::action))
        .route("/people/{id}", web::get().to(people::history))
        .route("/bodies", web::get().to(bodies::list))
        .route("/bodies", web::post().to(bodies::create))
        .route("/bodies/{edrpou}", web::get().to(bodies::show))
        .route(
            "/bodies/{edrpou}/revoke/{id}",
            web::get().to(credentials::revoke_page),
        )
        .route(
            "/bodies/{edrpou}/revoke/{id}",
            web::post().to(credentials::revoke),
        )
        .route("/bodies/{edrpou}/{what}", web::post().to(bodies::change))
        .route("/calendar", web::get().to(calendar::month))
        .route("/calendar", web::post().to(calendar::set_override))
        .route("/bans", web::get().to(bans::list))
        .route("/bans", web::post().to(bans::add))
        .route("/bans/{id}/end", web::get().to(bans::end_page))
        .route("/bans/{id}/end", web::post().to(bans::end))
        .route("/datasets", web::get().to(datasets::list))
        .route("/datasets/{seq}", web::get().to(datasets::show))
        .route(
            "/datasets/{seq}/redeliver",
            web::post().to(datasets::redeliver),
        )
        .route("/register-entries", web::get().to(datasets::entry_page))
        .route("/register-entries", web::post().to(datasets::entry))
        .route("/audit", web::get().to(audit::log))
        .route("/audit/verify", web::get().to(audit::verify))
        .route("/reports", web::get().to(audit::reports))
        .route("/reports/{kind}.csv", web::get().to(audit::report_csv));
}
