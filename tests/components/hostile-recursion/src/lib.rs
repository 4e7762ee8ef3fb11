//! Hostile: recurses until the wasm stack overflows.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(Recursion, "hostile-recursion", "recursion");
