//! The connector's configuration: merchant id, secret, gateway origin, notification URL
//! and the preauthorise switch.

use crate::SANDBOX_BASE_URL;
use crate::mapping::strict_latin1;
use beep_sdk::error::invalid_config;
use beep_sdk::prelude::*;
use serde::Deserialize;

/// Path of the gateway's operations below the origin.
const GATEWAY_PATH: &str = "/pay/backoffice";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayablConfig {
    pub merchant_id: String,
    pub secret: beep_sdk::config::Secret,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub notification_url: Option<String>,
    #[serde(default)]
    pub preauthorize: bool,
}

impl PayablConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: PayablConfig = parse_config(config)?;
        if cfg.merchant_id.trim().is_empty() {
            return Err(invalid_config("merchantId must not be empty"));
        }
        if cfg.secret.is_empty() {
            return Err(invalid_config("secret must not be empty"));
        }
        strict_latin1("merchantId", &cfg.merchant_id)?;
        strict_latin1("secret", &cfg.secret)?;
        for (name, url) in [
            ("baseUrl", cfg.base_url.as_deref()),
            ("notificationUrl", cfg.notification_url.as_deref()),
        ] {
            if let Some(u) = url
                && !(u.starts_with("https://") || u.starts_with("http://"))
            {
                return Err(invalid_config(format!("{name} must be an http(s) URL")));
            }
        }
        if let Some(u) = &cfg.notification_url {
            strict_latin1("notificationUrl", u)?;
        }
        Ok(cfg)
    }

    pub(crate) fn url(&self, operation: &str) -> String {
        let base = self
            .base_url
            .as_deref()
            .unwrap_or(SANDBOX_BASE_URL)
            .trim_end_matches('/');
        format!("{base}{GATEWAY_PATH}/{operation}")
    }
}
