//! Staff search of registration actions by the person they are about: officers within their
//! territory, supervisors everywhere. Every search is audited with what was asked and which
//! records were returned.

use crate::{Actor, ServiceError, Services};
use dms_db::enums::StaffRole;
use dms_db::search::{Found, SearchKey};
use dms_schemas::{FieldCode, FieldError};
use uuid::Uuid;

/// The search as asked (raw text, checked by [`key`]).
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub unzr: Option<String>,
    pub rnokpp: Option<String>,
    pub document_type: Option<String>,
    pub document_number: Option<String>,
    pub surname: Option<String>,
    pub birth_date: Option<String>,
}

/// The one key a query searches by, or the fault with its pointer.
pub fn key(q: &Query) -> Result<SearchKey, ServiceError> {
    let bad = |pointer: &str, message: &str| {
        ServiceError::ValidationFailed(vec![FieldError::new(pointer, FieldCode::Invalid, message)])
    };
    let texts = [
        ("/unzr", &q.unzr),
        ("/rnokpp", &q.rnokpp),
        ("/document_type", &q.document_type),
        ("/document_number", &q.document_number),
        ("/surname", &q.surname),
        ("/birth_date", &q.birth_date),
    ];
    for (pointer, value) in texts {
        if let Some(v) = value {
            if v.trim().is_empty() || v.chars().any(char::is_control) {
                return Err(bad(
                    pointer,
                    "must be non-empty text without control characters",
                ));
            }
        }
    }
    if let Some(t) = &q.document_type {
        let known = serde_json::from_value::<dms_schemas::DocumentType>(serde_json::Value::String(
            t.clone(),
        ));
        if known.is_err() {
            let all: Vec<&str> = dms_schemas::DocumentType::ALL
                .iter()
                .map(|t| t.as_str())
                .collect();
            return Err(bad(
                "/document_type",
                &format!("must be one of {}", all.join(", ")),
            ));
        }
    }
    match q {
        Query { unzr: Some(u), .. } => dms_schemas::Unzr::parse(u)
            .map(|u| SearchKey::Unzr(u.as_str().to_owned()))
            .map_err(|e| bad("/unzr", &format!("УНЗР: {e}"))),
        Query {
            rnokpp: Some(r), ..
        } => dms_schemas::Rnokpp::parse(r)
            .map(|r| SearchKey::Rnokpp(r.as_str().to_owned()))
            .map_err(|e| bad("/rnokpp", &format!("РНОКПП: {e}"))),
        Query {
            document_type: Some(t),
            document_number: Some(n),
            ..
        } => Ok(SearchKey::Document {
            kind: t.clone(),
            number: n.clone(),
        }),
        Query {
            surname: Some(s),
            birth_date: Some(b),
            ..
        } => b
            .parse()
            .map(|birth_date| SearchKey::SurnameBirth {
                surname: s.clone(),
                birth_date,
            })
            .map_err(|_| bad("/birth_date", "must be a date (YYYY-MM-DD)")),
        _ => Err(bad(
            "",
            "search by unzr, rnokpp, document_type + document_number, or surname + birth_date",
        )),
    }
}

/// At most this many actions are returned, newest first.
pub const LIMIT: i64 = 200;

/// The actions about the person that the staff member may see.
pub async fn search(
    services: &Services,
    actor: &Actor,
    query: &Query,
) -> Result<Vec<Found>, ServiceError> {
    let who = actor.require_staff(&[StaffRole::Officer, StaffRole::Supervisor])?;
    let key = key(query)?;
    let codifier = services.codifier().await?;
    let mut conn = services.conn().await?;
    let found = dms_db::search::search(&mut conn, &key, LIMIT).await?;
    let visible: Vec<Found> = found
        .into_iter()
        .filter(
            |f| match (who.role, who.territory.as_deref(), f.katottg.as_deref()) {
                (StaffRole::Supervisor, ..) => true,
                (StaffRole::Officer, Some(t), Some(k)) => codifier.lies_within(k, t),
                _ => false,
            },
        )
        .collect();
    let asked = match &key {
        SearchKey::Unzr(_) => "unzr",
        SearchKey::Rnokpp(_) => "rnokpp",
        SearchKey::Document { .. } => "document",
        SearchKey::SurnameBirth { .. } => "surname_birth_date",
    };
    let ids: Vec<Uuid> = visible.iter().map(|f| f.id).collect();
    let event = actor.audit(
        "registration_action.search",
        None,
        serde_json::json!({"by": asked, "returned": ids}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(visible)
}
