//! The honest probe PSP (see probe.rs).

#[macro_use]
mod probe;

probe!(Honest, false);
