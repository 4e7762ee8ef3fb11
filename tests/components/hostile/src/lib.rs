//! A POS connector that attacks its sandbox in the way `config.attack` names.
//! Each attack must end in its own error while the host carries on.

use beep_sdk::error::internal;
use beep_sdk::prelude::*;
use std::hint::black_box;

struct Hostile;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Config {
    attack: String,
    base_url: Option<String>,
    target: Option<String>,
}

impl beep_sdk::pos::Describe for Hostile {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "test-hostile".into(),
            kind: ConnectorKind::Pos,
            version: "0.1.0".into(),
            systems: vec!["test-hostile".into()],
            // localhost is declared on purpose: it resolves to loopback, which live mode
            // must refuse after resolution.
            hosts: vec!["https://example.com".into(), "https://localhost".into()],
            config_schema: "{}".into(),
        }
    }
}

fn empty_page() -> CatalogPage {
    CatalogPage {
        products: vec![],
        categories: vec![],
        price_updates: vec![],
        next_cursor: None,
        has_more: false,
    }
}

impl beep_sdk::pos::Pos for Hostile {
    fn fetch_catalog(
        config: String,
        _cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        let config: Config = parse_config(&config)?;
        match config.attack.as_str() {
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
                    .map(|i| Product {
                        external_id: format!("{i}"),
                        sku: None,
                        name: "x".repeat(64),
                        category_id: None,
                        price: None,
                        tax_rate_bps: None,
                        gtins: vec![],
                        unit: None,
                        active: true,
                    })
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

    fn push_sales(_config: String, _sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        Err(ConnectorError::Unsupported("hostile".into()))
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

beep_sdk::export_pos!(Hostile);
