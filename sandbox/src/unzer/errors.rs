//! Unzer's error answer (`isError: true` with `errors[{code, merchantMessage,
//! customerMessage}]`) and the common errors.

use super::http::json_response;
use super::{date, random};
use crate::kit::fault::Fault;
use crate::kit::time::now_secs as now;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

/// An error as Unzer answers it.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    code: &'static str,
    pub(super) merchant: String,
    customer: &'static str,
}

const CUSTOMER_GENERIC: &str = "An error occurred. Please contact us for more information.";

impl ApiError {
    pub(super) fn new(status: StatusCode, code: &'static str, merchant: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            merchant: merchant.into(),
            customer: CUSTOMER_GENERIC,
        }
    }
    pub(super) fn bad(code: &'static str, merchant: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, merchant)
    }
    pub(super) fn response(&self, url: &str) -> Response {
        json_response(
            self.status,
            &json!({
                "id": format!("s-err-{}", random(20).to_ascii_lowercase()),
                "isSuccess": false,
                "isPending": false,
                "isError": true,
                "url": url,
                "timestamp": date(now()),
                "errors": [{
                    "code": self.code,
                    "merchantMessage": self.merchant,
                    "customerMessage": self.customer,
                }],
            }),
        )
    }
}

pub(super) fn payment_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "API.310.100.003",
        format!("Payment {id} does not exist."),
    )
}

pub(super) fn charge_not_found(payment_id: &str, charge_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "API.310.100.004",
        format!("Charge {charge_id} of payment {payment_id} does not exist."),
    )
}

pub(super) fn injected_failure(plan: Fault, url: &str) -> Response {
    let status =
        StatusCode::from_u16(plan.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    ApiError::new(
        status,
        "API.000.000.999",
        "An internal error occurred. Please try again later.",
    )
    .response(url)
}
