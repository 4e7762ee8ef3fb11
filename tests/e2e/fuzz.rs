//! The API fuzzed against its own description: schemathesis (pinned in
//! tests/fuzz/requirements.txt, venv made by scripts/fuzz-env) reads
//! `GET /api/v1/openapi.json` from a live server and sends generated valid and invalid
//! requests to every operation. No answer may be a 5xx, and every answer must conform to
//! the document (status documented, content type, body schema, headers).

use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use beep_host::ratelimit::Limit;
use std::path::Path;

/// Cases per operation: 32 operations × 40 is well over the 1,000 the run must reach.
const MAX_EXAMPLES: &str = "40";

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    let server = Server::start_with(
        Backend::Sqlite,
        crate::support::Options {
            // The fuzzer is one client sending thousands of requests.
            rate_limit: Some(Limit {
                per_second: 100_000.0,
                burst: 100_000.0,
            }),
            ..Default::default()
        },
    )
    .await;
    let merchant = server.merchant(Plan::Grow).await;
    // A store with a catalogue, a sync run and a payment: the store-scoped routes and
    // those taking ids are fuzzed with ids that exist, so they answer with data too.
    let populated = server.populated_store(&merchant).await;
    let config = server.dir().join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[parameters]\n\
             \"path.store_id\" = \"{store}\"\n\
             \"query.storeId\" = \"{store}\"\n\
             \"path.run_id\" = \"{}\"\n\
             \"path.payment_id\" = \"{}\"\n",
            populated.sync_run,
            populated.payment,
            store = populated.store,
        ),
    )
    .unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let env = tokio::process::Command::new(root.join("scripts/fuzz-env"))
        .output()
        .await
        .expect("scripts/fuzz-env runs");
    assert!(
        env.status.success(),
        "scripts/fuzz-env failed: {}",
        String::from_utf8_lossy(&env.stderr)
    );
    let python = String::from_utf8(env.stdout).unwrap();
    let st = Path::new(python.trim()).with_file_name("st");
    let report = server.dir().join("schemathesis.json");
    let out = tokio::process::Command::new(&st)
        .current_dir(server.dir())
        .args([
            "--config-file",
            config.to_str().unwrap(),
            "run",
            &format!("{}/api/v1/openapi.json", server.url),
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_headers_conformance,response_schema_conformance",
            // Rotating the key would lock the fuzzer out: tested in security.rs.
            "--exclude-path",
            "/api/v1/keys/rotate",
            "--header",
            &format!("Authorization: Bearer {}", merchant.key),
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            "20261128",
            "--workers",
            "2",
            "--phases",
            "examples,coverage,fuzzing",
            "--no-color",
            "--suppress-health-check",
            "all",
            "--report",
            "json",
            "--report-json-path",
            report.to_str().unwrap(),
        ])
        .output()
        .await
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases = test_cases(&stdout);
    println!("schemathesis: {cases} test cases, 0 failures");
    assert!(cases >= 1_000, "only {cases} cases ran:\n{stdout}");
}

/// The number in schemathesis' summary: `Test cases:` and, on the next line,
/// `N generated, N passed`.
fn test_cases(summary: &str) -> u64 {
    let mut lines = summary.lines().map(str::trim);
    lines
        .by_ref()
        .find(|l| l.starts_with("Test cases:"))
        .and_then(|_| lines.next())
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or(0)
}
