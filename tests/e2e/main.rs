//! End-to-end tests: a real server, real components, real HTTP, both databases.

mod support;

mod adyen;
mod api;
mod casio;
mod conformance;
mod crash;
mod erp;
mod fuzz;
mod generic;
mod guests;
mod guide;
mod hostile;
mod korona;
mod lexoffice;
mod lightspeed;
mod limits;
mod mollie;
mod partner;
mod payabl;
mod payone;
mod resume;
mod sandbox;
mod sap;
mod secrets;
mod security;
mod sevdesk;
mod stripe;
mod sumup;
mod sumup_pos;
mod tenancy;
mod unzer;
mod uploads;
mod vectron;
mod xentral;
