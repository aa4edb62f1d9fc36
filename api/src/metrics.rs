//! Prometheus metrics: requests by route and status, latency, actions stored by type.

use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub actions_stored: IntCounterVec,
    /// Feed items and data sets by state, oldest pending age, failing deliveries (read from the
    /// database at scrape time, so every replica reports the same).
    pub feed: GaugeVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "dms_http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "dms_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route"],
        )?;
        let actions_stored = IntCounterVec::new(
            Opts::new(
                "dms_actions_stored_total",
                "Registration actions stored and confirmed, by type",
            ),
            &["type"],
        )?;
        let feed = GaugeVec::new(
            Opts::new("dms_feed", "Feed to ЄДДР: items and data sets by state, oldest pending age (s), failing deliveries"),
            &["kind", "state"],
        )?;
        registry.register(Box::new(feed.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(actions_stored.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            actions_stored,
            feed,
        })
    }

    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .is_err()
        {
            out.clear();
        }
        out
    }
}
