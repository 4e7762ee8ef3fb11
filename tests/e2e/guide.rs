//! The partner guide (docs/partner-guide.md) cannot rot: its shell blocks run here, in
//! order, against a real server.

use crate::support::{Backend, Server};
use beep_host::db::merchants::Plan;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The ```sh blocks of one `## Section` of the guide.
fn section(guide: &str, title: &str) -> String {
    let start = guide
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("the guide has a {title} section"));
    let rest = &guide[start + 1..];
    let end = rest[3..].find("\n## ").map(|i| i + 3).unwrap_or(rest.len());
    let mut script = String::new();
    let mut inside = false;
    for line in rest[..end].lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside && line.trim() == "```sh";
            continue;
        }
        if inside {
            script.push_str(line);
            script.push('\n');
        }
    }
    assert!(!script.is_empty(), "the {title} section has commands");
    script
}

pub async fn run_section(title: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let guide = std::fs::read_to_string(root.join("docs/partner-guide.md")).unwrap();
    let script = section(&guide, title);
    let server = Server::start(Backend::Sqlite).await;
    let m = server.merchant(Plan::Grow).await;
    let store = server.store(&m).await;
    let work = tempfile::tempdir().unwrap();
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_beep"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-euxo")
        .arg("pipefail")
        .arg("-c")
        .arg(&script)
        .current_dir(work.path())
        .env("PATH", path)
        .env("BEEP_SERVER", &server.url)
        .env("BEEP_API_KEY", &m.key)
        .env("STORE_ID", &store)
        .env("BEEP_REPO", &root);
    // The guide's builds use the project's own target/ directory, as a partner's would.
    crate::support::without_outer_cargo_env(&mut cmd).env_remove("CARGO_TARGET_DIR");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "the guide's {title} commands fail:\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The upload worked and the store synced through it.
    let (_, list) = server.get(&m.key, "/api/v1/connectors").await;
    assert!(
        list["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["source"] == "uploaded"),
        "{list}"
    );
    let (_, runs) = server
        .get(&m.key, &format!("/api/v1/syncRuns?storeId={store}"))
        .await;
    assert!(
        runs["syncRuns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "complete"),
        "{runs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_section() {
    run_section("Rust").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_section() {
    run_section("JavaScript").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_section() {
    run_section("Python").await;
}
