//! The egress policy: what one call may reach, decided in one place.
//!
//! [`reach`] turns what the connector declares (its hosts, or for an upload the hosts
//! its merchant approved), what the store's installation says (`baseUrl`, and in Test
//! Mode which simulator an installed connector stands in for) and where the call runs
//! into a [`Grant`]. The server (`calls.rs`) and `beep connector run` (`partner.rs`)
//! both call it; the egress hook (`runtime/egress.rs`) enforces the grant on every
//! request. The credentials are read, never rewritten: the connector is told where to
//! send (`baseUrl`) by [`Reach::config`], which is not what it may reach.

use crate::connectors::{Entry, Source};
use crate::db::merchants::Mode;
use crate::runtime::grant::{AddressPolicy, Grant, Origin};
use beep_sandbox::Sandbox;
use serde_json::Value;

/// Where a call runs.
#[derive(Clone, Copy)]
pub enum Environment<'a> {
    /// Test Mode: one simulator (or the echo service), nothing else: in `partition`'s
    /// own set of simulators (a merchant's), or the shared one.
    Test {
        sandbox: &'a Sandbox,
        partition: Option<&'a str>,
    },
    /// Live mode: declared (or approved) hosts, public HTTPS only.
    Live,
    /// `beep connector run --url`: exactly the URL a developer names, on their machine.
    Workbench(&'a str),
}

impl<'a> Environment<'a> {
    /// The environment a caller's mode runs in on this server: a test merchant reaches
    /// only its own simulators.
    pub fn of(mode: Mode, merchant_id: &'a str, sandbox: &'a Sandbox) -> Self {
        match mode {
            Mode::Test => Environment::Test {
                sandbox,
                partition: Some(merchant_id),
            },
            Mode::Live => Environment::Live,
        }
    }
}

/// What the policy knows about a connector.
pub struct Declared<'a> {
    pub id: &'a str,
    pub source: Source,
    /// Declared hosts; for an uploaded connector the ones its merchant approved.
    pub hosts: &'a [String],
    /// The system a bundled connector serves: its simulator in Test Mode.
    pub system: Option<&'a str>,
}

impl<'a> Declared<'a> {
    pub fn of(entry: &'a Entry) -> Self {
        Declared {
            id: &entry.id,
            source: entry.source,
            hosts: &entry.hosts,
            system: entry.connector.info.systems.first().map(String::as_str),
        }
    }
}

/// What a store's installation says about where its connector goes.
#[derive(Default)]
pub struct Installation<'a> {
    /// The store's own server or vendor tenant (`baseUrl`).
    pub base_url: Option<&'a str>,
    /// Test Mode only: the simulated vendor an installed or uploaded connector stands
    /// in for (`"sandbox": "korona"`); without it such a connector reaches the echo
    /// service.
    pub sandbox: Option<&'a str>,
}

impl<'a> Installation<'a> {
    /// Reads `baseUrl` and `sandbox` from the credentials a store configured.
    pub fn of(credentials: &'a Value) -> Result<Self, Refused> {
        let Some(object) = credentials.as_object() else {
            return Err(Refused("credentials must be a JSON object".into()));
        };
        let text = |key: &str| match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(Refused(format!("{key} must be a string"))),
        };
        Ok(Installation {
            base_url: text("baseUrl")?,
            sandbox: text("sandbox")?,
        })
    }
}

/// Why a call cannot be granted (shown to the caller).
#[derive(Debug)]
pub struct Refused(pub String);

/// The policy's decision for one call.
#[derive(Debug)]
pub struct Reach {
    pub grant: Grant,
    /// Where the connector is pointed when the environment decides it (the simulator,
    /// the workbench URL); `None` leaves the installation's `baseUrl` as it is.
    pub base_url: Option<String>,
}

impl Reach {
    /// The config JSON the connector receives: the credentials, with `baseUrl` set to
    /// where the environment points it.
    pub fn config(&self, credentials: &Value) -> String {
        match (&self.base_url, credentials) {
            (Some(url), Value::Object(object)) => {
                let mut object = object.clone();
                object.insert("baseUrl".into(), Value::String(url.clone()));
                Value::Object(object).to_string()
            }
            _ => credentials.to_string(),
        }
    }
}

/// The one decision of what a call may reach.
pub fn reach(
    connector: &Declared,
    installation: &Installation,
    environment: Environment,
) -> Result<Reach, Refused> {
    match environment {
        Environment::Test { sandbox, partition } => {
            let vendor = simulated_vendor(connector, installation)?;
            let url = sandbox
                .url_for(vendor, partition)
                .ok_or_else(|| Refused(format!("no Test Mode simulator for {vendor}")))?;
            anywhere(&url)
        }
        Environment::Workbench(url) => anywhere(url),
        Environment::Live => live(connector, installation),
    }
}

/// Which simulator a Test Mode call reaches: a bundled connector the one of the system
/// it serves (`sumup-pos` and the PSP share SumUp's; both generic ones share one), an
/// installed or uploaded one the vendor its installation names, or the echo service.
fn simulated_vendor<'a>(
    connector: &Declared<'a>,
    installation: &Installation<'a>,
) -> Result<&'a str, Refused> {
    if connector.source == Source::Bundled {
        return Ok(connector.system.unwrap_or(connector.id));
    }
    match installation.sandbox {
        None => Ok("echo"),
        Some(name) if name == "echo" || beep_sandbox::VENDORS.iter().any(|v| v.name == name) => {
            Ok(name)
        }
        Some(other) => {
            let known: Vec<&str> = beep_sandbox::VENDORS.iter().map(|v| v.name).collect();
            Err(Refused(format!(
                "sandbox {other} is not a simulated vendor (one of {}, or echo)",
                known.join(", ")
            )))
        }
    }
}

/// Exactly `url`'s origin and path, plain HTTP and loopback allowed: the simulators
/// and a developer's own machine.
fn anywhere(url: &str) -> Result<Reach, Refused> {
    let origin = Origin::parse(url).map_err(Refused)?;
    Ok(Reach {
        grant: Grant {
            origins: vec![origin],
            https_only: false,
            addresses: AddressPolicy::Any,
        },
        base_url: Some(url.to_string()),
    })
}

/// Live mode: the declared hosts, narrowed to the installation's `baseUrl` if it names
/// one of them. A bundled connector that declares no hosts (generic, casio) speaks to
/// the merchant's own server: its grant is that store's `baseUrl`, under the same
/// public-HTTPS-only address checks as every other live call.
fn live(connector: &Declared, installation: &Installation) -> Result<Reach, Refused> {
    let declared: Vec<Origin> = connector
        .hosts
        .iter()
        .filter_map(|h| Origin::parse(h).ok())
        .collect();
    let merchant_server = connector.source == Source::Bundled && connector.hosts.is_empty();
    let origins = match installation.base_url {
        None if merchant_server => {
            return Err(Refused(format!(
                "{} talks to your own server: the credentials need its baseUrl (public HTTPS)",
                connector.id
            )));
        }
        None => declared,
        Some(url) => {
            let base = Origin::parse(url).map_err(|e| Refused(format!("baseUrl: {e}")))?;
            if !merchant_server && !declared.iter().any(|d| d.covers(&base)) {
                return Err(Refused(format!(
                    "baseUrl {url} is not one of the hosts {} declares ({})",
                    connector.id,
                    connector.hosts.join(", ")
                )));
            }
            vec![base]
        }
    };
    Ok(Reach {
        grant: Grant {
            origins,
            https_only: true,
            addresses: AddressPolicy::PublicOnly,
        },
        base_url: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared<'a>(source: Source, hosts: &'a [String]) -> Declared<'a> {
        Declared {
            id: "acme",
            source,
            hosts,
            system: Some("acme"),
        }
    }

    #[test]
    fn live_grants_declared_hosts_narrowed_by_base_url() {
        let hosts = vec!["https://*.acme.example".to_string()];
        let c = declared(Source::Uploaded, &hosts);
        let all = reach(&c, &Installation::default(), Environment::Live).unwrap();
        assert!(all.grant.https_only);
        assert_eq!(all.grant.addresses, AddressPolicy::PublicOnly);
        assert!(
            all.grant
                .check("https", "eu.acme.example", 443, "/")
                .is_none()
        );
        assert!(all.base_url.is_none(), "live calls keep their own baseUrl");

        let one = Installation {
            base_url: Some("https://eu.acme.example/api"),
            sandbox: None,
        };
        let narrowed = reach(&c, &one, Environment::Live).unwrap();
        assert!(
            narrowed
                .grant
                .check("https", "eu.acme.example", 443, "/api/x")
                .is_none()
        );
        assert!(
            narrowed
                .grant
                .check("https", "us.acme.example", 443, "/api/x")
                .is_some()
        );

        let elsewhere = Installation {
            base_url: Some("https://evil.example"),
            sandbox: None,
        };
        let refused = reach(&c, &elsewhere, Environment::Live).unwrap_err();
        assert!(refused.0.contains("not one of the hosts"), "{}", refused.0);
    }

    #[test]
    fn live_merchant_server_needs_its_base_url() {
        let c = declared(Source::Bundled, &[]);
        let refused = reach(&c, &Installation::default(), Environment::Live).unwrap_err();
        assert!(refused.0.contains("your own server"), "{}", refused.0);
        let own = Installation {
            base_url: Some("https://pos.shop.example"),
            sandbox: None,
        };
        let granted = reach(&c, &own, Environment::Live).unwrap();
        assert!(
            granted
                .grant
                .check("https", "pos.shop.example", 443, "/")
                .is_none()
        );
    }

    #[test]
    fn workbench_grants_exactly_its_url_and_points_the_connector_there() {
        let c = declared(Source::Uploaded, &[]);
        let r = reach(
            &c,
            &Installation::default(),
            Environment::Workbench("http://127.0.0.1:9000/api"),
        )
        .unwrap();
        assert!(
            r.grant
                .check("http", "127.0.0.1", 9000, "/api/items")
                .is_none()
        );
        assert!(
            r.grant
                .check("http", "127.0.0.1", 9001, "/api/items")
                .is_some()
        );
        let credentials = serde_json::json!({"apiKey": "k", "baseUrl": "https://ignored"});
        let config: Value = serde_json::from_str(&r.config(&credentials)).unwrap();
        assert_eq!(config["baseUrl"], "http://127.0.0.1:9000/api");
        assert_eq!(config["apiKey"], "k");
        assert_eq!(
            credentials["baseUrl"], "https://ignored",
            "credentials untouched"
        );
    }

    #[test]
    fn installation_is_read_from_credentials() {
        let ok = serde_json::json!({"baseUrl": "https://x.example", "sandbox": "korona"});
        let i = Installation::of(&ok).unwrap();
        assert_eq!(i.base_url, Some("https://x.example"));
        assert_eq!(i.sandbox, Some("korona"));
        assert!(Installation::of(&serde_json::json!({"baseUrl": 3})).is_err());
        assert!(Installation::of(&serde_json::json!([1])).is_err());
    }
}
