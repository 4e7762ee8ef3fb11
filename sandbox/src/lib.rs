//! Test Mode: simulators that speak each vendor's real API, served on loopback.
//!
//! One listener serves every simulator under its own prefix (`/korona/…`, `/stripe/…`).
//! Each vendor's URL can be overridden (flag or environment) to point Test Mode at an
//! external mock server of that vendor instead.

pub mod adyen;
pub mod casio;
pub mod generic;
pub mod kit;
pub mod korona;
pub mod lexoffice;
pub mod lightspeed;
pub mod mollie;
pub mod partitions;
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
use kit::fault::Outage;
use kit::record::{Recorder, recording};
use std::collections::BTreeMap;
use std::net::SocketAddr;

pub use kit::record::RecordedRequest;

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
    /// A PSP's test payment tokens and what each does (none for POS and ERP vendors).
    pub tokens: &'static [kit::tokens::TestToken],
}

pub const VENDORS: &[Vendor] = &[
    Vendor {
        name: "korona",
        kinds: &["pos"],
        base_path: "/korona/web/api/v3",
        credentials: korona::sandbox_credentials,
        tokens: &[],
    },
    Vendor {
        name: "casio",
        kinds: &["pos"],
        base_path: "/casio",
        credentials: casio::sandbox_credentials,
        tokens: &[],
    },
    Vendor {
        name: "lightspeed",
        kinds: &["pos"],
        base_path: "/lightspeed",
        credentials: lightspeed::sandbox_credentials,
        tokens: &[],
    },
    Vendor {
        name: "vectron",
        kinds: &["pos"],
        base_path: "/vectron/business-data-api",
        credentials: vectron::sandbox_credentials,
        tokens: &[],
    },
    Vendor {
        name: "stripe",
        kinds: &["psp"],
        base_path: "/stripe",
        credentials: stripe::sandbox_credentials,
        tokens: stripe::TEST_TOKENS,
    },
    Vendor {
        name: "mollie",
        kinds: &["psp"],
        base_path: "/mollie",
        credentials: mollie::sandbox_credentials,
        tokens: mollie::TEST_TOKENS,
    },
    Vendor {
        name: "sumup",
        kinds: &["psp", "pos"],
        base_path: "/sumup",
        credentials: sumup::sandbox_credentials,
        tokens: sumup::TEST_TOKENS,
    },
    Vendor {
        name: "adyen",
        kinds: &["psp"],
        base_path: "/adyen/v71",
        credentials: adyen::sandbox_credentials,
        tokens: adyen::TEST_TOKENS,
    },
    Vendor {
        name: "payone",
        kinds: &["psp"],
        base_path: "/payone",
        credentials: payone::sandbox_credentials,
        tokens: payone::TEST_TOKENS,
    },
    Vendor {
        name: "payabl",
        kinds: &["psp"],
        base_path: "/payabl",
        credentials: payabl::sandbox_credentials,
        tokens: payabl::TEST_TOKENS,
    },
    Vendor {
        name: "unzer",
        kinds: &["psp"],
        base_path: "/unzer/v1",
        credentials: unzer::sandbox_credentials,
        tokens: unzer::TEST_TOKENS,
    },
    Vendor {
        name: "sevdesk",
        kinds: &["erp"],
        base_path: "/sevdesk/api/v1",
        credentials: sevdesk::sandbox_credentials,
        tokens: &[],
    },
    Vendor {
        name: "xentral",
        kinds: &["erp"],
        base_path: "/xentral",
        credentials: xentral::sandbox_credentials,
        tokens: &[],
    },
    Vendor {
        name: "sap",
        kinds: &["erp"],
        base_path: "/sap/b1s/v1",
        credentials: sap::sandbox_credentials,
        tokens: &[],
    },
    Vendor {
        name: "lexoffice",
        kinds: &["erp"],
        base_path: "/lexoffice/v1",
        credentials: lexoffice::sandbox_credentials,
        tokens: &[],
    },
    Vendor {
        name: "generic",
        kinds: &["pos", "erp"],
        base_path: "/generic",
        credentials: generic::sandbox_credentials,
        tokens: &[],
    },
];

/// Where custom connectors may go in Test Mode: an echo service (any path, any method).
pub const ECHO_PATH: &str = "/echo";

pub struct Sandbox {
    pub addr: SocketAddr,
    /// Where the simulators are served: this process's listener, or a shared `beep
    /// sandbox` process's.
    root: String,
    /// Vendors pointed at an external mock server instead of a simulator.
    overrides: BTreeMap<String, String>,
    recorders: BTreeMap<String, Recorder>,
    outages: BTreeMap<String, Outage>,
}

impl Sandbox {
    /// Binds 127.0.0.1 on an ephemeral port (or `addr`) and serves every simulator.
    /// `shared` names another process's sandbox (`beep sandbox`) to use instead of this
    /// one's; `overrides` maps a vendor name to an external URL that replaces its
    /// simulator.
    pub async fn start(
        addr: SocketAddr,
        shared: Option<&str>,
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
        let build = {
            let (recorders, outages) = (recorders.clone(), outages.clone());
            move || simulators(&recorders, &outages)
        };
        let router = build()
            .nest(ECHO_PATH, echo_router())
            .merge(partitions::router(build));
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
        let root = match shared {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{addr}"),
        };
        let overrides = overrides
            .iter()
            .map(|(vendor, url)| (vendor.clone(), url.trim_end_matches('/').to_string()))
            .collect();
        Ok(Sandbox {
            addr,
            root,
            overrides,
            recorders,
            outages,
        })
    }

    /// Starts recording what every simulator receives (tests that hold connectors'
    /// requests against a vendor's API description ask for it; nothing is recorded
    /// otherwise).
    pub fn record(&self) {
        self.recorders.values().for_each(|r| r.set(true));
    }

    /// The requests `vendor`'s simulators (every partition's) received since
    /// [`Sandbox::record`] (`/_sim/` hooks excepted).
    pub fn recorded(&self, vendor: &str) -> Vec<RecordedRequest> {
        self.recorders
            .get(vendor)
            .map(Recorder::requests)
            .unwrap_or_default()
    }

    /// Arms an outage on `vendor`'s simulators: their next `times` requests whose path
    /// and query contain `matching` answer 503.
    pub fn interrupt(&self, vendor: &str, matching: &str, times: u32) {
        if let Some(outage) = self.outages.get(vendor) {
            let fault = kit::fault::Fault {
                path: Some(matching.to_string()),
                ..kit::fault::Fault::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, times)
            };
            outage.lock().unwrap().arm(fault);
        }
    }

    /// The base URL of `vendor`'s simulator shared by whoever uses no partition (`beep
    /// connector run`, the simulators' own tests), or the echo service's.
    pub fn url(&self, vendor: &str) -> Option<String> {
        self.url_for(vendor, None)
    }

    /// The base URL of `vendor`'s simulator in `partition`'s own set of simulators (a
    /// test merchant's: its state and `/_sim/` hooks are that partition's alone), or
    /// with no partition the shared one. `None` for an unknown vendor or a partition
    /// name that is not URL-safe.
    pub fn url_for(&self, vendor: &str, partition: Option<&str>) -> Option<String> {
        let prefix = match partition {
            Some(partition) if !partitions::valid(partition) => return None,
            Some(partition) => partitions::prefix(partition),
            None => String::new(),
        };
        if let Some(url) = self.overrides.get(vendor) {
            return Some(url.clone());
        }
        if vendor == "echo" {
            return Some(format!("{}{ECHO_PATH}", self.root));
        }
        let base = VENDORS.iter().find(|v| v.name == vendor)?.base_path;
        Some(format!("{}{prefix}{base}", self.root))
    }
}

/// One set of every simulator, each recorded (when asked) and interruptible.
fn simulators(
    recorders: &BTreeMap<String, Recorder>,
    outages: &BTreeMap<String, Outage>,
) -> Router {
    let rec =
        |name: &str, router: Router| recording(name, &recorders[name], &outages[name], router);
    Router::new()
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
    /// One piece of body, then nothing more, ever: an upstream that stalls mid-answer.
    async fn stall() -> axum::body::Body {
        let first = futures::stream::once(async {
            Ok::<_, std::convert::Infallible>(bytes::Bytes::from_static(b"{\"partial\":"))
        });
        axum::body::Body::from_stream(first.chain(futures::stream::pending()))
    }
    use futures::StreamExt as _;
    Router::new()
        .route("/bytes/{n}", axum::routing::get(bytes))
        .route("/stall", axum::routing::get(stall))
        .route("/slow/{ms}", axum::routing::get(slow))
        .route("/endless", axum::routing::get(endless))
        .fallback(echo)
}
