//! Vendor-spec conformance: every request a connector sends to its simulator is checked
//! against that vendor's published API description, with a maintained validator
//! (openapi-core, see tests/conformance/): PSPs in `psp.rs`, POS and ERP systems in
//! `systems.rs`, Vectron's Swagger 2.0, the generic protocol, SumUp's POS side and the
//! Casio bridge in `others.rs`.

use std::process::Command;

/// A vendor spec under `../shared/vendor-specs/`.
macro_rules! spec {
    ($file:literal) => {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vendor-specs/",
            $file
        )
    };
}

mod others;
mod psp;
mod systems;

pub(super) fn python() -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/conformance-env");
    let out = Command::new("bash").arg(script).output().unwrap();
    assert!(
        out.status.success(),
        "conformance-env failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
