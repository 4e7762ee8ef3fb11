//! Hostile: waits for an upstream that answers after 30 s.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(
    SlowUpstream,
    "hostile-slow-upstream",
    "fetch",
    "/slow/30000"
);
