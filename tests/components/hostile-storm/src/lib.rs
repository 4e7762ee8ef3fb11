//! Hostile: calls its upstream 10,000 times.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(Storm, "hostile-storm", "storm");
