//! The egress policy: the one `WasiHttpHooks` implementation every call goes through.
//!
//! It checks each request against the call's grant and request budget, resolves the
//! name itself and connects only to an address it checked (no rebinding window), caps
//! the response body, and records every request (never bodies or query strings).

use super::grant::{AddressPolicy, Grant, forbidden_address};
use super::{Exhausted, Flags};
use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tracing::Instrument as _;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// One outbound request as the audit sees it.
#[derive(Clone, Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundCall {
    pub method: String,
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub path: String,
    pub status: Option<u16>,
    pub bytes: u64,
    pub millis: u64,
    pub denied: Option<String>,
    pub error: Option<String>,
}

/// The audit trail of one call, shared with the response futures it spawned.
pub type CallLog = Arc<Mutex<Vec<OutboundCall>>>;

/// How many outbound requests of one call the audit keeps one row each for; the rest
/// are counted (see [`Flags::omit`]) and written as one summary row. A guest looping
/// on requests can neither grow host memory nor flood the audit table.
pub const MAX_AUDITED_PER_CALL: usize = 64;

pub struct Egress {
    pub grant: Grant,
    pub max_requests: u32,
    pub max_response_bytes: u64,
    /// How long a connection may take when the guest does not say.
    pub connect_timeout: Duration,
    /// When the call's time budget ends: no wait of a request outlasts it.
    pub deadline: Instant,
    pub requests: u32,
    pub log: CallLog,
    pub flags: Arc<Flags>,
}

fn deny(error: Error) -> Box<dyn Future<Output = ResponseResult> + Send> {
    Box::new(async move { Err(error) })
}

type ResponseResult = Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), Error>> + Send>,
    ),
    Error,
>;

impl Egress {
    /// Keeps the request for the audit, or past the cap only counts it.
    fn record(&self, call: OutboundCall) -> Option<usize> {
        let mut log = self.log.lock().unwrap();
        if log.len() >= MAX_AUDITED_PER_CALL {
            self.flags.omit(call.denied.is_some());
            return None;
        }
        log.push(call);
        Some(log.len() - 1)
    }
}

/// Guests finish a request body before `handle()` (the body is sent whole), in writes of
/// at most 4 KiB: buffer enough writes for a 16 MiB body, or a large body (a batch of
/// receipts) would block its writer forever.
const REQUEST_BODY_WRITES: usize = 4096;

impl WasiHttpHooks for Egress {
    fn p2_outgoing_body_buffer_chunks(&mut self) -> usize {
        REQUEST_BODY_WRITES
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<dyn Future<Output = ResponseResult> + Send> {
        let uri = request.uri().clone();
        let scheme = uri.scheme_str().unwrap_or("https").to_ascii_lowercase();
        let host = uri
            .host()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_string();
        let port = uri
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        let mut call = OutboundCall {
            method: request.method().to_string(),
            scheme: scheme.clone(),
            host: host.clone(),
            port,
            path: uri.path().to_string(),
            ..Default::default()
        };
        // A child of the connector call's span (the guest runs inside it).
        let span = crate::telemetry::outbound_span(&call.method, &host, port, &call.path);

        // Every attempt counts against the budget, denied ones too: a guest looping on
        // a host it may not reach runs out of requests like any other, and the call
        // ends (the epoch callback interrupts a call whose budget is exhausted).
        self.requests += 1;
        if self.requests > self.max_requests {
            let why = format!("request budget of {} exhausted", self.max_requests);
            call.denied = Some(why.clone());
            self.flags.exhaust(Exhausted::Requests);
            span.record("egress.denied", why.as_str());
            self.record(call);
            return deny(Error::HttpRequestDenied);
        }
        if let Some(why) = self.grant.check(&scheme, &host, port, uri.path()) {
            span.record("egress.denied", why.as_str());
            call.denied = Some(why.clone());
            self.flags.deny(why);
            self.record(call);
            return deny(Error::HttpRequestDenied);
        }

        let index = self.record(call);
        let log = self.log.clone();
        let flags = self.flags.clone();
        let policy = self.grant.addresses;
        let limit = self.max_response_bytes;
        let waits = Waits::of(options, self.connect_timeout, self.deadline);
        Box::new(
            async move {
                let started = Instant::now();
                let result = send(request, &scheme, &host, port, policy, waits).await;
                let mut entries = log.lock().unwrap();
                let mut unrecorded = OutboundCall::default();
                let entry = match index.and_then(|i| entries.get_mut(i)) {
                    Some(entry) => entry,
                    None => &mut unrecorded,
                };
                entry.millis = started.elapsed().as_millis() as u64;
                // This future runs inside its own outbound-request span.
                let span = tracing::Span::current();
                match result {
                    Ok((response, io)) => {
                        entry.status = Some(response.status().as_u16());
                        let status = i64::from(response.status().as_u16());
                        span.record("http.response.status_code", status);
                        drop(entries);
                        let response = response.map(|body| {
                            MeteredBody {
                                inner: body,
                                seen: 0,
                                limit,
                                log,
                                index,
                                flags,
                                between: waits.between_bytes,
                                idle: None,
                            }
                            .boxed_unsync()
                        });
                        Ok((response, io))
                    }
                    Err(SendError::Denied(why)) => {
                        span.record("egress.denied", why.as_str());
                        entry.denied = Some(why.clone());
                        drop(entries);
                        flags.deny(why);
                        Err(Error::DestinationIpProhibited)
                    }
                    Err(SendError::Failed(error)) => {
                        entry.error = Some(format!("{error:?}"));
                        Err(error)
                    }
                }
            }
            .instrument(span),
        )
    }
}

/// How long each stage of one request may wait: what the guest asked for through
/// wasi:http's `request-options` (connect, first byte, between bytes), never longer
/// than what is left of the call's time budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Waits {
    connect: Duration,
    first_byte: Duration,
    between_bytes: Option<Duration>,
}

impl Waits {
    fn of(options: Option<RequestOptions>, connect: Duration, deadline: Instant) -> Waits {
        let left = deadline.saturating_duration_since(Instant::now());
        let asked = options.unwrap_or_default();
        Waits {
            connect: asked.connect_timeout.unwrap_or(connect).min(left),
            first_byte: asked.first_byte_timeout.unwrap_or(left).min(left),
            between_bytes: asked.between_bytes_timeout.map(|d| d.min(left)),
        }
    }
}

enum SendError {
    Denied(String),
    Failed(Error),
}

impl From<Error> for SendError {
    fn from(e: Error) -> Self {
        SendError::Failed(e)
    }
}

/// Resolves, checks and connects to one address, then sends the request over HTTP/1.1.
async fn send(
    mut request: http::Request<WasiBody>,
    scheme: &str,
    host: &str,
    port: u16,
    policy: AddressPolicy,
    waits: Waits,
) -> Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), Error>> + Send>,
    ),
    SendError,
> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| Error::DnsError {
            rcode: Some("lookup failed".into()),
            info_code: None,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Error::DestinationNotFound.into());
    }
    let addr = match policy {
        AddressPolicy::Any => addrs[0],
        AddressPolicy::PublicOnly => {
            // Every address the name resolves to must be public: a name that resolves
            // to an internal address is a rebinding attempt, not a fallback.
            // The merchant is told only that the name is not public; what an internal
            // name resolves to is for the operator's log.
            if let Some((ip, why)) = addrs
                .iter()
                .find_map(|a| forbidden_address(a.ip()).map(|why| (a.ip(), why)))
            {
                tracing::warn!(host, %ip, why, "egress denied: the name resolves to a non-public address");
                return Err(SendError::Denied(format!(
                    "{host} resolves to a non-public address"
                )));
            }
            addrs[0]
        }
    };

    let stream = match tokio::time::timeout(waits.connect, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(Error::Connect(e).into()),
        Err(_) => return Err(Error::ConnectionTimeout.into()),
    };
    let _ = stream.set_nodelay(true);

    // The request line carries only path and query; the Host header names the origin.
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    *request.uri_mut() = http::Uri::builder()
        .path_and_query(path_and_query)
        .build()
        .map_err(|_| Error::HttpRequestUriInvalid)?;

    if scheme == "https" {
        let tls = tls_connector();
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|_| Error::HttpRequestUriInvalid)?;
        let stream = tokio::time::timeout(waits.connect, tls.connect(name, stream))
            .await
            .map_err(|_| Error::ConnectionTimeout)?
            .map_err(|_| Error::TlsProtocolError)?;
        exchange(request, stream, waits.first_byte).await
    } else {
        exchange(request, stream, waits.first_byte).await
    }
}

async fn exchange<S>(
    request: http::Request<WasiBody>,
    stream: S,
    first_byte: Duration,
) -> Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), Error>> + Send>,
    ),
    SendError,
>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(Error::from)?;
    let driver = tokio::spawn(conn);
    let response = tokio::time::timeout(first_byte, sender.send_request(request))
        .await
        .map_err(|_| Error::ConnectionReadTimeout)?
        .map_err(Error::from)?;
    let response = response.map(|body| body.map_err(Error::from).boxed_unsync());
    let io: Box<dyn Future<Output = Result<(), Error>> + Send> = Box::new(async move {
        match driver.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::from(e)),
            Err(_) => Err(Error::ConnectionTerminated),
        }
    });
    Ok((response, io))
}

pub(crate) fn tls_connector() -> tokio_rustls::TlsConnector {
    static CONFIG: std::sync::OnceLock<Arc<rustls::ClientConfig>> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.into(),
        };
        Arc::new(
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
        )
    });
    tokio_rustls::TlsConnector::from(config.clone())
}

/// A response body that counts bytes into the audit, stops at the call's limit and,
/// when the guest asked for one, at its between-bytes timeout.
struct MeteredBody {
    inner: WasiBody,
    seen: u64,
    limit: u64,
    log: CallLog,
    index: Option<usize>,
    flags: Arc<Flags>,
    between: Option<Duration>,
    /// Armed while the body waits for its next frame.
    idle: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Body for MeteredBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => {
                let Some(between) = this.between else {
                    return Poll::Pending;
                };
                let idle = this
                    .idle
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(between)));
                match idle.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Error::ConnectionReadTimeout))),
                    Poll::Pending => Poll::Pending,
                }
            }
            Poll::Ready(Some(Ok(frame))) => {
                this.idle = None;
                if let Some(data) = frame.data_ref() {
                    this.seen += data.len() as u64;
                    if let Some(i) = this.index
                        && let Some(entry) = this.log.lock().unwrap().get_mut(i)
                    {
                        entry.bytes = this.seen;
                    }
                    if this.seen > this.limit {
                        this.flags.exhaust(Exhausted::ResponseBytes);
                        return Poll::Ready(Some(Err(Error::HttpResponseBodySize(Some(
                            this.limit,
                        )))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}
