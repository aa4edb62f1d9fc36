//! Form fields as the templates draw them (GOV.UK Frontend's form group, label, hint, error
//! message and input): built here, so that every field has its visible label, its hint and its
//! error tied to the input by `aria-describedby`, the same way on every form.

use crate::fields::Faults;

/// How a field is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A short code-like value (numbers): narrower, no spell-checking.
    Code,
    Date,
    Select,
    Radios,
    Textarea,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub id: &'static str,
    pub label: &'static str,
    pub hint: Option<&'static str>,
    pub value: String,
    pub error: Option<String>,
    pub kind: Kind,
    /// (value, text) of a select or radios.
    pub options: Vec<(String, String)>,
    pub required: bool,
    /// The `autocomplete` token, where one fits.
    pub autocomplete: &'static str,
}

impl Field {
    pub fn new(id: &'static str, label: &'static str, value: &str, faults: &Faults) -> Field {
        Field {
            id,
            label,
            hint: None,
            value: value.to_owned(),
            error: faults.of(id).map(str::to_owned),
            kind: Kind::Text,
            options: Vec::new(),
            required: false,
            autocomplete: "off",
        }
    }

    pub fn hint(mut self, hint: &'static str) -> Field {
        self.hint = Some(hint);
        self
    }

    pub fn kind(mut self, kind: Kind) -> Field {
        self.kind = kind;
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn options<'a>(mut self, options: impl IntoIterator<Item = (&'a str, &'a str)>) -> Field {
        self.options = options
            .into_iter()
            .map(|(v, t)| (v.to_owned(), t.to_owned()))
            .collect();
        self
    }

    pub fn is(&self, kind: &str) -> bool {
        let mine = match self.kind {
            Kind::Text => "text",
            Kind::Code => "code",
            Kind::Date => "date",
            Kind::Select => "select",
            Kind::Radios => "radios",
            Kind::Textarea => "textarea",
        };
        mine == kind
    }

    /// The ids of the hint and the error message, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }

    pub fn selected(&self, value: &str) -> bool {
        self.value == value
    }
}

/// A group of fields under a legend.
#[derive(Debug, Clone)]
pub struct Section {
    pub legend: &'static str,
    pub fields: Vec<Field>,
}
