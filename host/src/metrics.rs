//! Prometheus metrics (`GET /metrics`, behind the operator token): what an on-call
//! engineer asks first — are requests failing, which connector is being called, is
//! egress being denied, how long do calls take.
//!
//! Exposition is `prometheus-client`'s (it escapes label values). Every label value is
//! bounded here: HTTP methods outside the standard set are `other`, routes are
//! templates, and past [`MAX_CONNECTOR_LABELS`] distinct connectors new ones count as
//! `other`, so no caller can grow the label set without bound; error codes likewise past
//! [`MAX_CODE_LABELS`]. Job operations are the fixed names of `jobs::Operation`.

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

/// How many distinct error codes are kept as labels (the API's are a fixed set; this
/// bounds codes a connector reports); past that, `other`.
pub const MAX_CODE_LABELS: usize = 128;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    route: String,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    operation: String,
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
type RouteHistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    http: Family<HttpLabels, Counter>,
    http_duration: RouteHistogramFamily,
    http_errors: Family<ErrorLabels, Counter>,
    jobs_waiting: Family<QueueLabels, Gauge>,
    jobs_oldest_wait: Family<QueueLabels, Seconds>,
    jobs_running: Family<QueueLabels, Gauge>,
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
    codes: Mutex<HashSet<String>>,
}

fn call_buckets() -> Histogram {
    // 1 ms … ~65 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// Keeps `value` as a label while fewer than `max` are known, else `other`.
fn bounded(known: &Mutex<HashSet<String>>, max: usize, value: &str) -> String {
    let mut known = known.lock().unwrap();
    if known.contains(value) {
        return value.to_string();
    }
    if known.len() < max {
        known.insert(value.to_string());
        return value.to_string();
    }
    "other".into()
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let http = Family::<HttpLabels, Counter>::default();
        let http_duration: RouteHistogramFamily = Family::new_with_constructor(call_buckets);
        let http_errors = Family::<ErrorLabels, Counter>::default();
        let jobs_waiting = Family::<QueueLabels, Gauge>::default();
        let jobs_oldest_wait = Family::<QueueLabels, Seconds>::default();
        let jobs_running = Family::<QueueLabels, Gauge>::default();
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
            "beep_http_request_duration_seconds",
            "API request latency by method and route",
            http_duration.clone(),
        );
        registry.register(
            "beep_http_errors",
            "API error answers by route and error code",
            http_errors.clone(),
        );
        registry.register(
            "beep_jobs_waiting",
            "Jobs due and waiting for a worker, by operation",
            jobs_waiting.clone(),
        );
        registry.register(
            "beep_jobs_oldest_wait_seconds",
            "How long the oldest due job of each operation has waited",
            jobs_oldest_wait.clone(),
        );
        registry.register(
            "beep_jobs_running",
            "Jobs running, by operation",
            jobs_running.clone(),
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
            http_duration,
            http_errors,
            jobs_waiting,
            jobs_oldest_wait,
            jobs_running,
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
            codes: Mutex::new(HashSet::new()),
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
    pub fn http(&self, request: HttpFigures<'_>) {
        let method = method_label(request.method.as_str());
        let route = request.route.to_string();
        self.http
            .get_or_create(&HttpLabels {
                method,
                route: route.clone(),
                status: request.status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(request.elapsed.as_secs_f64());
        if let Some(code) = request.error_code {
            let code = bounded(&self.codes, MAX_CODE_LABELS, code);
            self.http_errors
                .get_or_create(&ErrorLabels { route, code })
                .inc();
        }
    }

    /// The job queue as it stands (read from the database at each scrape, so every
    /// replica reports the shared queue). Operations no longer in it drop out.
    pub fn queue(&self, figures: &[crate::db::jobs::QueueFigures]) {
        self.jobs_waiting.clear();
        self.jobs_oldest_wait.clear();
        self.jobs_running.clear();
        for f in figures {
            let labels = QueueLabels {
                operation: crate::jobs::Operation::parse(&f.operation)
                    .map_or("other", |o| o.name())
                    .to_string(),
            };
            self.jobs_waiting.get_or_create(&labels).inc_by(f.waiting);
            self.jobs_running.get_or_create(&labels).inc_by(f.running);
            let oldest = self.jobs_oldest_wait.get_or_create(&labels);
            oldest.set(oldest.get().max(f.oldest_wait_ms as f64 / 1000.0));
        }
    }

    /// The connector's own label while fewer than [`MAX_CONNECTOR_LABELS`] are known.
    fn connector_label(&self, connector: &str) -> String {
        bounded(&self.connectors, MAX_CONNECTOR_LABELS, connector)
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

/// One answered API request, as the metrics count it.
pub struct HttpFigures<'a> {
    pub method: &'a http::Method,
    /// The route template (never the raw path).
    pub route: &'a str,
    pub status: u16,
    pub elapsed: std::time::Duration,
    /// The `error.code` of an error answer.
    pub error_code: Option<&'a str>,
}

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
            m.http(HttpFigures {
                method: &method,
                route: "unmatched",
                status: 404,
                elapsed: std::time::Duration::from_millis(1),
                error_code: Some(if i % 2 == 0 {
                    "not_found"
                } else {
                    "other_code"
                }),
            });
        }
        m.http(HttpFigures {
            method: &http::Method::GET,
            route: "/health",
            status: 200,
            elapsed: std::time::Duration::from_millis(2),
            error_code: None,
        });
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

    #[test]
    fn latency_and_error_codes_are_counted_and_codes_bounded() {
        let m = Metrics::default();
        for i in 0..(MAX_CODE_LABELS + 10) {
            m.http(HttpFigures {
                method: &http::Method::POST,
                route: "/api/v1/syncPOS",
                status: 502,
                elapsed: std::time::Duration::from_millis(3),
                error_code: Some(&format!("code_{i}")),
            });
        }
        let text = m.render();
        assert!(
            text.contains("beep_http_errors_total{route=\"/api/v1/syncPOS\",code=\"other\"} 10"),
            "{text}"
        );
        assert!(
            text.contains("beep_http_errors_total{route=\"/api/v1/syncPOS\",code=\"code_0\"} 1")
        );
        assert!(text.contains(&format!(
            "beep_http_request_duration_seconds_count{{method=\"POST\",route=\"/api/v1/syncPOS\"}} {}",
            MAX_CODE_LABELS + 10
        )));
        // 3 ms falls in the 4 ms bucket, not in the 2 ms one.
        assert!(text.contains(
            "beep_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/syncPOS\",le=\"0.002\"} 0"
        ), "{text}");
        assert!(text.contains(&format!(
            "beep_http_request_duration_seconds_bucket{{method=\"POST\",route=\"/api/v1/syncPOS\",le=\"0.004\"}} {}",
            MAX_CODE_LABELS + 10
        )));
    }

    #[test]
    fn the_queue_shows_what_waits_and_forgets_what_left() {
        use crate::db::jobs::QueueFigures;
        let m = Metrics::default();
        let figures = |operation: &str, waiting, oldest_wait_ms, running| QueueFigures {
            operation: operation.into(),
            waiting,
            oldest_wait_ms,
            running,
        };
        m.queue(&[
            figures("syncPOS", 3, 2500, 1),
            figures("mystery", 2, 100, 0),
        ]);
        let text = m.render();
        assert!(
            text.contains("beep_jobs_waiting{operation=\"syncPOS\"} 3"),
            "{text}"
        );
        assert!(text.contains("beep_jobs_running{operation=\"syncPOS\"} 1"));
        assert!(text.contains("beep_jobs_oldest_wait_seconds{operation=\"syncPOS\"} 2.5"));
        assert!(text.contains("beep_jobs_waiting{operation=\"other\"} 2"));
        m.queue(&[]);
        let text = m.render();
        assert!(!text.contains("beep_jobs_waiting{"), "{text}");
    }
}
