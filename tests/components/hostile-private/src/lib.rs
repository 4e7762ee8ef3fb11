//! Hostile: calls a private address.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(Private, "hostile-private", "egress", "https://10.0.0.1/");
