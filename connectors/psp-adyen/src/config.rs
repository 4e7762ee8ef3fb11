//! The connector's configuration: its JSON schema, parsing and checks, the Checkout
//! API base URL (`baseUrl`, `livePrefix` or Adyen's test endpoint) and the request
//! builder that carries the API key.

use beep_sdk::error::invalid_config;
use beep_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// Adyen's test endpoint of Checkout v71.
pub const DEFAULT_BASE_URL: &str = "https://checkout-test.adyen.com/v71";

pub(crate) const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Adyen",
  "type": "object",
  "required": ["apiKey", "merchantAccount"],
  "properties": {
    "apiKey": {
      "type": "string",
      "minLength": 1,
      "description": "API key of a web service user (Customer Area > Developers > API credentials)"
    },
    "merchantAccount": {
      "type": "string",
      "minLength": 1,
      "description": "The merchant account that processes the payments"
    },
    "hmacKey": {
      "type": "string",
      "pattern": "^([0-9A-Fa-f]{2})+$",
      "description": "HMAC key (hex) of the standard webhook; needed for webhooks"
    },
    "livePrefix": {
      "type": "string",
      "pattern": "^[A-Za-z0-9-]+$",
      "description": "Live endpoint prefix: https://{livePrefix}-checkout-live.adyenpayments.com/checkout/v71"
    },
    "baseUrl": {
      "type": "string",
      "format": "uri",
      "default": "https://checkout-test.adyen.com/v71",
      "description": "Checkout API base URL; Test Mode points it at the simulator"
    },
    "returnUrl": {
      "type": "string",
      "description": "Where shoppers return after a redirect when a payment names no returnUrl"
    }
  }
}"#;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdyenConfig {
    pub api_key: beep_sdk::config::Secret,
    pub merchant_account: String,
    #[serde(default)]
    pub hmac_key: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub live_prefix: Option<String>,
    #[serde(default)]
    pub return_url: Option<String>,
}

impl AdyenConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: AdyenConfig = parse_config(config)?;
        if cfg.api_key.trim().is_empty() {
            return Err(invalid_config("apiKey must not be empty"));
        }
        if cfg.merchant_account.trim().is_empty() {
            return Err(invalid_config("merchantAccount must not be empty"));
        }
        if let Some(key) = &cfg.hmac_key
            && hex::decode(key).map_or(true, |k| k.is_empty())
        {
            return Err(invalid_config(
                "hmacKey must be the hex HMAC key of the webhook (Customer Area)",
            ));
        }
        if cfg
            .base_url
            .as_deref()
            .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            return Err(invalid_config("baseUrl must be an http(s) URL"));
        }
        if let Some(prefix) = &cfg.live_prefix
            && (prefix.is_empty()
                || !prefix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(invalid_config(
                "livePrefix must be the prefix of the live endpoint (letters, digits, '-')",
            ));
        }
        Ok(cfg)
    }

    /// The Checkout API base URL, without a trailing slash.
    pub fn base(&self) -> String {
        match (&self.base_url, &self.live_prefix) {
            (Some(url), _) => url.trim_end_matches('/').to_string(),
            (None, Some(prefix)) => {
                format!("https://{prefix}-checkout-live.adyenpayments.com/checkout/v71")
            }
            (None, None) => DEFAULT_BASE_URL.to_string(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    pub(crate) fn post<T: Serialize>(
        &self,
        path: &str,
        body: &T,
        idempotency_key: Option<&str>,
    ) -> Result<Request, ConnectorError> {
        let mut req = Request::post(self.url(path)).header("x-api-key", self.api_key.expose());
        if let Some(key) = idempotency_key {
            req = req.header("idempotency-key", key);
        }
        req.json(body)
    }
}
