//! Delivering events: one loop per process claims due deliveries (any replica's),
//! posts each signed, and records the attempt. A failure is retried with exponential
//! backoff (1 s, 2 s, 4 s, … at most an hour apart) for 24 hours after the event.
//! Live endpoints are reached only at public addresses, checked after DNS as connector
//! egress is, and the connection goes to the address that was checked.

use super::{secret_context, signature};
use crate::app::App;
use crate::db::{self, events::Outcome, merchants::Mode};
use http_body_util::{BodyExt, Full};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One attempt may take this long (connect, send, answer).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries are given up this long after their event.
const GIVE_UP_AFTER_MS: i64 = 24 * 3_600_000;
const POLL: Duration = Duration::from_millis(250);

pub fn start(app: &Arc<App>) {
    if app.settings.workers == 0 {
        return;
    }
    let app = app.clone();
    tokio::spawn(async move {
        loop {
            let woken = app.wake_deliveries.notified();
            match db::events::claim(&app.db, 2 * ATTEMPT_TIMEOUT.as_millis() as i64).await {
                Ok(Some(due)) => {
                    let app = app.clone();
                    // Endpoints are slow independently: each attempt runs on its own.
                    tokio::spawn(async move { attempt(&app, due).await });
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("claiming an event delivery failed: {e:#}"),
            }
            let _ = tokio::time::timeout(POLL, woken).await;
        }
    });
}

/// The wait before attempt `n + 1` after `n` failed ones.
pub fn backoff_ms(attempts: i64) -> i64 {
    1_000i64
        .saturating_mul(1i64 << (attempts.clamp(1, 30) - 1))
        .min(3_600_000)
}

async fn attempt(app: &App, due: db::events::Due) {
    let started = Instant::now();
    let result = post(app, &due).await;
    let elapsed = started.elapsed().as_millis() as i64;
    let (status, error) = match &result {
        Ok(status) => (Some(*status), None),
        Err(e) => (None, Some(e.as_str())),
    };
    let created = db::events::event_by_id(&app.db, &due.event_id)
        .await
        .ok()
        .flatten()
        .map_or(0, |e| e.created_at);
    let outcome = match status {
        Some(s) if (200..300).contains(&s) => Outcome::Delivered,
        _ => {
            let next = db::now_ms() + backoff_ms(due.attempts);
            if next - created > GIVE_UP_AFTER_MS || error == Some(GONE) {
                Outcome::GiveUp
            } else {
                Outcome::RetryAt(next)
            }
        }
    };
    let error = error.map(|e| e.to_string()).or_else(|| {
        status
            .filter(|s| !(200..300).contains(s))
            .map(|s| format!("the endpoint answered {s}"))
    });
    app.metrics
        .event_delivery(matches!(outcome, Outcome::Delivered));
    if let Err(e) =
        db::events::settle(&app.db, &due, status, error.as_deref(), elapsed, outcome).await
    {
        tracing::error!(
            delivery = due.delivery_id,
            "recording a delivery failed: {e:#}"
        );
    }
}

const GONE: &str = "the endpoint or event no longer exists";

async fn post(app: &App, due: &db::events::Due) -> Result<u16, String> {
    let (Some(endpoint), Some(event)) = (
        db::events::endpoint_by_id(&app.db, &due.endpoint_id)
            .await
            .map_err(|e| e.to_string())?,
        db::events::event_by_id(&app.db, &due.event_id)
            .await
            .map_err(|e| e.to_string())?,
    ) else {
        return Err(GONE.into());
    };
    let mode = Mode::of(&event.mode);
    let uri = super::check_url(&endpoint.url, mode)?;
    let secret = app
        .sealer
        .open(&endpoint.secret, &secret_context(&endpoint.endpoint_id))
        .map_err(|_| "the endpoint's secret cannot be opened".to_string())?;
    let secret = String::from_utf8(secret).map_err(|e| e.to_string())?;
    let data: serde_json::Value = serde_json::from_str(&event.data).unwrap_or_default();
    let body = serde_json::json!({
        "id": event.event_id,
        "type": event.kind,
        "createdAt": db::rfc3339(event.created_at),
        "livemode": mode == Mode::Live,
        "data": data,
    })
    .to_string();
    let unix = db::now_ms() / 1000;
    let signed = signature(&secret, unix, &body);
    tokio::time::timeout(
        ATTEMPT_TIMEOUT,
        send(&uri, mode, &event.event_id, &signed, body),
    )
    .await
    .map_err(|_| format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()))?
}

async fn send(
    uri: &http::Uri,
    mode: Mode,
    event_id: &str,
    signed: &str,
    body: String,
) -> Result<u16, String> {
    let https = uri.scheme_str() == Some("https");
    let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| format!("{host} does not resolve"))?
        .collect();
    let addr = *addrs
        .first()
        .ok_or_else(|| format!("{host} does not resolve"))?;
    if mode == Mode::Live
        && addrs
            .iter()
            .any(|a| crate::runtime::grant::forbidden_address(a.ip()).is_some())
    {
        return Err(format!("{host} resolves to a non-public address"));
    }
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connecting to {host}: {e}"))?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let authority = uri.authority().map_or(host.to_string(), |a| a.to_string());
    let request = http::Request::post(path)
        .header(http::header::HOST, authority)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, "BEEP-Connect-Events/1")
        .header("beep-signature", signed)
        .header("beep-event-id", event_id)
        .body(Full::new(bytes::Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    if https {
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|_| format!("{host} is not a TLS server name"))?;
        let tls = crate::runtime::egress::tls_connector()
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {host}: {e}"))?;
        exchange(request, tls).await
    } else {
        exchange(request, tcp).await
    }
}

async fn exchange<S>(request: http::Request<Full<bytes::Bytes>>, stream: S) -> Result<u16, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    // Read (and drop) a bounded answer so the endpoint sees its response consumed.
    let _ = http_body_util::Limited::new(response.into_body(), 64 << 10)
        .collect()
        .await;
    Ok(status)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(super::backoff_ms(1), 1_000);
        assert_eq!(super::backoff_ms(4), 8_000);
        assert_eq!(super::backoff_ms(40), 3_600_000);
    }
}
