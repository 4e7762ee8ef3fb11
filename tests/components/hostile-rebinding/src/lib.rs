//! Hostile: calls a declared name that resolves to loopback (live mode).

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(
    Rebinding,
    "hostile-rebinding",
    "egress",
    "https://localhost/"
);
