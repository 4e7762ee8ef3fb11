//! The connectors this server can run: the bundled ones (built into the binary) and
//! operator-installed ones from a directory. What each may reach is `policy.rs`'s.

use crate::runtime::bindings::types::ConnectorKind;
use crate::runtime::{Connector, Runtime};
use anyhow::Context as _;
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
