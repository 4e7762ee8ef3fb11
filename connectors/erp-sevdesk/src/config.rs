//! The connector's configuration: its JSON schema, parsing and checks, the request
//! builder that carries the token, and the booking settings it gives the mapping.

use crate::mapping;
use beep_sdk::config::parse_config;
use beep_sdk::error::invalid_config;
use beep_sdk::http::Request;
use beep_sdk::money;
use beep_sdk::types::ConnectorError;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

pub const DEFAULT_BASE_URL: &str = "https://my.sevdesk.de/api/v1";

pub(crate) const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "sevdesk",
  "type": "object",
  "required": ["apiToken"],
  "properties": {
    "apiToken": {"type": "string", "minLength": 1, "description": "sevdesk API token (Settings → User → API token), sent as the Authorization header", "writeOnly": true},
    "baseUrl": {"type": "string", "format": "uri", "default": "https://my.sevdesk.de/api/v1", "description": "API base"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR", "description": "ISO 4217 currency of the sevdesk account"},
    "accountDatevId": {"type": ["string", "integer"], "description": "id of the AccountDatev (revenue account) that BEEP! sales and refunds are booked to (required to push sales and refunds)"},
    "checkAccountId": {"type": ["string", "integer"], "description": "id of the CheckAccount (e.g. a clearing account) that BEEP! payments are booked to (required to push payments)"},
    "taxRate": {"type": "number", "minimum": 0, "maximum": 100, "default": 19, "description": "VAT rate (percent) of booked revenue"},
    "taxRuleId": {"type": ["string", "integer"], "default": "1", "description": "sevdesk TaxRule of booked revenue (1: Umsatzsteuerpflichtige Umsätze)"},
    "customerName": {"type": "string", "default": "BEEP! Scan & Go", "description": "Name shown as the counterparty of booked revenue"}
  }
}"#;

/// An id given as a number or a string of digits.
fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) if n.is_u64() => Ok(Some(n.to_string())),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(s)),
        other => Err(D::Error::custom(format!(
            "expected a sevdesk id (digits), got {other}"
        ))),
    }
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Config {
    api_token: beep_sdk::config::Secret,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub(crate) account_datev_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub(crate) check_account_id: Option<String>,
    #[serde(default)]
    tax_rate: Option<f64>,
    #[serde(default, deserialize_with = "opt_id")]
    tax_rule_id: Option<String>,
    #[serde(default)]
    customer_name: Option<String>,
}

impl Config {
    pub(crate) fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        let token = cfg.api_token.trim();
        if token.is_empty() || token.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid_config(
                "config: apiToken must be a sevdesk API token",
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
        if !(0.0..=100.0).contains(&cfg.tax_rate()) {
            return Err(invalid_config("config: taxRate must be a percentage"));
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

    pub(crate) fn tax_rate(&self) -> f64 {
        self.tax_rate.unwrap_or(19.0)
    }

    /// `{baseUrl}/{path}`
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base())
    }

    pub(crate) fn request(&self, req: Request) -> Request {
        req.header("authorization", self.api_token.trim())
            .header("accept", "application/json")
            // The spec asks for a meaningful User-Agent.
            .header("user-agent", "BEEP! Connect sevdesk connector")
    }

    pub(crate) fn booking(&self) -> mapping::Booking<'_> {
        mapping::Booking {
            account_datev_id: self.account_datev_id.as_deref(),
            check_account_id: self.check_account_id.as_deref(),
            tax_rate: self.tax_rate(),
            tax_rule: self.tax_rule_id.as_deref().unwrap_or("1"),
            currency: self.currency(),
            customer_name: self
                .customer_name
                .as_deref()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or("BEEP! Scan & Go"),
        }
    }
}
