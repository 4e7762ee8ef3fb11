//! The Rust guest SDK for BEEP! Connect connectors.
//!
//! A connector crate implements one world's traits and exports them with one macro:
//!
//! ```ignore
//! struct Korona;
//! impl beep_sdk::pos::Describe for Korona { fn describe() -> ConnectorInfo { … } }
//! impl beep_sdk::pos::Pos for Korona { fn fetch_catalog(…) … fn push_sales(…) … }
//! beep_sdk::export_pos!(Korona);
//! ```
//!
//! Everything two connectors share lives here: the HTTP client over wasi:http
//! ([`http`]), bracket-nested form bodies ([`form`]), money conversion by ISO 4217
//! exponent ([`money`]), payout breakdowns ([`payout`]), the BEEP! Generic protocol client and its field mapping
//! ([`generic`]), error constructors
//! ([`error`]), config and cursor decoding ([`config`]) and the host log ([`log`]).

// The generated bindings name their runtime by absolute path, also from inside this crate.
extern crate self as beep_sdk;

pub mod config;
pub mod error;
pub mod form;
pub mod generic;
pub mod http;
pub mod log;
pub mod money;
pub mod payout;
pub mod time;
pub mod transport;

#[doc(hidden)]
pub use wit_bindgen;

/// Bindings shared by all worlds: the contract's types, the host interface, wasi:http.
pub mod bindings {
    wit_bindgen::generate!({
        world: "imports",
        path: "../wit",
        generate_all,
        runtime_path: "::beep_sdk::wit_bindgen::rt",
    });
}

/// The contract's types (`product`, `sale`, `payment`, `connector-error`, …).
pub mod types {
    pub use crate::bindings::beep::connector::types::*;
}

macro_rules! world_bindings {
    ($world:literal, $macro_name:literal, $module:literal) => {
        wit_bindgen::generate!({
            world: $world,
            path: "../wit",
            with: {
                "beep:connector/types@0.2.0": crate::bindings::beep::connector::types,
                "beep:connector/host@0.2.0": crate::bindings::beep::connector::host,
                "wasi:http/types@0.2.12": crate::bindings::wasi::http::types,
                "wasi:http/outgoing-handler@0.2.12": crate::bindings::wasi::http::outgoing_handler,
                "wasi:io/streams@0.2.12": crate::bindings::wasi::io::streams,
                "wasi:io/error@0.2.12": crate::bindings::wasi::io::error,
                "wasi:io/poll@0.2.12": crate::bindings::wasi::io::poll,
                "wasi:clocks/monotonic-clock@0.2.12": crate::bindings::wasi::clocks::monotonic_clock,
            },
            runtime_path: "::beep_sdk::wit_bindgen::rt",
            pub_export_macro: true,
            export_macro_name: $macro_name,
            default_bindings_module: $module,
        });
    };
}

/// The `pos-connector` world: implement [`pos::Describe`] and [`pos::Pos`], then
/// [`export_pos!`].
pub mod pos {
    #[doc(hidden)]
    pub mod generated {
        world_bindings!("pos-connector", "export_pos", "::beep_sdk::pos::generated");
    }
    pub use generated::Guest as Describe;
    pub use generated::exports::beep::connector::pos::Guest as Pos;
    /// What `describe` answers as the kind of a component of this world.
    pub const KIND: crate::types::ConnectorKind = crate::types::ConnectorKind::Pos;
}

/// The `erp-connector` world: implement [`erp::Describe`] and [`erp::Erp`], then
/// [`export_erp!`].
pub mod erp {
    #[doc(hidden)]
    pub mod generated {
        world_bindings!("erp-connector", "export_erp", "::beep_sdk::erp::generated");
    }
    pub use generated::Guest as Describe;
    pub use generated::exports::beep::connector::erp::Guest as Erp;
    /// What `describe` answers as the kind of a component of this world.
    pub const KIND: crate::types::ConnectorKind = crate::types::ConnectorKind::Erp;
}

/// The `psp-connector` world: implement [`psp::Describe`] and [`psp::Psp`], then
/// [`export_psp!`].
pub mod psp {
    #[doc(hidden)]
    pub mod generated {
        world_bindings!("psp-connector", "export_psp", "::beep_sdk::psp::generated");
    }
    pub use generated::Guest as Describe;
    pub use generated::exports::beep::connector::psp::Guest as Psp;
    /// What `describe` answers as the kind of a component of this world.
    pub const KIND: crate::types::ConnectorKind = crate::types::ConnectorKind::Psp;
}

/// Implements `describe` for a connector of `world` (`pos`, `erp`, `psp`): its name, the
/// systems it serves, the hosts it may reach (its egress grant, before any installation
/// adds the store's own `baseUrl`) and its configuration schema; the version is the
/// connector crate's.
///
/// ```ignore
/// beep_sdk::describe!(pos Korona {
///     name: "korona",
///     systems: ["korona"],
///     hosts: ["https://*.koronacloud.com"],
///     schema: CONFIG_SCHEMA,
/// });
/// ```
#[macro_export]
macro_rules! describe {
    ($world:ident $t:ident {
        name: $name:expr,
        systems: [$($system:expr),* $(,)?],
        hosts: $hosts:expr,
        schema: $schema:expr $(,)?
    }) => {
        impl $crate::$world::Describe for $t {
            fn describe() -> $crate::types::ConnectorInfo {
                let hosts: &[&str] = &$hosts;
                $crate::types::ConnectorInfo {
                    name: $name.into(),
                    kind: $crate::$world::KIND,
                    version: env!("CARGO_PKG_VERSION").into(),
                    systems: vec![$($system.into()),*],
                    hosts: hosts.iter().map(|h| h.to_string()).collect(),
                    config_schema: $schema.into(),
                }
            }
        }
    };
}

/// Exports a type implementing [`pos::Describe`] and [`pos::Pos`] as the component's
/// `pos-connector` world. Natively (unit tests of mapping code) it expands to nothing,
/// since the component's export symbols mean nothing to a native linker.
#[macro_export]
macro_rules! export_pos {
    ($t:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::pos::generated::export_pos!($t);
        // Natively the exports are only referenced, so the implementation counts as used.
        #[cfg(not(target_arch = "wasm32"))]
        #[doc(hidden)]
        pub fn __beep_exports() {
            let _ = <$t as $crate::pos::Describe>::describe;
            let _ = <$t as $crate::pos::Pos>::fetch_catalog;
            let _ = <$t as $crate::pos::Pos>::push_sales;
        }
    };
}

/// Exports a type implementing [`erp::Describe`] and [`erp::Erp`] (see [`export_pos!`]).
#[macro_export]
macro_rules! export_erp {
    ($t:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::erp::generated::export_erp!($t);
        // Natively the exports are only referenced, so the implementation counts as used.
        #[cfg(not(target_arch = "wasm32"))]
        #[doc(hidden)]
        pub fn __beep_exports() {
            let _ = <$t as $crate::erp::Describe>::describe;
            let _ = <$t as $crate::erp::Erp>::fetch_inventory;
            let _ = <$t as $crate::erp::Erp>::fetch_orders;
            let _ = <$t as $crate::erp::Erp>::fetch_suppliers;
            let _ = <$t as $crate::erp::Erp>::push_transactions;
            let _ = <$t as $crate::erp::Erp>::push_stock_changes;
        }
    };
}

/// Exports a type implementing [`psp::Describe`] and [`psp::Psp`] (see [`export_pos!`]).
#[macro_export]
macro_rules! export_psp {
    ($t:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::psp::generated::export_psp!($t);
        // Natively the exports are only referenced, so the implementation counts as used.
        #[cfg(not(target_arch = "wasm32"))]
        #[doc(hidden)]
        pub fn __beep_exports() {
            let _ = <$t as $crate::psp::Describe>::describe;
            let _ = <$t as $crate::psp::Psp>::validate_config;
            let _ = <$t as $crate::psp::Psp>::create_payment;
            let _ = <$t as $crate::psp::Psp>::get_payment;
            let _ = <$t as $crate::psp::Psp>::refund_payment;
            let _ = <$t as $crate::psp::Psp>::fetch_payouts;
            let _ = <$t as $crate::psp::Psp>::parse_webhook;
        }
    };
}

/// Everything a connector usually needs.
pub mod prelude {
    pub use crate::config::{Cursor, parse_config};
    pub use crate::error::ConnectorError;
    pub use crate::http::{Request, Response};
    pub use crate::money;
    pub use crate::types::*;
}
