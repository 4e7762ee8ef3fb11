//! Events to BEEP!: what happened (a sync, a push, a payment, a refund, a connection
//! disabled), recorded with the change and delivered to each subscribed endpoint at
//! least once, signed as Stripe signs its webhooks:
//! `Beep-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`.

pub mod deliver;

use crate::app::App;
use crate::db::{self, merchants::Mode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// Every event type an endpoint may subscribe to (or `*` for all).
pub const TYPES: &[&str] = &[
    "sync.completed",
    "sync.failed",
    "push.completed",
    "push.failed",
    "payment.updated",
    "payment.authorization_expired",
    "refund.updated",
    "dispute.updated",
    "payout.updated",
    "connection.disabled",
];

/// Records the event and its deliveries; never fails the change it reports (a lost
/// event is logged, the change stands).
pub async fn emit(app: &App, merchant_id: &str, mode: Mode, kind: &str, data: Value) {
    debug_assert!(TYPES.contains(&kind), "{kind} is not an event type");
    match db::events::record(&app.db, merchant_id, mode, kind, &data).await {
        Ok((_, 0)) => {}
        Ok(_) => app.wake_deliveries.notify_waiters(),
        Err(e) => tracing::error!(kind, "recording an event failed: {e:#}"),
    }
}

/// The `Beep-Signature` header of `body` sent at `unix` seconds.
pub fn signature(secret: &str, unix: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{unix}.{body}").as_bytes());
    format!("t={unix},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Where an endpoint may point: in live mode a public HTTPS URL (the address is checked
/// again after DNS at every delivery); in Test Mode also plain HTTP and loopback.
pub fn check_url(url: &str, mode: Mode) -> Result<http::Uri, String> {
    let uri: http::Uri = url.parse().map_err(|_| format!("{url:?} is not a URL"))?;
    let scheme = uri.scheme_str().unwrap_or("");
    let host = uri.host().unwrap_or("");
    if host.is_empty() {
        return Err(format!("{url:?} has no host"));
    }
    match (mode, scheme) {
        (_, "https") => {}
        (Mode::Test, "http") => {}
        (Mode::Live, _) => return Err("live event endpoints must use https".into()),
        _ => return Err("event endpoints use http or https".into()),
    }
    if mode == Mode::Live
        && let Ok(ip) = host.trim_matches(['[', ']']).parse::<std::net::IpAddr>()
        && let Some(why) = crate::runtime::grant::forbidden_address(ip)
    {
        return Err(format!("{host} is not a public address ({why})"));
    }
    Ok(uri)
}

pub fn new_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::rng().random();
    format!("whsec_{}", hex::encode(bytes))
}

pub fn secret_context(endpoint_id: &str) -> String {
    format!("event-endpoint:{endpoint_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_stripes_scheme() {
        // HMAC-SHA256(key "key", message "1.{}"), computed with Python's hmac module.
        assert_eq!(
            signature("key", 1, "{}"),
            "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }

    #[test]
    fn live_endpoints_are_public_https() {
        assert!(check_url("https://beep.example/hooks", Mode::Live).is_ok());
        assert!(check_url("http://beep.example/hooks", Mode::Live).is_err());
        assert!(check_url("https://127.0.0.1/hooks", Mode::Live).is_err());
        assert!(check_url("https://169.254.169.254/", Mode::Live).is_err());
        assert!(check_url("http://127.0.0.1:9/hooks", Mode::Test).is_ok());
        assert!(check_url("ftp://beep.example/", Mode::Test).is_err());
        assert!(check_url("not a url", Mode::Test).is_err());
    }
}
