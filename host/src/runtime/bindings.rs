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
/// loading. The POS and ERP worlds share the current types (0.2.0 changed none of theirs),
/// so a 0.1.0 call takes and returns the same Rust values; the PSP world has its own
/// (0.2.0 added `webhook-event.dispute`), converted by [`super::compat`]. `host` is its
/// own interface (generated once, in `pos`), served by the same
/// [`CallState`](super::state::CallState) methods.
pub mod v0_1 {
    macro_rules! released_world {
        ($module:ident, $world:literal $(, $host:literal => $path:path)?) => {
            pub mod $module {
                wasmtime::component::bindgen!({
                    path: "../wit/released/0.1.0",
                    world: $world,
                    imports: { default: trappable },
                    exports: { default: async },
                    with: {
                        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
                        "wasi:io": wasmtime_wasi::p2::bindings::io,
                        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
                        "beep:connector/types": crate::runtime::bindings::types,
                        $($host: $path,)?
                    },
                });
            }
        };
    }

    released_world!(pos, "beep:connector/pos-connector");
    released_world!(erp, "beep:connector/erp-connector", "beep:connector/host" => crate::runtime::bindings::v0_1::host);
    pub mod psp {
        wasmtime::component::bindgen!({
            path: "../wit/released/0.1.0",
            world: "beep:connector/psp-connector",
            imports: { default: trappable },
            exports: { default: async },
            // Converted to and from the current types as JSON (`runtime::compat`).
            additional_derives: [serde::Serialize, serde::Deserialize],
            with: {
                "wasi:http": wasmtime_wasi_http::p2::bindings::http,
                "wasi:io": wasmtime_wasi::p2::bindings::io,
                "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
                "beep:connector/host": crate::runtime::bindings::v0_1::host,
            },
        });
    }

    pub use pos::beep::connector::host;
}
