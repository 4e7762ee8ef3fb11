//! The partner CLI as a partner uses it: `beep connector new` scaffolds a project that
//! builds as generated, `check` runs the upload checks, `run` invokes an operation
//! against a simulator, `upload` puts it on a server where it works.

use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

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
    crate::support::without_outer_cargo_env(&mut cmd);
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
        assert_eq!(report["contract"], "beep:connector@0.2.0");
        assert!(
            report["imports"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i == "beep:connector/types@0.2.0"),
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

/// Runs `scripts/build-guests` once per test binary, as tests/e2e/guests.rs does: it
/// installs the JavaScript SDK's npm packages and componentize-py (target/guest-venv),
/// which the JavaScript and Python templates build with.
fn guest_toolchains() {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../guests");
            let output = Command::new(root.join("scripts/build-guests"))
                .current_dir(&root)
                .env("BEEP_GUESTS_DIR", &dir)
                .output()
                .map_err(|e| format!("running scripts/build-guests: {e}"))?;
            if !output.status.success() {
                return Err(format!(
                    "scripts/build-guests failed ({}):\n{}\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            Ok(())
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `beep connector new --lang js|python` has a template for every world: the ERP and PSP
/// projects build as generated (the way their READMEs say) and are connectors of their
/// kind, under the new name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_and_python_templates_for_every_kind() {
    tokio::task::spawn_blocking(|| {
        guest_toolchains();
        let dir = tempfile::tempdir().unwrap();
        for lang in ["js", "python"] {
            for kind in ["erp", "psp"] {
                let name = format!("acme-{kind}-{lang}");
                let project = dir.path().join(&name);
                let (ok, _, out) = beep(&[
                    "connector",
                    "new",
                    &name,
                    "--kind",
                    kind,
                    "--lang",
                    lang,
                    "--dir",
                    project.to_str().unwrap(),
                ]);
                assert!(ok, "{out}");
                let mut cmd = match lang {
                    "js" => {
                        let mut cmd = Command::new("node");
                        cmd.arg("build.mjs");
                        cmd
                    }
                    _ => Command::new("./build.sh"),
                };
                let built = cmd.current_dir(&project).output().unwrap();
                assert!(
                    built.status.success(),
                    "the scaffolded {lang} {kind} project builds as generated:\n{}\n{}",
                    String::from_utf8_lossy(&built.stdout),
                    String::from_utf8_lossy(&built.stderr)
                );
                let file = project.join("connector.wasm");
                let (ok, report, out) = beep(&["connector", "check", file.to_str().unwrap()]);
                assert!(ok, "{out}");
                assert_eq!(report["kind"], kind, "{report}");
                assert_eq!(report["name"], name.as_str(), "{report}");
                assert_eq!(report["contract"], "beep:connector@0.2.0", "{report}");
            }
        }
    })
    .await
    .unwrap();
}
