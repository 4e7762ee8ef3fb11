//! The attacks, shared by `component-hostile` (which picks one by `config.attack`) and
//! the one-attack components beside it (`tests/components/hostile-*`, which include
//! this file and fix theirs with [`component!`]).

use beep_sdk::error::internal;
use beep_sdk::prelude::*;
use std::hint::black_box;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// Read by component-hostile; the one-attack components fix theirs.
    #[serde(default)]
    #[allow(dead_code)]
    pub attack: String,
    pub base_url: Option<String>,
    pub target: Option<String>,
    /// For `fetch`: a path under the granted upstream.
    pub path: Option<String>,
    /// For `fetch`: wasi:http request options, in milliseconds.
    pub first_byte_ms: Option<u64>,
    pub between_bytes_ms: Option<u64>,
}

pub fn empty_page() -> CatalogPage {
    CatalogPage {
        products: vec![],
        categories: vec![],
        price_updates: vec![],
        next_cursor: None,
        has_more: false,
    }
}

/// Runs `attack` inside the connector call.
pub fn run(attack: &str, config: Config) -> Result<CatalogPage, ConnectorError> {
    match attack {
        // Spins without ever yielding to the host.
        "loop" => {
            let mut x: u64 = 0;
            loop {
                x = black_box(x.wrapping_add(1));
            }
        }
        // Grows linear memory until refused.
        "memory" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(black_box(vec![1u8; 1 << 20]));
            }
        }
        // Unbounded recursion: the wasm stack overflows.
        "recursion" => Ok(black_box(recurse(black_box(1)))
            .then(empty_page)
            .unwrap_or_else(empty_page)),
        // Reaches a host outside its grant (or `target`).
        "egress" => {
            let url = config
                .target
                .unwrap_or_else(|| "https://example.com/".into());
            Request::get(url).send()?;
            Ok(empty_page())
        }
        // Knocks on a host outside its grant a million times, ignoring each refusal.
        "denied-loop" => {
            for i in 0..1_000_000 {
                let _ = Request::get(format!("https://denied.example/{i}")).send();
            }
            Ok(empty_page())
        }
        // Calls its granted upstream far more often than the budget allows.
        "storm" => {
            let base = config.base_url.ok_or_else(|| internal("no baseUrl"))?;
            for i in 0..10_000 {
                Request::get(format!("{base}/storm/{i}")).send()?;
            }
            Ok(empty_page())
        }
        // Asks its granted upstream for a body larger than the response budget.
        "bigbody" => {
            let base = config.base_url.ok_or_else(|| internal("no baseUrl"))?;
            Request::get(format!("{base}/bytes/{}", 8 << 20)).send()?;
            Ok(empty_page())
        }
        // Reads a path of its granted upstream to the end: an endless body or
        // an upstream that never answers.
        "fetch" => {
            let base = config.base_url.ok_or_else(|| internal("no baseUrl"))?;
            let path = config.path.unwrap_or_default();
            let ms = |v: Option<u64>| v.map(std::time::Duration::from_millis);
            let timeouts = beep_sdk::http::Timeouts {
                connect: None,
                first_byte: ms(config.first_byte_ms),
                between_bytes: ms(config.between_bytes_ms),
            };
            Request::get(format!("{base}{path}"))
                .timeouts(timeouts)
                .send()?;
            Ok(empty_page())
        }
        // Reads a list from its granted upstream (`path`, or the whole URL `target`)
        // and answers one product per item it saw: what a connector granted "the
        // Stripe simulator" can learn from it.
        "peek" => {
            let url = match config.target {
                Some(target) => target,
                None => {
                    let base = config.base_url.ok_or_else(|| internal("no baseUrl"))?;
                    format!("{base}{}", config.path.unwrap_or_default())
                }
            };
            let items: Vec<serde::de::IgnoredAny> =
                Request::get(url).send()?.error_for_status()?.json()?;
            let products = (0..items.len())
                .map(|i| product(format!("seen-{i}"), "seen".into()))
                .collect();
            Ok(CatalogPage {
                products,
                ..empty_page()
            })
        }
        "log" => {
            let line = "x".repeat(1024);
            loop {
                beep_sdk::log::info(&line);
            }
        }
        "panic" => panic!("hostile component panicked on purpose"),
        // A huge answer: a page with a million products.
        "huge" => {
            let products = (0..1_000_000)
                .map(|i| product(format!("{i}"), "x".repeat(64)))
                .collect();
            Ok(CatalogPage {
                products,
                ..empty_page()
            })
        }
        "ok" => Ok(empty_page()),
        other => Err(ConnectorError::InvalidConfig(format!(
            "unknown attack {other}"
        ))),
    }
}

/// A bare active product.
fn product(external_id: String, name: String) -> Product {
    Product {
        external_id,
        sku: None,
        name,
        category_id: None,
        price: None,
        tax_rate_bps: None,
        gtins: vec![],
        unit: None,
        active: true,
    }
}

#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(n: u64) -> bool {
    let mut frame = [0u8; 256];
    frame[0] = n as u8;
    black_box(&mut frame);
    black_box(recurse(n + 1)) || frame[0] == 0
}

/// A POS component that always runs one attack, optionally at a fixed target URL or
/// path: `component!(Loop, "hostile-loop", "loop")`,
/// `component!(Metadata, "hostile-metadata", "egress", "http://169.254.169.254/")`.
#[macro_export]
macro_rules! component {
    ($ty:ident, $name:literal, $attack:literal) => {
        $crate::component!($ty, $name, $attack, "");
    };
    ($ty:ident, $name:literal, $attack:literal, $at:literal) => {
        struct $ty;

        impl beep_sdk::pos::Describe for $ty {
            fn describe() -> beep_sdk::prelude::ConnectorInfo {
                $crate::attacks::info($name)
            }
        }

        impl beep_sdk::pos::Pos for $ty {
            fn fetch_catalog(
                config: String,
                _cursor: Option<String>,
            ) -> Result<beep_sdk::prelude::CatalogPage, beep_sdk::prelude::ConnectorError> {
                let mut config: $crate::attacks::Config = beep_sdk::prelude::parse_config(&config)?;
                if !$at.is_empty() {
                    config.target = Some($at.into());
                    config.path = Some($at.into());
                }
                $crate::attacks::run($attack, config)
            }

            fn push_sales(
                _config: String,
                _sales: Vec<beep_sdk::prelude::Sale>,
            ) -> Result<Vec<beep_sdk::prelude::PushResult>, beep_sdk::prelude::ConnectorError> {
                Err(beep_sdk::prelude::ConnectorError::Unsupported(
                    "hostile".into(),
                ))
            }
        }

        beep_sdk::export_pos!($ty);
    };
}

/// What a hostile component declares: example.com, and localhost on purpose (it
/// resolves to loopback, which live mode must refuse after resolution).
pub fn info(name: &str) -> ConnectorInfo {
    ConnectorInfo {
        name: name.into(),
        kind: ConnectorKind::Pos,
        version: "0.1.0".into(),
        systems: vec![name.into()],
        hosts: vec!["https://example.com".into(), "https://localhost".into()],
        config_schema: "{}".into(),
    }
}
