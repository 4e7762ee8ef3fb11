//! Prometheus metrics (`GET /metrics`, behind the operator token): what an on-call
//! engineer asks first — are requests failing, which connector is being called, is
//! egress being denied, how long do calls take.
//!
//! Exposition is `prometheus-client`'s (it escapes label values). Every label value is
//! bounded here: HTTP methods outside the standard set are `other`, routes are
//! templates, and past [`MAX_CONNECTOR_LABELS`] distinct connectors new ones count as
//! `other`, so no caller can grow the label set without bound.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

/// How many distinct connector labels are kept (bundled ones plus uploads); past that,
/// `other`.
pub const MAX_CONNECTOR_LABELS: usize = 512;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    connector: String,
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    connector: String,
    operation: String,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    operation: &'static str,
    state: &'static str,
}

type Seconds = Gauge<f64, AtomicU64>;
type HistogramFamily = Family<CallLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    http: Family<HttpLabels, Counter>,
    calls: Family<CallLabels, Counter>,
    outbound: Family<CallLabels, Counter>,
    denied: Family<CallLabels, Counter>,
    failures: Family<FailureLabels, Counter>,
    seconds: Family<CallLabels, Counter<f64, AtomicU64>>,
    max_seconds: Family<CallLabels, Seconds>,
    duration: HistogramFamily,
    deliveries: Family<OutcomeLabels, Counter>,
    jobs: Family<JobLabels, Counter>,
    /// Serialises the read-compare-write of `max_seconds`.
    max_lock: Mutex<()>,
    connectors: Mutex<HashSet<String>>,
}

fn call_buckets() -> Histogram {
    // 1 ms … ~65 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let http = Family::<HttpLabels, Counter>::default();
        let calls = Family::<CallLabels, Counter>::default();
        let outbound = Family::<CallLabels, Counter>::default();
        let denied = Family::<CallLabels, Counter>::default();
        let failures = Family::<FailureLabels, Counter>::default();
        let seconds = Family::<CallLabels, Counter<f64, AtomicU64>>::default();
        let max_seconds = Family::<CallLabels, Seconds>::default();
        let duration: HistogramFamily = Family::new_with_constructor(call_buckets);
        let deliveries = Family::<OutcomeLabels, Counter>::default();
        let jobs = Family::<JobLabels, Counter>::default();
        registry.register(
            "beep_event_delivery_attempts",
            "Event delivery attempts by outcome (delivered or failed)",
            deliveries.clone(),
        );
        registry.register(
            "beep_jobs_settled",
            "Jobs settled by operation and state",
            jobs.clone(),
        );
        registry.register(
            "beep_http_requests",
            "API requests by method, route and status",
            http.clone(),
        );
        registry.register(
            "beep_connector_calls",
            "Connector calls by connector and operation",
            calls.clone(),
        );
        registry.register(
            "beep_connector_outbound_requests",
            "Outbound requests connectors made",
            outbound.clone(),
        );
        registry.register(
            "beep_connector_egress_denied",
            "Outbound requests the egress policy denied",
            denied.clone(),
        );
        registry.register(
            "beep_connector_call_failures",
            "Connector calls that failed, by error code",
            failures.clone(),
        );
        registry.register(
            "beep_connector_call_seconds",
            "Time spent in connector calls",
            seconds.clone(),
        );
        registry.register(
            "beep_connector_call_seconds_max",
            "The longest connector call since the server started",
            max_seconds.clone(),
        );
        registry.register(
            "beep_connector_call_duration_seconds",
            "Connector call latency",
            duration.clone(),
        );
        Metrics {
            registry,
            http,
            calls,
            outbound,
            denied,
            failures,
            seconds,
            max_seconds,
            duration,
            deliveries,
            jobs,
            max_lock: Mutex::new(()),
            connectors: Mutex::new(HashSet::new()),
        }
    }
}

/// The standard methods keep their name; any other token is `other`.
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

impl Metrics {
    /// One event delivery attempt.
    pub fn event_delivery(&self, delivered: bool) {
        let outcome = if delivered { "delivered" } else { "failed" };
        self.deliveries
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// One settled job (operations and states are fixed names: bounded labels).
    pub fn job(&self, operation: &'static str, state: &'static str) {
        self.jobs
            .get_or_create(&JobLabels { operation, state })
            .inc();
    }

    /// One answered request; a method outside the standard set is counted as `other`.
    pub fn http(&self, method: &http::Method, route: &str, status: u16) {
        self.http
            .get_or_create(&HttpLabels {
                method: method_label(method.as_str()),
                route: route.to_string(),
                status,
            })
            .inc();
    }

    /// The connector's own label while fewer than [`MAX_CONNECTOR_LABELS`] are known.
    fn connector_label(&self, connector: &str) -> String {
        let mut known = self.connectors.lock().unwrap();
        if known.contains(connector) {
            return connector.to_string();
        }
        if known.len() < MAX_CONNECTOR_LABELS {
            known.insert(connector.to_string());
            return connector.to_string();
        }
        "other".into()
    }

    pub fn call(&self, call: CallFigures<'_>) {
        let labels = CallLabels {
            connector: self.connector_label(call.connector),
            operation: call.operation.to_string(),
        };
        let seconds = call.elapsed.as_secs_f64();
        self.calls.get_or_create(&labels).inc();
        self.outbound.get_or_create(&labels).inc_by(call.outbound);
        self.denied.get_or_create(&labels).inc_by(call.denied);
        self.seconds.get_or_create(&labels).inc_by(seconds);
        self.duration.get_or_create(&labels).observe(seconds);
        {
            let _guard = self.max_lock.lock().unwrap();
            let max = self.max_seconds.get_or_create(&labels);
            if seconds > max.get() {
                max.set(seconds);
            }
        }
        if let Some(code) = call.failure {
            self.failures
                .get_or_create(&FailureLabels {
                    connector: labels.connector,
                    operation: labels.operation,
                    code,
                })
                .inc();
        }
    }

    /// The Prometheus text exposition format (0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
            .expect("writing to a String");
        out
    }
}

pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// One finished connector call, as the metrics count it.
pub struct CallFigures<'a> {
    pub connector: &'a str,
    pub operation: &'a str,
    pub outbound: u64,
    pub denied: u64,
    pub elapsed: std::time::Duration,
    /// The error code of a failed call.
    pub failure: Option<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_connectors_are_bounded_and_values_escaped() {
        let m = Metrics::default();
        for i in 0..100 {
            let method = http::Method::from_bytes(format!("X{i}").as_bytes()).unwrap();
            m.http(&method, "unmatched", 404);
        }
        m.http(&http::Method::GET, "/health", 200);
        for i in 0..(MAX_CONNECTOR_LABELS + 50) {
            m.call(CallFigures {
                connector: &format!("c{i}"),
                operation: "fetch-catalog",
                outbound: 1,
                denied: 0,
                elapsed: std::time::Duration::from_millis(3),
                failure: None,
            });
        }
        m.call(CallFigures {
            connector: "c0",
            operation: "quote\"in\\label\n",
            outbound: 0,
            denied: 0,
            elapsed: std::time::Duration::from_millis(1),
            failure: Some("deadline_exceeded"),
        });
        let text = m.render();
        assert!(
            text.contains(
                "beep_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"} 100"
            ),
            "{text}"
        );
        assert!(text.contains("connector=\"other\""));
        assert!(
            text.contains("operation=\"quote\\\"in\\\\label\\n\""),
            "{text}"
        );
        let series = text
            .lines()
            .filter(|l| l.starts_with("beep_connector_calls_total{"))
            .count();
        assert_eq!(series, MAX_CONNECTOR_LABELS + 2);
    }
}
