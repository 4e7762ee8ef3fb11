//! The connector's configuration: its JSON schema, parsing and checks, and the
//! request builders that carry the key and the pinned API version.

use beep_sdk::error::invalid_config;
use beep_sdk::prelude::*;
use serde::Deserialize;

/// The Stripe API version this connector speaks.
pub const STRIPE_VERSION: &str = "2023-08-16";
pub(crate) const DEFAULT_BASE_URL: &str = "https://api.stripe.com";

pub(crate) const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Stripe",
  "type": "object",
  "required": ["secretKey"],
  "properties": {
    "secretKey": {
      "type": "string",
      "pattern": "^(sk|rk)_(test|live)_[A-Za-z0-9_]+$",
      "description": "Secret (sk_test_…/sk_live_…) or restricted (rk_…) API key"
    },
    "webhookSecret": {
      "type": "string",
      "pattern": "^whsec_",
      "description": "Signing secret of the webhook endpoint (whsec_…); needed for webhooks"
    },
    "baseUrl": {
      "type": "string",
      "format": "uri",
      "default": "https://api.stripe.com",
      "description": "API origin; Test Mode points it at the simulator"
    }
  }
}"#;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StripeConfig {
    pub secret_key: beep_sdk::config::Secret,
    #[serde(default)]
    pub webhook_secret: Option<beep_sdk::config::Secret>,
    #[serde(default)]
    pub base_url: Option<String>,
}

impl StripeConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: StripeConfig = parse_config(config)?;
        let key_ok = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"]
            .iter()
            .any(|p| cfg.secret_key.starts_with(p));
        if !key_ok {
            return Err(invalid_config(
                "secretKey must be a Stripe secret key (sk_test_…, sk_live_…, rk_test_… or rk_live_…)",
            ));
        }
        if cfg
            .webhook_secret
            .as_deref()
            .is_some_and(|s| !s.starts_with("whsec_"))
        {
            return Err(invalid_config("webhookSecret must start with whsec_"));
        }
        if cfg
            .base_url
            .as_deref()
            .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            return Err(invalid_config("baseUrl must be an http(s) URL"));
        }
        Ok(cfg)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        format!("{}{path}", base.trim_end_matches('/'))
    }

    pub(crate) fn get(&self, path: &str) -> Request {
        Request::get(self.url(path))
            .bearer(&self.secret_key)
            .header("stripe-version", STRIPE_VERSION)
    }

    pub(crate) fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> Request {
        Request::post(self.url(path))
            .bearer(&self.secret_key)
            .header("stripe-version", STRIPE_VERSION)
            .header("idempotency-key", idempotency_key)
            .form(form)
    }
}
