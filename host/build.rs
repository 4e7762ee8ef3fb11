//! Builds every connector component (connectors/*) and test component (tests/components/*)
//! for wasm32-wasip2 with a nested cargo, so that `cargo build`/`cargo test` alone is enough.
//! Bundled connectors are embedded into the binary; the test components' folder is
//! exported to the tests as BEEP_WASM_DIR.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

fn crates_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok())
                .filter(|e| e.path().join("Cargo.toml").exists())
                .filter_map(|e| {
                    let manifest = fs::read_to_string(e.path().join("Cargo.toml")).ok()?;
                    manifest
                        .lines()
                        .find_map(|l| l.strip_prefix("name = "))
                        .map(|n| n.trim_matches('"').to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    for dir in ["wit", "sdk", "connectors", "tests/components"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    println!("cargo:rerun-if-env-changed=BEEP_SKIP_WASM_BUILD");

    let connectors = crates_in(&root.join("connectors"));
    let test_components = crates_in(&root.join("tests/components"));
    let target_dir = root.join("target").join("wasm");
    let out_dir = target_dir.join("wasm32-wasip2").join("wasm");

    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(&root)
        .args([
            "build",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "wasm",
            "--target-dir",
        ])
        .arg(&target_dir);
    for name in connectors.iter().chain(&test_components) {
        cmd.args(["-p", name]);
    }
    // Don't leak the outer build's compiler wrappers (clippy) or flags into the guests.
    for var in [
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        cmd.env_remove(var);
    }
    if env::var_os("BEEP_SKIP_WASM_BUILD").is_none() {
        ensure_wasm_target();
        let status = cmd.status().expect("running cargo for the wasm components");
        assert!(status.success(), "building the wasm components failed");
    }

    let mut bundled = String::from(
        "/// Bundled connector components, built by host/build.rs.\npub static BUNDLED: &[(&str, &[u8])] = &[\n",
    );
    for name in &connectors {
        let file = out_dir.join(format!("{}.wasm", name.replace('-', "_")));
        bundled.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            file.display().to_string()
        ));
    }
    bundled.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("bundled.rs");
    fs::write(out, bundled).unwrap();
    println!("cargo:rustc-env=BEEP_WASM_DIR={}", out_dir.display());
}

/// rust-toolchain.toml lists wasm32-wasip2, but rustup only installs listed targets with
/// the toolchain itself: a machine that already had 1.95.0 lacks it. Add it then.
fn ensure_wasm_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let installed = sysroot
        .map(|root| Path::new(&root).join("lib/rustlib/wasm32-wasip2").exists())
        .unwrap_or(false);
    if !installed {
        let status = Command::new("rustup")
            .args(["target", "add", "wasm32-wasip2"])
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "the wasm32-wasip2 target is missing and `rustup target add wasm32-wasip2` failed"
        );
    }
}
