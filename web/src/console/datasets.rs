//! Data sets for ЄДДР (list with state, records, delivery attempts and verdicts; a data set's
//! page; re-delivering a failed one) and register entries (a person entered ЄДДР: their held
//! actions go into the next data set).

use super::staff;
use crate::error::{PageResult, WebError};
use crate::WebState;
use actix_web::{web, HttpRequest};

pub async fn list(state: web::Data<WebState>, req: HttpRequest) -> PageResult {
    let _c = staff(&state, &req).await?;
    Err(WebError::NotFound)
}

pub async fn show(state: web::Data<WebState>, req: HttpRequest) -> PageResult {
    let _c = staff(&state, &req).await?;
    Err(WebError::NotFound)
}

pub async fn redeliver(state: web::Data<WebState>, req: HttpRequest) -> PageResult {
    let _c = staff(&state, &req).await?;
    Err(WebError::NotFound)
}

pub async fn entry_page(state: web::Data<WebState>, req: HttpRequest) -> PageResult {
    let _c = staff(&state, &req).await?;
    Err(WebError::NotFound)
}

pub async fn entry(state: web::Data<WebState>, req: HttpRequest) -> PageResult {
    let _c = staff(&state, &req).await?;
    Err(WebError::NotFound)
}
