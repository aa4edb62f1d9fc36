//! The home page: today's actions (late ones marked), the verification requests waiting for an
//! answer with their due dates (overdue ones stand out), and the notices of the last week.

use crate::error::{html, PageResult};
use crate::pages::Chrome;
use crate::session::signed;
use crate::views::{ActionLine, NoticeLine, RequestLine};
use crate::WebState;
use actix_web::{web, HttpRequest};
use askama::Template;
use dms_db::register::ActionFilter;
use dms_service::verification_requests::{self as requests, Paging, RequestFilter};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    today: String,
    rows: Vec<ActionLine>,
    caption: &'static str,
    actions_total: i64,
    requests: Vec<RequestLine>,
    notices: Vec<NoticeLine>,
}

pub async fn page(state: web::Data<WebState>, req: HttpRequest) -> PageResult {
    let signed = signed(&state, &req).await?;
    let services = &state.services;
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
    let filter = ActionFilter {
        date_from: Some(today),
        date_to: Some(today),
        ..ActionFilter::default()
    };
    let actions = dms_service::register::actions(services, &signed.actor, &filter, 0, 20).await?;
    let listed = requests::list_for_body(
        services,
        &signed.actor,
        RequestFilter::Unanswered,
        Paging {
            after: None,
            limit: 20,
        },
    )
    .await?;
    let week_ago = chrono::Utc::now() - chrono::Duration::days(7);
    let notices =
        dms_service::register::notices(services, &signed.actor, Some(week_ago), 0, 10).await?;
    let page = HomePage {
        chrome: Chrome::signed(&signed, "Головна", "home"),
        today: crate::uk::date(today),
        actions_total: actions.total,
        rows: actions.rows.iter().map(ActionLine::from).collect(),
        caption: "Дії за сьогодні",
        requests: listed
            .requests
            .iter()
            .map(|r| RequestLine::new(r, listed.today))
            .collect(),
        notices: notices.iter().map(NoticeLine::from).collect(),
    };
    html(&page)
}
