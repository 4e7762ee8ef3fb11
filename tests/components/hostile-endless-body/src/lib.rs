//! Hostile: reads an answer that never ends.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(EndlessBody, "hostile-endless-body", "fetch", "/endless");
