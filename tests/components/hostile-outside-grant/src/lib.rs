//! Hostile: calls a host outside its grant.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(
    OutsideGrant,
    "hostile-outside-grant",
    "egress",
    "https://example.com/"
);
