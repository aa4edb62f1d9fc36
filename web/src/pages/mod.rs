//! The pages, one module per part of the register; the chrome every page shares (title, the
//! signed-in official, the navigation) and small helpers of the templates.

pub mod actions;
pub mod auth;
pub mod home;
pub mod new_action;
pub mod notices;
pub mod requests;
pub mod residents;

use crate::session::Signed;
use actix_web::web;

/// The signed-in official as the header shows them, with the CSRF token of the sign-out form.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub body: String,
    pub csrf: String,
}

/// A section of the navigation: (key, address, label).
pub type Section = (&'static str, &'static str, &'static str);

/// What the layout needs: the page's title, the service it belongs to, who is signed in, the
/// navigation and which section of it is current.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub service: &'static str,
    pub user: Option<User>,
    pub nav: &'static str,
    pub sections: Vec<Section>,
}

/// The officials' web (the hosted community register).
pub const REGISTER: &str = "Реєстр територіальної громади — ДМС України";
/// The staff console.
pub const CONSOLE: &str = "Консоль працівника ДМС України";

const REGISTER_SECTIONS: [Section; 6] = [
    ("home", "/", "Головна"),
    ("new", "/actions/new", "Нова дія"),
    ("actions", "/actions", "Дії"),
    ("residents", "/residents", "Мешканці"),
    ("requests", "/requests", "Запити ДМС"),
    ("notices", "/notices", "Сповіщення"),
];

impl Chrome {
    /// A page before sign-in, or an error page: of the register unless told otherwise.
    pub fn anonymous(title: &str) -> Chrome {
        Chrome::anonymous_in(dms_service::web_auth::Realm::Officials, title)
    }

    pub fn anonymous_in(realm: dms_service::web_auth::Realm, title: &str) -> Chrome {
        Chrome {
            title: title.to_owned(),
            service: match realm {
                dms_service::web_auth::Realm::Officials => REGISTER,
                dms_service::web_auth::Realm::Staff => CONSOLE,
            },
            user: None,
            nav: "",
            sections: Vec::new(),
        }
    }

    /// A page of the officials' web.
    pub fn signed(signed: &Signed, title: impl Into<String>, nav: &'static str) -> Chrome {
        Chrome {
            title: title.into(),
            service: REGISTER,
            user: Some(User {
                name: signed.session.official.name.clone(),
                body: signed
                    .session
                    .body()
                    .map(|b| b.name.clone())
                    .unwrap_or_default(),
                csrf: signed.csrf().to_owned(),
            }),
            nav,
            sections: REGISTER_SECTIONS.to_vec(),
        }
    }

    /// A page of the staff console: the navigation is the role's.
    pub fn console(
        signed: &Signed,
        title: impl Into<String>,
        nav: &'static str,
        sections: Vec<Section>,
        whom: String,
    ) -> Chrome {
        Chrome {
            title: title.into(),
            service: CONSOLE,
            user: Some(User {
                name: signed.session.official.name.clone(),
                body: whom,
                csrf: signed.csrf().to_owned(),
            }),
            nav,
            sections,
        }
    }

    pub fn is_current(&self, key: &str) -> bool {
        self.nav == key
    }

    /// A page of the staff console.
    pub fn is_console(&self) -> bool {
        self.service == CONSOLE
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }
}

/// Percent-encode a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A link's `next` target kept on this site: a path, never another host.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and line breaks from a Location (`/\t/evil` is `//evil`): a path
        // with any control character or white space is not taken.
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Rows per page of the lists.
pub const PAGE_SIZE: i64 = 50;

/// Paging links of a list: the previous and next pages' numbers (1-based), if any.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The query string of the list without `page`.
    pub query: String,
}

impl Pager {
    pub fn new(page: i64, total: i64, query: String) -> Pager {
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        Pager {
            page,
            pages,
            total,
            query,
        }
    }

    pub fn prev(&self) -> Option<i64> {
        (self.page > 1).then(|| self.page - 1)
    }

    pub fn next(&self) -> Option<i64> {
        (self.page < self.pages).then(|| self.page + 1)
    }
}

/// A page number from the query (1 when absent or nonsense).
pub fn page_number(p: Option<&str>) -> i64 {
    p.and_then(|s| s.parse::<i64>().ok())
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(1)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::page))
        .route("/sign-in", web::get().to(auth::sign_in_page))
        .route("/sign-in", web::post().to(auth::sign_in))
        .route("/sign-out", web::post().to(auth::sign_out))
        .route("/setup/{secret}", web::get().to(auth::setup_page))
        .route("/setup/{secret}", web::post().to(auth::setup))
        .route("/actions/new", web::get().to(new_action::choose))
        .route("/actions/new/{type}", web::get().to(new_action::form))
        .route("/actions/new/{type}", web::post().to(new_action::post))
        .route("/actions", web::get().to(actions::list))
        .route("/actions/{id}", web::get().to(actions::show))
        .route("/actions/{id}/receipt", web::get().to(actions::receipt))
        .route("/actions/{id}/cancel", web::get().to(actions::cancel_page))
        .route("/actions/{id}/cancel", web::post().to(actions::cancel))
        .route("/residents", web::get().to(residents::list))
        .route("/residents/{id}", web::get().to(residents::show))
        .route("/residents/{id}/extract", web::get().to(residents::extract))
        .route("/requests", web::get().to(requests::list))
        .route("/requests/{id}", web::get().to(requests::show))
        .route("/requests/{id}", web::post().to(requests::answer))
        .route("/notices", web::get().to(notices::list));
}

/// The answer to any other address: the 404 page.
pub async fn not_found() -> crate::error::PageResult {
    Err(crate::error::WebError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn a_next_address_stays_on_this_site() {
        assert_eq!(
            local_path(Some("/requests?state=all")),
            "/requests?state=all"
        );
        for away in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/ /x",
        ] {
            assert_eq!(local_path(Some(away)), "/", "{away:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
