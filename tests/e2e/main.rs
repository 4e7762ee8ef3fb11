//! End-to-end tests: a real server, real components, real HTTP, both databases.

mod support;

mod adyen;
mod api;
mod erp;
mod guide;
mod guests;
mod korona;
mod lightspeed;
mod mollie;
mod partner;
mod payone;
mod sandbox;
mod secrets;
mod sevdesk;
mod stripe;
mod unzer;
mod uploads;
mod xentral;
