//! Custom connectors uploaded by merchants: checked before anything is stored (size,
//! a valid component, exactly one BEEP! world, imports the host provides, a describe()
//! that matches the manifest), stored by SHA-256, and granted only the hosts the
//! merchant approves.

use crate::app::App;
use crate::connectors::kind_name;
use crate::db::{
    self,
    connectors::{Insert, Uploaded},
    merchants::Caller,
};
use crate::error::Failure;
use crate::runtime::grant::Origin;
use crate::runtime::{Connector, LoadError};

/// Largest component accepted (Python components are tens of MiB).
pub const MAX_COMPONENT_BYTES: usize = 64 << 20;

/// What one merchant may keep uploaded (both modes together).
#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub connectors: i64,
    pub bytes: i64,
}

impl Default for Quota {
    fn default() -> Self {
        Quota {
            connectors: 100,
            bytes: 512 << 20,
        }
    }
}

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    /// pos, erp or psp; must match the world the component exports.
    pub kind: String,
    /// Outbound origins the connector requests, e.g. "https://api.example.com".
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The requested hosts the merchant approves now (the grant); more can be approved later.
    #[serde(default)]
    pub approve_hosts: Vec<String>,
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::invalid("invalid_component", message)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Strict SemVer 2.0 (pre-release and build identifiers only of `0-9A-Za-z-.`): the
/// version becomes part of the connector's name in the audit and the metrics.
fn valid_version(version: &str) -> bool {
    version.len() <= 64 && semver::Version::parse(version).is_ok()
}

/// The checks, without storing anything: what `beep connector check` runs too.
pub async fn check(
    app: &App,
    bytes: &[u8],
    manifest: Option<&Manifest>,
) -> Result<Connector, Failure> {
    if bytes.len() > MAX_COMPONENT_BYTES {
        return Err(Failure::TooLarge(format!(
            "the component is {} bytes; the limit is {MAX_COMPONENT_BYTES}",
            bytes.len()
        )));
    }
    let connector = app
        .runtime
        .load_within(bytes, app.settings.compile_deadline)
        .await
        .map_err(|e| match e {
            LoadError::Invalid(_) => Failure::invalid("invalid_component", e.to_string()),
            LoadError::World(_) => Failure::invalid("wrong_world", e.to_string()),
            LoadError::Imports(_) => Failure::invalid("unsatisfiable_import", e.to_string()),
            LoadError::Describe(_) => Failure::invalid("describe_failed", e.to_string()),
            LoadError::TooCostly(_) => Failure::Rejected {
                code: "compile_budget_exceeded",
                message: e.to_string(),
            },
        })?;
    if let Some(m) = manifest {
        if m.name != connector.info.name {
            return Err(invalid(format!(
                "the manifest names {:?} but describe() says {:?}",
                m.name, connector.info.name
            )));
        }
        let kind = kind_name(connector.kind());
        if m.kind != kind {
            return Err(Failure::invalid(
                "wrong_world",
                format!(
                    "the manifest says kind {} but the component exports the {kind} world",
                    m.kind
                ),
            ));
        }
    }
    Ok(connector)
}

fn check_manifest(m: &Manifest) -> Result<(), Failure> {
    if !valid_name(&m.name) {
        return Err(Failure::invalid(
            "invalid_manifest",
            "name: 1 to 64 of a-z, 0-9 and -",
        ));
    }
    if !valid_version(&m.version) {
        return Err(Failure::invalid(
            "invalid_manifest",
            format!(
                "version {:?} is not semantic (MAJOR.MINOR.PATCH)",
                m.version
            ),
        ));
    }
    for host in &m.hosts {
        Origin::parse(host)
            .map_err(|e| Failure::invalid("invalid_manifest", format!("hosts: {e}")))?;
    }
    for host in &m.approve_hosts {
        if !m.hosts.contains(host) {
            return Err(Failure::invalid(
                "invalid_manifest",
                format!("approveHosts: {host} is not among the requested hosts"),
            ));
        }
    }
    Ok(())
}

pub async fn upload(
    app: &App,
    caller: &Caller,
    manifest: Manifest,
    bytes: Vec<u8>,
) -> Result<Uploaded, Failure> {
    check_manifest(&manifest)?;
    if app.registry.entries().any(|e| e.id == manifest.name) {
        return Err(Failure::conflict(
            "name_taken",
            format!(
                "{} is the name of a bundled or installed connector",
                manifest.name
            ),
        ));
    }
    let quota = app.settings.upload_quota;
    let (count, used) = db::connectors::usage(&app.db, &caller.merchant_id).await?;
    if count >= quota.connectors || used + bytes.len() as i64 > quota.bytes {
        return Err(Failure::Rejected {
            code: "quota_exceeded",
            message: format!(
                "this merchant keeps {count} connectors ({used} bytes); the quota is {} connectors and {} bytes: delete unused versions first",
                quota.connectors, quota.bytes
            ),
        });
    }
    let connector = check(app, &bytes, Some(&manifest)).await?;
    let row = Uploaded {
        connector_id: db::new_id(),
        name: manifest.name,
        version: manifest.version,
        kind: kind_name(connector.kind()).to_string(),
        contract: connector.contract.clone(),
        sha256: connector.sha256.clone(),
        size: bytes.len() as i64,
        requested_hosts: manifest.hosts,
        approved_hosts: manifest.approve_hosts,
        created_at: 0,
    };
    match db::connectors::insert(&app.db, &caller.merchant_id, caller.mode, &row, &bytes).await? {
        Insert::Created(row) => Ok(row),
        Insert::Exists(id) => Err(Failure::conflict(
            "version_exists",
            format!(
                "{}@{} is already uploaded as {id}; upload a new version",
                row.name, row.version
            ),
        )),
    }
}

pub async fn find(app: &App, caller: &Caller, reference: &str) -> Result<Uploaded, Failure> {
    db::connectors::find(&app.db, &caller.merchant_id, caller.mode, reference)
        .await?
        .ok_or_else(|| {
            Failure::not_found(
                "unknown_connector",
                format!("unknown connector {reference:?}"),
            )
        })
}

/// Approves (and revokes) requested hosts: the grant changes from the next call on.
pub async fn set_grants(
    app: &App,
    caller: &Caller,
    reference: &str,
    approve: &[String],
    revoke: &[String],
) -> Result<Uploaded, Failure> {
    let mut row = find(app, caller, reference).await?;
    for host in approve {
        if !row.requested_hosts.contains(host) {
            return Err(Failure::invalid(
                "invalid_grant",
                format!("{host} is not among the hosts {} requests", row.name),
            ));
        }
        if !row.approved_hosts.contains(host) {
            row.approved_hosts.push(host.clone());
        }
    }
    row.approved_hosts.retain(|h| !revoke.contains(h));
    db::connectors::set_approved(&app.db, &row.connector_id, &row.approved_hosts).await?;
    Ok(row)
}

pub async fn delete(app: &App, caller: &Caller, reference: &str) -> Result<(), Failure> {
    let row = find(app, caller, reference).await?;
    let users = db::connectors::users(&app.db, &caller.merchant_id, caller.mode, &row).await?;
    if !users.is_empty() {
        return Err(Failure::conflict(
            "connector_in_use",
            format!(
                "stores {} use {}@{}; configure them otherwise first",
                users.join(", "),
                row.name,
                row.version
            ),
        ));
    }
    db::connectors::delete(&app.db, &row.connector_id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions() {
        assert!(valid_name("my-erp-2"));
        assert!(!valid_name("My ERP"));
        assert!(!valid_name(""));
        assert!(valid_version("1.2.3"));
        assert!(valid_version("0.1.0-beta.1"));
        assert!(!valid_version("1.2"));
        assert!(!valid_version("v1.2.3"));
        assert!(!valid_version("1.0.0-\"}x"));
        assert!(!valid_version("1.0.0-a b"));
        assert!(!valid_version("01.0.0"));
    }
}
