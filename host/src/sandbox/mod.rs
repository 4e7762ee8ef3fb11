//! Test Mode: simulators that speak each vendor's real API, served on loopback.
//!
//! One listener serves every simulator under its own prefix (`/korona/…`, `/stripe/…`).
//! Each vendor's URL can be overridden (flag or environment) to point Test Mode at an
//! external mock server of that vendor instead.

pub mod adyen;
pub mod casio;
pub mod generic;
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
pub mod vectron;
pub mod xentral;

use axum::Router;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// A simulated vendor: its name, what it is, where it lives under the listener, and
/// credentials that work against it.
pub struct Vendor {
    /// The `system`/`provider` name the API uses, and the simulator's.
    pub name: &'static str,
    /// `pos`, `erp`, `psp`: what the API reaches this vendor as (SumUp is a PSP and a
    /// POS; the generic protocol serves POS and ERP).
    pub kinds: &'static [&'static str],
    pub base_path: &'static str,
    pub credentials: fn() -> serde_json::Value,
}

pub const VENDORS: &[Vendor] = &[
    Vendor {
        name: "korona",
        kinds: &["pos"],
        base_path: "/korona/web/api/v3",
        credentials: korona::sandbox_credentials,
    },
    Vendor {
        name: "casio",
        kinds: &["pos"],
        base_path: "/casio",
        credentials: casio::sandbox_credentials,
    },
    Vendor {
        name: "lightspeed",
        kinds: &["pos"],
        base_path: "/lightspeed",
        credentials: lightspeed::sandbox_credentials,
    },
    Vendor {
        name: "vectron",
        kinds: &["pos"],
        base_path: "/vectron/business-data-api",
        credentials: vectron::sandbox_credentials,
    },
    Vendor {
        name: "stripe",
        kinds: &["psp"],
        base_path: "/stripe",
        credentials: stripe::sandbox_credentials,
    },
    Vendor {
        name: "mollie",
        kinds: &["psp"],
        base_path: "/mollie",
        credentials: mollie::sandbox_credentials,
    },
    Vendor {
        name: "sumup",
        kinds: &["psp", "pos"],
        base_path: "/sumup",
        credentials: sumup::sandbox_credentials,
    },
    Vendor {
        name: "adyen",
        kinds: &["psp"],
        base_path: "/adyen/v71",
        credentials: adyen::sandbox_credentials,
    },
    Vendor {
        name: "payone",
        kinds: &["psp"],
        base_path: "/payone",
        credentials: payone::sandbox_credentials,
    },
    Vendor {
        name: "payabl",
        kinds: &["psp"],
        base_path: "/payabl",
        credentials: payabl::sandbox_credentials,
    },
    Vendor {
        name: "unzer",
        kinds: &["psp"],
        base_path: "/unzer/v1",
        credentials: unzer::sandbox_credentials,
    },
    Vendor {
        name: "sevdesk",
        kinds: &["erp"],
        base_path: "/sevdesk/api/v1",
        credentials: sevdesk::sandbox_credentials,
    },
    Vendor {
        name: "xentral",
        kinds: &["erp"],
        base_path: "/xentral",
        credentials: xentral::sandbox_credentials,
    },
    Vendor {
        name: "sap",
        kinds: &["erp"],
        base_path: "/sap/b1s/v1",
        credentials: sap::sandbox_credentials,
    },
    Vendor {
        name: "lexoffice",
        kinds: &["erp"],
        base_path: "/lexoffice/v1",
        credentials: lexoffice::sandbox_credentials,
    },
    Vendor {
        name: "generic",
        kinds: &["pos", "erp"],
        base_path: "/generic",
        credentials: generic::sandbox_credentials,
    },
];

/// Where custom connectors may go in Test Mode: an echo service (any path, any method).
pub const ECHO_PATH: &str = "/echo";

pub struct Sandbox {
    pub addr: SocketAddr,
    urls: BTreeMap<String, String>,
    recorders: BTreeMap<String, Recorder>,
    outages: BTreeMap<String, Outage>,
}

/// An outage armed on one simulator: the next `times` requests whose path and query
/// contain `matching` answer 503, whatever the vendor. Tests use it to interrupt a run
/// at a later page of any vendor (`Sandbox::interrupt`).
type Outage = Arc<Mutex<Option<(String, u32)>>>;

/// One request that reached a vendor's simulator, as the connector sent it: lets tests
/// check connectors' requests against the vendor's published API description.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RecordedRequest {
    pub method: String,
    /// Relative to the vendor's mount: `/v1/payment_intents`, not `/stripe/v1/…`.
    pub path: String,
    /// The raw query string, without `?` (empty when none).
    pub query: String,
    pub content_type: Option<String>,
    /// The body as sent (lossy UTF-8: every simulated API speaks text).
    pub body: String,
}

/// Every request a vendor's simulator received, in order (`/_sim/` hooks excepted).
type Recorder = Arc<Mutex<Vec<RecordedRequest>>>;

/// The largest body recorded (and passed on) for a simulator request.
const RECORD_LIMIT: usize = 16 << 20;

/// Wraps a simulator's router so that what reaches it is recorded (and an armed outage
/// answers instead).
fn recording(name: &str, recorder: &Recorder, outage: &Outage, router: Router) -> Router {
    let state = (format!("/{name}"), recorder.clone(), outage.clone());
    router.layer(axum::middleware::from_fn_with_state(state, record))
}

async fn record(
    axum::extract::State((mount, recorder, outage)): axum::extract::State<(
        String,
        Recorder,
        Outage,
    )>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path();
    let path = path
        .strip_prefix(mount.as_str())
        .unwrap_or(path)
        .to_string();
    if path.contains("/_sim/") {
        return next.run(req).await;
    }
    {
        let target = format!("{path}?{}", req.uri().query().unwrap_or_default());
        let mut armed = outage.lock().unwrap();
        if let Some((matching, times)) = armed.as_mut()
            && target.contains(matching.as_str())
        {
            *times -= 1;
            if *times == 0 {
                *armed = None;
            }
            return (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "simulated outage",
            )
                .into_response();
        }
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, RECORD_LIMIT).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, e.to_string()).into_response();
        }
    };
    recorder.lock().unwrap().push(RecordedRequest {
        method: parts.method.to_string(),
        path,
        query: parts.uri.query().unwrap_or_default().to_string(),
        content_type: parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    });
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

impl Sandbox {
    /// Binds 127.0.0.1 on an ephemeral port (or `addr`) and serves every simulator.
    /// `overrides` maps a vendor name to an external URL that replaces its simulator.
    pub async fn start(
        addr: SocketAddr,
        overrides: &BTreeMap<String, String>,
    ) -> anyhow::Result<Sandbox> {
        let recorders: BTreeMap<String, Recorder> = VENDORS
            .iter()
            .map(|v| (v.name.to_string(), Recorder::default()))
            .collect();
        let outages: BTreeMap<String, Outage> = VENDORS
            .iter()
            .map(|v| (v.name.to_string(), Outage::default()))
            .collect();
        let rec =
            |name: &str, router: Router| recording(name, &recorders[name], &outages[name], router);
        let router = Router::new()
            .nest(
                "/korona",
                rec("korona", korona::router(korona::KoronaSim::new())),
            )
            .nest(
                "/lightspeed",
                rec(
                    "lightspeed",
                    lightspeed::router(lightspeed::LightspeedSim::new()),
                ),
            )
            .nest(
                "/vectron",
                rec("vectron", vectron::router(vectron::VectronSim::new())),
            )
            .nest(
                "/stripe",
                rec("stripe", stripe::router(stripe::StripeSim::new())),
            )
            .nest(
                "/mollie",
                rec("mollie", mollie::router(mollie::MollieSim::new())),
            )
            .nest(
                "/adyen",
                rec("adyen", adyen::router(adyen::AdyenSim::new())),
            )
            .nest(
                "/payone",
                rec("payone", payone::router(payone::PayoneSim::new())),
            )
            .nest(
                "/payabl",
                rec("payabl", payabl::router(payabl::PayablSim::new())),
            )
            .nest("/sap", rec("sap", sap::router(sap::SapSim::new())))
            .nest(
                "/sevdesk",
                rec("sevdesk", sevdesk::router(sevdesk::SevdeskSim::new())),
            )
            .nest(
                "/sumup",
                rec("sumup", sumup::router(sumup::SumupSim::new())),
            )
            .nest(
                "/unzer",
                rec("unzer", unzer::router(unzer::UnzerSim::new())),
            )
            .nest(
                "/xentral",
                rec("xentral", xentral::router(xentral::XentralSim::new())),
            )
            .nest(
                "/lexoffice",
                rec(
                    "lexoffice",
                    lexoffice::router(lexoffice::LexofficeSim::new()),
                ),
            )
            .nest(
                "/casio",
                rec("casio", casio::router(casio::CasioSim::new())),
            )
            .nest(
                "/generic",
                rec("generic", generic::router(generic::GenericSim::new())),
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
        Ok(Sandbox {
            addr,
            urls,
            recorders,
            outages,
        })
    }

    /// Every request `vendor`'s simulator has received so far (`/_sim/` hooks excepted).
    pub fn recorded(&self, vendor: &str) -> Vec<RecordedRequest> {
        self.recorders
            .get(vendor)
            .map(|r| r.lock().unwrap().clone())
            .unwrap_or_default()
    }

    /// Arms an outage on `vendor`'s simulator: its next `times` requests whose path and
    /// query contain `matching` answer 503.
    pub fn interrupt(&self, vendor: &str, matching: &str, times: u32) {
        if let Some(outage) = self.outages.get(vendor) {
            *outage.lock().unwrap() = Some((matching.to_string(), times));
        }
    }

    /// The base URL Test Mode uses for `vendor`.
    pub fn url(&self, vendor: &str) -> Option<&str> {
        self.urls.get(vendor).map(String::as_str)
    }

    /// What `GET /api/v1/sandbox` shows.
    pub fn listing(&self) -> Listing {
        let vendors = VENDORS
            .iter()
            .flat_map(|v| {
                v.kinds.iter().map(|kind| SimulatedVendor {
                    system: v.name.to_string(),
                    kind: kind.to_string(),
                    base_url: self.url(v.name).unwrap_or_default().to_string(),
                    credentials: (v.credentials)(),
                })
            })
            .collect();
        Listing {
            success: true,
            vendors,
            echo_url: self.url("echo").unwrap_or_default().to_string(),
        }
    }
}

/// `GET /api/v1/sandbox`: what Test Mode simulates and how to reach it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    pub success: bool,
    pub vendors: Vec<SimulatedVendor>,
    /// Where custom connectors' requests go in Test Mode.
    pub echo_url: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimulatedVendor {
    pub system: String,
    /// `pos`, `erp` or `psp`.
    pub kind: String,
    pub base_url: String,
    /// Credentials that work against the simulator.
    #[schema(value_type = Object)]
    pub credentials: serde_json::Value,
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
    /// Answers after `ms` milliseconds (at most a minute): a slow upstream.
    async fn slow(Path(ms): Path<u64>) -> &'static str {
        tokio::time::sleep(std::time::Duration::from_millis(ms.min(60_000))).await;
        "late"
    }
    /// A body that never ends.
    async fn endless() -> axum::body::Body {
        let chunk = bytes::Bytes::from(vec![b'x'; 64 << 10]);
        axum::body::Body::from_stream(futures::stream::repeat_with(move || {
            Ok::<_, std::convert::Infallible>(chunk.clone())
        }))
    }
    Router::new()
        .route("/bytes/{n}", axum::routing::get(bytes))
        .route("/slow/{ms}", axum::routing::get(slow))
        .route("/endless", axum::routing::get(endless))
        .fallback(echo)
}
