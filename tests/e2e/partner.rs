//! The partner CLI as a partner uses it: `beep connector new` scaffolds a project that
//! builds as generated, `check` runs the upload checks, `run` invokes an operation
//! against a simulator, `upload` puts it on a server where it works.

use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn beep(args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_beep"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (
        out.status.success(),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        format!("{stdout}\n{stderr}"),
    )
}

/// Builds a scaffolded project the way its README says, with a shared target dir.
fn build(project: &Path) -> PathBuf {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("partner-target");
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(project)
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .env("CARGO_TARGET_DIR", &target);
    for var in [
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "the scaffolded project builds as generated:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let name = project
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace('-', "_");
    target
        .join("wasm32-wasip2/release")
        .join(format!("{name}.wasm"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaffold_check_run_upload() {
    let dir = tempfile::tempdir().unwrap();
    let mut built = Vec::new();
    for kind in ["pos", "erp", "psp"] {
        let project = dir.path().join(format!("acme-{kind}"));
        let (ok, _, out) = beep(&[
            "connector",
            "new",
            &format!("acme-{kind}"),
            "--kind",
            kind,
            "--lang",
            "rust",
            "--dir",
            project.to_str().unwrap(),
        ]);
        assert!(ok, "{out}");
        let file = build(&project);
        let (ok, report, out) = beep(&["connector", "check", file.to_str().unwrap()]);
        assert!(ok, "{out}");
        assert_eq!(report["kind"], kind);
        assert_eq!(report["name"], format!("acme-{kind}"));
        assert_eq!(report["contract"], "beep:connector@0.1.0");
        assert!(
            report["imports"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i == "beep:connector/types@0.1.0"),
            "{report}"
        );
        assert!(report["size"].as_u64().unwrap() > 0);
        built.push(file);
    }
    // Scaffolding refuses to overwrite.
    let (ok, _, _) = beep(&[
        "connector",
        "new",
        "acme-pos",
        "--kind",
        "pos",
        "--dir",
        dir.path().join("acme-pos").to_str().unwrap(),
    ]);
    assert!(!ok);

    // check refuses what an upload would refuse.
    let core = dir.path().join("core.wasm");
    std::fs::write(&core, wat::parse_str("(module)").unwrap()).unwrap();
    let (ok, report, _) = beep(&["connector", "check", core.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        report["error"].as_str().unwrap().contains("core module"),
        "{report}"
    );

    // run: the bundled Korona connector against the Korona simulator, with its calls.
    let korona = PathBuf::from(env!("BEEP_WASM_DIR")).join("pos_korona.wasm");
    let config =
        json!({"accountId": "demo", "username": "beep", "password": "sandbox"}).to_string();
    let (ok, out, text) = beep(&[
        "connector",
        "run",
        korona.to_str().unwrap(),
        "fetch-catalog",
        "--sandbox",
        "korona",
        "--config",
        &config,
    ]);
    assert!(ok, "{text}");
    assert!(
        out["outbound"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == 200 || c["status"] == 204),
        "{out}"
    );
    assert!(!out["outbound"].as_array().unwrap().is_empty());
    assert!(out["result"]["has_more"].is_boolean(), "{out}");
    // …and a failure is an exit code with the error.
    let bad = json!({"accountId": "demo", "username": "beep", "password": "wrong"}).to_string();
    let (ok, out, _) = beep(&[
        "connector",
        "run",
        korona.to_str().unwrap(),
        "fetch-catalog",
        "--sandbox",
        "korona",
        "--config",
        &bad,
    ]);
    assert!(!ok);
    assert_eq!(out["error"]["code"], "connector_error");

    // upload to a running server, then use it there.
    let server = Server::start(Backend::Sqlite).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let pos = built[0].to_str().unwrap().to_string();
    let (url, key) = (server.url.clone(), m.key.clone());
    let (ok, answer, text) = tokio::task::spawn_blocking(move || {
        beep(&["connector", "upload", &pos, "--server", &url, "--key", &key])
    })
    .await
    .unwrap();
    assert!(ok, "{text}");
    assert_eq!(answer["connector"]["name"], "acme-pos");
    assert_eq!(
        answer["connector"]["requestedHosts"],
        json!(["https://api.example.com"])
    );
    let (status, body) = server.post(&m.key, "/api/v1/syncPOS", json!({"system": "custom", "connectorId": "acme-pos", "storeId": store, "credentials": {}})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
