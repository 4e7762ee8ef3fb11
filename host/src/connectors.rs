//! The connectors this server can run: the bundled ones (built into the binary) and
//! operator-installed ones from a directory. Also builds each call's grant.

use crate::db::merchants::Mode;
use crate::runtime::bindings::types::ConnectorKind;
use crate::runtime::grant::{AddressPolicy, Grant, Origin};
use crate::runtime::{Connector, Runtime};
use anyhow::Context as _;
use beep_sandbox::Sandbox;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// Where a connector came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Bundled,
    /// From the operator's connectors directory.
    Installed,
    /// Uploaded by a merchant through the API.
    Uploaded,
}

#[derive(Clone)]
pub struct Entry {
    /// `korona` for bundled connectors; the installed component's name otherwise.
    pub id: String,
    pub source: Source,
    pub connector: Arc<Connector>,
    /// The hosts the grant may include: declared ones, or for an uploaded connector
    /// the ones its merchant approved.
    pub hosts: Vec<String>,
    /// What a store's configuration keeps to name exactly this connector: the id for
    /// bundled and installed ones, the upload's own id (one name@version of one mode)
    /// for uploaded ones. A later upload never replaces a pinned one.
    pub pin: String,
}

#[derive(Default)]
pub struct Registry {
    /// By id.
    entries: BTreeMap<String, Entry>,
    /// Uploaded components loaded so far, by SHA-256 (the compiled code is shared by
    /// every merchant who uploaded the same bytes; grants are not). One cell per hash:
    /// a compile holds only its own hash, never the map.
    uploaded: std::sync::Mutex<
        std::collections::HashMap<String, Arc<tokio::sync::OnceCell<Arc<Connector>>>>,
    >,
}

pub fn kind_name(kind: ConnectorKind) -> &'static str {
    match kind {
        ConnectorKind::Pos => "pos",
        ConnectorKind::Erp => "erp",
        ConnectorKind::Psp => "psp",
    }
}

#[derive(Debug)]
pub enum Resolve {
    UnknownSystem(String),
    UnknownConnector(String),
    WrongKind {
        id: String,
        expected: &'static str,
        actual: &'static str,
    },
    ConnectorIdRequired,
}

impl std::fmt::Display for Resolve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resolve::UnknownSystem(s) => write!(f, "unknown system {s:?}"),
            Resolve::UnknownConnector(id) => write!(f, "unknown connector {id:?}"),
            Resolve::WrongKind {
                id,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "connector {id:?} is a {actual} connector, not {expected}"
                )
            }
            Resolve::ConnectorIdRequired => write!(f, "system \"custom\" needs a connectorId"),
        }
    }
}

impl Registry {
    /// Loads every bundled connector and every `*.wasm` in `installed_dir`.
    pub async fn load(runtime: &Runtime, installed_dir: Option<&Path>) -> anyhow::Result<Registry> {
        let mut registry = Registry::default();
        for (crate_name, bytes) in bundled::BUNDLED {
            let connector = runtime
                .load(bytes)
                .await
                .with_context(|| format!("loading bundled connector {crate_name}"))?;
            registry.insert(connector, Source::Bundled);
        }
        if let Some(dir) = installed_dir {
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .with_context(|| format!("reading {}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
                .collect();
            files.sort();
            for path in files {
                let bytes = std::fs::read(&path)?;
                match runtime.load(&bytes).await {
                    Ok(connector) => registry.insert(connector, Source::Installed),
                    Err(e) => tracing::warn!("skipping {}: {e:#}", path.display()),
                }
            }
        }
        Ok(registry)
    }

    fn insert(&mut self, connector: Connector, source: Source) {
        let id = connector.info.name.clone();
        self.entries.insert(
            id.clone(),
            Entry {
                pin: id.clone(),
                id,
                source,
                hosts: connector.info.hosts.clone(),
                connector: Arc::new(connector),
            },
        );
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// An operator-installed connector by id.
    pub fn installed(&self, id: &str) -> Option<Entry> {
        self.entries
            .get(id)
            .filter(|e| e.source == Source::Installed)
            .cloned()
    }

    /// An uploaded component, compiled once per replica (and cached on disk by hash).
    pub async fn uploaded(
        &self,
        runtime: &Runtime,
        sha256: &str,
        bytes: impl AsyncFnOnce() -> anyhow::Result<Vec<u8>>,
    ) -> anyhow::Result<Arc<Connector>> {
        let cell = self
            .uploaded
            .lock()
            .unwrap()
            .entry(sha256.to_string())
            .or_default()
            .clone();
        cell.get_or_try_init(async || anyhow::Ok(Arc::new(runtime.load(&bytes().await?).await?)))
            .await
            .cloned()
    }

    /// The connector for `system` (bundled) or, for `custom`, the one named by `connector_id`.
    pub fn resolve(
        &self,
        kind: ConnectorKind,
        system: &str,
        connector_id: Option<&str>,
    ) -> Result<Entry, Resolve> {
        let entry = if system == "custom" {
            let id = connector_id.ok_or(Resolve::ConnectorIdRequired)?;
            self.entries
                .get(id)
                .filter(|e| e.source == Source::Installed)
                .ok_or_else(|| Resolve::UnknownConnector(id.to_string()))?
        } else {
            self.entries
                .values()
                .find(|e| {
                    e.source == Source::Bundled
                        && e.connector.kind() == kind
                        && e.connector.info.systems.iter().any(|s| s == system)
                })
                .ok_or_else(|| Resolve::UnknownSystem(system.to_string()))?
        };
        if entry.connector.kind() != kind {
            return Err(Resolve::WrongKind {
                id: entry.id.clone(),
                expected: kind_name(kind),
                actual: kind_name(entry.connector.kind()),
            });
        }
        Ok(entry.clone())
    }
}

/// Why a configuration cannot be granted.
#[derive(Debug)]
pub struct GrantError(pub String);

/// The grant for one call and the config the connector sees. In Test Mode the
/// connector is pointed at its simulator (`baseUrl`) and may reach nothing else; in live
/// mode it may reach its declared hosts, narrowed to the store's `baseUrl` if set.
pub fn grant_for(
    entry: &Entry,
    mode: Mode,
    sandbox: &Sandbox,
    config: &mut serde_json::Value,
) -> Result<Grant, GrantError> {
    let Some(object) = config.as_object_mut() else {
        return Err(GrantError("credentials must be a JSON object".into()));
    };
    match mode {
        Mode::Test => {
            // An installed connector reaches the echo service, unless its config names
            // a simulated vendor (`"sandbox": "korona"`): then it is pointed at that
            // vendor's simulator, like the bundled connector for that vendor.
            let vendor: String = match entry.source {
                // A bundled connector reaches the simulator of the system it serves
                // (`sumup-pos` and the PSP share SumUp's; both generic ones share one).
                Source::Bundled => entry
                    .connector
                    .info
                    .systems
                    .first()
                    .cloned()
                    .unwrap_or_else(|| entry.id.clone()),
                Source::Installed | Source::Uploaded => match object.get("sandbox") {
                    None | Some(serde_json::Value::Null) => "echo".into(),
                    Some(serde_json::Value::String(name))
                        if name == "echo"
                            || beep_sandbox::VENDORS.iter().any(|v| v.name == name) =>
                    {
                        name.clone()
                    }
                    Some(other) => {
                        let known: Vec<&str> =
                            beep_sandbox::VENDORS.iter().map(|v| v.name).collect();
                        return Err(GrantError(format!(
                            "sandbox {other} is not a simulated vendor (one of {}, or echo)",
                            known.join(", ")
                        )));
                    }
                },
            };
            let vendor = vendor.as_str();
            let url = sandbox
                .url(vendor)
                .ok_or_else(|| GrantError(format!("no Test Mode simulator for {vendor}")))?;
            let origin = Origin::parse(url).map_err(GrantError)?;
            object.insert("baseUrl".into(), serde_json::Value::String(url.to_string()));
            Ok(Grant {
                origins: vec![origin],
                https_only: false,
                addresses: AddressPolicy::Any,
            })
        }
        Mode::Live => {
            let declared: Vec<Origin> = entry
                .hosts
                .iter()
                .filter_map(|h| Origin::parse(h).ok())
                .collect();
            // A bundled connector that declares no hosts (generic, casio) speaks to the
            // merchant's own server: its grant is that store's baseUrl, under the same
            // public-HTTPS-only address checks as every other live call.
            let merchant_server = entry.source == Source::Bundled && entry.hosts.is_empty();
            let origins = match object.get("baseUrl") {
                None if merchant_server => {
                    return Err(GrantError(format!(
                        "{} talks to your own server: the credentials need its baseUrl \
                         (public HTTPS)",
                        entry.id
                    )));
                }
                None => declared,
                Some(serde_json::Value::String(url)) => {
                    let base =
                        Origin::parse(url).map_err(|e| GrantError(format!("baseUrl: {e}")))?;
                    if !merchant_server && !declared.iter().any(|d| d.covers(&base)) {
                        return Err(GrantError(format!(
                            "baseUrl {url} is not one of the hosts {} declares ({})",
                            entry.id,
                            entry.hosts.join(", ")
                        )));
                    }
                    vec![base]
                }
                Some(_) => return Err(GrantError("baseUrl must be a string".into())),
            };
            Ok(Grant {
                origins,
                https_only: true,
                addresses: AddressPolicy::PublicOnly,
            })
        }
    }
}
