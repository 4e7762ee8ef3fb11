//! End-to-end tests: a real server, real components, real HTTP, both databases.

mod support;

mod api;
mod erp;
mod korona;
mod sandbox;
mod stripe;
