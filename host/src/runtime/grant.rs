//! The grant: which origins one call may reach. A grant is the connector's declared
//! hosts, narrowed by the installation (a store's `baseUrl`), or in Test Mode just the
//! simulator's origin.

use std::net::IpAddr;

/// One allowed origin: scheme, host (exact or `*.suffix`), port, and a path prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: HostPattern,
    pub port: u16,
    pub path_prefix: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    /// `*.example.com`: any subdomain (not the apex), stored as ".example.com".
    Subdomains(String),
}

/// Where the addresses a name resolves to may lie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressPolicy {
    /// Live mode: public unicast only (no loopback, private, link-local, metadata, …).
    PublicOnly,
    /// Test Mode: the simulators' addresses, whatever they are (loopback by default).
    Any,
}

#[derive(Clone, Debug)]
pub struct Grant {
    pub origins: Vec<Origin>,
    pub https_only: bool,
    pub addresses: AddressPolicy,
}

impl Grant {
    pub fn deny_all() -> Grant {
        Grant {
            origins: Vec::new(),
            https_only: true,
            addresses: AddressPolicy::PublicOnly,
        }
    }

    /// Why a request to `scheme://host:port/path` is not allowed, or `None` if it is.
    pub fn check(&self, scheme: &str, host: &str, port: u16, path: &str) -> Option<String> {
        if self.https_only && scheme != "https" {
            return Some(format!("{scheme} is not allowed in live mode (HTTPS only)"));
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let literal = host.trim_matches(['[', ']']).parse::<IpAddr>().ok();
        if let Some((ip, why)) = literal
            .filter(|_| self.addresses == AddressPolicy::PublicOnly)
            .and_then(|ip| forbidden_address(ip).map(|why| (ip, why)))
        {
            return Some(format!("address {ip} is {why}"));
        }
        let allowed = self.origins.iter().any(|o| {
            o.scheme == scheme
                && o.port == port
                && o.host.matches(&host)
                && path_within(path, &o.path_prefix)
        });
        if allowed {
            None
        } else {
            Some(format!(
                "{scheme}://{host}:{port} is outside the connector's grant"
            ))
        }
    }
}

fn path_within(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return true;
    }
    if climbs(path) {
        return false;
    }
    path == prefix
        || path.starts_with(&format!("{prefix}/"))
        || path.starts_with(&format!("{prefix}?"))
}

/// Whether a path could leave its prefix once a server normalises it: a `.` or `..`
/// segment, percent-encoded or not (`.%2e`, `%2e.`), with a `;` parameter (`..;`), or
/// an encoded slash or backslash that some servers decode into a separator.
fn climbs(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || path.contains('\\') {
        return true;
    }
    lower.split(['/', '?']).any(|segment| {
        let decoded = segment.replace("%2e", ".");
        let name = decoded.split(';').next().unwrap_or("");
        name == "." || name == ".."
    })
}

impl HostPattern {
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => h == host,
            HostPattern::Subdomains(suffix) => {
                host.len() > suffix.len() && host.ends_with(suffix.as_str())
            }
        }
    }
}

impl Origin {
    /// Parses `https://*.koronacloud.com`, `https://api.stripe.com:443`,
    /// `http://127.0.0.1:9000/korona/web/api/v3`.
    pub fn parse(text: &str) -> Result<Origin, String> {
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| format!("{text:?} is not an origin (scheme://host)"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return Err(format!("{text:?}: only http and https are supported")),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(format!("{text:?}: user info is not allowed"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
                match p.parse::<u16>() {
                    Ok(port) => (h, port),
                    Err(_) if h.starts_with('[') => (authority, default_port),
                    Err(_) => return Err(format!("{text:?}: bad port")),
                }
            }
            _ => (authority, default_port),
        };
        let host = host.to_ascii_lowercase();
        if host.is_empty() {
            return Err(format!("{text:?}: no host"));
        }
        let host = match host.strip_prefix("*.") {
            Some(suffix) if !suffix.is_empty() && !suffix.contains('*') => {
                HostPattern::Subdomains(format!(".{suffix}"))
            }
            Some(_) => return Err(format!("{text:?}: bad wildcard")),
            None if host.contains('*') => return Err(format!("{text:?}: bad wildcard")),
            None => HostPattern::Exact(host),
        };
        Ok(Origin {
            scheme,
            host,
            port,
            path_prefix: path.trim_end_matches('/').to_string(),
        })
    }

    /// Whether a concrete base URL (a store's `baseUrl`) lies inside this pattern.
    pub fn covers(&self, concrete: &Origin) -> bool {
        let host = match &concrete.host {
            HostPattern::Exact(h) => h,
            HostPattern::Subdomains(_) => return false,
        };
        self.scheme == concrete.scheme
            && self.port == concrete.port
            && self.host.matches(host)
            && path_within(&concrete.path_prefix, &self.path_prefix)
    }
}

/// Why an address must not be reached from live mode, if it must not.
pub fn forbidden_address(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                // 169.254.0.0/16, including the cloud metadata address 169.254.169.254.
                Some("link-local (cloud metadata)")
            } else if v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast() || o[0] == 0 {
                Some("not a unicast address")
            } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
                Some("carrier-grade NAT")
            } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
                Some("IETF protocol assignments")
            } else if o[0] == 198 && (o[1] & 0xfe) == 18 {
                Some("benchmarking")
            } else if o[0] >= 240 {
                Some("reserved")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_address(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            // Allow-list: only global unicast (2000::/3) is reachable, less the ranges
            // inside it that tunnel to IPv4 or are not routed. Everything else (::/96,
            // fec0::/10, 100::/64, fc00::/7, fe80::/10, 64:ff9b::/96, …) is refused.
            if v6.is_loopback() {
                Some("loopback")
            } else if (seg[0] & 0xe000) != 0x2000 {
                Some("not a global unicast address")
            } else if seg[0] == 0x2001 && seg[1] < 0x0200 {
                // 2001::/23 (IETF protocol assignments: Teredo 2001::/32, ORCHID, …).
                Some("IETF protocol assignments (may tunnel)")
            } else if seg[0] == 0x2001 && seg[1] == 0x0db8 {
                Some("documentation")
            } else if seg[0] == 0x2002 {
                Some("6to4 (may reach private IPv4)")
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(patterns: &[&str], live: bool) -> Grant {
        Grant {
            origins: patterns.iter().map(|p| Origin::parse(p).unwrap()).collect(),
            https_only: live,
            addresses: if live {
                AddressPolicy::PublicOnly
            } else {
                AddressPolicy::Any
            },
        }
    }

    #[test]
    fn origins_parse() {
        let o = Origin::parse("https://*.koronacloud.com").unwrap();
        assert_eq!(o.host, HostPattern::Subdomains(".koronacloud.com".into()));
        assert_eq!(o.port, 443);
        let o = Origin::parse("http://127.0.0.1:9000/korona/web/api/v3/").unwrap();
        assert_eq!(o.port, 9000);
        assert_eq!(o.path_prefix, "/korona/web/api/v3");
        assert!(Origin::parse("ftp://x").is_err());
        assert!(Origin::parse("https://a*b.com").is_err());
        assert!(Origin::parse("https://user@host").is_err());
    }

    #[test]
    fn wildcard_matches_subdomains_only() {
        let g = grant(&["https://*.koronacloud.com"], true);
        assert!(
            g.check("https", "167.koronacloud.com", 443, "/web")
                .is_none()
        );
        assert!(g.check("https", "koronacloud.com", 443, "/").is_some());
        assert!(g.check("https", "evilkoronacloud.com", 443, "/").is_some());
        assert!(
            g.check("https", "x.koronacloud.com.evil.io", 443, "/")
                .is_some()
        );
        assert!(g.check("https", "x.koronacloud.com", 8443, "/").is_some());
        assert!(g.check("http", "x.koronacloud.com", 443, "/").is_some());
    }

    #[test]
    fn path_prefix_confines_test_mode() {
        let g = grant(&["http://127.0.0.1:9000/korona"], false);
        assert!(
            g.check("http", "127.0.0.1", 9000, "/korona/web/api/v3/accounts")
                .is_none()
        );
        assert!(
            g.check("http", "127.0.0.1", 9000, "/stripe/v1/refunds")
                .is_some()
        );
        assert!(
            g.check("http", "127.0.0.1", 9000, "/korona/../stripe/v1")
                .is_some()
        );
        assert!(g.check("http", "127.0.0.1", 9001, "/korona").is_some());
        for path in [
            "/korona/.%2e/stripe",
            "/korona/%2e./stripe",
            "/korona/%2E%2E/stripe",
            "/korona/..;/stripe",
            "/korona/%2f..%2fstripe",
            "/korona/x%5C..%5Cstripe",
            "/korona/./../stripe",
        ] {
            assert!(g.check("http", "127.0.0.1", 9000, path).is_some(), "{path}");
        }
    }

    #[test]
    fn live_mode_refuses_internal_addresses() {
        let g = grant(&["https://127.0.0.1", "https://169.254.169.254"], true);
        assert!(
            g.check("https", "127.0.0.1", 443, "/")
                .unwrap()
                .contains("loopback")
        );
        assert!(
            g.check("https", "169.254.169.254", 443, "/")
                .unwrap()
                .contains("metadata")
        );
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::10.0.0.1",
            "fec0::1",
            "2001::1",
            "100::1",
            "64:ff9b::a00:1",
            "2002:a00:1::1",
            "2001:db8::1",
        ] {
            assert!(forbidden_address(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in ["8.8.8.8", "2606:4700::1111"] {
            assert!(forbidden_address(ip.parse().unwrap()).is_none(), "{ip}");
        }
    }

    #[test]
    fn base_urls_must_lie_inside_declared_patterns() {
        let pattern = Origin::parse("https://*.koronacloud.com").unwrap();
        assert!(pattern.covers(&Origin::parse("https://167.koronacloud.com/web/api/v3").unwrap()));
        assert!(!pattern.covers(&Origin::parse("https://evil.com/web/api/v3").unwrap()));
        assert!(!pattern.covers(&Origin::parse("http://167.koronacloud.com").unwrap()));
    }
}
