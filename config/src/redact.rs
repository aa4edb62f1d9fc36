//! Passwords out of connection strings before they are printed: a URL's user-info password and
//! any `password=` parameter (URL query or libpq key=value form).

const HIDDEN: &str = "***";

/// `url` with every password replaced by `***`; the rest (user, host, database) stays readable
/// because that is what an operator needs to see to find a misconfiguration.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let has_password =
                parsed.password().is_some() || parsed.query_pairs().any(|(k, _)| is_password(&k));
            if !has_password {
                // Printed as given: normalising it would show something the operator never
                // wrote.
                return url.to_owned();
            }
            if parsed.password().is_some() {
                // Fails only for URLs that cannot carry a password, and those have none to hide.
                let _ = parsed.set_password(Some(HIDDEN));
            }
            if parsed.query_pairs().any(|(k, _)| is_password(&k)) {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if is_password(&k) { HIDDEN.into() } else { v };
                        (k.into_owned(), v.into_owned())
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            // The url crate percent-encodes the placeholder; show it as written.
            parsed.to_string().replace("%2A%2A%2A", HIDDEN)
        }
        Err(_) => redact_conninfo(&redact_authority(url)),
    }
}

/// A URL the url crate refuses, such as libpq's multi-host form
/// (`postgres://user:pw@host1:5432,host2:5432/db?target_session_attrs=read-write`): the password
/// of its user-info, between `scheme://` and the last `@` before the path.
fn redact_authority(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[start..];
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    match authority[..at].split_once(':') {
        Some((user, _)) => format!("{}{user}:{HIDDEN}{}", &url[..start], &rest[at..]),
        None => url.to_owned(),
    }
}

fn is_password(key: &str) -> bool {
    key.eq_ignore_ascii_case("password")
}

/// libpq's `key=value key='quoted value'` form.
fn redact_conninfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_password_key(rest) {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let after = &after["password".len()..];
        let eq = after.len() - after.trim_start().len();
        let after_eq = after[eq..].strip_prefix('=').map(str::trim_start);
        let Some(value) = after_eq else {
            out.push_str("password");
            rest = after;
            continue;
        };
        out.push_str("password=");
        out.push_str(HIDDEN);
        rest = if let Some(quoted) = value.strip_prefix('\'') {
            // A quoted value ends at the first quote not escaped by a backslash.
            let mut escaped = false;
            let end = quoted
                .char_indices()
                .find(|&(_, c)| {
                    let close = c == '\'' && !escaped;
                    escaped = c == '\\' && !escaped;
                    close
                })
                .map_or(quoted.len(), |(i, _)| i + 1);
            &quoted[end..]
        } else {
            let end = value.find(char::is_whitespace).unwrap_or(value.len());
            &value[end..]
        };
    }
    out.push_str(rest);
    out
}

/// Where a `password` keyword starts (at the start or after whitespace).
fn find_password_key(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("password") {
        let at = from + i;
        let starts_word = at == 0 || lower[..at].ends_with(char::is_whitespace);
        let after = lower[at + "password".len()..].trim_start();
        if starts_word && after.starts_with('=') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn url_passwords_are_hidden_and_the_rest_is_kept() {
        assert_eq!(
            redact_url("postgres://dms:s3cr%40t@db.internal:5432/dms"),
            "postgres://dms:***@db.internal:5432/dms"
        );
        assert_eq!(
            redact_url("postgres://dms@127.0.0.1/dms"),
            "postgres://dms@127.0.0.1/dms"
        );
        let q = redact_url("postgresql://db/dms?sslmode=require&password=hunter22");
        assert!(
            q.contains("sslmode=require") && !q.contains("hunter22"),
            "{q}"
        );
        assert_eq!(redact_url("ftp://x"), "ftp://x");
        // libpq's multi-host form (ops/run --ha), which the url crate refuses.
        assert_eq!(
            redact_url(
                "postgres://dms_app:s3cr@t@127.0.0.1:55432,127.0.0.1:55434/dms?target_session_attrs=read-write"
            ),
            "postgres://dms_app:***@127.0.0.1:55432,127.0.0.1:55434/dms?target_session_attrs=read-write"
        );
        assert_eq!(
            redact_url("postgres://dms@h1:1,h2:2/dms"),
            "postgres://dms@h1:1,h2:2/dms"
        );
        assert_eq!(
            redact_url("https://user:pw@eddr.example/api"),
            "https://user:***@eddr.example/api"
        );
    }

    #[test]
    fn conninfo_passwords_are_hidden() {
        assert_eq!(
            redact_url("host=db user=dms password=hunter22 dbname=dms"),
            "host=db user=dms password=*** dbname=dms"
        );
        assert_eq!(
            redact_url("host=db password = 'a b\\' c' dbname=dms"),
            "host=db password=*** dbname=dms"
        );
        assert_eq!(redact_url("host=db dbname=dms"), "host=db dbname=dms");
    }
}
