//! The connector's configuration: the private key, API base URL and fallback return URL.

use crate::DEFAULT_BASE_URL;
use beep_sdk::error::invalid_config;
use beep_sdk::prelude::*;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnzerConfig {
    pub private_key: String,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub return_url: Option<String>,
}

fn is_http_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

impl UnzerConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: UnzerConfig = parse_config(config)?;
        let key = cfg.private_key.as_str();
        let prefixed = ["s-priv-", "p-priv-"]
            .iter()
            .any(|p| key.len() > p.len() && key.starts_with(p));
        if !prefixed
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid_config(
                "privateKey must be an Unzer private key (s-priv-… or p-priv-…)",
            ));
        }
        for (name, url) in [("baseUrl", &cfg.base_url), ("returnUrl", &cfg.return_url)] {
            if url.as_deref().is_some_and(|u| !is_http_url(u)) {
                return Err(invalid_config(format!("{name} must be an http(s) URL")));
            }
        }
        Ok(cfg)
    }

    pub fn base(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }
}
