//! Hostile: grows linear memory until refused.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(Memory, "hostile-memory", "memory");
