//! Constructors for [`ConnectorError`], so connector code reads as intent.

pub use crate::types::{ConnectorError, UpstreamError};

pub fn unauthorized(msg: impl Into<String>) -> ConnectorError {
    ConnectorError::Unauthorized(msg.into())
}
pub fn forbidden(msg: impl Into<String>) -> ConnectorError {
    ConnectorError::Forbidden(msg.into())
}
pub fn not_found(msg: impl Into<String>) -> ConnectorError {
    ConnectorError::NotFound(msg.into())
}
pub fn invalid_config(msg: impl Into<String>) -> ConnectorError {
    ConnectorError::InvalidConfig(msg.into())
}
pub fn unsupported(msg: impl Into<String>) -> ConnectorError {
    ConnectorError::Unsupported(msg.into())
}
pub fn network(msg: impl Into<String>) -> ConnectorError {
    ConnectorError::Network(msg.into())
}
pub fn internal(msg: impl Into<String>) -> ConnectorError {
    ConnectorError::Internal(msg.into())
}
pub fn upstream(status: u16, msg: impl Into<String>) -> ConnectorError {
    ConnectorError::Upstream(UpstreamError {
        status,
        message: msg.into(),
    })
}

/// Maps a vendor's non-success status to the contract's error, with the vendor's own
/// words as the message.
pub fn from_status(status: u16, message: String, retry_after: Option<u32>) -> ConnectorError {
    match status {
        401 => ConnectorError::Unauthorized(message),
        403 => ConnectorError::Forbidden(message),
        404 => ConnectorError::NotFound(message),
        429 => ConnectorError::RateLimited(retry_after),
        _ => upstream(status, message),
    }
}
