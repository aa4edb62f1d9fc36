//! The blocks a console page is made of, and the one template that renders them in order.

use crate::error::{html, html_status, PageResult};
use crate::fields::Faults;
use crate::pages::Chrome;
use crate::widgets::Section;
use askama::Template;

/// A piece of text, optionally a link, optionally shown as a tag of a colour (`red`, `green`,
/// `blue`, `grey`, `yellow`) — the text always says what the colour means.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub tag: Option<&'static str>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            href: Some(href.into()),
            tag: None,
        }
    }

    pub fn tag(text: impl Into<String>, colour: &'static str) -> Cell {
        Cell {
            text: text.into(),
            href: None,
            tag: Some(colour),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// Stands out (overdue, failed).
    pub alert: bool,
}

impl Row {
    pub fn new(cells: Vec<Cell>) -> Row {
        Row {
            cells,
            alert: false,
        }
    }

    pub fn alert(mut self, alert: bool) -> Row {
        self.alert = alert;
        self
    }
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    pub caption: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Row>,
    /// Said instead of an empty table.
    pub empty: String,
}

/// A form: GET (a filter) or POST (a change, with the session's CSRF token).
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub action: String,
    pub post: bool,
    pub csrf: String,
    pub hidden: Vec<(String, String)>,
    pub sections: Vec<Section>,
    pub button: String,
    /// A change that cannot be undone: the button is a warning one.
    pub warning: bool,
}

/// A chart image (SVG as a data URL) with the text an image needs.
#[derive(Debug, Clone, Default)]
pub struct ChartImg {
    pub data_url: String,
    pub alt: String,
}

/// One block of a page; the parts present are shown in this order.
#[derive(Debug, Clone, Default)]
pub struct Block {
    pub heading: Option<String>,
    pub paras: Vec<String>,
    pub summary: Vec<(String, Cell)>,
    pub table: Option<Table>,
    pub chart: Option<ChartImg>,
    pub pre: Option<String>,
    pub links: Vec<Cell>,
    pub form: Option<Form>,
}

impl Block {
    pub fn heading(text: impl Into<String>) -> Block {
        Block {
            heading: Some(text.into()),
            ..Block::default()
        }
    }

    pub fn para(mut self, text: impl Into<String>) -> Block {
        self.paras.push(text.into());
        self
    }

    pub fn summary(mut self, rows: Vec<(String, Cell)>) -> Block {
        self.summary = rows;
        self
    }

    pub fn table(mut self, table: Table) -> Block {
        self.table = Some(table);
        self
    }

    pub fn form(mut self, form: Form) -> Block {
        self.form = Some(form);
        self
    }

    pub fn links(mut self, links: Vec<Cell>) -> Block {
        self.links = links;
        self
    }
}

#[derive(Template)]
#[template(path = "console/page.html")]
pub struct Page {
    pub chrome: Chrome,
    pub heading: String,
    pub caption: String,
    /// A change just made (a success banner).
    pub banner: Option<String>,
    pub faults: Faults,
    pub blocks: Vec<Block>,
}

impl Page {
    pub fn new(chrome: Chrome, heading: impl Into<String>) -> Page {
        Page {
            chrome,
            heading: heading.into(),
            caption: String::new(),
            banner: None,
            faults: Faults::default(),
            blocks: Vec::new(),
        }
    }

    pub fn caption(mut self, caption: impl Into<String>) -> Page {
        self.caption = caption.into();
        self
    }

    pub fn banner(mut self, banner: Option<String>) -> Page {
        self.banner = banner;
        self
    }

    pub fn faults(mut self, faults: Faults) -> Page {
        self.faults = faults;
        self
    }

    pub fn block(mut self, block: Block) -> Page {
        self.blocks.push(block);
        self
    }

    pub fn render(self) -> PageResult {
        if self.faults.is_empty() {
            html(&self)
        } else {
            html_status(self.faults.status(), &self)
        }
    }
}

/// What a change's form says back after its redirect (`?done=…`).
pub fn done_banner(done: Option<&str>) -> Option<String> {
    let text = match done? {
        "request" => "Запит надіслано органу реєстрації.",
        "body" => "Орган реєстрації додано.",
        "suspend" => "Роботу органу реєстрації зупинено.",
        "reactivate" => "Роботу органу реєстрації відновлено.",
        "override" => "Календар змінено.",
        "ban" => "Заборону встановлено.",
        "ended" => "Заборону завершено.",
        "redeliver" => "Набір даних буде передано до ЄДДР повторно.",
        "entry" => "Внесення особи до ЄДДР записано.",
        "trembita" => "Клієнта Трембіти додано.",
        "revoked" => "Облікові дані відкликано.",
        _ => return None,
    };
    Some(text.to_owned())
}
