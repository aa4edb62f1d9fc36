//! TLS of the listeners and the direct channel's mode: read from the layers, checked as a whole.

use crate::extract::ChannelMode;
use crate::tls::{normalize_fingerprint, ListenerTls};
use dms_config::Layers;

/// TLS per listener, the direct channel's mode and the Трембіта listener's development mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// How the direct channel authenticates a body: `token` or `mtls` (`api.channel`).
    pub channel: ChannelMode,
    /// Development only: the Трембіта listener over plain HTTP on a loopback address
    /// (`api.trembita_insecure_http`).
    pub trembita_insecure_http: bool,
    /// The direct-channel listener (`api.tls_*`).
    pub direct: ListenerTls,
    /// The Трембіта listener (`api.trembita_tls_*`).
    pub trembita: ListenerTls,
    /// The staff listener (`api.admin_tls_*`).
    pub admin: ListenerTls,
    /// The operations listener (`api.ops_tls_*`).
    pub ops: ListenerTls,
    /// The web interface's listener (`api.web_tls_*`).
    pub web: ListenerTls,
}

const PREFIXES: [&str; 5] = ["tls", "trembita_tls", "admin_tls", "ops_tls", "web_tls"];

fn read_listener(l: &mut Layers, prefix: &str) -> ListenerTls {
    let fingerprints = l
        .get_list(&format!("api.{prefix}_client_fingerprints"))
        .unwrap_or_default();
    ListenerTls {
        cert: l.get(&format!("api.{prefix}_cert")),
        key: l.get(&format!("api.{prefix}_key")),
        client_ca: l.get(&format!("api.{prefix}_client_ca")),
        client_fingerprints: fingerprints
            .iter()
            .map(|f| normalize_fingerprint(f).unwrap_or_else(|| f.clone()))
            .collect(),
    }
}

fn check_listener(l: &mut Layers, prefix: &str, tls: &ListenerTls) {
    match (&tls.cert, &tls.key) {
        (Some(_), None) => l.invalid(
            &format!("api.{prefix}_cert"),
            &format!("needs api.{prefix}_key"),
        ),
        (None, Some(_)) => l.invalid(
            &format!("api.{prefix}_key"),
            &format!("needs api.{prefix}_cert"),
        ),
        _ => {}
    }
    if tls.cert.is_none() && tls.checks_clients() {
        let path = if tls.client_ca.is_some() {
            format!("api.{prefix}_client_ca")
        } else {
            format!("api.{prefix}_client_fingerprints")
        };
        l.invalid(
            &path,
            &format!("client certificates need TLS: set api.{prefix}_cert"),
        );
    }
    if tls
        .client_fingerprints
        .iter()
        .any(|f| normalize_fingerprint(f).is_none())
    {
        l.invalid(
            &format!("api.{prefix}_client_fingerprints"),
            "each a SHA-256 fingerprint: 64 hex digits",
        );
    }
}

/// Whether `HOST:PORT` names a loopback address (127.0.0.0/8, ::1 or localhost).
pub fn is_loopback(addr: &str) -> bool {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl TlsSettings {
    pub fn read(l: &mut Layers) -> TlsSettings {
        TlsSettings {
            channel: l.get("api.channel").unwrap_or(ChannelMode::Token),
            trembita_insecure_http: l.get("api.trembita_insecure_http").unwrap_or_default(),
            direct: read_listener(l, PREFIXES[0]),
            trembita: read_listener(l, PREFIXES[1]),
            admin: read_listener(l, PREFIXES[2]),
            ops: read_listener(l, PREFIXES[3]),
            web: read_listener(l, PREFIXES[4]),
        }
    }

    pub fn check(&self, l: &mut Layers, trembita_listen: Option<&str>) {
        for (prefix, tls) in PREFIXES.iter().zip([
            &self.direct,
            &self.trembita,
            &self.admin,
            &self.ops,
            &self.web,
        ]) {
            check_listener(l, prefix, tls);
        }
        match self.channel {
            ChannelMode::Token => {}
            ChannelMode::Mtls if self.direct.enabled() => {}
            ChannelMode::Mtls => l.invalid(
                "api.channel",
                "mtls needs TLS on the direct channel: set api.tls_cert and api.tls_key",
            ),
            ChannelMode::Trembita => l.invalid(
                "api.channel",
                "token or mtls (Трембіта has its own listener, api.trembita_listen)",
            ),
        }
        let Some(addr) = trembita_listen else { return };
        if self.trembita.enabled() {
            if self.trembita_insecure_http {
                l.invalid(
                    "api.trembita_insecure_http",
                    "the Трембіта listener serves TLS (api.trembita_tls_cert): choose one",
                );
            } else if !self.trembita.checks_clients() {
                l.invalid(
                    "api.trembita_tls_cert",
                    "the Трембіта listener requires the security server's client certificate: \
                     set api.trembita_tls_client_ca or api.trembita_tls_client_fingerprints",
                );
            }
        } else if !self.trembita_insecure_http {
            l.invalid(
                "api.trembita_listen",
                "the Трембіта listener serves TLS: set api.trembita_tls_cert, \
                 api.trembita_tls_key and api.trembita_tls_client_ca (plain HTTP only for \
                 development: api.trembita_insecure_http = true on a loopback address)",
            );
        } else if !is_loopback(addr) {
            l.invalid(
                "api.trembita_insecure_http",
                &format!(
                    "plain HTTP only on a loopback address, and api.trembita_listen is {addr}"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses() {
        for yes in [
            "127.0.0.1:8081",
            "127.1.2.3:0",
            "[::1]:8081",
            "localhost:8081",
        ] {
            assert!(is_loopback(yes), "{yes}");
        }
        for no in [
            "0.0.0.0:8081",
            "10.0.0.1:8081",
            "[::]:8081",
            "dms.internal:8081",
        ] {
            assert!(!is_loopback(no), "{no}");
        }
    }
}
