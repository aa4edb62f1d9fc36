//! The stylesheet and scripts, built by `ops/web-assets` from GOV.UK Frontend (npm, committed
//! lockfile) into a directory read once at start-up and served from memory: nothing is loaded
//! from elsewhere at run time, and no request can name a file outside the list.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use std::collections::HashMap;
use std::path::Path;

/// The files served under `/static/`, and their types.
const FILES: [(&str, &str); 3] = [
    ("dms.css", "text/css; charset=utf-8"),
    ("app.js", "text/javascript; charset=utf-8"),
    ("govuk-frontend.min.js", "text/javascript; charset=utf-8"),
];

#[derive(Debug, Default)]
pub struct Assets {
    files: HashMap<&'static str, (&'static str, Vec<u8>)>,
}

impl Assets {
    /// Read the files from `dir`; a missing one is reported and its URL answers 404 (pages stay
    /// usable without it).
    pub fn load(dir: &Path) -> Assets {
        let mut files = HashMap::new();
        for (name, kind) in FILES {
            match std::fs::read(dir.join(name)) {
                Ok(bytes) => {
                    files.insert(name, (kind, bytes));
                }
                Err(e) => {
                    tracing::warn!(asset = name, error.message = %e, "web asset missing: run ops/web-assets");
                }
            }
        }
        Assets { files }
    }

    pub fn has(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }
}

pub async fn serve(state: web::Data<crate::WebState>, name: web::Path<String>) -> HttpResponse {
    match state.assets.files.get(name.as_str()) {
        Some((kind, bytes)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *kind))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(bytes.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}
