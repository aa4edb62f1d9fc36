//! The Ukrainian names of the register's terms as officials read them: action types, grounds,
//! documents, feed states, questions, answers and notices. Unknown values show as given.

pub fn action_type(t: &str) -> &'static str {
    match t {
        "declaration_of_residence" => "Декларування місця проживання",
        "declaration_of_stay" => "Декларування місця перебування",
        "registration_of_residence" => "Реєстрація місця проживання",
        "registration_of_stay" => "Реєстрація місця перебування",
        "deregistration_of_residence" => {
            "Зняття з задекларованого/зареєстрованого місця проживання"
        }
        "deregistration_of_stay" => "Зняття з задекларованого/зареєстрованого місця перебування",
        "cancellation" => "Скасування раніше здійсненої дії",
        _ => "Невідома дія",
    }
}

/// The six action types an official performs on a person (cancellation is done from an
/// action's page).
pub const PERSON_ACTIONS: [&str; 6] = [
    "declaration_of_residence",
    "registration_of_residence",
    "deregistration_of_residence",
    "declaration_of_stay",
    "registration_of_stay",
    "deregistration_of_stay",
];

pub fn is_deregistration(t: &str) -> bool {
    t.starts_with("deregistration_")
}

pub const GROUNDS: [(&str, &str); 7] = [
    ("application", "Заява особи"),
    ("court_decision", "Рішення суду"),
    ("death", "Смерть особи"),
    (
        "declared_missing_or_dead",
        "Визнання особи безвісно відсутньою або оголошення померлою",
    ),
    (
        "termination_of_right_to_housing",
        "Припинення права користування житлом",
    ),
    ("expiry_of_stay_term", "Закінчення строку перебування"),
    (
        "guardianship_authority_decision",
        "Рішення органу опіки та піклування",
    ),
];

pub const DOCUMENTS: [(&str, &str); 9] = [
    ("id_card", "Паспорт громадянина України у формі ID-картки"),
    (
        "passport_booklet",
        "Паспорт громадянина України у формі книжечки",
    ),
    ("birth_certificate", "Свідоцтво про народження"),
    (
        "permanent_residence_permit",
        "Посвідка на постійне проживання",
    ),
    (
        "temporary_residence_permit",
        "Посвідка на тимчасове проживання",
    ),
    (
        "passport_for_travel_abroad",
        "Паспорт громадянина України для виїзду за кордон",
    ),
    ("foreign_passport", "Паспортний документ іноземця"),
    ("refugee_certificate", "Посвідчення біженця"),
    (
        "additional_protection_certificate",
        "Посвідчення особи, яка потребує додаткового захисту",
    ),
];

fn lookup(table: &[(&str, &'static str)], key: &str) -> &'static str {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("—", |(_, v)| *v)
}

pub fn ground(code: &str) -> &'static str {
    lookup(&GROUNDS, code)
}

pub fn document(kind: &str) -> &'static str {
    lookup(&DOCUMENTS, kind)
}

pub fn sex(s: &str) -> &'static str {
    match s {
        "female" => "жіноча",
        "male" => "чоловіча",
        _ => "—",
    }
}

/// Where an action is in the feed to ЄДДР.
pub fn feed_state(state: Option<&str>, dataset: Option<i64>) -> String {
    match state {
        Some("pending") => "Очікує передачі до ЄДДР".into(),
        Some("held") => "Утримується: особи ще немає в ЄДДР".into(),
        Some("in_dataset") => match dataset {
            Some(n) => format!("У наборі даних № {n}"),
            None => "У наборі даних".into(),
        },
        Some("accepted") => "Прийнято ЄДДР".into(),
        Some("rejected") => "Відхилено ЄДДР".into(),
        _ => "Не передається до ЄДДР".into(),
    }
}

/// The feed states an official may filter by, and `cancelled`.
pub const STATES: [(&str, &str); 6] = [
    ("pending", "Очікує передачі"),
    ("held", "Утримується"),
    ("in_dataset", "У наборі даних"),
    ("accepted", "Прийнято ЄДДР"),
    ("rejected", "Відхилено ЄДДР"),
    ("cancelled", "Скасовано"),
];

pub fn question(q: &str) -> &'static str {
    match q {
        "confirm_current_address" => "Підтвердити поточне місце проживання",
        "clarify_address" => "Уточнити адресу місця проживання",
        "report_deregistration" => "Повідомити про зняття з реєстрації",
        _ => "Запит",
    }
}

pub const ANSWERS: [(&str, &str); 3] = [
    ("confirmed", "Адресу підтверджено"),
    ("address_is", "Особа проживає за іншою адресою (вкажіть її)"),
    ("not_registered", "Особа не зареєстрована в нашій громаді"),
];

pub fn answer(result: &str) -> &'static str {
    lookup(&ANSWERS, result)
}

pub fn request_state(state: &str) -> &'static str {
    match state {
        "open" => "Очікує відповіді",
        "overdue" => "Прострочено",
        "answered" => "Відповідь надано",
        _ => "—",
    }
}

pub fn notice_kind(kind: &str) -> &'static str {
    match kind {
        "resident_registered_elsewhere" => "Мешканця зареєстровано в іншій громаді",
        "move_cancelled" => "Реєстрацію в іншій громаді скасовано: ваша знову чинна",
        _ => "Сповіщення",
    }
}

/// A date as officials write it: ДД.ММ.РРРР.
pub fn date(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// An ISO date string as ДД.ММ.РРРР (unchanged when it is not one).
pub fn date_text(s: &str) -> String {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_or_else(|_| s.to_owned(), date)
}

/// A moment in Kyiv time: ДД.ММ.РРРР ГГ:ХХ:СС.
pub fn kyiv_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Kyiv)
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_document_type_has_its_ukrainian_name() {
        let mut listed: Vec<&str> = super::DOCUMENTS.iter().map(|(k, _)| *k).collect();
        let mut all: Vec<&str> = dms_schemas::DocumentType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect();
        listed.sort_unstable();
        all.sort_unstable();
        assert_eq!(listed, all);
    }
}
