//! One table of payment providers and the helpers every PSP scenario uses: a store with
//! the provider configured against its Test Mode simulator, and `pay`, `capture`,
//! `cancel`, `refund` and `payment` through the public API. A vendor's own module keeps
//! only what is special about that vendor.

use super::{Backend, Merchant, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// What a scenario needs to know of a provider.
pub struct Psp {
    pub provider: &'static str,
    /// The vendor's own test token that authorises (for manual capture too).
    pub approve: &'static str,
    /// Part of the path of the vendor's capture request (to count captures there).
    pub capture_path: &'static str,
    /// Extra configuration (webhook URLs) the provider needs, given the server and store.
    pub config: fn(&Server, &str, &mut Value),
}

fn nothing(_: &Server, _: &str, _: &mut Value) {}

fn webhook_url(field: &'static str) -> fn(&Server, &str, &mut Value) {
    match field {
        "webhookUrl" => |server, store, config| {
            config["webhookUrl"] = json!(format!("{}/api/v1/webhooks/mollie/{store}", server.url));
        },
        _ => |server, store, config| {
            config["notificationUrl"] =
                json!(format!("{}/api/v1/webhooks/payabl/{store}", server.url));
        },
    }
}

pub const STRIPE: Psp = Psp {
    provider: "stripe",
    approve: "pm_card_visa",
    capture_path: "/capture",
    config: nothing,
};

/// Every provider whose API can hold an authorisation and capture it later.
pub fn manual_capture(provider: &str) -> Psp {
    match provider {
        "stripe" => STRIPE,
        "adyen" => Psp {
            provider: "adyen",
            approve: "adyen_test_authorised",
            capture_path: "/captures",
            config: nothing,
        },
        "mollie" => Psp {
            provider: "mollie",
            approve: "mollie_test_paid",
            capture_path: "/captures",
            config: webhook_url("webhookUrl"),
        },
        "payone" => Psp {
            provider: "payone",
            approve: "payone_test_ok",
            capture_path: "/capture",
            config: nothing,
        },
        "unzer" => Psp {
            provider: "unzer",
            approve: "s-crd-success",
            capture_path: "/charges",
            config: nothing,
        },
        "payabl" => Psp {
            provider: "payabl",
            approve: "payabl_test_ok",
            capture_path: "capture",
            config: webhook_url("notificationUrl"),
        },
        other => panic!("no manual-capture scenario for {other}"),
    }
}

/// A merchant's store with `psp` configured against its simulator.
pub struct PspStore {
    pub server: Server,
    pub m: Merchant,
    pub store: String,
    /// The simulator's base URL for this merchant.
    pub base: String,
    pub psp: Psp,
    /// The configuration `configurePSP` was given.
    pub config: Value,
}

impl PspStore {
    pub async fn start(backend: Backend, psp: Psp) -> PspStore {
        let server = Server::start(backend).await;
        let m = server.merchant(Plan::Start).await;
        let store = server.store(&m).await;
        let (base, mut config) = server.sandbox(&m, psp.provider).await;
        (psp.config)(&server, &store, &mut config);
        let (status, body) = server
            .post(
                &m.key,
                "/api/v1/configurePSP",
                json!({"provider": psp.provider, "storeId": store, "config": config}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        PspStore {
            server,
            m,
            store,
            base,
            psp,
            config,
        }
    }

    /// `configurePSP` again, with a hold window for manual-capture authorisations.
    pub async fn set_hold(&self, seconds: i64) -> (StatusCode, Value) {
        let body = json!({"provider": self.psp.provider, "storeId": self.store,
            "config": self.config, "holdSeconds": seconds});
        self.server
            .post(&self.m.key, "/api/v1/configurePSP", body)
            .await
    }

    async fn post(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.server.post_idem(&self.m.key, path, key, body).await
    }

    /// `processPayment` with the provider's approving token.
    pub async fn pay(
        &self,
        key: &str,
        amount: i64,
        currency: &str,
        capture: &str,
    ) -> (StatusCode, Value) {
        let body = json!({"storeId": self.store, "amount": amount, "currency": currency,
            "reference": format!("basket-{key}"), "paymentMethod": self.psp.approve, "capture": capture});
        self.post("/api/v1/processPayment", key, body).await
    }

    /// An authorisation held for a later capture: asserts it is `authorized`.
    pub async fn authorize(&self, key: &str, amount: i64) -> String {
        let (status, paid) = self.pay(key, amount, "EUR", "manual").await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{} authorises: {paid}",
            self.psp.provider
        );
        assert_eq!(paid["status"], "authorized", "{paid}");
        assert_eq!(paid["captureMode"], "manual", "{paid}");
        assert_eq!(paid["capturedAmount"], 0, "{paid}");
        paid["paymentId"].as_str().unwrap().to_string()
    }

    pub async fn capture(
        &self,
        key: &str,
        payment: &str,
        amount: Option<i64>,
    ) -> (StatusCode, Value) {
        let mut body = json!({"storeId": self.store, "paymentId": payment});
        if let Some(a) = amount {
            body["amount"] = json!(a);
        }
        self.post("/api/v1/capturePayment", key, body).await
    }

    pub async fn cancel(&self, key: &str, payment: &str) -> (StatusCode, Value) {
        let body = json!({"storeId": self.store, "paymentId": payment});
        self.post("/api/v1/cancelPayment", key, body).await
    }

    pub async fn refund(&self, key: &str, payment: &str, amount: i64) -> (StatusCode, Value) {
        let body = json!({"storeId": self.store, "paymentId": payment, "amount": amount});
        self.post("/api/v1/refundPayment", key, body).await
    }

    /// The payment as `GET /payments/{id}` shows it.
    pub async fn payment(&self, payment: &str) -> Value {
        let path = format!("/api/v1/payments/{payment}");
        let (status, body) = self.server.get(&self.m.key, &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["payment"].clone()
    }

    /// Capture requests that reached the vendor (the server must be recording).
    pub fn captures_at_vendor(&self) -> usize {
        self.server
            .app
            .sandbox
            .recorded(self.psp.provider)
            .iter()
            .filter(|r| r.method == "POST" && r.path.contains(self.psp.capture_path))
            .count()
    }
}

/// Runs a scenario `fn(Backend, Psp)` for each named provider on both databases.
#[macro_export]
macro_rules! for_each_psp {
    ($scenario:ident: $($provider:ident),* $(,)?) => {
        mod $scenario {
            $(
                mod $provider {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn sqlite() {
                        let psp = $crate::support::psp::manual_capture(stringify!($provider));
                        super::super::$scenario($crate::support::Backend::Sqlite, psp).await
                    }
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn postgres() {
                        let psp = $crate::support::psp::manual_capture(stringify!($provider));
                        super::super::$scenario($crate::support::Backend::Postgres, psp).await
                    }
                }
            )*
        }
    };
}
