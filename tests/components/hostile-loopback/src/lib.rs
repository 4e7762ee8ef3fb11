//! Hostile: calls the host's loopback (PostgreSQL's port).

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(
    Loopback,
    "hostile-loopback",
    "egress",
    "https://127.0.0.1:5432/"
);
