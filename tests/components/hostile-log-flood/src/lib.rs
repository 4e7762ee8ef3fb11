//! Hostile: logs without end.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(LogFlood, "hostile-log-flood", "log");
