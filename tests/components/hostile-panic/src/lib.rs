//! Hostile: panics.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(Panic, "hostile-panic", "panic");
