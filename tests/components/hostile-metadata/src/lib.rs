//! Hostile: calls the cloud metadata service.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(
    Metadata,
    "hostile-metadata",
    "egress",
    "https://169.254.169.254/latest/meta-data/"
);
