//! The config of both generic connectors: base URL, credentials, paging and the per-entity
//! mapping of a non-protocol JSON API.

use super::{Entity, validate_mapping};
use crate::error::invalid_config;
use crate::http::Request;
use crate::money;
use crate::types::ConnectorError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Items per list request when the config does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page a config may ask for (the protocol's `limit` maximum).
pub const MAX_PAGE_SIZE: u32 = 1000;

// ---- config ----------------------------------------------------------------------------

/// The `config` object of both generic connectors.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// The API base (protocol paths and mapped paths are relative to it).
    pub base_url: String,
    pub token: String,
    /// Sends the token raw in this header instead of `Authorization: Bearer …` (for mapped
    /// APIs that use e.g. `X-Api-Key`).
    #[serde(default)]
    pub token_header: Option<String>,
    /// ISO 4217 code of amounts that carry no currency of their own (mapped APIs).
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub page_size: Option<u32>,
    /// Per entity: read this entity from another JSON API instead of the protocol.
    #[serde(default)]
    pub mapping: Option<BTreeMap<String, EntityMapping>>,
}

/// How one entity is read from a non-protocol JSON API.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EntityMapping {
    /// Path relative to `baseUrl`, e.g. `/api/items`.
    pub path: String,
    /// Pointer to the item array in the answer (`""`: the answer is the array).
    #[serde(default)]
    pub items: String,
    /// Protocol field name → pointer into one item.
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub paging: Paging,
    /// `major`: amounts are decimal major units (`"12.50"`, `12.5`); `minor`: integers.
    #[serde(default)]
    pub price_format: PriceFormat,
    /// Fixed query parameters sent with every request.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Query parameter that takes the incremental watermark (needs `fields.updatedAt`).
    #[serde(default)]
    pub updated_since_param: Option<String>,
    /// Nested items (an order's lines): pointer to their array in the item, and fields.
    #[serde(default)]
    pub lines: Option<LinesMapping>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinesMapping {
    pub items: String,
    pub fields: BTreeMap<String, String>,
}

#[derive(Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PriceFormat {
    #[default]
    Minor,
    Major,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(tag = "style", rename_all = "lowercase", deny_unknown_fields)]
pub enum Paging {
    /// One request returns everything.
    #[default]
    None,
    /// `?{param}=1,2,…&{sizeParam}=n`; ends on a short page or when `total` is reached.
    Page {
        #[serde(default = "page_param")]
        param: String,
        #[serde(default, rename = "sizeParam")]
        size_param: Option<String>,
        #[serde(default = "one")]
        first: u64,
        /// Pointer to the total item count in the answer.
        #[serde(default)]
        total: Option<String>,
    },
    /// `?{param}=0,n,2n,…&{sizeParam}=n`; ends like `page`.
    Offset {
        #[serde(default = "offset_param")]
        param: String,
        #[serde(default, rename = "sizeParam")]
        size_param: Option<String>,
        #[serde(default)]
        total: Option<String>,
    },
    /// `?{param}=<value at the pointer next>`; ends when the pointer is null or absent.
    Cursor {
        #[serde(default = "cursor_param")]
        param: String,
        next: String,
        #[serde(default, rename = "sizeParam")]
        size_param: Option<String>,
    },
    /// Follows the RFC 8288 `Link: <…>; rel="next"` header.
    Link {
        #[serde(default, rename = "sizeParam")]
        size_param: Option<String>,
    },
}

fn page_param() -> String {
    "page".into()
}
fn offset_param() -> String {
    "offset".into()
}
fn cursor_param() -> String {
    "cursor".into()
}
fn one() -> u64 {
    1
}

impl Config {
    /// Parses and validates the whole config (mapping included) before any request, so a
    /// mistake is `invalid-config` naming the field or pointer instead of a strange sync.
    pub fn parse(config: &str, entities: &[&Entity]) -> Result<Config, ConnectorError> {
        let cfg: Config = crate::config::parse_config(config)?;
        let base = cfg.base();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(invalid_config("config: baseUrl must be an http(s) URL"));
        }
        if cfg.token.is_empty() {
            return Err(invalid_config("config: token must not be empty"));
        }
        if let Some(h) = &cfg.token_header
            && (h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(invalid_config("config: tokenHeader must be a header name"));
        }
        if let Some(c) = &cfg.currency
            && money::exponent(c).is_none()
        {
            return Err(invalid_config(format!("config: unknown currency {c:?}")));
        }
        if let Some(n) = cfg.page_size
            && !(1..=MAX_PAGE_SIZE).contains(&n)
        {
            return Err(invalid_config(format!(
                "config: pageSize must be 1..={MAX_PAGE_SIZE}"
            )));
        }
        if let Some(mapping) = &cfg.mapping {
            validate_mapping(mapping, entities)?;
        }
        Ok(cfg)
    }

    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    pub fn page_size(&self) -> u32 {
        self.page_size.unwrap_or(DEFAULT_PAGE_SIZE)
    }

    /// Where `entity` comes from: `None` when it is not read at all (a mapping exists and
    /// does not name it), the native protocol, or a mapped API.
    pub fn source<'a>(&'a self, entity: &Entity) -> Option<Source<'a>> {
        match &self.mapping {
            None => Some(Source::Native),
            Some(m) => m.get(entity.name).map(Source::Mapped),
        }
    }

    /// Adds the credentials and `accept`.
    pub fn authorize(&self, req: Request) -> Request {
        let req = req.header("accept", "application/json");
        match &self.token_header {
            Some(h) => req.header(h, &self.token),
            None => req.bearer(&self.token),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    Native,
    Mapped(&'a EntityMapping),
}
