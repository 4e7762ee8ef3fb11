//! The connector's configuration: its JSON schema, the hosts it declares, parsing and
//! checks, and the Service Layer URLs it derives.

use beep_sdk::config::parse_config;
use beep_sdk::error::invalid_config;
use beep_sdk::money;
use beep_sdk::types::ConnectorError;
use serde::Deserialize;

/// Host patterns: SAP Business One runs on the merchant's own host, which no fixed list
/// can name. These are SAP's hosted offerings; a merchant with another host uploads or
/// approves a copy of this connector that declares it.
pub const HOSTS: &[&str] = &[
    "https://*.sap-b1.cloud:50000",
    "https://*.sap-b1.cloud",
    "https://*.b1cloud.com:50000",
    "https://*.b1cloud.com",
];

pub(crate) const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "sap",
  "type": "object",
  "required": ["companyDb", "userName", "password", "baseUrl"],
  "properties": {
    "companyDb": {"type": "string", "minLength": 1, "description": "SAP Business One company database (CompanyDB of POST /Login)"},
    "userName": {"type": "string", "minLength": 1, "description": "SAP Business One user"},
    "password": {"type": "string", "minLength": 1, "writeOnly": true, "description": "The user's password"},
    "baseUrl": {"type": "string", "format": "uri", "description": "Service Layer root, e.g. https://sap.example.com:50000/b1s/v1"},
    "currency": {"type": "string", "default": "EUR", "description": "ISO 4217 code of the company's local currency"},
    "warehouse": {"type": "string", "description": "Warehouse code: stock is read from and booked to it (default: all warehouses / the item's default warehouse)"},
    "cardCode": {"type": "string", "description": "Customer (CardCode) BEEP! sales are booked to (required to push sales)"},
    "saleItemCode": {"type": "string", "description": "Item a BEEP! sale is booked as: one line at the sale's gross total (required to push sales)"},
    "salesDocument": {"type": "string", "enum": ["Invoices", "Orders"], "default": "Invoices", "description": "A/R document a sale becomes"},
    "paymentAccount": {"type": "string", "description": "G/L account (TransferAccount) BEEP! payments arrive on and refunds leave from, e.g. a money-in-transit account (required to push payments and refunds)"},
    "feeAccount": {"type": "string", "description": "G/L expense account the PSP's fees are booked to, against paymentAccount (required to push fees; SKR03: 4970)"},
    "bankAccount": {"type": "string", "description": "G/L bank account the PSP's payouts arrive on, from paymentAccount (required to push payouts; SKR03: 1200)"}
  }
}"#;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Config {
    pub(crate) company_db: String,
    pub(crate) user_name: String,
    pub(crate) password: beep_sdk::config::Secret,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    warehouse: Option<String>,
    #[serde(default)]
    pub(crate) card_code: Option<String>,
    #[serde(default)]
    pub(crate) sale_item_code: Option<String>,
    #[serde(default)]
    sales_document: Option<String>,
    #[serde(default)]
    pub(crate) payment_account: Option<String>,
    #[serde(default)]
    pub(crate) fee_account: Option<String>,
    #[serde(default)]
    pub(crate) bank_account: Option<String>,
}

pub(crate) fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Config {
    pub(crate) fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        for (name, value) in [
            ("companyDb", cfg.company_db.as_str()),
            ("userName", cfg.user_name.as_str()),
            ("password", cfg.password.expose()),
        ] {
            if value.trim().is_empty() {
                return Err(invalid_config(format!("config: {name} must not be empty")));
            }
        }
        let base = cfg.base_url.as_deref().unwrap_or("").trim();
        if base.is_empty() {
            return Err(invalid_config(
                "config: baseUrl (your Service Layer, e.g. https://sap.example.com:50000/b1s/v1) is required",
            ));
        }
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(invalid_config("config: baseUrl must be an http(s) URL"));
        }
        if money::exponent(cfg.currency()).is_none() {
            return Err(invalid_config(format!(
                "config: currency {:?} is not an ISO 4217 code",
                cfg.currency()
            )));
        }
        if !matches!(cfg.sales_document(), "Invoices" | "Orders") {
            return Err(invalid_config(
                "config: salesDocument must be \"Invoices\" or \"Orders\"",
            ));
        }
        Ok(cfg)
    }

    /// The Service Layer root: `…/b1s/v1` (or `v2`) as given, else `/b1s/v1` appended.
    pub(crate) fn base(&self) -> String {
        let b = self.base_url.as_deref().unwrap_or("").trim();
        let b = b.trim_end_matches('/');
        if b.ends_with("/b1s/v1") || b.ends_with("/b1s/v2") {
            b.to_string()
        } else {
            format!("{b}/b1s/v1")
        }
    }

    pub(crate) fn currency(&self) -> &str {
        non_empty(&self.currency).unwrap_or("EUR")
    }

    pub(crate) fn warehouse(&self) -> Option<&str> {
        non_empty(&self.warehouse)
    }

    pub(crate) fn sales_document(&self) -> &str {
        non_empty(&self.sales_document).unwrap_or("Invoices")
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base())
    }
}
