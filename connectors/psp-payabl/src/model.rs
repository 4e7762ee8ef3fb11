//! payabl's gateway vocabulary: error codes, answers (and callbacks) and transaction
//! statuses.

use crate::mapping::parse_form;
use beep_sdk::error::{not_found, unauthorized, upstream};
use beep_sdk::prelude::*;

pub mod codes {
    pub const OK: &str = "0";
    pub const INVALID_SIGNATURE: &str = "2001";
    pub const UNKNOWN_MERCHANT: &str = "2002";
    pub const INVALID_PARAMETER: &str = "2003";
    pub const DUPLICATE_ORDER: &str = "2004";
    pub const DECLINED: &str = "2005";
    pub const AMOUNT_EXCEEDED: &str = "2006";
    pub const NOT_FOUND: &str = "2007";
    pub const WRONG_STATE: &str = "2008";
    pub const CURRENCY: &str = "2009";
}

// ---- answers ------------------------------------------------------------------------------

/// A parsed answer or callback.
#[derive(Debug, Default, Clone)]
pub struct Answer(pub Vec<(String, String)>);

impl Answer {
    pub fn parse(body: &[u8]) -> Self {
        Answer(parse_form(body))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .map(str::trim)
    }

    pub(crate) fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    pub fn errorcode(&self) -> &str {
        self.non_empty("errorcode").unwrap_or(codes::OK)
    }

    pub fn message(&self) -> String {
        self.non_empty("errormessage")
            .map(str::to_string)
            .unwrap_or_else(|| format!("payabl errorcode {}", self.errorcode()))
    }

    /// An error answer as the contract's error (`None` for `0` and for a decline, which
    /// is a failed payment rather than a failed call).
    pub fn error(&self) -> Option<ConnectorError> {
        let message = self.message();
        match self.errorcode() {
            codes::OK | codes::DECLINED => None,
            codes::INVALID_SIGNATURE | codes::UNKNOWN_MERCHANT => Some(unauthorized(message)),
            codes::NOT_FOUND => Some(not_found(message)),
            _ => Some(upstream(
                422,
                format!("{message} (payabl errorcode {})", self.errorcode()),
            )),
        }
    }
}

// ---- statuses -----------------------------------------------------------------------------

/// payabl's transaction `status` values (chosen spellings, payabl's states).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayablStatus {
    /// Accepted, outcome not known yet (e.g. waiting for the acquirer).
    Pending,
    /// The shopper must complete 3-D Secure at `url_3ds`.
    Pending3ds,
    /// Preauthorised (a hold), not captured.
    Authorized,
    /// Sold / captured.
    Captured,
    Declined,
    Error,
    /// A preauthorisation released (reversal).
    Voided,
    Other(String),
}

impl PayablStatus {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "pending" => Self::Pending,
            "pending_3ds" => Self::Pending3ds,
            "authorized" => Self::Authorized,
            "captured" => Self::Captured,
            "declined" => Self::Declined,
            "error" => Self::Error,
            "voided" => Self::Voided,
            other => Self::Other(other.to_string()),
        }
    }
}

/// payabl's refund `status` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayablRefundStatus {
    Pending,
    Refunded,
    Failed,
}

impl PayablRefundStatus {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "refunded" | "captured" => Self::Refunded,
            "failed" | "declined" | "error" => Self::Failed,
            _ => Self::Pending,
        }
    }
}
