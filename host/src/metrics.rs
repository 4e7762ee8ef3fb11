//! Prometheus metrics (`GET /metrics`): what an on-call engineer asks first — are
//! requests failing, which connector is being called, is egress being denied.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// (method, route, status) → count.
type HttpCounts = BTreeMap<(String, String, u16), u64>;
/// (connector, operation) → its calls.
type CallCounts = BTreeMap<(String, String), CallStats>;

/// A metric's name, help, type and how to read it from a connector's stats.
type Series = (
    &'static str,
    &'static str,
    &'static str,
    fn(&CallStats) -> String,
);

#[derive(Default)]
struct CallStats {
    calls: u64,
    outbound: u64,
    denied: u64,
    seconds: f64,
    /// The longest call: how long the slowest misbehaving call took to be stopped.
    max_seconds: f64,
}

#[derive(Default)]
pub struct Metrics {
    http: Mutex<HttpCounts>,
    calls: Mutex<CallCounts>,
}

impl Metrics {
    pub fn http(&self, method: &str, route: &str, status: u16) {
        *self
            .http
            .lock()
            .unwrap()
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
    }

    pub fn call(
        &self,
        connector: &str,
        operation: &str,
        outbound: u64,
        denied: u64,
        elapsed: std::time::Duration,
    ) {
        let mut calls = self.calls.lock().unwrap();
        let entry = calls
            .entry((connector.to_string(), operation.to_string()))
            .or_default();
        entry.calls += 1;
        entry.outbound += outbound;
        entry.denied += denied;
        entry.seconds += elapsed.as_secs_f64();
        entry.max_seconds = entry.max_seconds.max(elapsed.as_secs_f64());
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP beep_http_requests_total API requests by route and status.\n# TYPE beep_http_requests_total counter\n");
        for ((method, route, status), n) in self.http.lock().unwrap().iter() {
            let _ = writeln!(
                out,
                "beep_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        let calls = self.calls.lock().unwrap();
        let series: [Series; 5] = [
            (
                "beep_connector_calls_total",
                "Connector calls by connector and operation.",
                "counter",
                |c| c.calls.to_string(),
            ),
            (
                "beep_connector_outbound_requests_total",
                "Outbound requests connectors made.",
                "counter",
                |c| c.outbound.to_string(),
            ),
            (
                "beep_connector_egress_denied_total",
                "Outbound requests the egress policy denied.",
                "counter",
                |c| c.denied.to_string(),
            ),
            (
                "beep_connector_call_seconds_total",
                "Time spent in connector calls.",
                "counter",
                |c| format!("{:.6}", c.seconds),
            ),
            (
                "beep_connector_call_seconds_max",
                "The longest connector call since the server started.",
                "gauge",
                |c| format!("{:.6}", c.max_seconds),
            ),
        ];
        for (name, help, kind, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for ((connector, operation), stats) in calls.iter() {
                let _ = writeln!(
                    out,
                    "{name}{{connector=\"{connector}\",operation=\"{operation}\"}} {}",
                    value(stats)
                );
            }
        }
        out
    }
}
