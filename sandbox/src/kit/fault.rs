//! Faults armed on a simulator.

use std::sync::{Arc, Mutex};

/// An outage armed on one simulator: the next `times` requests whose path and query
/// contain `matching` answer 503, whatever the vendor. Tests use it to interrupt a run
/// at a later page of any vendor (`Sandbox::interrupt`).
pub type Outage = Arc<Mutex<Option<(String, u32)>>>;
