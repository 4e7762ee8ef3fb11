//! BEEP! Connect: the sync layer between BEEP! and a merchant's POS, ERP and PSP.
//!
//! Data flows one way: `api` (auth, validation) → `sync`/`payments` (business rules,
//! database) → `runtime` (one component call under its grant) → wasi:http → vendor.
//! Nothing below `api` knows about HTTP status codes; nothing below `runtime` knows
//! about merchants.

pub mod api;
pub mod app;
pub mod calls;
pub mod connections;
pub mod connectors;
pub mod crypto;
pub mod db;
pub mod error;
pub mod events;
pub mod jobs;
pub mod listener;
pub mod metrics;
pub mod partner;
pub mod payments;
pub mod policy;
pub mod ratelimit;
pub mod runtime;
pub mod sync;
pub mod telemetry;
pub mod uploads;

pub use listener::serve;
