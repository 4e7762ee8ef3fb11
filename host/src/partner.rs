//! The partner CLI's work: scaffold a connector project, check a component the way an
//! upload is checked, run one operation against a URL or a Test Mode simulator, and
//! upload to a server. `beep connector …` in main.rs is the thin shell around this.

use crate::connectors::Source;
use crate::policy::{self, Declared, Environment, Installation};
use crate::runtime::bindings::types::{
    CancelRequest, CaptureRequest, PaymentLookup, PaymentRequest, RefundRequest, Sale, StockChange,
    Transaction, WebhookRequest,
};
use crate::runtime::{Budgets, CallContext, CallError, Connector, Runtime};
use anyhow::{Context as _, bail};
use beep_sandbox::Sandbox;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// What `beep connector check` prints.
pub async fn check(file: &Path) -> anyhow::Result<Value> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let runtime = Runtime::new(None)?;
    let component = wasmtime::component::Component::new(runtime.engine(), &bytes).ok();
    let imports: Vec<String> = component
        .as_ref()
        .map(|c| {
            c.component_type()
                .imports(runtime.engine())
                .map(|(name, _)| name.to_string())
                .collect()
        })
        .unwrap_or_default();
    let connector = runtime.load(&bytes).await?;
    Ok(json!({
        "ok": true,
        "name": connector.info.name,
        "kind": crate::connectors::kind_name(connector.kind()),
        "version": connector.info.version,
        "contract": connector.contract,
        "systems": connector.info.systems,
        "requestedHosts": connector.info.hosts,
        "imports": imports,
        "size": bytes.len(),
        "sha256": connector.sha256,
    }))
}

/// Where `run` may send requests: a Test Mode simulator (started in this process) or
/// an explicit URL.
pub enum Upstream {
    Sandbox(String),
    Url(String),
}

fn parse<T: serde::de::DeserializeOwned>(input: Option<&str>, what: &str) -> anyhow::Result<T> {
    let text = input.with_context(|| format!("this operation needs --input with {what} (JSON)"))?;
    serde_json::from_str(text).with_context(|| format!("--input is not a {what}"))
}

/// Runs one operation of a component and returns its result and every outbound call.
pub async fn run(
    file: &Path,
    operation: &str,
    config: &str,
    cursor: Option<&str>,
    input: Option<&str>,
    upstream: Upstream,
) -> anyhow::Result<Value> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let runtime = Runtime::new(None)?;
    let connector = runtime.load(&bytes).await?;
    let credentials: Value = serde_json::from_str(config).context("--config is not JSON")?;
    let mut installation = Installation::of(&credentials).map_err(|e| anyhow::anyhow!(e.0))?;
    // The component is treated as an upload: in Test Mode it reaches the simulator it
    // names (`--sandbox`), with `--url` exactly that URL.
    let declared = Declared {
        id: &connector.info.name,
        source: Source::Uploaded,
        hosts: &connector.info.hosts,
        system: None,
    };
    let sandbox;
    let environment = match &upstream {
        Upstream::Sandbox(vendor) => {
            sandbox = Sandbox::start("127.0.0.1:0".parse()?, None, &Default::default()).await?;
            installation.sandbox = Some(vendor);
            Environment::Test {
                sandbox: &sandbox,
                partition: None,
            }
        }
        Upstream::Url(url) => Environment::Workbench(url),
    };
    let reach =
        policy::reach(&declared, &installation, environment).map_err(|e| anyhow::anyhow!(e.0))?;
    let config = reach.config(&credentials);
    let ctx = CallContext {
        grant: reach.grant,
        budgets: Budgets::default(),
    };
    let (result, report) = invoke(
        &runtime, &connector, &ctx, operation, &config, cursor, input,
    )
    .await?;
    Ok(json!({
        "operation": operation,
        "result": match &result { Ok(v) => v.clone(), Err(_) => Value::Null },
        "error": result.err().map(|e| json!({"code": e.code(), "message": e.to_string()})),
        "outbound": report.outbound,
        "logs": report.logs,
        "millis": report.elapsed.as_millis() as u64,
    }))
}

type Invoked = (Result<Value, CallError>, crate::runtime::CallReport);

fn json_of<T: serde::Serialize>(
    (result, report): (Result<T, CallError>, crate::runtime::CallReport),
) -> Invoked {
    (
        result.map(|v| serde_json::to_value(v).unwrap_or(Value::Null)),
        report,
    )
}

async fn invoke(
    rt: &Runtime,
    c: &Connector,
    ctx: &CallContext,
    operation: &str,
    config: &str,
    cursor: Option<&str>,
    input: Option<&str>,
) -> anyhow::Result<Invoked> {
    Ok(match operation {
        "describe" => json_of(rt.describe(c, ctx).await),
        "fetch-catalog" => json_of(rt.fetch_catalog(c, ctx, config, cursor).await),
        "push-sales" => json_of(
            rt.push_sales(c, ctx, config, &parse::<Vec<Sale>>(input, "list of sales")?)
                .await,
        ),
        "fetch-inventory" => json_of(rt.fetch_inventory(c, ctx, config, cursor).await),
        "fetch-orders" => json_of(rt.fetch_orders(c, ctx, config, cursor).await),
        "fetch-suppliers" => json_of(rt.fetch_suppliers(c, ctx, config, cursor).await),
        "push-transactions" => json_of(
            rt.push_transactions(
                c,
                ctx,
                config,
                &parse::<Vec<Transaction>>(input, "list of transactions")?,
            )
            .await,
        ),
        "push-stock-changes" => json_of(
            rt.push_stock_changes(
                c,
                ctx,
                config,
                &parse::<Vec<StockChange>>(input, "list of stock changes")?,
            )
            .await,
        ),
        "validate-config" => json_of(rt.validate_config(c, ctx, config).await),
        "create-payment" => json_of(
            rt.create_payment(
                c,
                ctx,
                config,
                &parse::<PaymentRequest>(input, "payment request")?,
            )
            .await,
        ),
        "get-payment" => json_of(
            rt.get_payment(
                c,
                ctx,
                config,
                &parse::<PaymentLookup>(input, "payment lookup")?,
            )
            .await,
        ),
        "refund-payment" => json_of(
            rt.refund_payment(
                c,
                ctx,
                config,
                &parse::<RefundRequest>(input, "refund request")?,
            )
            .await,
        ),
        "authorize-payment" => json_of(
            rt.authorize_payment(
                c,
                ctx,
                config,
                &parse::<PaymentRequest>(input, "payment request")?,
            )
            .await,
        ),
        "capture-payment" => json_of(
            rt.capture_payment(
                c,
                ctx,
                config,
                &parse::<CaptureRequest>(input, "capture request")?,
            )
            .await,
        ),
        "cancel-payment" => json_of(
            rt.cancel_payment(
                c,
                ctx,
                config,
                &parse::<CancelRequest>(input, "cancel request")?,
            )
            .await,
        ),
        "fetch-payouts" => json_of(rt.fetch_payouts(c, ctx, config, cursor).await),
        "parse-webhook" => json_of(
            rt.parse_webhook(
                c,
                ctx,
                config,
                &parse::<WebhookRequest>(input, "webhook request")?,
            )
            .await,
        ),
        other => bail!(
            "unknown operation {other:?} (describe, fetch-catalog, push-sales, fetch-inventory, fetch-orders, fetch-suppliers, push-transactions, push-stock-changes, validate-config, create-payment, get-payment, refund-payment, authorize-payment, capture-payment, cancel-payment, fetch-payouts, parse-webhook)"
        ),
    })
}

/// Uploads a component to a server; returns the server's answer.
pub async fn upload(
    server: &str,
    key: &str,
    file: &Path,
    manifest: &Value,
) -> anyhow::Result<(u16, Value)> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let boundary = format!("beep{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::with_capacity(bytes.len() + 1024);
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"manifest\"\r\nContent-Type: application/json\r\n\r\n{manifest}\r\n").as_bytes());
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"component\"; filename=\"connector.wasm\"\r\nContent-Type: application/wasm\r\n\r\n").as_bytes());
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uri: http::Uri = format!("{}/api/v1/connectors", server.trim_end_matches('/')).parse()?;
    let authority = uri.authority().context("--server needs host:port")?.clone();
    if uri.scheme_str() != Some("http") {
        bail!("the CLI uploads over http:// (use a TLS-terminating proxy's local address)");
    }
    let stream = tokio::net::TcpStream::connect(authority.as_str())
        .await
        .with_context(|| format!("connecting to {authority}"))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let request = http::Request::post(uri.path())
        .header("host", authority.as_str())
        .header("authorization", format!("Bearer {key}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await?
        .to_bytes();
    Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

/// Where the Rust SDK lives, for scaffolded Rust projects to depend on by path.
fn sdk_dir() -> PathBuf {
    std::env::var_os("BEEP_SDK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk"))
}

/// Scaffolds a Rust connector project that builds as generated.
pub fn new_rust(dir: &Path, name: &str, kind: &str) -> anyhow::Result<()> {
    let (world, traits, ops) = match kind {
        "pos" => ("pos", ("pos::Describe", "pos::Pos"), RUST_POS),
        "erp" => ("erp", ("erp::Describe", "erp::Erp"), RUST_ERP),
        "psp" => ("psp", ("psp::Describe", "psp::Psp"), RUST_PSP),
        other => bail!("--kind must be pos, erp or psp, not {other}"),
    };
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    std::fs::create_dir_all(dir.join("src"))?;
    let sdk =
        std::fs::canonicalize(sdk_dir()).context("finding the Rust SDK (set BEEP_SDK_DIR)")?;
    let crate_name = name.replace('-', "_");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\ncrate-type = [\"cdylib\", \"rlib\"]\n\n[dependencies]\nbeep-sdk = {{ path = {sdk:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n[profile.release]\nopt-level = \"s\"\nlto = true\nstrip = true\n\n# A project of its own, not a member of an enclosing workspace.\n[workspace]\n"
        ),
    )?;
    std::fs::write(
        dir.join("rust-toolchain.toml"),
        "[toolchain]\nchannel = \"1.95.0\"\ntargets = [\"wasm32-wasip2\"]\n",
    )?;
    std::fs::write(
        dir.join("src/lib.rs"),
        format!(
            "//! {name}: a BEEP! {kind} connector.\n//!\n//! Build: cargo build --release --target wasm32-wasip2\n//! Check: beep connector check target/wasm32-wasip2/release/{crate_name}.wasm\n\nuse beep_sdk::prelude::*;\n\nstruct Connector;\n\n#[derive(serde::Deserialize)]\n#[serde(rename_all = \"camelCase\")]\n#[allow(dead_code)]\nstruct Config {{\n    base_url: Option<String>,\n    api_key: Option<String>,\n}}\n\nimpl beep_sdk::{} for Connector {{\n    fn describe() -> ConnectorInfo {{\n        ConnectorInfo {{\n            name: \"{name}\".into(),\n            kind: ConnectorKind::{},\n            version: \"0.1.0\".into(),\n            systems: vec![\"{name}\".into()],\n            hosts: vec![\"https://api.example.com\".into()],\n            config_schema: r#\"{{\"type\":\"object\"}}\"#.into(),\n        }}\n    }}\n}}\n\nimpl beep_sdk::{} for Connector {{\n{ops}}}\n\nbeep_sdk::export_{world}!(Connector);\n",
            traits.0,
            capitalize(world),
            traits.1,
        ),
    )?;
    std::fs::write(dir.join(".gitignore"), "/target\n")?;
    Ok(())
}

/// Copies the JavaScript or Python template of the kind (sdk/{js,python}/template for POS,
/// template-erp, template-psp), names it, and points its build at this checkout's SDK.
pub fn new_from_template(dir: &Path, name: &str, kind: &str, lang: &str) -> anyhow::Result<()> {
    let sdk = std::fs::canonicalize(sdk_dir()).context("finding the SDKs (set BEEP_SDK_DIR)")?;
    // One template per world: `template` is the POS connector, `template-erp` and
    // `template-psp` the others; each names its connector `acme-{kind}` (JS) or
    // `acme-{kind}-py` (Python).
    let template_dir = match kind {
        "pos" => "template",
        "erp" => "template-erp",
        "psp" => "template-psp",
        other => bail!("--kind must be pos, erp or psp, not {other}"),
    };
    let (template, template_name, sdk_default, sdk_path) = match lang {
        "js" => (
            sdk.join("js").join(template_dir),
            format!("acme-{kind}"),
            "fileURLToPath(new URL('..', import.meta.url))",
            format!("{:?}", sdk.join("js").display().to_string()),
        ),
        "python" => (
            sdk.join("python").join(template_dir),
            format!("acme-{kind}-py"),
            "$(cd \"$HERE/..\" && pwd)",
            sdk.join("python").display().to_string(),
        ),
        other => bail!("--lang must be rust, js or python, not {other}"),
    };
    if !template.exists() {
        bail!("no {lang} template at {}", template.display());
    }
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    let quoted = format!("'{template_name}'");
    let double_quoted = format!("\"{template_name}\"");
    copy_tree(&template, dir, &|text| {
        text.replace(&quoted, &format!("'{name}'"))
            .replace(&double_quoted, &format!("\"{name}\""))
            .replace(sdk_default, &sdk_path)
    })
}

fn copy_tree(from: &Path, to: &Path, rewrite: &dyn Fn(&str) -> String) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "node_modules" || name == "__pycache__" || name == "target" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copy_tree(&src, &dst, rewrite)?;
        } else {
            match std::fs::read_to_string(&src) {
                Ok(text) => std::fs::write(&dst, rewrite(&text))?,
                Err(_) => {
                    std::fs::copy(&src, &dst)?;
                }
            }
            // Keep build scripts executable.
            std::fs::set_permissions(&dst, std::fs::metadata(&src)?.permissions())?;
        }
    }
    Ok(())
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

const RUST_POS: &str = r#"    fn fetch_catalog(config: String, _cursor: Option<String>) -> Result<CatalogPage, ConnectorError> {
        let config: Config = parse_config(&config)?;
        let _base = config.base_url.unwrap_or_else(|| "https://api.example.com".into());
        // Request::get(format!("{_base}/products")).bearer(&key).send()?.error_for_status()?.json()?
        Ok(CatalogPage { products: vec![], categories: vec![], price_updates: vec![], next_cursor: None, has_more: false })
    }

    fn push_sales(_config: String, sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        Ok(sales.into_iter().map(|s| PushResult { id: s.id, outcome: PushOutcome::Created(None) }).collect())
    }
"#;

const RUST_ERP: &str = r#"    fn fetch_inventory(_config: String, _cursor: Option<String>) -> Result<InventoryPage, ConnectorError> {
        Ok(InventoryPage { levels: vec![], next_cursor: None, has_more: false })
    }

    fn fetch_orders(_config: String, _cursor: Option<String>) -> Result<OrdersPage, ConnectorError> {
        Ok(OrdersPage { orders: vec![], next_cursor: None, has_more: false })
    }

    fn fetch_suppliers(_config: String, _cursor: Option<String>) -> Result<SuppliersPage, ConnectorError> {
        Ok(SuppliersPage { suppliers: vec![], next_cursor: None, has_more: false })
    }

    fn push_transactions(_config: String, transactions: Vec<Transaction>) -> Result<Vec<PushResult>, ConnectorError> {
        Ok(transactions.into_iter().map(|t| PushResult { id: t.id, outcome: PushOutcome::Created(None) }).collect())
    }

    fn push_stock_changes(_config: String, changes: Vec<StockChange>) -> Result<Vec<PushResult>, ConnectorError> {
        Ok(changes.into_iter().map(|c| PushResult { id: c.id, outcome: PushOutcome::Created(None) }).collect())
    }
"#;

const RUST_PSP: &str = r#"    fn validate_config(config: String) -> Result<(), ConnectorError> {
        let _config: Config = parse_config(&config)?;
        Ok(())
    }

    fn create_payment(_config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        Ok(Payment {
            provider_reference: format!("example-{}", request.id),
            status: PaymentStatus::Succeeded,
            amount: request.amount.clone(),
            captured: Some(request.amount),
            failure_code: None,
            failure_message: None,
            action_url: None,
        })
    }

    fn get_payment(_config: String, lookup: PaymentLookup) -> Result<Payment, ConnectorError> {
        Err(ConnectorError::NotFound(lookup.payment_id))
    }

    fn refund_payment(_config: String, request: RefundRequest) -> Result<Refund, ConnectorError> {
        Ok(Refund {
            provider_reference: format!("refund-{}", request.id),
            payment_provider_reference: Some(request.payment_provider_reference),
            status: RefundStatus::Succeeded,
            amount: request.amount,
            failure_message: None,
        })
    }

    fn authorize_payment(_config: String, request: PaymentRequest) -> Result<Payment, ConnectorError> {
        // Manual capture: held until capture_payment or cancel_payment. A vendor that
        // cannot hold an amount answers ConnectorError::Unsupported saying why.
        Ok(Payment {
            provider_reference: format!("example-{}", request.id),
            status: PaymentStatus::Authorized,
            amount: request.amount.clone(),
            captured: None,
            failure_code: None,
            failure_message: None,
            action_url: None,
        })
    }

    fn capture_payment(_config: String, request: CaptureRequest) -> Result<Payment, ConnectorError> {
        Ok(Payment {
            provider_reference: request.payment_provider_reference,
            status: PaymentStatus::Succeeded,
            amount: request.authorized,
            captured: Some(request.amount),
            failure_code: None,
            failure_message: None,
            action_url: None,
        })
    }

    fn cancel_payment(_config: String, request: CancelRequest) -> Result<Payment, ConnectorError> {
        Ok(Payment {
            provider_reference: request.payment_provider_reference,
            status: PaymentStatus::Canceled,
            amount: request.authorized,
            captured: None,
            failure_code: None,
            failure_message: None,
            action_url: None,
        })
    }

    fn fetch_payouts(_config: String, _cursor: Option<String>) -> Result<PayoutsPage, ConnectorError> {
        // List the vendor's settlements; beep_sdk::payout::Totals adds up their parts.
        Err(ConnectorError::Unsupported("this connector lists no payouts yet".into()))
    }

    fn parse_webhook(_config: String, _request: WebhookRequest) -> Result<WebhookEvent, ConnectorError> {
        Err(ConnectorError::Unsupported("no webhooks".into()))
    }
"#;
