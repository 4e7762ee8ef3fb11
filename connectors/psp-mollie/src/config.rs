//! Mollie's connector config: its JSON schema, parsing and validation, and the request
//! builders that carry the key, profile and mode.

use beep_sdk::error::invalid_config;
use beep_sdk::prelude::*;
use serde::{Deserialize, Serialize};

pub(crate) const DEFAULT_BASE_URL: &str = "https://api.mollie.com";

pub(crate) const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Mollie",
  "type": "object",
  "required": ["apiKey"],
  "properties": {
    "apiKey": {
      "type": "string",
      "pattern": "^(test_|live_|access_)[A-Za-z0-9_]+$",
      "description": "Website profile API key (test_…/live_…) or an organization access token (access_…)"
    },
    "profileId": {
      "type": "string",
      "pattern": "^pfl_",
      "description": "Website profile (pfl_…); required with an access token, not sent with an API key (the key belongs to one profile)"
    },
    "testmode": {
      "type": "boolean",
      "default": false,
      "description": "With an access token only: create and read test-mode payments"
    },
    "organizationToken": {
      "type": "string",
      "pattern": "^access_[A-Za-z0-9_]+$",
      "description": "Organization access token (access_…, scope settlements.read) for listing settlements, when apiKey is a website profile's key"
    },
    "redirectUrl": {
      "type": "string",
      "format": "uri",
      "description": "Where Mollie sends the shopper after the hosted checkout when a payment has no returnUrl"
    },
    "webhookUrl": {
      "type": "string",
      "format": "uri",
      "description": "BEEP!'s webhook for this store (…/api/v1/webhooks/mollie/{storeId}); Mollie calls it on every status change"
    },
    "baseUrl": {
      "type": "string",
      "format": "uri",
      "default": "https://api.mollie.com",
      "description": "API origin; Test Mode points it at the simulator"
    }
  }
}"#;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MollieConfig {
    pub api_key: beep_sdk::config::Secret,
    #[serde(default)]
    pub profile_id: Option<String>,
    #[serde(default)]
    pub testmode: Option<bool>,
    #[serde(default)]
    pub organization_token: Option<beep_sdk::config::Secret>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub webhook_url: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
}

fn is_http_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

impl MollieConfig {
    pub fn parse(config: &str) -> Result<Self, ConnectorError> {
        let cfg: MollieConfig = parse_config(config)?;
        let key = cfg.api_key.expose();
        let prefixed = ["test_", "live_", "access_"]
            .iter()
            .any(|p| key.len() > p.len() && key.starts_with(p));
        if !prefixed || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(invalid_config(
                "apiKey must be a Mollie API key (test_… or live_…) or an organization access token (access_…)",
            ));
        }
        if cfg.is_access_token() && cfg.profile_id.is_none() {
            return Err(invalid_config(
                "profileId (pfl_…) is required with an organization access token",
            ));
        }
        if cfg
            .profile_id
            .as_deref()
            .is_some_and(|p| !p.starts_with("pfl_"))
        {
            return Err(invalid_config("profileId must start with pfl_"));
        }
        for (name, url) in [
            ("baseUrl", &cfg.base_url),
            ("redirectUrl", &cfg.redirect_url),
            ("webhookUrl", &cfg.webhook_url),
        ] {
            if url.as_deref().is_some_and(|u| !is_http_url(u)) {
                return Err(invalid_config(format!("{name} must be an http(s) URL")));
            }
        }
        Ok(cfg)
    }

    /// Organization access tokens (and OAuth) act across profiles: they name the profile
    /// and the mode in every request. API keys belong to one profile and one mode.
    fn is_access_token(&self) -> bool {
        self.api_key.starts_with("access_")
    }

    /// `profileId` and `testmode` as an access token needs them (nothing for an API key,
    /// where Mollie wants neither).
    pub(crate) fn scope(&self) -> (Option<&str>, Option<bool>) {
        if self.is_access_token() {
            (
                self.profile_id.as_deref(),
                self.testmode.filter(|t| *t).map(|_| true),
            )
        } else {
            (None, None)
        }
    }

    /// Query parameters that scope a read to the profile and mode.
    pub(crate) fn scope_query(&self) -> Vec<(&'static str, String)> {
        let (profile, testmode) = self.scope();
        let mut q = Vec::new();
        if let Some(p) = profile {
            q.push(("profileId", p.to_string()));
        }
        if testmode == Some(true) {
            q.push(("testmode", "true".to_string()));
        }
        q
    }

    pub(crate) fn url(&self, path: &str) -> String {
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        format!("{}{path}", base.trim_end_matches('/'))
    }

    pub(crate) fn get(&self, path: &str) -> Request {
        Request::get(self.url(path))
            .bearer(&self.api_key)
            .header("accept", "application/hal+json")
    }

    /// A read of the organization's Settlements API: with the organization token, or the
    /// apiKey if it is an access token itself.
    pub(crate) fn get_settlements(&self, path: &str) -> Result<Request, ConnectorError> {
        let token = match &self.organization_token {
            Some(t) => t.expose(),
            None if self.api_key.starts_with("access_") => self.api_key.expose(),
            None => {
                return Err(beep_sdk::error::unsupported(
                    "Mollie lists settlements only to an organization access token: set organizationToken (access_…, scope settlements.read)",
                ));
            }
        };
        Ok(Request::get(self.url(path))
            .bearer(token)
            .header("accept", "application/hal+json"))
    }

    pub(crate) fn post<T: Serialize>(
        &self,
        path: &str,
        body: &T,
        idempotency_key: &str,
    ) -> Result<Request, ConnectorError> {
        Request::post(self.url(path))
            .bearer(&self.api_key)
            .header("accept", "application/hal+json")
            .header("idempotency-key", idempotency_key)
            .json(body)
    }
}
