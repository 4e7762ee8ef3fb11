//! Test Mode: simulators that speak each vendor's real API, served on loopback.
//!
//! One listener serves every simulator under its own prefix (`/korona/…`, `/stripe/…`).
//! Each vendor's URL can be overridden (flag or environment) to point Test Mode at an
//! external mock server of that vendor instead.

pub mod adyen;
pub mod korona;
pub mod lexoffice;
pub mod lightspeed;
pub mod mollie;
pub mod payabl;
pub mod payone;
pub mod sap;
pub mod sevdesk;
pub mod stripe;
pub mod sumup;
pub mod unzer;
pub mod xentral;

use axum::Router;
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// A simulated vendor: its name, what it is, where it lives under the listener, and
/// credentials that work against it.
pub struct Vendor {
    pub name: &'static str,
    pub kind: &'static str,
    pub base_path: &'static str,
    pub credentials: fn() -> serde_json::Value,
}

pub const VENDORS: &[Vendor] = &[
    Vendor {
        name: "korona",
        kind: "pos",
        base_path: "/korona/web/api/v3",
        credentials: korona::sandbox_credentials,
    },
    Vendor {
        name: "lightspeed",
        kind: "pos",
        base_path: "/lightspeed",
        credentials: lightspeed::sandbox_credentials,
    },
    Vendor {
        name: "stripe",
        kind: "psp",
        base_path: "/stripe",
        credentials: stripe::sandbox_credentials,
    },
    Vendor {
        name: "mollie",
        kind: "psp",
        base_path: "/mollie",
        credentials: mollie::sandbox_credentials,
    },
    Vendor {
        name: "sumup",
        kind: "psp",
        base_path: "/sumup",
        credentials: sumup::sandbox_credentials,
    },
    Vendor {
        name: "adyen",
        kind: "psp",
        base_path: "/adyen/v71",
        credentials: adyen::sandbox_credentials,
    },
    Vendor {
        name: "payone",
        kind: "psp",
        base_path: "/payone",
        credentials: payone::sandbox_credentials,
    },
    Vendor {
        name: "payabl",
        kind: "psp",
        base_path: "/payabl",
        credentials: payabl::sandbox_credentials,
    },
    Vendor {
        name: "unzer",
        kind: "psp",
        base_path: "/unzer/v1",
        credentials: unzer::sandbox_credentials,
    },
    Vendor {
        name: "sevdesk",
        kind: "erp",
        base_path: "/sevdesk/api/v1",
        credentials: sevdesk::sandbox_credentials,
    },
    Vendor {
        name: "xentral",
        kind: "erp",
        base_path: "/xentral",
        credentials: xentral::sandbox_credentials,
    },
    Vendor {
        name: "sap",
        kind: "erp",
        base_path: "/sap/b1s/v1",
        credentials: sap::sandbox_credentials,
    },
    Vendor {
        name: "lexoffice",
        kind: "erp",
        base_path: "/lexoffice/v1",
        credentials: lexoffice::sandbox_credentials,
    },
];

/// Where custom connectors may go in Test Mode: an echo service (any path, any method).
pub const ECHO_PATH: &str = "/echo";

pub struct Sandbox {
    pub addr: SocketAddr,
    urls: BTreeMap<String, String>,
}

impl Sandbox {
    /// Binds 127.0.0.1 on an ephemeral port (or `addr`) and serves every simulator.
    /// `overrides` maps a vendor name to an external URL that replaces its simulator.
    pub async fn start(
        addr: SocketAddr,
        overrides: &BTreeMap<String, String>,
    ) -> anyhow::Result<Sandbox> {
        let router = Router::new()
            .nest("/korona", korona::router(korona::KoronaSim::new()))
            .nest(
                "/lightspeed",
                lightspeed::router(lightspeed::LightspeedSim::new()),
            )
            .nest("/stripe", stripe::router(stripe::StripeSim::new()))
            .nest("/mollie", mollie::router(mollie::MollieSim::new()))
            .nest("/adyen", adyen::router(adyen::AdyenSim::new()))
            .nest("/payone", payone::router(payone::PayoneSim::new()))
            .nest("/payabl", payabl::router(payabl::PayablSim::new()))
            .nest("/sap", sap::router(sap::SapSim::new()))
            .nest("/sevdesk", sevdesk::router(sevdesk::SevdeskSim::new()))
            .nest("/sumup", sumup::router(sumup::SumupSim::new()))
            .nest("/unzer", unzer::router(unzer::UnzerSim::new()))
            .nest("/xentral", xentral::router(xentral::XentralSim::new()))
            .nest(
                "/lexoffice",
                lexoffice::router(lexoffice::LexofficeSim::new()),
            )
            .nest(ECHO_PATH, echo_router());
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        // Without TCP_NODELAY a large answer's last segment waits for a delayed ACK
        // (~40 ms a request on Linux loopback).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!("sandbox listener stopped: {e}");
            }
        });
        let mut urls: BTreeMap<String, String> = VENDORS
            .iter()
            .map(|v| (v.name.to_string(), format!("http://{addr}{}", v.base_path)))
            .collect();
        urls.insert("echo".into(), format!("http://{addr}{ECHO_PATH}"));
        for (vendor, url) in overrides {
            urls.insert(vendor.clone(), url.trim_end_matches('/').to_string());
        }
        Ok(Sandbox { addr, urls })
    }

    /// The base URL Test Mode uses for `vendor`.
    pub fn url(&self, vendor: &str) -> Option<&str> {
        self.urls.get(vendor).map(String::as_str)
    }

    /// What `GET /api/v1/sandbox` shows.
    pub fn listing(&self) -> serde_json::Value {
        let vendors: Vec<_> = VENDORS
            .iter()
            .map(|v| {
                serde_json::json!({
                    "system": v.name,
                    "kind": v.kind,
                    "baseUrl": self.url(v.name),
                    "credentials": (v.credentials)(),
                })
            })
            .collect();
        serde_json::json!({ "success": true, "vendors": vendors, "echoUrl": self.url("echo") })
    }
}

/// Answers any request with a small JSON description of it: the upstream custom
/// connectors reach in Test Mode.
fn echo_router() -> Router {
    use axum::extract::Path;
    use axum::extract::Request;
    use axum::response::Json;
    async fn echo(req: Request) -> Json<serde_json::Value> {
        Json(serde_json::json!({ "method": req.method().as_str(), "path": req.uri().path() }))
    }
    /// `n` bytes of body (at most 64 MiB): lets tests exceed a response budget.
    async fn bytes(Path(n): Path<usize>) -> Vec<u8> {
        vec![b'x'; n.min(64 << 20)]
    }
    Router::new()
        .route("/bytes/{n}", axum::routing::get(bytes))
        .fallback(echo)
}
