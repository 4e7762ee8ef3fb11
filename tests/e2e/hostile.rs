//! The hostile suite: components written to attack the sandbox, each uploaded through the
//! API as a merchant would and called. Every attack must end in its own error, be
//! audited where it reached for the network, leave other tenants' answers fast and their
//! data untouched. The suite prints its figures: cases, the slowest stop, and a
//! bystander's latency during the attacks against its latency before them.
//!
//! Components (tests/components/hostile-*, Rust; one attack each, sharing
//! tests/components/hostile/src/attacks.rs) and WAT or raw bytes for the uploads that
//! must be refused before they ever run.

use crate::on_both_databases;
use crate::support::{Backend, Merchant, Options, Server, wasm};
use beep_host::db::merchants::Plan;
use beep_host::runtime::Budgets;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

/// An attack at run time: the component, the answer that must stop it (also recorded as
/// the sync run's error code), and what the egress audit must record (for attacks on the
/// network).
struct Attack {
    component: &'static str,
    status: StatusCode,
    code: &'static str,
    audited: Option<&'static str>,
}

const fn attack(
    component: &'static str,
    status: StatusCode,
    code: &'static str,
    audited: Option<&'static str>,
) -> Attack {
    Attack {
        component,
        status,
        code,
        audited,
    }
}

const GATEWAY: StatusCode = StatusCode::BAD_GATEWAY;
const TIMEOUT: StatusCode = StatusCode::GATEWAY_TIMEOUT;

/// In Test Mode, where a connector may reach only its simulator (here: the echo service).
#[rustfmt::skip]
const TEST_MODE: &[Attack] = &[
    attack("hostile-loop", TIMEOUT, "deadline_exceeded", None),
    attack("hostile-memory", GATEWAY, "memory_budget_exceeded", None),
    attack("hostile-memories", GATEWAY, "memory_budget_exceeded", None),
    attack("hostile-recursion", GATEWAY, "connector_trapped", None),
    attack("hostile-panic", GATEWAY, "connector_trapped", None),
    attack("hostile-huge-return", GATEWAY, "memory_budget_exceeded", None),
    attack("hostile-log-flood", GATEWAY, "log_budget_exceeded", None),
    attack("hostile-outside-grant", GATEWAY, "egress_denied", Some("example.com")),
    attack("hostile-ip-literal", GATEWAY, "egress_denied", Some("93.184.215.14")),
    attack("hostile-loopback", GATEWAY, "egress_denied", Some("127.0.0.1:5432")),
    attack("hostile-private", GATEWAY, "egress_denied", Some("10.0.0.1")),
    attack("hostile-link-local", GATEWAY, "egress_denied", Some("169.254.10.10")),
    attack("hostile-metadata", GATEWAY, "egress_denied", Some("169.254.169.254")),
    attack("hostile-storm", GATEWAY, "request_budget_exceeded", Some("request budget")),
    attack("hostile-denied-loop", GATEWAY, "request_budget_exceeded", Some("request budget")),
    attack("hostile-big-body", GATEWAY, "response_too_large", None),
    attack("hostile-endless-body", GATEWAY, "response_too_large", None),
    attack("hostile-slow-upstream", TIMEOUT, "deadline_exceeded", None),
];

/// In live mode, where a connector may reach its declared hosts over public HTTPS.
#[rustfmt::skip]
const LIVE_MODE: &[Attack] = &[
    attack("hostile-plain-http", GATEWAY, "egress_denied", Some("HTTPS only")),
    attack("hostile-rebinding", GATEWAY, "egress_denied", Some("localhost resolves to a non-public address")),
    attack("hostile-loopback", GATEWAY, "egress_denied", Some("127.0.0.1")),
    attack("hostile-private", GATEWAY, "egress_denied", Some("10.0.0.1")),
    attack("hostile-link-local", GATEWAY, "egress_denied", Some("169.254.10.10")),
    attack("hostile-metadata", GATEWAY, "egress_denied", Some("169.254.169.254")),
];

/// What each hostile component asks for and is approved: internal addresses included,
/// because live mode must refuse them even when granted. (Test Mode grants only the
/// simulators, whatever is approved.)
const GRANTED: &[&str] = &[
    "https://example.com",
    "https://localhost",
    "https://127.0.0.1:5432",
    "https://10.0.0.1",
    "https://169.254.10.10",
    "https://169.254.169.254",
];

fn budgets() -> Budgets {
    Budgets {
        deadline: Duration::from_secs(2),
        memory_bytes: 32 << 20,
        max_requests: 20,
        max_response_bytes: 1 << 20,
        max_log_bytes: 16 << 10,
    }
}

/// `hostile-memories`: a POS component whose one core module holds 16 memories and
/// grows each to 3 MiB (48 MiB together) in `fetch-catalog`. A budget per memory would
/// let it through; the call's one total stops it. Written as WAT (no compiler emits
/// sixteen memories) and made a component by wit-component against the real WIT.
fn sixteen_memories() -> Vec<u8> {
    const MEMORIES: usize = 16;
    let extra: String = (1..MEMORIES)
        .map(|i| format!("(memory $m{i} 1)\n"))
        .collect();
    let grow: String = (0..MEMORIES)
        .map(|i| {
            format!(
                "(if (i32.eq (memory.grow {i} (i32.const 47)) (i32.const -1)) (then unreachable))\n"
            )
        })
        .collect();
    // connector-info at 512: name, kind (pos = 0), version, systems, hosts (empty),
    // config-schema; each string or list a (pointer, length) pair.
    let wat = format!(
        r#"(module
  (memory (export "memory") 2)
  {extra}
  (global $heap (mut i32) (i32.const 4096))
  (data (memory 0) (i32.const 256) "hostile-memories")
  (data (memory 0) (i32.const 288) "0.1.0")
  (data (memory 0) (i32.const 304) "{{}}")
  (data (memory 0) (i32.const 320) "\00\01\00\00\10\00\00\00")
  (data (memory 0) (i32.const 512)
    "\00\01\00\00\10\00\00\00" "\00\00\00\00"
    "\20\01\00\00\05\00\00\00" "\40\01\00\00\01\00\00\00"
    "\00\00\00\00\00\00\00\00" "\30\01\00\00\02\00\00\00")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $at i32)
    (local.set $at (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                            (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $at) (local.get 3)))
    (if (i32.gt_u (global.get $heap) (i32.const 131072)) (then unreachable))
    (local.get $at))
  (func (export "describe") (result i32) (i32.const 512))
  (func (export "beep:connector/pos@0.2.0#fetch-catalog") (param i32 i32 i32 i32 i32) (result i32)
    {grow}
    unreachable)
  (func (export "beep:connector/pos@0.2.0#push-sales") (param i32 i32 i32 i32) (result i32)
    unreachable)
)"#
    );
    let mut module = wat::parse_str(&wat).expect("the WAT parses");
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../wit"))
        .expect("the WIT parses");
    let world = resolve
        .select_world(&[package], Some("pos-connector"))
        .expect("the POS world");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .unwrap()
        .encode()
        .expect("a component")
}

/// Uploads a hostile component and answers its connector id.
async fn upload_hostile(server: &Server, key: &str, component: &str) -> String {
    let bytes = match component {
        "hostile-memories" => sixteen_memories(),
        _ => std::fs::read(wasm(&format!("component-{component}"))).unwrap(),
    };
    let manifest = json!({"name": component, "version": "0.1.0", "kind": "pos", "hosts": GRANTED});
    let (status, body) = server.upload(key, manifest, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{component}: {body}");
    let id = body["connector"]["connectorId"]
        .as_str()
        .unwrap()
        .to_string();
    // The hosts become the grant: in live mode the attacks must fail on the address
    // (checked after resolution), the scheme or the budget, not on a missing approval.
    let (status, body) = server
        .post(
            key,
            &format!("/api/v1/connectors/{id}/grants"),
            json!({"approve": GRANTED}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{component}: {body}");
    id
}

/// A bystander merchant's ordinary read, timed.
async fn bystander_read(server: &Server, m: &Merchant, store: &str) -> Duration {
    let started = Instant::now();
    let (status, body) = server
        .get(&m.key, &format!("/api/v1/products?storeId={store}&limit=5"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    started.elapsed()
}

/// `beep_connector_call_seconds_max` of this connector's (`name@version`) catalogue calls.
async fn longest_call(server: &Server, connector: &str) -> Duration {
    let text = server.metrics().await;
    let prefix = format!(
        "beep_connector_call_seconds_max{{connector=\"{connector}\",operation=\"fetch-catalog\"}} "
    );
    let seconds: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in /metrics"))
        .parse()
        .unwrap();
    Duration::from_secs_f64(seconds)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Runs each attack while a bystander reads its own data in a loop; answers each
/// attack's time to be stopped and every bystander latency seen during attacks.
async fn run_attacks(
    server: &Server,
    attacker: &str,
    store: &str,
    attacks: &[Attack],
    bystander: (&Merchant, &str),
) -> (Vec<(&'static str, Duration)>, Vec<Duration>) {
    let mut stops = Vec::new();
    let mut during = Vec::new();
    for a in attacks {
        let id = upload_hostile(server, attacker, a.component).await;
        let call =
            json!({"system": "custom", "connectorId": id, "storeId": store, "credentials": {}});
        let done = std::sync::atomic::AtomicBool::new(false);
        let attack = async {
            let started = Instant::now();
            let answer = server.post(attacker, "/api/v1/syncPOS", call).await;
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            (answer, started.elapsed())
        };
        let watch = async {
            let mut seen = Vec::new();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                seen.push(bystander_read(server, bystander.0, bystander.1).await);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            seen
        };
        let (((status, body), took), seen) = tokio::join!(attack, watch);
        assert_eq!(status, a.status, "{}: {body}", a.component);
        assert_eq!(body["error"]["code"], a.code, "{}: {body}", a.component);
        // The store's sync run records the failure with the same code.
        let (_, runs) = server
            .get(
                attacker,
                &format!("/api/v1/syncRuns?storeId={store}&limit=1"),
            )
            .await;
        assert_eq!(
            runs["syncRuns"][0]["errorCode"], a.code,
            "{}: {runs}",
            a.component
        );
        if let Some(needle) = a.audited {
            let (_, audit) = server
                .get(
                    attacker,
                    &format!("/api/v1/audit/egress?storeId={store}&limit=1000"),
                )
                .await;
            let denied: Vec<&str> = audit["calls"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["denied"].as_str())
                .collect();
            assert!(
                denied.iter().any(|d| d.contains(needle)),
                "{}: the audit must name {needle:?}: {denied:?}",
                a.component
            );
        }
        // The request took `took` (a sync retries a page that ran out of time); the
        // call itself was stopped after the longest call the metrics saw.
        let call = longest_call(server, &format!("{}@0.1.0", a.component)).await;
        assert!(call <= took, "{}: {call:?} > {took:?}", a.component);
        stops.push((a.component, call));
        during.extend(seen);
    }
    (stops, during)
}

async fn hostile_components_are_stopped_and_contained(backend: Backend) {
    let server = Server::start_with(
        backend,
        Options {
            budgets: budgets(),
            ..Default::default()
        },
    )
    .await;
    let attacker = server.merchant(Plan::Grow).await;
    let attacker_store = server.store(&attacker).await;
    let bystander = server.merchant(Plan::Grow).await;
    let bystander_store = server.store(&bystander).await;
    let (_, korona) = server.sandbox(&bystander, "korona").await;
    let sync = json!({"system": "korona", "storeId": bystander_store, "credentials": korona});
    let (status, body) = server
        .post(&bystander.key, "/api/v1/syncPOS", sync.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let catalogue = format!("/api/v1/products?storeId={bystander_store}&limit=1000");
    let (_, before) = server.get(&bystander.key, &catalogue).await;

    let mut normal = Vec::new();
    for _ in 0..50 {
        normal.push(bystander_read(&server, &bystander, &bystander_store).await);
    }
    normal.sort();

    let (mut stops, mut during) = run_attacks(
        &server,
        &attacker.key,
        &attacker_store,
        TEST_MODE,
        (&bystander, &bystander_store),
    )
    .await;
    let uploads = refused_uploads(&server, &attacker).await;

    // Live mode: a second server that accepts live keys.
    let live = Server::start_with(
        backend,
        Options {
            budgets: budgets(),
            live: true,
            ..Default::default()
        },
    )
    .await;
    let live_attacker = live.merchant(Plan::Grow).await;
    let live_store = live.live_store(&live_attacker).await;
    let live_bystander = live.merchant(Plan::Grow).await;
    let live_bystander_store = live.store(&live_bystander).await;
    let (live_stops, live_during) = run_attacks(
        &live,
        &live_attacker.live_key,
        &live_store,
        LIVE_MODE,
        (&live_bystander, &live_bystander_store),
    )
    .await;
    stops.extend(live_stops);
    during.extend(live_during);

    // Nothing of the bystander's changed, and its real connector still works.
    let (_, after) = server.get(&bystander.key, &catalogue).await;
    assert_eq!(after, before, "the bystander's catalogue changed");
    let (status, body) = server.post(&bystander.key, "/api/v1/syncPOS", sync).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    during.sort();
    let (slowest, slowest_took) = stops.iter().max_by_key(|(_, t)| *t).copied().unwrap();
    println!(
        "hostile suite ({backend:?}): {} run-time attacks ({} components) and {uploads} refused uploads",
        stops.len(),
        TEST_MODE.len() + 2
    );
    for (component, took) in &stops {
        println!(
            "  {component:<24} call stopped after {:>6.0} ms",
            took.as_secs_f64() * 1e3
        );
    }
    println!(
        "  slowest stop: {slowest} after {:.0} ms (deadline {} ms)",
        slowest_took.as_secs_f64() * 1e3,
        budgets().deadline.as_millis()
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "  bystander reads: before p50 {:.1} ms, p99 {:.1} ms ({} reads); during attacks p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} reads)",
        ms(percentile(&normal, 0.5)),
        ms(percentile(&normal, 0.99)),
        normal.len(),
        ms(percentile(&during, 0.5)),
        ms(percentile(&during, 0.99)),
        ms(*during.last().unwrap()),
        during.len()
    );
    assert!(
        during.len() >= stops.len(),
        "the bystander was served during every attack"
    );
    // Deadlines stop every call: none runs far past its budget.
    assert!(
        slowest_took < budgets().deadline + Duration::from_secs(1),
        "{slowest} ran {slowest_took:?}"
    );
    // A generous bound (this is a correctness test, not a benchmark): other tenants
    // are never stalled behind an attack.
    assert!(
        *during.last().unwrap() < Duration::from_secs(1),
        "a bystander waited {:?}",
        during.last().unwrap()
    );
}

/// Uploads refused before anything runs; answers how many.
async fn refused_uploads(server: &Server, m: &Merchant) -> usize {
    let noop = std::fs::read(wasm("component-noop")).unwrap();
    let manifest = json!({"name": "test-noop", "version": "9.0.0", "kind": "pos"});
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "a core module, not a component",
            wat::parse_str("(module (func (export \"fetch-catalog\")))").unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_component",
        ),
        (
            "an import the host does not provide",
            wat::parse_str(
                r#"(component (import "evil:secrets/vault@1.0.0" (instance (export "steal" (func)))))"#,
            )
            .unwrap(),
            StatusCode::BAD_REQUEST,
            "unsatisfiable_import",
        ),
        (
            "a WASI version the host does not provide",
            wat::parse_str(
                r#"(component (import "wasi:http/outgoing-handler@0.3.0" (instance (export "handle" (func)))))"#,
            )
            .unwrap(),
            StatusCode::BAD_REQUEST,
            "unsatisfiable_import",
        ),
        (
            "the wrong world (exports nothing)",
            wat::parse_str("(component)").unwrap(),
            StatusCode::BAD_REQUEST,
            "wrong_world",
        ),
        (
            "malformed bytes",
            b"\0asm but not really".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_component",
        ),
        (
            "a truncated component",
            noop[..noop.len() * 2 / 3].to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_component",
        ),
        (
            "an oversized upload",
            vec![0u8; beep_host::uploads::MAX_COMPONENT_BYTES + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
    ];
    let count = cases.len();
    for (what, bytes, status, code) in cases {
        let (got, body) = server.upload(&m.key, manifest.clone(), bytes).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
    }
    count
}

on_both_databases!(hostile_components_are_stopped_and_contained);
