//! Secrets stay secret: run the flows with known credentials through the real binary,
//! then search its log output, the answers, the audit, the sync runs and every text
//! column of the database for them.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;
use std::process::{Command, Stdio};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_leak() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("secrets.db").display());
    let beep = env!("CARGO_BIN_EXE_beep");
    let out = Command::new(beep)
        .args([
            "merchant",
            "create",
            "--name",
            "Leak Test",
            "--plan",
            "PRIME",
            "--db",
            &db,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let merchant: Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = merchant["testKey"].as_str().unwrap().to_string();
    let live_key = merchant["liveKey"].as_str().unwrap().to_string();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let master = beep_host::crypto::generate_key();
    let mut child = Command::new(beep)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
            &db,
        ])
        .env("BEEP_LOG", "debug")
        .env("BEEP_MASTER_KEY", &master)
        .env(
            "BEEP_CACHE_DIR",
            std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("beep-cache"),
        )
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if http.get(format!("{base}/health")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut answers = Vec::new();
    let mut call = async |path: &str, body: Value, idem: Option<&str>| -> (StatusCode, Value) {
        let mut req = http
            .post(format!("{base}{path}"))
            .bearer_auth(&key)
            .json(&body);
        if let Some(k) = idem {
            req = req.header("Idempotency-Key", k);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let value: Value = resp.json().await.unwrap_or(Value::Null);
        answers.push(value.to_string());
        (status, value)
    };
    let (_, store) = call("/api/v1/stores", json!({"name": "s"}), None).await;
    let store = store["storeId"].as_str().unwrap().to_string();
    let sandbox: Value = http
        .get(format!("{base}/api/v1/sandbox"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let creds = |system: &str| {
        sandbox["vendors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["system"] == system)
            .unwrap()["credentials"]
            .clone()
    };
    let korona = creds("korona");
    let stripe = creds("stripe");

    // Success and failure paths of each flow.
    let (status, _) = call(
        "/api/v1/syncPOS",
        json!({"system": "korona", "storeId": store, "credentials": korona}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut wrong = korona.clone();
    wrong["password"] = json!("Wr0ngKoronaSecret!");
    call(
        "/api/v1/syncPOS",
        json!({"system": "korona", "storeId": store, "credentials": wrong}),
        None,
    )
    .await;
    call("/api/v1/sales", json!({"storeId": store, "receiptNumber": "1", "currency": "EUR", "lines": [{"name": "x", "quantity": 1, "unitPrice": 100}]}), None).await;
    call(
        "/api/v1/pushToPOS",
        json!({"system": "korona", "storeId": store, "credentials": korona}),
        None,
    )
    .await;
    call("/api/v1/configurePSP", json!({"provider": "stripe", "storeId": store, "config": {"secretKey": "sk_test_WrongButSecret123"}}), None).await;
    let (status, _) = call(
        "/api/v1/configurePSP",
        json!({"provider": "stripe", "storeId": store, "config": stripe}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, paid) = call("/api/v1/processPayment", json!({"storeId": store, "amount": 5000, "currency": "EUR", "reference": "r", "paymentMethod": "pm_card_visa"}), Some("p1")).await;
    call(
        "/api/v1/refundPayment",
        json!({"storeId": store, "paymentId": paid["paymentId"], "amount": 100}),
        Some("r1"),
    )
    .await;
    // Every other simulated vendor, each in a store of its own: sync and push (POS,
    // ERP) or configure (PSP) with its working credentials, which join the secrets.
    let mut vendor_secrets: Vec<String> = Vec::new();
    for vendor in sandbox["vendors"].as_array().unwrap() {
        let name = vendor["system"].as_str().unwrap();
        let credentials = vendor["credentials"].clone();
        collect_secrets(&credentials, &mut vendor_secrets);
        let (_, own) = call("/api/v1/stores", json!({"name": name}), None).await;
        let own = own["storeId"].as_str().unwrap().to_string();
        let system = name.trim_end_matches("-pos").trim_end_matches("-erp");
        let calls: &[&str] = match vendor["kind"].as_str().unwrap() {
            "pos" => &["/api/v1/syncPOS", "/api/v1/pushToPOS"],
            "erp" => &["/api/v1/syncERP", "/api/v1/pushToERP"],
            _ => &["/api/v1/configurePSP"],
        };
        for path in calls {
            let body = if *path == "/api/v1/configurePSP" {
                json!({"provider": system, "storeId": own, "config": credentials})
            } else {
                json!({"system": system, "storeId": own, "credentials": credentials})
            };
            let (status, answer) = call(path, body, None).await;
            // Sales pushes may be refused by read-only vendors; every sync and
            // configuration must succeed, so the credentials really were used.
            if !path.starts_with("/api/v1/push") {
                assert_eq!(status, StatusCode::OK, "{name} {path}: {answer}");
            }
        }
    }
    println!(
        "secrets: {} vendor credential values from {} simulated systems",
        vendor_secrets.len(),
        sandbox["vendors"].as_array().unwrap().len()
    );
    assert!(
        vendor_secrets.len() >= 10,
        "{} secrets",
        vendor_secrets.len()
    );
    for path in [
        "/api/v1/audit/egress?limit=1000".to_string(),
        format!("/api/v1/syncRuns?storeId={store}"),
        format!("/api/v1/payments?storeId={store}"),
    ] {
        answers.push(
            http.get(format!("{base}{path}"))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // Everything the server wrote or answered, and every text in its database.
    let mut haystack = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    haystack.push_str(&answers.join("\n"));
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let tables: Vec<String> = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for table in tables {
        for row in sqlx::query(&format!("SELECT * FROM \"{table}\""))
            .fetch_all(&pool)
            .await
            .unwrap()
        {
            for (i, _) in row.columns().iter().enumerate() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                    haystack.push_str(&text);
                    haystack.push('\n');
                }
            }
        }
    }
    assert!(
        haystack.contains("korona"),
        "the search sees the server's records"
    );
    let basic = base64_basic(
        korona["username"].as_str().unwrap(),
        korona["password"].as_str().unwrap(),
    );
    for secret in &vendor_secrets {
        assert!(
            !haystack.contains(secret.as_str()),
            "a vendor secret leaked: {}…",
            &secret[..4]
        );
    }
    for secret in [
        stripe["secretKey"].as_str().unwrap(),
        stripe["webhookSecret"].as_str().unwrap(),
        "sk_test_WrongButSecret123",
        "Wr0ngKoronaSecret!",
        basic.as_str(),
        key.as_str(),
        live_key.as_str(),
        master.as_str(),
    ] {
        assert!(
            !haystack.contains(secret),
            "a secret leaked: {}…",
            &secret[..8.min(secret.len())]
        );
    }
}

/// The secret-looking strings of a credentials object (passwords, tokens, keys and
/// secrets; public keys excepted), wherever they are nested.
fn collect_secrets(value: &Value, out: &mut Vec<String>) {
    let Some(object) = value.as_object() else {
        return;
    };
    for (field, v) in object {
        let field = field.to_ascii_lowercase();
        let secret = ["pass", "secret", "token", "key"]
            .iter()
            .any(|w| field.contains(w))
            && !field.contains("public");
        match v {
            Value::String(text) if secret && text.len() >= 8 => out.push(text.clone()),
            Value::Object(_) => collect_secrets(v, out),
            _ => {}
        }
    }
}

fn base64_basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}
