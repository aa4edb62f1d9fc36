//! The cross-checks of an identity document, a citizenship, the action's dates and the legal
//! representative.

use super::*;

/// An identity document's number and dates, at `at` (`/person/document`,
/// `/legal_representative/document`): the number for its type; issued between the birth date
/// (when known) and the action date; expiring not before its issue and not before the action date
/// (a document that had expired on the day of the action could not have been used for it; a
/// historical action is judged on its own day, not on today).
pub(super) fn check_document(
    at: &str,
    d: &DocumentDoc,
    birth_date: Option<(NaiveDate, &str)>,
    action_date: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<DocumentNumber> {
    let document = DocumentNumber::parse(d.kind, &d.number)
        .map_err(|e| errors.push(id_error(&format!("{at}/number"), "the document number", &e)))
        .ok();
    if let Some(issued) = d.issued_on {
        if let Some((_, whose)) = birth_date.filter(|(b, _)| issued < *b) {
            errors.push(FieldError::new(
                format!("{at}/issued_on"),
                FieldCode::BeforeBirth,
                format!("is earlier than {whose}"),
            ));
        }
        if issued > action_date {
            errors.push(FieldError::new(
                format!("{at}/issued_on"),
                FieldCode::AfterActionDate,
                "is later than the action date",
            ));
        }
    }
    if let Some(expires) = d.expires_on {
        if d.issued_on.is_some_and(|issued| expires < issued) {
            errors.push(FieldError::new(
                format!("{at}/expires_on"),
                FieldCode::BeforeIssue,
                "is earlier than the document's issued_on",
            ));
        } else if expires < action_date {
            errors.push(FieldError::new(
                format!("{at}/expires_on"),
                FieldCode::DocumentExpired,
                "the document had expired before the action date",
            ));
        }
    }
    document
}

/// Citizenship against the kind of document: the documents of a citizen of Ukraine (passports)
/// are held by citizens of Ukraine; residence permits and the certificates of refugees and of
/// persons in need of additional protection are issued to foreigners and stateless persons only;
/// a foreign passport is no stateless person's document.
pub(super) fn check_citizenship(p: &PersonDoc, errors: &mut Vec<FieldError>) {
    let Some(c) = &p.citizenship else {
        return;
    };
    let stateless = c.stateless == Some(true);
    let ukrainian = c
        .countries
        .as_ref()
        .is_some_and(|cs| cs.iter().any(|c| c == "UKR"));
    let fits = match p.document.kind {
        DocumentType::PassportBooklet
        | DocumentType::IdCard
        | DocumentType::PassportForTravelAbroad => ukrainian,
        DocumentType::PermanentResidencePermit
        | DocumentType::TemporaryResidencePermit
        | DocumentType::RefugeeCertificate
        | DocumentType::AdditionalProtectionCertificate => !ukrainian,
        DocumentType::ForeignPassport => !stateless,
        DocumentType::BirthCertificate => true,
    };
    if !fits {
        errors.push(FieldError::new(
            "/person/citizenship",
            FieldCode::CitizenshipMismatch,
            "does not fit the type of /person/document",
        ));
    }
}

/// Dates of the action's ground and basis against the action date and the birth date.
pub(super) fn check_action_dates(
    a: &ActionDoc,
    birth_date: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    if let Some(death) = a.ground.as_ref().and_then(|g| g.date_of_death) {
        if death > a.date {
            errors.push(FieldError::new(
                "/action/ground/date_of_death",
                FieldCode::AfterActionDate,
                "is later than the action date",
            ));
        }
        if death < birth_date {
            errors.push(FieldError::new(
                "/action/ground/date_of_death",
                FieldCode::BeforeBirth,
                "is earlier than /person/birth_date",
            ));
        }
    }
    if a.basis
        .as_ref()
        .and_then(|b| b.date)
        .is_some_and(|d| d > a.date)
    {
        errors.push(FieldError::new(
            "/action/basis/date",
            FieldCode::AfterActionDate,
            "is later than the action date",
        ));
    }
}

/// The legal representative's identifiers and document. Whether a representative had to act
/// (a child under 14, a person under guardianship) is not checked: history may lack them.
pub(super) fn check_representative(
    r: &RepresentativeDoc,
    action_date: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    let unzr = match r.unzr.as_deref().map(Unzr::parse) {
        Some(Ok(u)) => Some(u),
        Some(Err(e)) => {
            errors.push(id_error("/legal_representative/unzr", "УНЗР", &e));
            None
        }
        None => None,
    };
    let rnokpp = match r.rnokpp.as_deref().map(Rnokpp::parse) {
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => {
            errors.push(id_error("/legal_representative/rnokpp", "РНОКПП", &e));
            None
        }
        None => None,
    };
    if let (Some(u), Some(r)) = (&unzr, &rnokpp) {
        if u.birth_date() != r.birth_date() {
            errors.push(FieldError::new(
                "/legal_representative/rnokpp",
                FieldCode::BirthDateMismatch,
                "РНОКПП and УНЗР of the representative encode different birth dates",
            ));
        }
    }
    if let Some(d) = &r.document {
        let birth_date = unzr
            .as_ref()
            .and_then(Unzr::birth_date)
            .or_else(|| rnokpp.as_ref().and_then(Rnokpp::birth_date))
            .map(|b| {
                (
                    b,
                    "the birth date the representative's УНЗР or РНОКПП encodes",
                )
            });
        check_document(
            "/legal_representative/document",
            d,
            birth_date,
            action_date,
            errors,
        );
    }
}
