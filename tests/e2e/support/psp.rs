//! One table of payment providers and the helpers every PSP scenario uses: a store with
//! the provider configured against its Test Mode simulator, and `pay`, `capture`,
//! `cancel`, `refund` and `payment` through the public API. A vendor's own module keeps
//! only what is special about that vendor.

use super::{Backend, Merchant, Options, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// What a scenario needs to know of a provider: its own test tokens (the vendor's
/// documented ones where it has them), its words for refused credentials, and where its
/// simulator shows what it holds.
pub struct Psp {
    pub provider: &'static str,
    /// A token that pays (and, for manual capture, authorises).
    pub approve: &'static str,
    /// A token the vendor declines.
    pub decline: &'static str,
    /// A token that needs the shopper (3-D Secure, a redirect).
    pub action: &'static str,
    /// A credential field, a value the vendor refuses, and the vendor's words for it.
    pub wrong_credential: (&'static str, &'static str, &'static str),
    /// A credential value the connector refuses before sending anything.
    pub malformed: (&'static str, &'static str),
    /// Part of the path of the vendor's create request (payments created there).
    pub create_path: &'static str,
    /// Part of the path of the vendor's capture request.
    pub capture_path: &'static str,
    /// The simulator's list of what it holds, under its hook root (`payment_intents`).
    pub held: &'static str,
    /// The `/_sim/fail` body that loses the answer of a create after it took effect.
    pub lost_answer: Option<&'static str>,
    /// Whether the vendor can hold an authorisation (manual capture).
    pub holds: bool,
    /// Extra configuration (webhook URLs) the provider needs, given the server and store.
    pub config: fn(&Server, &str, &mut Value),
}

fn nothing(_: &Server, _: &str, _: &mut Value) {}

fn mollie_webhook(server: &Server, store: &str, config: &mut Value) {
    config["webhookUrl"] = json!(format!("{}/api/v1/webhooks/mollie/{store}", server.url));
}

fn payabl_notification(server: &Server, store: &str, config: &mut Value) {
    config["notificationUrl"] = json!(format!("{}/api/v1/webhooks/payabl/{store}", server.url));
}

/// The seven bundled providers.
pub const PROVIDERS: [&str; 7] = [
    "stripe", "adyen", "mollie", "payone", "unzer", "payabl", "sumup",
];

pub fn psp(provider: &str) -> Psp {
    match provider {
        "stripe" => Psp {
            provider: "stripe",
            approve: "pm_card_visa",
            decline: "pm_card_chargeDeclined",
            action: "pm_card_threeDSecure2Required",
            wrong_credential: ("secretKey", "sk_test_wrong", "Invalid API Key"),
            malformed: ("secretKey", "pk_test_publishable"),
            create_path: "/v1/payment_intents",
            capture_path: "/capture",
            held: "payment_intents",
            lost_answer: None,
            holds: true,
            config: nothing,
        },
        "adyen" => Psp {
            provider: "adyen",
            approve: "adyen_test_authorised",
            decline: "adyen_test_refused",
            action: "adyen_test_3ds",
            wrong_credential: (
                "apiKey",
                "AQE_not_a_valid_key_0123456789",
                "HTTP Status Response - Unauthorized",
            ),
            malformed: ("apiKey", ""),
            create_path: "/payments",
            capture_path: "/captures",
            held: "payments",
            lost_answer: Some(r#"{"status": 503, "times": 1, "after": true}"#),
            holds: true,
            config: nothing,
        },
        "mollie" => Psp {
            provider: "mollie",
            approve: "mollie_test_paid",
            decline: "mollie_test_failed",
            action: "mollie_test_open",
            wrong_credential: (
                "apiKey",
                "test_wrongwrongwrongwrongwrongwrong00",
                "Missing authentication, or failed to authenticate",
            ),
            malformed: ("apiKey", "sk_test_123"),
            create_path: "/v2/payments",
            capture_path: "/captures",
            held: "payments",
            lost_answer: Some(r#"{"status": 502, "times": 1, "after": true}"#),
            holds: true,
            config: mollie_webhook,
        },
        "payone" => Psp {
            provider: "payone",
            approve: "payone_test_ok",
            decline: "payone_test_declined",
            action: "payone_test_3ds",
            wrong_credential: (
                "apiSecret",
                "not-the-secret",
                "the signature does not match the request",
            ),
            malformed: ("apiKey", ""),
            create_path: "/payment-executions",
            capture_path: "/capture",
            held: "payments",
            lost_answer: Some(
                r#"{"status": 502, "times": 1, "after": true, "path": "payment-executions"}"#,
            ),
            holds: true,
            config: nothing,
        },
        "unzer" => Psp {
            provider: "unzer",
            approve: "s-crd-success",
            decline: "s-crd-declined",
            action: "s-crd-3ds",
            wrong_credential: (
                "privateKey",
                "s-priv-wrongwrongwrong",
                "Unauthorized access. Please check your private key.",
            ),
            malformed: ("privateKey", "s-pub-2a10BeepSandboxUnzer0000"),
            create_path: "/payments/",
            capture_path: "/charges",
            held: "payments",
            lost_answer: Some(r#"{"status": 502, "times": 1, "after": true}"#),
            holds: true,
            config: nothing,
        },
        "payabl" => Psp {
            provider: "payabl",
            approve: "payabl_test_ok",
            decline: "payabl_test_declined",
            action: "payabl_test_3ds",
            wrong_credential: ("secret", "not-the-secret", "Invalid signature"),
            malformed: ("secret", "geheim€"),
            create_path: "payment_authorize",
            capture_path: "capture",
            held: "transactions",
            lost_answer: Some(r#"{"status": 502, "times": 1, "after": true}"#),
            holds: true,
            config: payabl_notification,
        },
        "sumup" => Psp {
            provider: "sumup",
            approve: "sumup_test_paid",
            decline: "sumup_test_failed",
            action: "sumup_test_3ds",
            wrong_credential: ("apiKey", "sup_sk_wrongwrongwrong", "Unauthorized."),
            malformed: ("apiKey", ""),
            create_path: "/checkouts",
            capture_path: "/capture",
            held: "checkouts",
            lost_answer: Some(r#"{"status": 500, "times": 1, "after": true, "method": "POST"}"#),
            holds: false,
            config: nothing,
        },
        other => panic!("no PSP scenario for {other}"),
    }
}

/// Every provider whose API can hold an authorisation and capture it later.
pub fn manual_capture(provider: &str) -> Psp {
    let p = psp(provider);
    assert!(p.holds, "{provider} cannot hold an authorisation");
    p
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
        PspStore::start_with(backend, psp, Options::default()).await
    }

    /// [`PspStore::start`] on a server started with `options`.
    pub async fn start_with(backend: Backend, psp: Psp, options: Options) -> PspStore {
        PspStore::start_as(backend, psp, options, Plan::Start).await
    }

    /// [`PspStore::start`] for a merchant on `plan` (syncs and pushes need GROW).
    pub async fn start_as(backend: Backend, psp: Psp, options: Options, plan: Plan) -> PspStore {
        let server = Server::start_with(backend, options).await;
        let m = server.merchant(plan).await;
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

    /// `configurePSP` again with another `config`.
    pub async fn configure(&self, config: Value) -> (StatusCode, Value) {
        let body = json!({"provider": self.psp.provider, "storeId": self.store, "config": config});
        self.server
            .post(&self.m.key, "/api/v1/configurePSP", body)
            .await
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

    /// `processPayment` with `body` under `key`, whatever the answer.
    pub async fn process(&self, key: &str, body: Value) -> (StatusCode, Value) {
        self.post("/api/v1/processPayment", key, body).await
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
        self.detail(payment).await["payment"].clone()
    }

    /// `GET /payments/{id}`: the payment and its refunds.
    pub async fn detail(&self, payment: &str) -> Value {
        let path = format!("/api/v1/payments/{payment}");
        let (status, body) = self.server.get(&self.m.key, &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Where the simulator's `/_sim/` hooks are: beside the API's base path (Unzer's
    /// base URL ends in its API version, its hooks are at the root).
    pub fn hooks(&self) -> String {
        match self.psp.provider {
            "unzer" => format!("{}/_sim", self.base.trim_end_matches("/v1")),
            _ => format!("{}/_sim", self.base),
        }
    }

    /// What the vendor holds (payments, checkouts, transactions), per its simulator.
    pub async fn held_at_vendor(&self) -> Vec<Value> {
        self.at_vendor(self.psp.held).await
    }

    /// A `processPayment` body: `amount` in `currency`, paid with `token`.
    pub fn order(&self, amount: i64, currency: &str, token: &str) -> Value {
        json!({"storeId": self.store, "amount": amount, "currency": currency,
            "reference": "order-1", "paymentMethod": token})
    }

    /// `processPayment` with `body` under `key`; the answer must be 200 (declines and
    /// actions are answers too).
    pub async fn paid(&self, key: &str, body: Value) -> Value {
        let (status, paid) = self.process(key, body).await;
        assert_eq!(status, StatusCode::OK, "{paid}");
        paid
    }

    /// Pays 500 EUR cents with each `(token, status, failureCode)` under its own key and
    /// checks the answer; returns the answers in order.
    pub async fn expect_outcomes(&self, cases: &[(&str, &str, Option<&str>)]) -> Vec<Value> {
        let mut answers = Vec::new();
        for (token, status, failure) in cases {
            let paid = self
                .paid(&format!("case-{token}"), self.order(500, "EUR", token))
                .await;
            assert_eq!(paid["status"], *status, "{token}: {paid}");
            if let Some(code) = failure {
                assert_eq!(paid["failureCode"], *code, "{token}: {paid}");
            }
            answers.push(paid);
        }
        answers
    }

    /// `refundPayment` with `body` (the store added) under `key`.
    pub async fn refund_with(&self, key: &str, mut body: Value) -> (StatusCode, Value) {
        body["storeId"] = json!(self.store);
        self.post("/api/v1/refundPayment", key, body).await
    }

    /// Refunds `payment` in parts (`None`: what is left), each `requested_by_customer`
    /// under its own key; asserts each is answered 200 and returns the answers.
    pub async fn refund_parts(&self, payment: &str, parts: &[Option<i64>]) -> Vec<Value> {
        let mut answers = Vec::new();
        for (i, amount) in parts.iter().enumerate() {
            let body = json!({"paymentId": payment, "amount": amount,
                "reason": "requested_by_customer"});
            let (status, refund) = self.refund_with(&format!("part-{i}"), body).await;
            assert_eq!(status, StatusCode::OK, "{refund}");
            answers.push(refund);
        }
        answers
    }

    /// How many outbound requests the store's connectors have made (the egress audit).
    pub async fn outbound_requests(&self) -> usize {
        let path = format!("/api/v1/audit/egress?storeId={}&limit=1000", self.store);
        let (status, audit) = self.server.get(&self.m.key, &path).await;
        assert_eq!(status, StatusCode::OK, "{audit}");
        audit["calls"].as_array().unwrap().len()
    }

    /// One of the simulator's lists under its hooks (`transactions`, `refunds`, …).
    pub async fn at_vendor(&self, what: &str) -> Vec<Value> {
        let url = format!("{}/{what}", self.hooks());
        let list = self.server.sim_get(&url).await;
        list.as_array().cloned().unwrap_or_default()
    }

    /// A payment with one of the provider's tokens (`returnUrl` set, for actions).
    pub async fn pay_with(&self, key: &str, amount: i64, token: &str) -> (StatusCode, Value) {
        let body = json!({"storeId": self.store, "amount": amount, "currency": "EUR",
            "reference": format!("order-{key}"), "paymentMethod": token,
            "returnUrl": "https://shop.example/return"});
        self.post("/api/v1/processPayment", key, body).await
    }

    /// Posts a notification body to the store's webhook for this provider, as the vendor
    /// would (`content_type`: JSON or a form).
    pub async fn deliver(&self, content_type: &str, body: &str) -> (StatusCode, Value) {
        let url = format!(
            "{}/api/v1/webhooks/{}/{}",
            self.server.url, self.psp.provider, self.store
        );
        let resp = self
            .server
            .http
            .post(url)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Posts a Stripe event to the store's webhook, signed as Stripe signs it.
    pub async fn deliver_stripe(&self, event: &Value) -> (StatusCode, Value) {
        let payload = event.to_string();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let secret = beep_sandbox::stripe::SANDBOX_WEBHOOK_SECRET;
        let signature = beep_sandbox::stripe::sign_webhook(secret, now, &payload);
        let url = format!("/api/v1/webhooks/stripe/{}", self.store);
        let headers = [("stripe-signature", signature.as_str())];
        self.server
            .request(reqwest::Method::POST, None, &url, Some(event), &headers)
            .await
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
                        let psp = $crate::support::psp::psp(stringify!($provider));
                        super::super::$scenario($crate::support::Backend::Sqlite, psp).await
                    }
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn postgres() {
                        let psp = $crate::support::psp::psp(stringify!($provider));
                        super::super::$scenario($crate::support::Backend::Postgres, psp).await
                    }
                }
            )*
        }
    };
}
