//! The shapes of successful answers. Handlers build these, and the OpenAPI document
//! (`GET /api/v1/openapi.json`) is derived from the same types.

use crate::connectors::Source;
use crate::db::{
    audit::AuditRow,
    call_logs::LogRow,
    catalog::{CategoryRow, ProductRow},
    connectors::Uploaded,
    erp::{InventoryRow, OrderRow, SupplierRow},
    merchants::Store,
    payments::{PaymentRow, RefundRow},
    sales::SaleRow,
    sync_runs::SyncRun,
};
use serde::Serialize;
use utoipa::ToSchema;

/// `GET /health`: answered without a key, for load balancers.
#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// Bundled and installed connectors loaded.
    pub connectors: usize,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoreCreated {
    pub success: bool,
    pub store_id: String,
    pub name: String,
    /// `test` or `live`, from the key that created it.
    pub mode: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotatedKey {
    pub success: bool,
    /// The new key, shown once; the key that made this request no longer works.
    pub key: String,
    /// `test` or `live`: the same mode as the old key.
    pub mode: String,
}

#[derive(Serialize, ToSchema)]
pub struct Stores {
    pub success: bool,
    pub stores: Vec<Store>,
}

#[derive(Serialize, ToSchema)]
pub struct StoreFound {
    pub success: bool,
    pub store: Store,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SaleRecorded {
    pub success: bool,
    pub sale_id: String,
    pub receipt_number: String,
    /// Minor units.
    pub total: i64,
    pub currency: String,
}

#[derive(Serialize, ToSchema)]
pub struct Sales {
    pub success: bool,
    pub sales: Vec<SaleRow>,
}

#[derive(Serialize, ToSchema)]
pub struct Products {
    pub success: bool,
    pub total: i64,
    pub products: Vec<ProductRow>,
}

#[derive(Serialize, ToSchema)]
pub struct Categories {
    pub success: bool,
    pub categories: Vec<CategoryRow>,
}

#[derive(Serialize, ToSchema)]
pub struct Inventory {
    pub success: bool,
    pub total: i64,
    pub inventory: Vec<InventoryRow>,
}

#[derive(Serialize, ToSchema)]
pub struct Orders {
    pub success: bool,
    pub total: i64,
    pub orders: Vec<OrderRow>,
}

#[derive(Serialize, ToSchema)]
pub struct Suppliers {
    pub success: bool,
    pub total: i64,
    pub suppliers: Vec<SupplierRow>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncRuns {
    pub success: bool,
    pub sync_runs: Vec<SyncRun>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncRunFound {
    pub success: bool,
    pub sync_run: SyncRun,
}

/// A connector's own log lines for a sync run or a payment, oldest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallLogs {
    pub success: bool,
    pub logs: Vec<LogRow>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Payments {
    pub success: bool,
    pub payments: Vec<PaymentRow>,
}

#[derive(Serialize, ToSchema)]
pub struct Disputes {
    pub success: bool,
    pub disputes: Vec<crate::db::disputes::DisputeRow>,
}

#[derive(Serialize, ToSchema)]
pub struct Payouts {
    pub success: bool,
    pub payouts: Vec<crate::db::payouts::PayoutRow>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentFound {
    pub success: bool,
    pub payment: PaymentRow,
    pub refunds: Vec<RefundRow>,
}

/// Outbound calls connectors made for this merchant (never bodies or query strings).
#[derive(Serialize, ToSchema)]
pub struct Audit {
    pub success: bool,
    pub calls: Vec<AuditRow>,
}

/// A bundled or operator-installed connector.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Served {
    pub connector_id: String,
    pub name: String,
    pub source: Source,
    /// `pos`, `erp` or `psp`.
    pub kind: String,
    pub version: String,
    /// The `system`/`provider` names it answers to.
    pub systems: Vec<String>,
    /// Hosts it may reach in live mode.
    pub hosts: Vec<String>,
    pub sha256: String,
    pub size: u64,
    /// The contract version its world imports, e.g. `beep:connector@0.1.0`.
    pub contract: String,
}

/// A component this merchant uploaded.
#[derive(Serialize, ToSchema)]
pub struct UploadedConnector {
    #[serde(flatten)]
    pub connector: Uploaded,
    pub source: Source,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Listed {
    Served(Served),
    Uploaded(UploadedConnector),
}

#[derive(Serialize, ToSchema)]
pub struct Connectors {
    pub success: bool,
    /// Contract versions this server runs.
    pub served: Vec<String>,
    pub connectors: Vec<Listed>,
}

#[derive(Serialize, ToSchema)]
pub struct ConnectorFound {
    pub success: bool,
    pub connector: UploadedConnector,
}

#[derive(Serialize, ToSchema)]
pub struct Deleted {
    pub success: bool,
    /// The reference that was deleted.
    pub deleted: String,
}

/// `GET /api/v1/sandbox`: what Test Mode simulates and how to reach it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SandboxListing {
    pub success: bool,
    pub vendors: Vec<SimulatedVendor>,
    /// Where custom connectors' requests go in Test Mode.
    pub echo_url: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimulatedVendor {
    pub system: String,
    /// `pos`, `erp` or `psp`.
    pub kind: String,
    pub base_url: String,
    /// Credentials that work against the simulator.
    #[schema(value_type = Object)]
    pub credentials: serde_json::Value,
    /// For a PSP: the test payment tokens (`paymentMethod`) and what each does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test_tokens: Vec<TestToken>,
}

/// A test payment token and the payment status it ends in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestToken {
    pub token: String,
    /// `succeeded`, `failed`, `requires_action`, `pending`, `canceled` or `authorized`.
    pub outcome: String,
    pub what: String,
}

impl SandboxListing {
    /// What `merchant_id` reaches: its own simulators.
    pub fn of(sandbox: &beep_sandbox::Sandbox, merchant_id: &str) -> Self {
        let vendors = beep_sandbox::VENDORS
            .iter()
            .flat_map(|v| {
                v.kinds.iter().map(|kind| SimulatedVendor {
                    system: v.name.to_string(),
                    kind: kind.to_string(),
                    base_url: sandbox
                        .url_for(v.name, Some(merchant_id))
                        .unwrap_or_default(),
                    credentials: (v.credentials)(),
                    test_tokens: if *kind == "psp" {
                        v.tokens
                            .iter()
                            .map(|t| TestToken {
                                token: t.token.into(),
                                outcome: t.outcome.into(),
                                what: t.what.into(),
                            })
                            .collect()
                    } else {
                        Vec::new()
                    },
                })
            })
            .collect();
        SandboxListing {
            success: true,
            vendors,
            echo_url: sandbox.url("echo").unwrap_or_default(),
        }
    }
}
