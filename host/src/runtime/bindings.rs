//! Host-side bindings of the three connector worlds. The contract's types are generated
//! once (in `pos`) and shared by the other worlds, so a `Sale` is one Rust type.

pub mod pos {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "beep:connector/pos-connector",
        imports: { default: trappable },
        // Sales are kept in the outbox as the contract's own JSON.
        additional_derives: [serde::Serialize, serde::Deserialize],
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

pub mod erp {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "beep:connector/erp-connector",
        imports: { default: trappable },
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "beep:connector/types": super::pos::beep::connector::types,
            "beep:connector/host": super::pos::beep::connector::host,
        },
    });
}

pub mod psp {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "beep:connector/psp-connector",
        imports: { default: trappable },
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "beep:connector/types": super::pos::beep::connector::types,
            "beep:connector/host": super::pos::beep::connector::host,
        },
    });
}

pub use pos::beep::connector::host;
pub use pos::beep::connector::types;

/// The frozen 0.1.0 contract (`wit/released/0.1.0`): components built against it keep
/// loading. Each world has its own types, converted by [`super::compat`] (0.2.0 added
/// error cases every world returns, so none can share the current ones). `host` is its
/// own interface (generated once, in `pos`), served by the same
/// [`CallState`](super::state::CallState) methods.
pub mod v0_1 {
    pub mod pos {
        wasmtime::component::bindgen!({
            path: "../wit/released/0.1.0",
            world: "beep:connector/pos-connector",
            imports: { default: trappable },
            exports: { default: async },
            additional_derives: [serde::Serialize, serde::Deserialize],
            with: {
                "wasi:http": wasmtime_wasi_http::p2::bindings::http,
                "wasi:io": wasmtime_wasi::p2::bindings::io,
                "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            },
        });
    }

    /// A released world whose types differ from the current ones: its own types,
    /// converted to and from the current ones as JSON (`runtime::compat`).
    macro_rules! converted_world {
        ($module:ident, $world:literal) => {
            pub mod $module {
                wasmtime::component::bindgen!({
                    path: "../wit/released/0.1.0",
                    world: $world,
                    imports: { default: trappable },
                    exports: { default: async },
                    additional_derives: [serde::Serialize, serde::Deserialize],
                    with: {
                        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
                        "wasi:io": wasmtime_wasi::p2::bindings::io,
                        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
                        "beep:connector/host": crate::runtime::bindings::v0_1::host,
                    },
                });
            }
        };
    }

    // ERP: 0.2.0 added transaction kinds; PSP: 0.2.0 added `webhook-event.dispute` and
    // `.payout`; all: the `unsupported-currency` and `amount-below-minimum` errors.
    converted_world!(erp, "beep:connector/erp-connector");
    converted_world!(psp, "beep:connector/psp-connector");

    pub use pos::beep::connector::host;
}
