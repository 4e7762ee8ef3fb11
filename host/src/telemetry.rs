//! Traces: one per API request and per job, a child span per connector call and per
//! outbound vendor request (method, host, path, status: never bodies, queries or
//! secrets). Exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces
//! endpoint) is set; a caller's W3C `traceparent` makes its request a child of the
//! caller's span. Without an exporter the spans are plain `tracing` spans.

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Whether the environment asks for an exporter.
pub fn configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|v| std::env::var(v).is_ok_and(|s| !s.is_empty()))
}

/// The OTLP protocol asked for; HTTP with protobuf (the OTLP default) unless
/// `http/json`. gRPC is not built in.
fn protocol() -> anyhow::Result<Protocol> {
    let asked = std::env::var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        .or_else(|_| std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL"))
        .unwrap_or_default();
    match asked.as_str() {
        "" | "http/protobuf" => Ok(Protocol::HttpBinary),
        "http/json" => Ok(Protocol::HttpJson),
        other => anyhow::bail!(
            "OTEL_EXPORTER_OTLP_PROTOCOL={other} is not supported: use http/protobuf or http/json"
        ),
    }
}

/// The tracer provider exporting in batches (its own thread); shut it down at exit so
/// the last spans are sent.
pub fn provider() -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(protocol()?)
        .build()?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("beep-connect")
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

/// The `tracing` layer that turns spans into OpenTelemetry spans of `provider`.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("beep-connect"))
}

/// The span of one API request, a child of the caller's `traceparent` when it sent one.
pub fn request_span(
    method: &http::Method,
    route: &str,
    headers: &http::HeaderMap,
) -> tracing::Span {
    let span = tracing::info_span!(
        "request",
        otel.name = %format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
    );
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    // No exporter (or no traceparent): nothing to attach to.
    let _ = span.set_parent(parent);
    span
}

/// The root span of one job run by a worker.
pub fn job_span(operation: &str, attempt: i64) -> tracing::Span {
    tracing::info_span!(
        "job",
        otel.name = %format!("job {operation}"),
        otel.kind = "consumer",
        job.operation = %operation,
        job.attempt = attempt,
    )
}

/// One connector call (a fresh instance of one component) of the export binding
/// `call`; its names are only worked out when a layer wants the span.
pub fn call_span(connector: &str, call: &str) -> tracing::Span {
    tracing::info_span!(
        "connector call",
        otel.name = %format!("connector {}", crate::runtime::operation_name(call)),
        otel.kind = "internal",
        connector = %connector,
        operation = %crate::runtime::operation_name(call),
    )
}

/// One outbound request a connector made; its status is recorded when it is known.
pub fn outbound_span(method: &str, host: &str, port: u16, path: &str) -> tracing::Span {
    tracing::info_span!(
        "outbound request",
        otel.name = %format!("{method} {host}"),
        otel.kind = "client",
        http.request.method = %method,
        server.address = %host,
        server.port = i64::from(port),
        url.path = %path,
        http.response.status_code = tracing::field::Empty,
        egress.denied = tracing::field::Empty,
    )
}

struct Headers<'a>(&'a http::HeaderMap);

impl opentelemetry::propagation::Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}
