//! The connector's configuration: its JSON schema, parsing and checks, and the request
//! builder that carries the Basic credentials.

use beep_sdk::config::parse_config;
use beep_sdk::error::invalid_config;
use beep_sdk::http::Request;
use beep_sdk::money;
use beep_sdk::types::ConnectorError;
use serde::Deserialize;
use std::collections::BTreeMap;

pub const DEFAULT_BASE_URL: &str = "https://www.koronacloud.com/web/api/v3";

pub(crate) const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "KORONA.cloud",
  "type": "object",
  "required": ["accountId", "username", "password"],
  "properties": {
    "accountId": {"type": "string", "minLength": 1, "description": "KORONA.cloud account id (the {koronaAccountId} of the API)"},
    "username": {"type": "string", "minLength": 1, "description": "API user (HTTP Basic)"},
    "password": {"type": "string", "minLength": 1, "description": "API user's password", "writeOnly": true},
    "baseUrl": {"type": "string", "format": "uri", "default": "https://www.koronacloud.com/web/api/v3", "description": "API base, e.g. https://167.koronacloud.com/web/api/v3"},
    "pointOfSaleId": {"type": "string", "format": "uuid", "description": "External point of sale that receives BEEP! receipts (required to push sales)"},
    "couplingId": {"type": "string", "description": "Coupling id of that point of sale (required to push sales)"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR", "description": "ISO 4217 currency of the account's prices"},
    "priceGroup": {"type": "string", "description": "Price group (id, number or name) whose prices are the products' prices; default: each product's first price group"},
    "paymentMethods": {"type": "object", "additionalProperties": {"type": "string"}, "description": "BEEP! payment method (card, cash, wallet, …) → Korona payment method number"}
  }
}"#;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Config {
    account_id: String,
    username: String,
    password: beep_sdk::config::Secret,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    pub(crate) point_of_sale_id: Option<String>,
    #[serde(default)]
    pub(crate) coupling_id: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    pub(crate) price_group: Option<String>,
    #[serde(default)]
    pub(crate) payment_methods: BTreeMap<String, String>,
}

impl Config {
    pub(crate) fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        if cfg.account_id.is_empty()
            || !cfg
                .account_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid_config(
                "config: accountId must be a KORONA.cloud account id",
            ));
        }
        let base = cfg.base();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(invalid_config("config: baseUrl must be an http(s) URL"));
        }
        if money::exponent(cfg.currency()).is_none() {
            return Err(invalid_config(format!(
                "config: unknown currency {:?}",
                cfg.currency()
            )));
        }
        Ok(cfg)
    }

    fn base(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
    }

    pub(crate) fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("EUR")
    }

    /// `{baseUrl}/accounts/{accountId}/{path}`
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/accounts/{}/{path}", self.base(), self.account_id)
    }

    pub(crate) fn request(&self, req: Request) -> Request {
        req.basic_auth(&self.username, &self.password)
            .header("accept", "application/json")
    }
}
