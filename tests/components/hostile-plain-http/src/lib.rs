//! Hostile: calls a declared host over plain HTTP (live mode).

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(
    PlainHttp,
    "hostile-plain-http",
    "egress",
    "http://example.com/"
);
