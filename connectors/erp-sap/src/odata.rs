//! OData details of the Service Layer: query encoding and next-page links.

use beep_sdk::error::internal;
use beep_sdk::types::ConnectorError;
use serde_json::Value;

/// A query string with every reserved character percent-encoded and spaces as `%20`
/// (OData servers read `+` literally); `$`, `,`, `'` and parentheses stay as they are.
pub fn encode_query(params: &[(&str, String)]) -> String {
    fn enc(s: &str, out: &mut String) {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~$,'()".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        enc(k, &mut out);
        out.push('=');
        enc(v, &mut out);
    }
    out
}

/// The next page's link of an answer: `@odata.nextLink` (OData v4, Service Layer v2 and
/// newer v1) or `odata.nextLink` (older versions).
pub fn next_link(page: &Value) -> Option<&str> {
    page.get("@odata.nextLink")
        .or_else(|| page.get("odata.nextLink"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

/// A next-page link as an absolute URL at the configured Service Layer. Links come
/// relative to the service root (`Items?$skip=20`), as an absolute path
/// (`/b1s/v1/Items?$skip=20`) or absolute; only their path and query are used, so a
/// link never leads to another origin.
pub fn resolve_link(base: &str, link: &str) -> Result<String, ConnectorError> {
    let (origin, root) = split_base(base)?;
    let link = link.trim();
    let rest = match link.split_once("://") {
        Some((_, after)) => match after.find('/') {
            Some(i) => &after[i..],
            None => return Err(internal(format!("next link without a path: {link}"))),
        },
        None => link,
    };
    if rest.starts_with('/') {
        // An absolute path names the service root as the server sees it; behind a
        // prefix (a proxy, Test Mode) keep the configured root.
        let tail = ["/b1s/v1/", "/b1s/v2/"]
            .iter()
            .find_map(|r| rest.find(r).map(|i| &rest[i + r.len()..]));
        return Ok(match tail {
            Some(t) => format!("{root}/{t}"),
            None => format!("{origin}{rest}"),
        });
    }
    Ok(format!("{root}/{}", rest.trim_start_matches("./")))
}

/// `(scheme://authority, service root)` of the base URL.
fn split_base(base: &str) -> Result<(String, String), ConnectorError> {
    let base = base.trim_end_matches('/');
    let (scheme, after) = base
        .split_once("://")
        .ok_or_else(|| internal(format!("not an absolute URL: {base}")))?;
    let authority = after.split('/').next().unwrap_or("");
    Ok((format!("{scheme}://{authority}"), base.to_string()))
}
