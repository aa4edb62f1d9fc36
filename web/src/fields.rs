//! Fields of the forms and their faults in words for a person: every fault the service layer
//! reports (a JSON Pointer and a stable code, as the API answers them) is placed next to the
//! field it concerns, and listed in the summary at the top linking to it.

use dms_schemas::FieldError;

/// A fault shown on a page: the field's id (the anchor of the summary's link) and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub field: String,
    pub message: String,
}

/// The faults of a form, in the order of its fields.
#[derive(Debug, Clone, Default)]
pub struct Faults(pub Vec<Fault>);

impl Faults {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.iter().any(|f| f.field == field) {
            self.0.push(Fault {
                field: field.to_owned(),
                message: message.into(),
            });
        }
    }

    /// The message of this field, if it has a fault.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn list(&self) -> &[Fault] {
        &self.0
    }

    /// The status of a form's page: 422 when it comes back with faults.
    pub fn status(&self) -> actix_web::http::StatusCode {
        if self.is_empty() {
            actix_web::http::StatusCode::OK
        } else {
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

/// The form field of a document's JSON Pointer, and its label.
pub fn field_of(pointer: &str) -> (&'static str, &'static str) {
    if pointer.starts_with("/person/citizenship") {
        return ("citizenship", "Громадянство");
    }
    match pointer {
        "/person/unzr" => ("unzr", "УНЗР"),
        "/person/rnokpp" => ("rnokpp", "РНОКПП"),
        "/person/surname" | "/person" => ("surname", "Прізвище"),
        "/person/given_name" => ("given_name", "Власне ім'я"),
        "/person/patronymic" => ("patronymic", "По батькові"),
        "/person/birth_date" => ("birth_date", "Дата народження"),
        "/person/sex" => ("sex", "Стать"),
        "/person/document/type" => ("doc_type", "Вид документа"),
        "/person/document/number" | "/person/document" => {
            ("doc_number", "Серія та номер документа")
        }
        "/person/document/issued_on" => ("doc_issued_on", "Дата видачі документа"),
        "/person/document/expires_on" => ("doc_expires_on", "Дійсний до"),
        "/person/document/issuer" => ("doc_issuer", "Орган, що видав документ"),
        "/address/katottg" | "/address" => ("katottg", "Населений пункт"),
        "/address/street" => ("street", "Вулиця"),
        "/address/building" => ("building", "Будинок"),
        "/address/block" => ("block", "Корпус"),
        "/address/apartment" => ("apartment", "Квартира"),
        "/address/postal_code" => ("postal_code", "Поштовий індекс"),
        "/action/date" | "/action" => ("action_date", "Дата реєстраційної дії"),
        "/action/ground/code" | "/action/ground" => ("ground_code", "Підстава"),
        "/action/ground/document" => ("ground_document", "Документ-підстава"),
        "/cancels/reason" | "/cancels" => ("reason", "Причина скасування"),
        "/cancels/action_id" | "/cancels/dms_number" => ("reason", "Дія, що скасовується"),
        "/result" => ("result", "Відповідь"),
        "/registered_since" => ("registered_since", "Зареєстровано з"),
        "/details" => ("details", "Пояснення"),
        _ => ("", "Форма"),
    }
}

/// The message for a fault of code `code` in the field labelled `label`.
pub fn message(field: &str, label: &str, code: &str) -> String {
    let specific = match (field, code) {
        ("unzr", "pattern") => Some("УНЗР має вигляд РРРРММДД-ННННК: 8 цифр дати народження, дефіс і 5 цифр"),
        ("unzr", "check_digit") => Some("УНЗР має неправильну контрольну цифру — перевірте номер за документом"),
        ("unzr", "impossible_date") => Some("Перші 8 цифр УНЗР мають бути справжньою датою народження"),
        ("rnokpp", "pattern") => Some("РНОКПП складається з 10 цифр"),
        ("rnokpp", "check_digit") => Some("РНОКПП має неправильну контрольну цифру — перевірте номер"),
        ("birth_date", "birth_date_mismatch") => Some("Дата народження не збігається з датою в УНЗР"),
        ("birth_date", "in_future") => Some("Дата народження не може бути в майбутньому"),
        ("doc_number", _) if code != "required" => Some(
            "Номер не відповідає виду документа: ID-картка і посвідки — 9 цифр; книжечка — 2 літери і 6 цифр (КВ123456); свідоцтво — I-АБ 123456; паспорт для виїзду за кордон — 2 латинські літери і 6 цифр (FA123456); паспорт іноземця — латинські великі літери й цифри",
        ),
        ("doc_issued_on", "after_action_date") => Some("Документ не може бути виданий пізніше дати дії"),
        ("doc_issued_on", "before_birth") => Some("Документ не може бути виданий раніше дати народження"),
        ("doc_expires_on", "document_expired") => Some("Строк дії документа сплив до дати реєстраційної дії"),
        ("doc_expires_on", "before_issue") => Some("Документ не може бути дійсним до дати, ранішої за дату видачі"),
        ("citizenship", "citizenship_mismatch") => Some("Громадянство не відповідає виду документа: паспорт громадянина України — UKR; посвідки й посвідчення біженця — не UKR"),
        ("citizenship", _) if code != "required" => Some("Вкажіть коди країн ISO 3166-1 alpha-3 через кому (наприклад, UKR або POL, DEU) без повторів, або «без громадянства»"),
        ("action_date", "in_future") => Some("Дата дії не може бути в майбутньому"),
        ("action_date", "before_birth") => Some("Дата дії не може бути раніше дати народження"),
        ("katottg", _) => Some("Оберіть населений пункт вашої територіальної громади"),
        ("postal_code", "pattern") => Some("Поштовий індекс складається з 5 цифр"),
        ("surname" | "given_name" | "patronymic", "pattern") => Some(
            "Використовуйте літери української абетки; між частинами — апостроф, дефіс або пробіл",
        ),
        ("reason", "target_not_found") => Some("Такої дії вашої громади немає"),
        ("reason", "target_already_cancelled") => Some("Цю дію вже скасовано"),
        ("reason", "target_is_cancellation") => Some("Скасування не можна скасувати"),
        ("registered_since", "in_future") => Some("Дата не може бути в майбутньому"),
        ("registered_since", "not_allowed") => Some("Дату вказують лише тоді, коли адресу підтверджено або названо"),
        _ => None,
    };
    if let Some(s) = specific {
        return s.to_owned();
    }
    match code {
        "required" | "min_length" => format!("Заповніть поле «{label}»"),
        "max_length" => format!("Поле «{label}» занадто довге"),
        "enum" | "type" => format!("Оберіть значення поля «{label}» зі списку"),
        "format" | "impossible_date" => format!("Поле «{label}»: вкажіть справжню дату"),
        "in_future" => format!("Поле «{label}»: дата не може бути в майбутньому"),
        "check_digit" => format!("Поле «{label}»: неправильна контрольна цифра"),
        "not_allowed" | "unknown_member" => format!("Поле «{label}» для цієї дії не заповнюють"),
        _ => format!("Перевірте поле «{label}»"),
    }
}

/// The faults of a service answer, placed on their fields (a `required` fault's pointer names
/// the missing member itself).
pub fn faults_of(errors: &[FieldError]) -> Faults {
    let mut faults = Faults::default();
    for e in errors {
        let (field, label) = field_of(&e.pointer);
        let field = if field.is_empty() { "form" } else { field };
        faults.add(field, message(field, label, e.code.as_str()));
    }
    faults
}
