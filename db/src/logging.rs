//! JSON logs for every binary. The PostgreSQL clients log statement parameters — personal data —
//! at debug level, so their targets are capped at `warn` whatever `RUST_LOG` says.

/// Install the JSON subscriber on stderr, filtered by `RUST_LOG` (default `info`).
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let filter = [
        "tokio_postgres=warn",
        "postgres=warn",
        "diesel=warn",
        "diesel_async=warn",
    ]
    .into_iter()
    .filter_map(|d| d.parse().ok())
    .fold(filter, |f, d| f.add_directive(d));
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
