//! The web interface's settings (`[web]`): where its assets are, the public address of the
//! one-time links, and the limits of sign-in and sessions.

use dms_config::Layers;
use std::path::PathBuf;

/// The web interface's settings (`[web]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    pub static_dir: PathBuf,
    pub public_url: Option<String>,
    /// The staff console's public address (`web.console_public_url`).
    pub console_public_url: Option<String>,
    pub session_idle_minutes: u64,
    pub session_max_hours: u64,
    pub max_failures: u64,
    pub lock_minutes: u64,
}

impl WebSettings {
    pub(super) fn read(l: &mut Layers) -> WebSettings {
        WebSettings {
            static_dir: l.get("web.static_dir").unwrap_or_default(),
            public_url: l.get("web.public_url"),
            console_public_url: l.get("web.console_public_url"),
            session_idle_minutes: l.get("web.session_idle_minutes").unwrap_or_default(),
            session_max_hours: l.get("web.session_max_hours").unwrap_or_default(),
            max_failures: l.get("web.max_failures").unwrap_or_default(),
            lock_minutes: l.get("web.lock_minutes").unwrap_or_default(),
        }
    }

    /// Sign-in and session limits as the service layer takes them.
    pub fn policy(&self) -> dms_service::web_auth::Policy {
        let minutes =
            |m: u64| chrono::Duration::minutes(i64::try_from(m).unwrap_or(i64::MAX / 120_000));
        dms_service::web_auth::Policy {
            max_failures: i32::try_from(self.max_failures).unwrap_or(i32::MAX),
            lock: minutes(self.lock_minutes),
            idle: minutes(self.session_idle_minutes),
            absolute: minutes(self.session_max_hours.saturating_mul(60)),
        }
    }

    /// The web interface's address as officials reach it: the public address, else the
    /// listener's.
    pub fn base_url(&self, web_listen: Option<&str>) -> String {
        match (&self.public_url, web_listen) {
            (Some(u), _) => u.trim_end_matches('/').to_owned(),
            (None, Some(l)) => format!("http://{l}"),
            (None, None) => String::new(),
        }
    }

    /// Where a one-time set-up link points.
    pub fn setup_link(&self, web_listen: Option<&str>, secret: &str) -> String {
        format!("{}/setup/{secret}", self.base_url(web_listen))
    }

    /// Where a staff account's one-time set-up link points: the console, never the officials'
    /// web (each door sets up only its own accounts).
    pub fn console_setup_link(&self, console_listen: Option<&str>, secret: &str) -> String {
        let base = match (&self.console_public_url, console_listen) {
            (Some(u), _) => u.trim_end_matches('/').to_owned(),
            (None, Some(l)) => format!("http://{l}"),
            (None, None) => String::new(),
        };
        format!("{base}/setup/{secret}")
    }
}
