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
