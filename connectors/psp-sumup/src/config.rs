//! SumUp's connector config: its JSON schema, parsing and validation, and the request
//! builders that carry the key.

use beep_sdk::error::invalid_config;
use beep_sdk::prelude::*;
use serde::{Deserialize, Serialize};

pub(crate) const DEFAULT_BASE_URL: &str = "https://api.sumup.com";

pub(crate) const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "SumUp",
  "type": "object",
  "required": ["apiKey", "merchantCode"],
  "properties": {
    "apiKey": {
      "type": "string",
      "description": "SumUp API key (sup_sk_…) or an OAuth2 access token, sent as Authorization: Bearer"
    },
    "merchantCode": {
      "type": "string",
      "pattern": "^[A-Za-z0-9]+$",
      "description": "The merchant code that receives the payments (e.g. MH4H92C7)"
    },
    "returnUrl": {
      "type": "string",
      "format": "uri",
      "description": "SumUp's return_url: the callback SumUp notifies on checkout status changes (BEEP!'s webhook for this store)"
    },
    "baseUrl": {
      "type": "string",
      "format": "uri",
      "default": "https://api.sumup.com",
      "description": "API origin; Test Mode points it at the simulator"
    }
  }
}"#;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SumupConfig {
    pub api_key: beep_sdk::config::Secret,
    pub merchant_code: String,
    #[serde(default)]
    pub return_url: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
}

fn is_http_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

impl SumupConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: SumupConfig = parse_config(config)?;
        if cfg.api_key.trim().is_empty() || cfg.api_key.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(invalid_config(
                "apiKey must be a SumUp API key or OAuth token",
            ));
        }
        if cfg.merchant_code.is_empty()
            || !cfg.merchant_code.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(invalid_config(
                "merchantCode must be a SumUp merchant code (letters and digits)",
            ));
        }
        for (name, url) in [("baseUrl", &cfg.base_url), ("returnUrl", &cfg.return_url)] {
            if url.as_deref().is_some_and(|u| !is_http_url(u)) {
                return Err(invalid_config(format!("{name} must be an http(s) URL")));
            }
        }
        Ok(cfg)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        format!("{}{path}", base.trim_end_matches('/'))
    }

    pub(crate) fn get(&self, path: &str) -> Request {
        Request::get(self.url(path))
            .bearer(&self.api_key)
            .header("accept", "application/json")
    }

    pub(crate) fn send_json<T: Serialize>(
        &self,
        method: beep_sdk::http::Method,
        path: &str,
        body: &T,
    ) -> Result<Response, ConnectorError> {
        Request::new(method, self.url(path))
            .bearer(&self.api_key)
            .header("accept", "application/json")
            .json(body)?
            .send()
    }
}
