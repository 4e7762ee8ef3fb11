//! Hostile: spins without yielding to the host.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(Loop, "hostile-loop", "loop");
