//! Hostile: reads an 8 MiB answer.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(BigBody, "hostile-big-body", "bigbody");
