//! Secrets on the command line never as an argument: every user of the machine can read the
//! process list. A token comes from its environment variable (`DMS_TOKEN`), a file
//! (`--token-file PATH`) or standard input (`--token-stdin`); `--token VALUE` is refused with a
//! message naming those.

use std::io::Read as _;
use std::path::PathBuf;

/// Where a command takes its token from.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TokenSource {
    /// The token, only through the environment variable DMS_TOKEN: given as an argument it
    /// is refused (use --token-file or --token-stdin)
    #[arg(
        long = "token",
        env = "DMS_TOKEN",
        hide_env_values = true,
        value_name = "VALUE"
    )]
    pub from_env: Option<String>,
    /// Read the token from this file (its first line)
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Read the token from standard input (its first line)
    #[arg(long)]
    pub token_stdin: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("--token VALUE is refused: a secret among the process arguments is visible to every user of the machine; use --token-file PATH, --token-stdin, or the environment variable DMS_TOKEN")]
    OnCommandLine,
    #[error("give the token one way: --token-file or --token-stdin, not both")]
    TwoSources,
    #[error("read the token from {0}: {1}")]
    Read(String, std::io::Error),
    #[error("the token from {0} is empty")]
    Empty(String),
    #[error("a token is required: --token-file PATH, --token-stdin, or the environment variable DMS_TOKEN")]
    Missing,
}

/// True when `--token` itself (not `--token-file` or `--token-stdin`) is among `args`.
pub fn token_in_arguments<I, S>(args: I) -> bool
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    args.into_iter().any(|a| {
        let a = a.as_ref().to_string_lossy();
        a == "--token" || a.starts_with("--token=")
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

impl TokenSource {
    /// The token, if one was given (a file or stdin before the environment); refused when it
    /// was given as an argument of this process.
    pub fn optional(self) -> Result<Option<String>, SecretError> {
        if token_in_arguments(std::env::args_os().skip(1)) {
            return Err(SecretError::OnCommandLine);
        }
        let from = |what: String, text: String| -> Result<Option<String>, SecretError> {
            let token = first_line(&text);
            if token.is_empty() {
                return Err(SecretError::Empty(what));
            }
            Ok(Some(token.to_owned()))
        };
        match (self.token_file, self.token_stdin) {
            (Some(_), true) => Err(SecretError::TwoSources),
            (Some(path), false) => {
                let what = path.display().to_string();
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| SecretError::Read(what.clone(), e))?;
                from(what, text)
            }
            (None, true) => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| SecretError::Read("standard input".into(), e))?;
                from("standard input".into(), text)
            }
            (None, false) => Ok(self.from_env.filter(|t| !t.is_empty())),
        }
    }

    /// The token, which must be given.
    pub fn required(self) -> Result<String, SecretError> {
        self.optional()?.ok_or(SecretError::Missing)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_the_token_flag_itself_counts_as_an_argument() {
        assert!(token_in_arguments(["submit", "--token", "x"]));
        assert!(token_in_arguments(["submit", "--token=x"]));
        assert!(!token_in_arguments(["submit", "--token-file", "f"]));
        assert!(!token_in_arguments(["submit", "--token-stdin"]));
        assert!(!token_in_arguments(["submit", "--url", "u"]));
    }

    #[test]
    fn a_file_gives_its_first_line() {
        let path = std::env::temp_dir().join(format!("dms-token-{}", std::process::id()));
        std::fs::write(&path, "secret-token-value\n").unwrap();
        let source = TokenSource {
            token_file: Some(path.clone()),
            ..TokenSource::default()
        };
        assert_eq!(source.required().unwrap(), "secret-token-value");
        std::fs::write(&path, "\n").unwrap();
        let source = TokenSource {
            token_file: Some(path.clone()),
            ..TokenSource::default()
        };
        assert!(matches!(source.required(), Err(SecretError::Empty(_))));
        std::fs::remove_file(path).unwrap();
    }
}
