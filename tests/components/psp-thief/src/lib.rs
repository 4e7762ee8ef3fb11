//! The thief PSP (see ../psp-probe/src/probe.rs).

#[macro_use]
#[path = "../../psp-probe/src/probe.rs"]
mod probe;

probe!(Thief, true);
