//! What can go wrong in a request, in domain terms. The API maps each to a status.

pub mod answer;

use crate::runtime::CallError;

#[derive(Debug)]
pub enum Failure {
    /// The request is malformed (400).
    Invalid {
        code: &'static str,
        message: String,
    },
    /// No or unknown API key (401).
    Unauthenticated(String),
    /// No such store, system, connector, payment (404).
    NotFound {
        code: &'static str,
        message: String,
    },
    /// The caller may not do this (403): plan, another merchant's store, live mode off.
    Forbidden {
        code: &'static str,
        message: String,
    },
    /// The request body is over the limit (413).
    TooLarge(String),
    /// Too many requests for this key (429).
    TooMany {
        retry_after: u32,
    },
    /// This merchant already runs as many connector calls at once as it may (429).
    Busy {
        limit: usize,
    },
    /// Conflicts with the current state (409): idempotency, a run in progress.
    Conflict {
        code: &'static str,
        message: String,
        retry_after: Option<u32>,
    },
    /// Well-formed but refused by a business rule or the vendor (422).
    Rejected {
        code: &'static str,
        message: String,
    },
    /// A connector call failed.
    Call {
        connector: String,
        error: CallError,
        sync_run_id: Option<String>,
    },
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Internal(e)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Internal(e.into())
    }
}

impl Failure {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Failure {
        Failure::Invalid {
            code,
            message: message.into(),
        }
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Failure {
        Failure::NotFound {
            code,
            message: message.into(),
        }
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Failure {
        Failure::Forbidden {
            code,
            message: message.into(),
        }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Failure {
        Failure::Conflict {
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn rejected(code: &'static str, message: impl Into<String>) -> Failure {
        Failure::Rejected {
            code,
            message: message.into(),
        }
    }
}
