//! Hostile: a million requests to a host outside its grant, ignoring every error.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(DeniedLoop, "hostile-denied-loop", "denied-loop");
