//! A small, blocking HTTP client over `wasi:http/outgoing-handler`.
//!
//! The host decides whether a request may leave (its grant and budgets); a denied
//! request comes back as [`ConnectorError::Network`] naming the reason.

use crate::error::{from_status, internal, network};
use crate::types::ConnectorError;
use base64::Engine as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// An outgoing request, built fluently and sent with [`Request::send`].
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeouts: Timeouts,
}

/// How long the host may wait for each stage of a request (wasi:http's
/// `request-options`). Unset stages wait as long as the call's time budget allows; the
/// host never waits longer than that, whatever is asked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Option<std::time::Duration>,
    /// Until the response's status and headers arrive.
    pub first_byte: Option<std::time::Duration>,
    /// Between two pieces of the response body.
    pub between_bytes: Option<std::time::Duration>,
}

/// A received response with its whole body.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeouts: Timeouts::default(),
        }
    }
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::Get, url)
    }
    pub fn post(url: impl Into<String>) -> Self {
        Self::new(Method::Post, url)
    }
    pub fn put(url: impl Into<String>) -> Self {
        Self::new(Method::Put, url)
    }
    pub fn delete(url: impl Into<String>) -> Self {
        Self::new(Method::Delete, url)
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    pub fn basic_auth(self, user: &str, password: &str) -> Self {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.header("authorization", format!("Basic {token}"))
    }

    /// Appends URL-encoded query parameters.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(mut self, params: &[(K, V)]) -> Self {
        if params.is_empty() {
            return self;
        }
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            ser.append_pair(k.as_ref(), v.as_ref());
        }
        let sep = if self.url.contains('?') { '&' } else { '?' };
        self.url = format!("{}{sep}{}", self.url, ser.finish());
        self
    }

    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Result<Self, ConnectorError> {
        let body = serde_json::to_vec(value).map_err(|e| internal(format!("encode json: {e}")))?;
        Ok(self.header("content-type", "application/json").bytes(body))
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            ser.append_pair(k.as_ref(), v.as_ref());
        }
        self.header("content-type", "application/x-www-form-urlencoded")
            .bytes(ser.finish().into_bytes())
    }

    /// Bounds the waits of this request (see [`Timeouts`]).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    pub fn bytes(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// Sends the request; any status is a successful exchange (see
    /// [`Response::error_for_status`]).
    pub fn send(self) -> Result<Response, ConnectorError> {
        transport::send(self)
    }
}

/// A path segment, percent-encoded: everything but RFC 3986's unreserved characters,
/// so an id can never add a segment (`/`) or a query (`?`) to the path it is put in.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// serde_json's message without its " at line L column C" (the field says where).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) if e.line() > 0 => message.to_string(),
        _ => text,
    }
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as `T`. A body that does not fit names the vendor's field that did not
    /// (`data[2].sumNet: invalid type: string "x", expected f64`), not a line and column.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ConnectorError> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let parsed = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(value) => de.end().map(|()| value).map_err(|e| without_position(&e)),
            Err(e) => {
                let field = e.path().to_string();
                let message = without_position(e.inner());
                Err(match field.as_str() {
                    "." | "" => message,
                    _ => format!("{field}: {message}"),
                })
            }
        };
        parsed.map_err(|what| {
            internal(format!(
                "unexpected answer (status {}): {what}: {}",
                self.status,
                self.text_snippet()
            ))
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn text_snippet(&self) -> String {
        let text = self.text();
        text.chars().take(200).collect()
    }

    /// `Retry-After` in seconds (delta-seconds form).
    pub fn retry_after(&self) -> Option<u32> {
        self.header("retry-after")
            .and_then(|v| v.trim().parse().ok())
    }

    /// Passes a 2xx through; anything else becomes the matching [`ConnectorError`] with
    /// the vendor's message as `message` extracts it from the body.
    pub fn error_for_status_with(
        self,
        message: impl FnOnce(&Response) -> Option<String>,
    ) -> Result<Response, ConnectorError> {
        if self.is_success() {
            return Ok(self);
        }
        let msg = message(&self).unwrap_or_else(|| self.text_snippet());
        Err(from_status(self.status, msg, self.retry_after()))
    }

    pub fn error_for_status(self) -> Result<Response, ConnectorError> {
        self.error_for_status_with(|_| None)
    }
}

/// Splits `scheme://authority/path?query`.
fn split_url(url: &str) -> Result<(&str, &str, &str), ConnectorError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| internal(format!("not an absolute URL: {url}")))?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(internal(format!("URL without host: {url}")));
    }
    Ok((scheme, authority, path))
}

#[cfg(target_arch = "wasm32")]
mod transport {
    use super::*;
    use crate::bindings::wasi::http::outgoing_handler;
    use crate::bindings::wasi::http::types::{
        ErrorCode, Fields, IncomingBody, Method as WasiMethod, OutgoingBody, OutgoingRequest,
        RequestOptions, Scheme,
    };
    use crate::bindings::wasi::io::streams::StreamError;

    pub fn send(req: Request) -> Result<Response, ConnectorError> {
        let (scheme, authority, path) = split_url(&req.url)?;
        let entries: Vec<(String, Vec<u8>)> = req
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
            .collect();
        let headers =
            Fields::from_list(&entries).map_err(|e| internal(format!("invalid header: {e:?}")))?;
        let outgoing = OutgoingRequest::new(headers);
        let method = match req.method {
            Method::Get => WasiMethod::Get,
            Method::Post => WasiMethod::Post,
            Method::Put => WasiMethod::Put,
            Method::Patch => WasiMethod::Patch,
            Method::Delete => WasiMethod::Delete,
        };
        let scheme = match scheme {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => Scheme::Other(other.to_string()),
        };
        let bad = |what: &str| internal(format!("invalid request {what}: {}", req.url));
        outgoing.set_method(&method).map_err(|_| bad("method"))?;
        outgoing
            .set_scheme(Some(&scheme))
            .map_err(|_| bad("scheme"))?;
        outgoing
            .set_authority(Some(authority))
            .map_err(|_| bad("authority"))?;
        outgoing
            .set_path_with_query(Some(path))
            .map_err(|_| bad("path"))?;

        // The body must be complete before `handle`: the host sends it in one piece.
        let body = outgoing
            .body()
            .map_err(|_| internal("request body taken"))?;
        if !req.body.is_empty() {
            let stream = body.write().map_err(|_| internal("request stream taken"))?;
            for chunk in req.body.chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| network(format!("writing request body: {e:?}")))?;
            }
        }
        OutgoingBody::finish(body, None).map_err(describe_error)?;

        let pending =
            outgoing_handler::handle(outgoing, options(&req.timeouts)?).map_err(describe_error)?;
        let incoming = loop {
            match pending.get() {
                Some(result) => break result,
                None => pending.subscribe().block(),
            }
        };
        let incoming = incoming
            .map_err(|()| internal("response already taken"))?
            .map_err(describe_error)?;

        let status = incoming.status();
        let headers = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
            .collect();
        let body = incoming
            .consume()
            .map_err(|_| internal("response body taken"))?;
        let mut bytes = Vec::new();
        {
            let stream = body
                .stream()
                .map_err(|_| internal("response stream taken"))?;
            loop {
                match stream.blocking_read(64 * 1024) {
                    Ok(chunk) => bytes.extend_from_slice(&chunk),
                    Err(StreamError::Closed) => break,
                    Err(StreamError::LastOperationFailed(e)) => {
                        return Err(network(format!(
                            "reading response: {}",
                            e.to_debug_string()
                        )));
                    }
                }
            }
        }
        drop(IncomingBody::finish(body));
        Ok(Response {
            status,
            headers,
            body: bytes,
        })
    }

    /// The request's timeouts as wasi:http options (`None` when none is set).
    fn options(timeouts: &Timeouts) -> Result<Option<RequestOptions>, ConnectorError> {
        if *timeouts == Timeouts::default() {
            return Ok(None);
        }
        let nanos = |d: std::time::Duration| d.as_nanos().min(u64::MAX as u128) as u64;
        let refused = |what: &str| internal(format!("the host refused the {what} timeout"));
        let options = RequestOptions::new();
        if let Some(d) = timeouts.connect {
            options
                .set_connect_timeout(Some(nanos(d)))
                .map_err(|()| refused("connect"))?;
        }
        if let Some(d) = timeouts.first_byte {
            options
                .set_first_byte_timeout(Some(nanos(d)))
                .map_err(|()| refused("first-byte"))?;
        }
        if let Some(d) = timeouts.between_bytes {
            options
                .set_between_bytes_timeout(Some(nanos(d)))
                .map_err(|()| refused("between-bytes"))?;
        }
        Ok(Some(options))
    }

    fn describe_error(code: ErrorCode) -> ConnectorError {
        match code {
            ErrorCode::HttpRequestDenied => network("request denied by the host's egress policy"),
            ErrorCode::DnsError(_) => network("DNS lookup failed"),
            ErrorCode::ConnectionRefused => network("connection refused"),
            ErrorCode::ConnectionTimeout | ErrorCode::ConnectionReadTimeout => {
                network("connection timed out")
            }
            ErrorCode::HttpResponseBodySize(_) => network("response body exceeds the host's limit"),
            other => network(format!("{other:?}")),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod transport {
    use super::*;

    /// Natively there is no wasi:http: mapping code is unit-tested without I/O.
    pub fn send(req: Request) -> Result<Response, ConnectorError> {
        split_url(&req.url)?;
        Err(network("no wasi:http outside a component"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_does_not_fit_names_the_vendors_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Line {
            #[serde(rename = "sumNet")]
            sum_net: f64,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Page {
            data: Vec<Line>,
        }
        let answer = |body: &str| Response {
            status: 200,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        };
        let err = answer(r#"{"data":[{"sumNet":1.5},{"sumNet":"string"}]}"#)
            .json::<Page>()
            .unwrap_err();
        let ConnectorError::Internal(message) = err else {
            panic!("{err:?}")
        };
        assert!(
            message.starts_with(
                "unexpected answer (status 200): data[1].sumNet: invalid type: string \"string\", expected f64:"
            ),
            "{message}"
        );
        assert!(!message.contains("line 1"), "{message}");
        let err = answer(r#"{"data":[]} trailing"#)
            .json::<Page>()
            .unwrap_err();
        assert!(
            format!("{err:?}").contains("trailing characters"),
            "{err:?}"
        );
        assert_eq!(
            answer(r#"{"data":[]}"#).json::<Page>().unwrap().data.len(),
            0
        );
    }

    #[test]
    fn segments_cannot_leave_their_place() {
        assert_eq!(segment("pi_3Nx-_.~"), "pi_3Nx-_.~");
        assert_eq!(segment("a/b?c=d"), "a%2Fb%3Fc%3Dd");
        assert_eq!(segment("ü "), "%C3%BC%20");
    }

    #[test]
    fn urls_split_into_parts() {
        assert_eq!(
            split_url("https://api.stripe.com/v1/refunds?a=b").unwrap(),
            ("https", "api.stripe.com", "/v1/refunds?a=b")
        );
        assert_eq!(
            split_url("http://127.0.0.1:9000").unwrap(),
            ("http", "127.0.0.1:9000", "/")
        );
        assert_eq!(split_url("http://h?x=1").unwrap(), ("http", "h", "?x=1"));
        assert!(split_url("/relative").is_err());
    }

    #[test]
    fn query_and_form_encode() {
        let r = Request::get("http://h/p").query(&[("a", "1 2"), ("b", "&")]);
        assert_eq!(r.url, "http://h/p?a=1+2&b=%26");
        let r = Request::get("http://h/p?x=1").query(&[("y", "2")]);
        assert_eq!(r.url, "http://h/p?x=1&y=2");
        let r = Request::post("http://h").form(&[("amount", "100"), ("metadata[id]", "x")]);
        assert_eq!(
            String::from_utf8(r.body).unwrap(),
            "amount=100&metadata%5Bid%5D=x"
        );
    }

    #[test]
    fn statuses_map_to_contract_errors() {
        let resp = Response {
            status: 429,
            headers: vec![("Retry-After".into(), "7".into())],
            body: b"slow down".to_vec(),
        };
        assert!(matches!(
            resp.error_for_status(),
            Err(ConnectorError::RateLimited(Some(7)))
        ));
        let resp = Response {
            status: 401,
            headers: vec![],
            body: br#"{"error":{"message":"bad key"}}"#.to_vec(),
        };
        match resp.error_for_status_with(|r| {
            r.json::<serde_json::Value>().ok()?["error"]["message"]
                .as_str()
                .map(String::from)
        }) {
            Err(ConnectorError::Unauthorized(m)) => assert_eq!(m, "bad key"),
            other => panic!("{other:?}"),
        }
    }
}
