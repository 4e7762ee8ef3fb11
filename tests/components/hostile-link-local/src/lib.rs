//! Hostile: calls a link-local address.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(
    LinkLocal,
    "hostile-link-local",
    "egress",
    "https://169.254.10.10/"
);
