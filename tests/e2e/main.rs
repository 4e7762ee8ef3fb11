//! End-to-end tests: a real server, real components, real HTTP, both databases.

mod support;

mod adyen;
mod api;
mod conformance;
mod crash;
mod erp;
mod guests;
mod guide;
mod korona;
mod lexoffice;
mod lightspeed;
mod mollie;
mod partner;
mod payabl;
mod payone;
mod sandbox;
mod sap;
mod secrets;
mod sevdesk;
mod stripe;
mod sumup;
mod unzer;
mod uploads;
mod xentral;
