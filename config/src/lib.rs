//! Layered configuration shared by the DMS binaries: built-in defaults, then a TOML file
//! (`--config PATH`, else `/etc/dms/dms.toml` when present), then environment variables, then
//! command-line flags; each layer overrides the ones before it.
//!
//! Every key is listed once in [`KEYS`], so the example file, `config show` and the unknown-key
//! check cannot drift apart. A binary reads its settings one key at a time through [`Layers`],
//! which keeps reading after a bad value, so that start-up names every problem at once.

mod keys;
mod redact;

pub use keys::{find, Key, Secret, DEFAULT_FILE, KEYS, SECTIONS};
pub use redact::redact_url;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const DEFAULTS: &str = "default";
const ENVIRONMENT: &str = "environment";
const FLAGS: &str = "command line";

/// The configuration is unusable; every problem found is listed.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration ({} problem(s)):\n  - {}", .problems.len(), .problems.join("\n  - "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

/// Whether a command needs the database, and so a `database_url`: `config show`, `openapi` or
/// `keys-generate` must work without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Database,
    Nothing,
}

/// One layer of values at dotted paths, under one name (what `config show` calls its source).
struct Layer {
    name: &'static str,
    values: Vec<(&'static str, Value)>,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut root = Dict::new();
        for (path, value) in &self.values {
            match path.split_once('.') {
                None => {
                    root.insert((*path).into(), value.clone());
                }
                Some((section, name)) => {
                    let entry = root
                        .entry(section.into())
                        .or_insert_with(|| Value::from(Dict::new()));
                    if let Value::Dict(_, dict) = entry {
                        dict.insert(name.into(), value.clone());
                    }
                }
            }
        }
        Ok(Map::from([(Profile::Default, root)]))
    }
}

/// Command-line flags that were given, each at the key it overrides.
#[derive(Debug, Default)]
pub struct Flags {
    values: Vec<(&'static str, &'static str, Value)>,
    /// Flags whose value has no configuration form (a path that is not UTF-8).
    unusable: Vec<String>,
}

impl Flags {
    pub fn new() -> Self {
        Self::default()
    }

    /// `flag` (e.g. `--listen`) sets `path` when it was given.
    pub fn set<T: Serialize>(
        mut self,
        path: &'static str,
        flag: &'static str,
        value: Option<T>,
    ) -> Self {
        match value.map(Value::serialize) {
            Some(Ok(value)) => self.values.push((path, flag, value)),
            Some(Err(e)) => self.unusable.push(format!("{flag}: {}", e.kind)),
            None => {}
        }
        self
    }
}

/// The layers of one binary's configuration, and what reading them found.
pub struct Layers {
    figment: Figment,
    file: Option<PathBuf>,
    flag_names: Vec<(&'static str, &'static str)>,
    problems: Vec<String>,
    /// Keys with a recorded problem.
    bad: Vec<String>,
    read: Vec<&'static Key>,
}

impl std::fmt::Debug for Layers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layers")
            .field("file", &self.file)
            .field("problems", &self.problems.len())
            .finish_non_exhaustive()
    }
}

fn default_layer() -> (Layer, Vec<String>) {
    let mut problems = Vec::new();
    let mut values = Vec::new();
    for key in KEYS {
        let Some(text) = key.default else { continue };
        match toml::from_str::<toml::Table>(&format!("v = {text}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .and_then(|v| Value::serialize(v).ok())
        {
            Some(v) => values.push((key.path, v)),
            None => problems.push(format!(
                "{}: the built-in default is not a TOML value",
                key.path
            )),
        }
    }
    (
        Layer {
            name: DEFAULTS,
            values,
        },
        problems,
    )
}

impl Layers {
    /// The built-in defaults alone (no file, environment or flags).
    pub fn builtin() -> Self {
        let (defaults, problems) = default_layer();
        Layers {
            figment: Figment::from(defaults),
            file: None,
            flag_names: Vec::new(),
            problems,
            bad: Vec::new(),
            read: Vec::new(),
        }
    }

    /// Defaults, the file (`config`, else [`DEFAULT_FILE`] if present), the process environment
    /// and `flags`.
    pub fn load(config: Option<&Path>, flags: Flags) -> Self {
        Self::load_with(config, flags, |name| std::env::var(name).ok())
    }

    /// Like [`Layers::load`] with the environment read through `env` (tests pass a map, so they
    /// neither race on nor change the process environment).
    pub fn load_with(
        config: Option<&Path>,
        flags: Flags,
        env: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let mut layers = Self::builtin();
        let file = match config {
            Some(path) if !path.is_file() => {
                layers.problems.push(format!(
                    "configuration file {}: not found (or not a file)",
                    path.display()
                ));
                None
            }
            Some(path) => Some(path.to_owned()),
            None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.is_file()),
        };
        if let Some(path) = file {
            let toml = Toml::file_exact(&path);
            // Parsed here first so that a syntax error is one problem among the others
            // instead of making every key unreadable.
            match toml.data() {
                Ok(data) => {
                    if let Some(dict) = data.get(&Profile::Default) {
                        layers.check_known(&path, dict);
                    }
                    layers.figment = layers.figment.merge(toml);
                    layers.file = Some(path);
                }
                Err(e) => layers
                    .problems
                    .push(format!("configuration file {}: {e}", path.display())),
            }
        }
        // Our own layer rather than figment's Env provider: Env parses values as TOML-like
        // literals, which would turn a token starting with `[` into an array or a numeric kid
        // into a number. Every variable is taken as the text it is; numbers are read leniently.
        let values = KEYS
            .iter()
            .filter_map(|k| {
                let v = env(k.env)?;
                // An empty variable means "not set", as it does for the shell scripts.
                (!v.trim().is_empty()).then(|| (k.path, Value::from(v)))
            })
            .collect();
        layers.figment = layers.figment.merge(Layer {
            name: ENVIRONMENT,
            values,
        });
        layers.problems.extend(flags.unusable);
        layers.flag_names = flags.values.iter().map(|(p, f, _)| (*p, *f)).collect();
        layers.figment = layers.figment.merge(Layer {
            name: FLAGS,
            values: flags.values.into_iter().map(|(p, _, v)| (p, v)).collect(),
        });
        layers
    }

    /// Keys in the file that no binary knows are refused: a misspelt key would otherwise
    /// silently leave its default in force.
    fn check_known(&mut self, file: &Path, dict: &Dict) {
        for (name, value) in dict {
            let is_section = SECTIONS.iter().any(|(s, _)| !s.is_empty() && s == name);
            match value {
                Value::Dict(_, inner) if is_section => {
                    for inner_name in inner.keys() {
                        let path = format!("{name}.{inner_name}");
                        if find(&path).is_none() {
                            self.problems.push(format!(
                                "configuration file {}: unknown key {path}",
                                file.display()
                            ));
                        }
                    }
                }
                _ if !is_section && find(name).is_some() => {}
                _ => self.problems.push(format!(
                    "configuration file {}: unknown key {name}",
                    file.display()
                )),
            }
        }
    }

    /// The file that was read, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    fn key(&mut self, path: &str) -> Option<&'static Key> {
        let key = find(path);
        match key {
            Some(k) if !self.read.iter().any(|r| r.path == k.path) => self.read.push(k),
            Some(_) => {}
            None => self
                .problems
                .push(format!("{path}: not a configuration key")),
        }
        key
    }

    /// The value of `path` from the highest layer that sets it; `None` when no layer does, or
    /// when it is not a `T` (then a problem is recorded).
    pub fn get<T: DeserializeOwned>(&mut self, path: &str) -> Option<T> {
        let key = self.key(path)?;
        if !self.figment.contains(path) {
            return None;
        }
        // Lossy: environment variables are text, and "16" must read as a number.
        match self.figment.extract_inner_lossy::<T>(path) {
            Ok(v) => Some(v),
            Err(e) => {
                let why = match key.secret {
                    Secret::No => e.kind.to_string(),
                    _ => "not a string".into(),
                };
                self.invalid(path, &why);
                None
            }
        }
    }

    /// Record a problem when no layer sets `path` (or sets it to empty text).
    pub fn require(&mut self, path: &str) {
        let empty = match self.figment.find_value(path) {
            Ok(Value::String(_, s)) => s.trim().is_empty(),
            Ok(_) => false,
            Err(_) => true,
        };
        if empty && !self.bad.iter().any(|b| b == path) {
            let env = find(path).map_or("", |k| k.env);
            self.bad.push(path.to_owned());
            self.problems.push(format!(
                "{path} is not set (set {env} or {path} in the configuration file)"
            ));
        }
    }

    /// A list: an array in the file, or `;`-separated text (from an environment variable).
    pub fn get_list(&mut self, path: &str) -> Option<Vec<String>> {
        self.key(path)?;
        match self.figment.find_value(path).ok()? {
            Value::String(_, text) => Some(
                text.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            ),
            _ => self.get(path),
        }
    }

    /// Record that the value at `path` is unusable, naming where it came from. Only the first
    /// problem of a key is kept: a value that could not be read is not also "too small".
    pub fn invalid(&mut self, path: &str, why: &str) {
        if self.bad.iter().any(|b| b == path) {
            return;
        }
        self.bad.push(path.to_owned());
        let shown = self.shown_value(path).unwrap_or_default();
        let source = self.source(path);
        self.problems
            .push(format!("{path} = {shown} ({source}): {why}"));
    }

    /// Record a problem that is not about one value.
    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(message.into());
    }

    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// `settings` if nothing was wrong, else every problem.
    pub fn finish<S>(self, settings: S) -> Result<S, ConfigError> {
        if self.problems.is_empty() {
            Ok(settings)
        } else {
            Err(ConfigError {
                problems: self.problems,
            })
        }
    }

    /// Where the effective value of `path` comes from.
    pub fn source(&self, path: &str) -> String {
        let Some(md) = self.figment.find_metadata(path) else {
            return "not set".into();
        };
        match md.name.as_ref() {
            DEFAULTS => "default".into(),
            ENVIRONMENT => format!("env {}", find(path).map_or("?", |k| k.env)),
            FLAGS => {
                let flag = self.flag_names.iter().find(|(p, _)| *p == path);
                format!("flag {}", flag.map_or("?", |(_, f)| f))
            }
            _ => match &self.file {
                Some(file) => format!("file {}", file.display()),
                None => md.name.to_string(),
            },
        }
    }

    /// The effective value of `path` as TOML, secrets redacted.
    fn shown_value(&self, path: &str) -> Option<String> {
        let value = self.figment.find_value(path).ok()?;
        let secret = find(path).map_or(Secret::No, |k| k.secret);
        let toml = toml::Value::try_from(&value).ok()?;
        Some(match (secret, toml) {
            (Secret::No, v) => v.to_string(),
            (Secret::Whole, _) => "\"<hidden>\"".into(),
            (Secret::UrlPassword, toml::Value::String(s)) => {
                toml::Value::String(redact_url(&s)).to_string()
            }
            (Secret::UrlPassword, _) => "\"<hidden>\"".into(),
        })
    }

    /// The effective configuration as TOML, every key that was read with its source; secrets
    /// redacted.
    pub fn show(&self, binary: &str) -> String {
        let mut out = format!("# Effective configuration of {binary}");
        match &self.file {
            Some(f) => {
                let _ = write!(out, " (file {})", f.display());
            }
            None => out.push_str(" (no configuration file)"),
        }
        out.push('\n');
        for (section, title) in SECTIONS {
            let keys: Vec<&Key> = self
                .read
                .iter()
                .filter(|k| k.section() == section)
                .copied()
                .collect();
            if keys.is_empty() {
                continue;
            }
            out.push('\n');
            if !section.is_empty() {
                let _ = writeln!(out, "[{section}]  # {title}");
            }
            for key in keys {
                match self.shown_value(key.path) {
                    Some(value) => {
                        let line = format!("{} = {value}", key.name());
                        let _ = writeln!(out, "{line:<40} # {}", self.source(key.path));
                    }
                    None => {
                        let line = format!("# {} =", key.name());
                        let _ = writeln!(out, "{line:<40} # not set ({})", key.env);
                    }
                }
            }
        }
        out
    }
}

impl Layers {
    /// `config show`: the effective configuration on stdout, then any problems on stderr;
    /// whether there were none.
    pub fn print_show(&self, binary: &str) -> bool {
        use std::io::Write as _;
        // A reader that stops early (`| head`) is not an error of the configuration.
        let _ = write!(std::io::stdout().lock(), "{}", self.show(binary));
        if self.problems.is_empty() {
            return true;
        }
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "\n{} problem(s):", self.problems.len());
        for p in &self.problems {
            let _ = writeln!(err, "  - {p}");
        }
        false
    }
}

/// A commented configuration file with every key, its default and its environment variable.
pub fn example() -> String {
    let mut out = String::from(
        "# DMS configuration: every key with its default and the environment variable that\n\
         # overrides it. Order of precedence: built-in default < this file < environment < flag.\n\
         # dms-api and dms-feeder read the same file: --config PATH (or DMS_CONFIG), else\n\
         # /etc/dms/dms.toml when present. Unknown keys are refused. Generated by\n\
         # `dms-api config example`; `dms-api config show` prints what is in force and where from.\n",
    );
    for (section, title) in SECTIONS {
        out.push('\n');
        if section.is_empty() {
            let _ = writeln!(out, "# {title}");
        } else {
            let _ = writeln!(out, "[{section}]  # {title}");
        }
        for key in KEYS.iter().filter(|k| k.section() == section) {
            let _ = writeln!(out, "\n# {}", key.doc);
            match key.default {
                Some(default) => {
                    let _ = writeln!(out, "# env {}, default {default}", key.env);
                    let _ = writeln!(out, "#{} = {default}", key.name());
                }
                None => {
                    let _ = writeln!(out, "# env {}, not set by default", key.env);
                    let _ = writeln!(out, "#{} = {}", key.name(), key.example);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
