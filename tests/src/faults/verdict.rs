//! The outcome of a fault scenario: its figures and every broken promise, printed as
//! `PASS|FAIL <name>`, then `    <figure>: <value>` and `    problem: <what>` lines.

use std::fmt::Write as _;

/// The outcome of one scenario.
#[derive(Debug)]
pub struct Verdict {
    pub name: &'static str,
    /// `(figure, value)` in the order they should be printed.
    pub figures: Vec<(String, String)>,
    /// Every broken promise; empty means the scenario passed.
    pub problems: Vec<String>,
}

impl Verdict {
    pub fn new(name: &'static str) -> Self {
        Verdict {
            name,
            figures: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn figure(&mut self, name: &str, value: impl std::fmt::Display) {
        self.figures.push((name.to_owned(), value.to_string()));
    }

    /// Record a problem unless `ok`.
    pub fn expect(&mut self, ok: bool, problem: impl Into<String>) {
        if !ok {
            self.problems.push(problem.into());
        }
    }

    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn render(&self) -> String {
        let mut s = format!(
            "{} {}\n",
            if self.passed() { "PASS" } else { "FAIL" },
            self.name
        );
        for (k, v) in &self.figures {
            let _ = writeln!(s, "    {k}: {v}");
        }
        for p in &self.problems {
            let _ = writeln!(s, "    problem: {p}");
        }
        s
    }
}
