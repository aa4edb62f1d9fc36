//! The body's notices: its residents registered elsewhere, and such moves cancelled. Reading
//! them here moves no API cursor (a community that also has software keeps its own).

use crate::error::{html, PageResult};
use crate::pages::{page_number, Chrome, Pager, PAGE_SIZE};
use crate::session::signed;
use crate::views::NoticeLine;
use crate::WebState;
use actix_web::{web, HttpRequest};
use askama::Template;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct ListPage {
    chrome: Chrome,
    notices: Vec<NoticeLine>,
    pager: Pager,
}

pub async fn list(
    state: web::Data<WebState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> PageResult {
    let signed = signed(&state, &req).await?;
    let page = page_number(q.page.as_deref());
    // One more than a page tells whether there is a next one.
    let mut list = dms_service::register::notices(
        &state.services,
        &signed.actor,
        None,
        (page - 1) * PAGE_SIZE,
        PAGE_SIZE + 1,
    )
    .await?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    let total = (page - 1) * PAGE_SIZE + list.len() as i64 + i64::from(more);
    html(&ListPage {
        chrome: Chrome::signed(&signed, "Сповіщення", "notices"),
        notices: list.iter().map(NoticeLine::from).collect(),
        pager: Pager::new(page, total, String::new()),
    })
}
