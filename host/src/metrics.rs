//! Prometheus metrics (`GET /metrics`): what an on-call engineer asks first — are
//! requests failing, which connector is being called, is egress being denied.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// (method, route, status) → count.
type HttpCounts = BTreeMap<(String, String, u16), u64>;
/// (connector, operation) → (calls, outbound requests, denied requests).
type CallCounts = BTreeMap<(String, String), (u64, u64, u64)>;

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

    pub fn call(&self, connector: &str, operation: &str, outbound: u64, denied: u64) {
        let mut calls = self.calls.lock().unwrap();
        let entry = calls
            .entry((connector.to_string(), operation.to_string()))
            .or_default();
        entry.0 += 1;
        entry.1 += outbound;
        entry.2 += denied;
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
        for (name, help, pick) in [
            (
                "beep_connector_calls_total",
                "Connector calls by connector and operation.",
                0,
            ),
            (
                "beep_connector_outbound_requests_total",
                "Outbound requests connectors made.",
                1,
            ),
            (
                "beep_connector_egress_denied_total",
                "Outbound requests the egress policy denied.",
                2,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for ((connector, operation), counts) in calls.iter() {
                let n = [counts.0, counts.1, counts.2][pick];
                let _ = writeln!(
                    out,
                    "{name}{{connector=\"{connector}\",operation=\"{operation}\"}} {n}"
                );
            }
        }
        out
    }
}
