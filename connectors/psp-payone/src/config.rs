//! The connector's configuration: the PCP API key and secret, merchant id and API origin.

use crate::DEFAULT_BASE_URL;
use beep_sdk::error::invalid_config;
use beep_sdk::prelude::*;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoneConfig {
    pub api_key: beep_sdk::config::Secret,
    pub api_secret: beep_sdk::config::Secret,
    pub merchant_id: String,
    #[serde(default)]
    pub base_url: Option<String>,
}

pub(crate) fn is_safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

impl PayoneConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: PayoneConfig = parse_config(config)?;
        if cfg.api_key.trim().is_empty() || cfg.api_key.contains(':') {
            return Err(invalid_config("apiKey must be a PCP API key id"));
        }
        if cfg.api_secret.is_empty() {
            return Err(invalid_config("apiSecret must not be empty"));
        }
        if !is_safe_segment(&cfg.merchant_id) {
            return Err(invalid_config("merchantId must be a PCP merchant id"));
        }
        if let Some(u) = &cfg.base_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(invalid_config("baseUrl must be an http(s) URL"));
        }
        Ok(cfg)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        format!(
            "{}/v1/{}{path}",
            base.trim_end_matches('/'),
            self.merchant_id
        )
    }
}
