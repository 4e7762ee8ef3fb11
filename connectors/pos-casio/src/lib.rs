//! BEEP! Connect POS connector for Casio registers, through a "BEEP! Casio bridge"
//! (docs/casio-bridge.md; OpenAPI in docs/casio-bridge.openapi.yaml). Casio publishes no
//! HTTP API: its registers exchange PLU (article) files and electronic journals with
//! PC-link software through a folder. The bridge runs next to that folder and serves it
//! over HTTP, authenticated with an `X-Bridge-Token` header.
//!
//! Catalogue, one call: `GET /plu` (the whole PLU file) on a full run; afterwards
//! `GET /plu?since=<generation>` with `If-None-Match: "plu-<generation>"`, so an unchanged
//! file is a `304` and nothing is re-imported, and a changed one brings only the records
//! changed since (deleted PLUs with status `D`, synced inactive). A `410` (the bridge no
//! longer knows that generation) falls back to the whole file. Prices are register
//! integers with the file's implied decimals, converted exactly to minor units; the
//! file's tax tables give each PLU's rate; departments are the categories.
//!
//! Sales: `GET /register` once per call (currency, decimals, tax tables), then
//! `PUT /journal/{saleId}` per sale: BEEP!'s sale id names the entry, so a resend is a
//! `409 already_delivered` (a duplicate) and every sale is booked exactly once. One call
//! writes at most [`MAX_WRITES_PER_CALL`] sales (the host's default budget is 100 requests
//! a call); the rest are answered as rate limited, so the host keeps them pending for the
//! next push.

mod mapping;
mod model;

use beep_sdk::config::{Cursor, parse_config};
use beep_sdk::error::{internal, invalid_config};
use beep_sdk::http::{Request, Response};
use beep_sdk::money;
use beep_sdk::transport::{Transport, Wasi};
use beep_sdk::types::{CatalogPage, ConnectorError, PushResult, Sale};
use serde::{Deserialize, Serialize};

/// Journal writes per call: with `GET /register`, inside the host's default budget of 100
/// requests per call.
pub const MAX_WRITES_PER_CALL: usize = 99;

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Casio register (BEEP! Casio bridge)",
  "type": "object",
  "required": ["bridgeToken", "baseUrl"],
  "properties": {
    "bridgeToken": {"type": "string", "minLength": 1, "writeOnly": true, "description": "The bridge's token, sent as X-Bridge-Token"},
    "baseUrl": {"type": "string", "format": "uri", "description": "The bridge's base URL (public HTTPS in live mode, e.g. https://bridge.example-shop.de/casio-bridge/v1)"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR", "description": "Used when the PLU file names no currency"},
    "decimals": {"type": "integer", "minimum": 0, "maximum": 3, "default": 2, "description": "The register's decimal places, used when the PLU file names none"}
  }
}"#;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Config {
    bridge_token: beep_sdk::config::Secret,
    /// Required live; Test Mode sets it to the simulator.
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    decimals: Option<u32>,
}

impl Config {
    fn parse(config: &str) -> Result<Config, ConnectorError> {
        let cfg: Config = parse_config(config)?;
        if cfg.bridge_token.trim().is_empty() {
            return Err(invalid_config("config: bridgeToken must not be empty"));
        }
        match &cfg.base_url {
            Some(b) if b.starts_with("https://") || b.starts_with("http://") => {}
            Some(_) => return Err(invalid_config("config: baseUrl must be an http(s) URL")),
            None => {
                return Err(invalid_config(
                    "config: baseUrl (the bridge's address) is required",
                ));
            }
        }
        if let Some(c) = &cfg.currency
            && money::exponent(c).is_none()
        {
            return Err(invalid_config(format!("config: unknown currency {c:?}")));
        }
        if cfg.decimals.is_some_and(|d| d > 3) {
            return Err(invalid_config("config: decimals must be 0..=3"));
        }
        Ok(cfg)
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/{path}",
            self.base_url
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('/')
        )
    }

    fn request(&self, req: Request) -> Request {
        req.header("x-bridge-token", self.bridge_token.expose())
    }
}

fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| mapping::error_message(&r.body))
}

/// The opaque cursor: the PLU file generation last imported.
#[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
#[serde(default)]
struct PluCursor {
    #[serde(skip_serializing_if = "Option::is_none")]
    generation: Option<u64>,
}

fn etag(generation: u64) -> String {
    format!("\"plu-{generation}\"")
}

fn fetch_catalog(
    cfg: &Config,
    api: &mut dyn Transport,
    cursor: Option<&str>,
) -> Result<CatalogPage, ConnectorError> {
    let st: PluCursor = Cursor::decode(cursor)?;
    let mut resp = match st.generation {
        Some(g) => api.send(
            cfg.request(Request::get(cfg.url("plu")).query(&[("since", g.to_string())]))
                .header("if-none-match", etag(g)),
        )?,
        None => api.send(cfg.request(Request::get(cfg.url("plu"))))?,
    };
    if resp.status == 410 {
        resp = api.send(cfg.request(Request::get(cfg.url("plu"))))?;
    }
    let empty = |generation| -> Result<CatalogPage, ConnectorError> {
        Ok(CatalogPage {
            products: Vec::new(),
            categories: Vec::new(),
            price_updates: Vec::new(),
            next_cursor: Some(Cursor::encode(&PluCursor { generation })?),
            has_more: false,
        })
    };
    if resp.status == 304 {
        return empty(st.generation);
    }
    let resp = check(resp)?;
    let (header, records) = mapping::parse_plu_file(&resp.text())?;
    let generation = resp
        .header("x-plu-generation")
        .and_then(|g| g.trim().parse().ok())
        .or(header.generation);
    let currency = header
        .currency
        .clone()
        .or_else(|| cfg.currency.clone())
        .unwrap_or_else(|| "EUR".into());
    let ctx = mapping::Ctx {
        currency: &currency,
        decimals: header.decimals.or(cfg.decimals).unwrap_or(2),
        tax: &header.tax,
    };
    let products = records
        .iter()
        .map(|r| mapping::product(r, &ctx))
        .collect::<Result<Vec<_>, _>>()?;
    let mut page = empty(generation)?;
    page.products = products;
    page.categories = header.depts.iter().map(mapping::category).collect();
    Ok(page)
}

fn push_sales(
    cfg: &Config,
    api: &mut dyn Transport,
    sales: &[Sale],
) -> Result<Vec<PushResult>, ConnectorError> {
    let register: model::Register =
        check(api.send(cfg.request(Request::get(cfg.url("register"))))?)?.json()?;
    let mut results = Vec::with_capacity(sales.len());
    let mut writes = 0;
    for sale in sales {
        let entry = mapping::journal_entry(sale, &register);
        if entry.is_ok() {
            writes += 1;
        }
        let outcome = match entry {
            // Over this call's budget: transient, so the host keeps it for the next push.
            Ok(_) if writes > MAX_WRITES_PER_CALL => {
                beep_sdk::types::PushOutcome::Rejected(ConnectorError::RateLimited(None))
            }
            Err(e) => beep_sdk::types::PushOutcome::Rejected(e),
            Ok(entry) => {
                // Sale ids are BEEP!'s own (letters, digits, -, _): safe as a path segment.
                let url = cfg.url(&format!("journal/{}", sale.id));
                let resp = api.send(cfg.request(Request::put(url)).json(&entry)?)?;
                match mapping::push_outcome(resp.status, &resp.body) {
                    Some(outcome) => outcome,
                    // Auth, rate limit, outage: fail the call; the host resends and what
                    // arrived comes back as 409.
                    None => {
                        return Err(check(resp)
                            .err()
                            .unwrap_or_else(|| internal("unexpected journal answer")));
                    }
                }
            }
        };
        results.push(PushResult {
            id: sale.id.clone(),
            outcome,
        });
    }
    Ok(results)
}

struct Casio;

beep_sdk::describe!(pos Casio {
    name: "casio",
    systems: ["casio"],
    // None: the bridge is the merchant's own server. Live, the store's baseUrl
    // is the grant (public HTTPS only; a LAN address is refused after
    // resolution); see docs/casio-bridge.md.
    hosts: [],
    schema: CONFIG_SCHEMA,
});

impl beep_sdk::pos::Pos for Casio {
    fn fetch_catalog(
        config: String,
        cursor: Option<String>,
    ) -> Result<CatalogPage, ConnectorError> {
        let cfg = Config::parse(&config)?;
        fetch_catalog(&cfg, &mut Wasi, cursor.as_deref())
    }

    fn push_sales(config: String, sales: Vec<Sale>) -> Result<Vec<PushResult>, ConnectorError> {
        let cfg = Config::parse(&config)?;
        push_sales(&cfg, &mut Wasi, &sales)
    }
}

beep_sdk::export_pos!(Casio);

#[cfg(test)]
mod tests {
    use super::*;
    use beep_sdk::types::{PushOutcome, SaleLine, SalePayment};
    use serde_json::{Value, json};

    fn config() -> Config {
        Config::parse(r#"{"bridgeToken":"tok","baseUrl":"http://127.0.0.1:9/casio/"}"#).unwrap()
    }

    #[test]
    fn config_and_describe() {
        assert_eq!(config().url("plu"), "http://127.0.0.1:9/casio/plu");
        for bad in [
            r#"{"baseUrl":"http://x"}"#,
            r#"{"bridgeToken":"","baseUrl":"http://x"}"#,
            r#"{"bridgeToken":"t"}"#,
            r#"{"bridgeToken":"t","baseUrl":"file:///x"}"#,
            r#"{"bridgeToken":"t","baseUrl":"http://x","decimals":4}"#,
            r#"{"bridgeToken":"t","baseUrl":"http://x","currency":"XYZ"}"#,
        ] {
            assert!(
                matches!(Config::parse(bad), Err(ConnectorError::InvalidConfig(_))),
                "{bad}"
            );
        }
        use beep_sdk::pos::Describe;
        let info = Casio::describe();
        assert_eq!(
            (info.name.as_str(), info.systems[0].as_str()),
            ("casio", "casio")
        );
        let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["required"], json!(["bridgeToken", "baseUrl"]));
    }

    /// A fake bridge: a generation, the records changed at each generation, a journal.
    #[derive(Default)]
    struct Fake {
        generation: u64,
        /// (number, line, generation changed)
        records: Vec<(String, String, u64)>,
        journal: Vec<String>,
        requests: Vec<String>,
        fail_next: Option<Response>,
        forget: bool,
    }

    fn resp(status: u16, headers: Vec<(String, String)>, body: &str) -> Response {
        Response {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    impl Transport for Fake {
        fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
            let path = req.url.split_once("/casio").unwrap().1.to_string();
            let inm = req
                .headers
                .iter()
                .find(|(k, _)| k == "if-none-match")
                .map(|(_, v)| v.clone());
            self.requests.push(match &inm {
                Some(v) => format!("{path} [{v}]"),
                None => path.clone(),
            });
            assert!(
                req.headers
                    .iter()
                    .any(|(k, v)| k == "x-bridge-token" && v == "tok")
            );
            if let Some(r) = self.fail_next.take() {
                return Ok(r);
            }
            if path == "/register" {
                return Ok(resp(
                    200,
                    vec![],
                    r#"{"currency":"EUR","decimals":2,"taxTables":[{"table":1,"ratePercent":"19.00"},{"table":2,"ratePercent":"7.00"}],"pluGeneration":1}"#,
                ));
            }
            if let Some(rest) = path.strip_prefix("/plu") {
                if inm == Some(etag(self.generation)) {
                    return Ok(resp(304, vec![], ""));
                }
                let since: Option<u64> = rest.strip_prefix("?since=").map(|s| s.parse().unwrap());
                if since.is_some() && self.forget {
                    return Ok(resp(
                        410,
                        vec![],
                        r#"{"error":{"code":"generation_unknown","message":"gone"}}"#,
                    ));
                }
                let mut file = format!(
                    "#CASIO-PLU,1\n#GENERATION,{}\n#CURRENCY,EUR\n#DECIMALS,2\n#TAX,1,19.00\n#TAX,2,7.00\n",
                    self.generation
                );
                if since.is_none() {
                    file.push_str("#DEPT,01,HEISS\n#DEPT,02,KALT\n");
                }
                file.push_str("PLU,DESCRIPTOR,PRICE,DEPT,TAX,STATUS\n");
                for (_, line, changed) in &self.records {
                    if *changed > since.unwrap_or(0) && (since.is_some() || !line.ends_with(",D")) {
                        file.push_str(line);
                        file.push('\n');
                    }
                }
                return Ok(resp(
                    200,
                    vec![("X-PLU-Generation".into(), self.generation.to_string())],
                    &file,
                ));
            }
            if let Some(id) = path.strip_prefix("/journal/") {
                assert_eq!(req.method, beep_sdk::http::Method::Put);
                let body: Value = serde_json::from_slice(&req.body).unwrap();
                assert_eq!(body["saleId"], id);
                if self.journal.iter().any(|j| j == id) {
                    return Ok(resp(
                        409,
                        vec![],
                        &format!(
                            r#"{{"error":{{"code":"already_delivered","message":"m","file":"EJ_{id}.json"}}}}"#
                        ),
                    ));
                }
                self.journal.push(id.to_string());
                return Ok(resp(
                    201,
                    vec![],
                    &format!(r#"{{"saleId":"{id}","file":"EJ_{id}.json"}}"#),
                ));
            }
            panic!("unexpected {path}");
        }
    }

    fn fake() -> Fake {
        let records = (1..=5)
            .map(|i| (i.to_string(), format!("{i},ITEM {i},{},01,1,A", 100 * i), 1))
            .collect();
        Fake {
            generation: 1,
            records,
            ..Fake::default()
        }
    }

    #[test]
    fn full_then_unchanged_then_delta() {
        let cfg = config();
        let mut api = fake();
        let page = fetch_catalog(&cfg, &mut api, None).unwrap();
        assert!(!page.has_more);
        assert_eq!((page.products.len(), page.categories.len()), (5, 2));
        assert_eq!(page.products[2].price.as_ref().unwrap().amount, 300);
        assert_eq!(page.products[2].tax_rate_bps, Some(1900));
        let next = page.next_cursor.unwrap();
        assert_eq!(next, r#"{"generation":1}"#);

        // Unchanged: a 304, nothing emitted, the cursor stays.
        let page = fetch_catalog(&cfg, &mut api, Some(&next)).unwrap();
        assert!(page.products.is_empty() && page.categories.is_empty());
        assert_eq!(page.next_cursor.as_deref(), Some(next.as_str()));
        assert_eq!(api.requests.last().unwrap(), "/plu?since=1 [\"plu-1\"]");

        // One repriced, one deleted: exactly those.
        api.generation = 3;
        api.records[0] = ("1".into(), "1,ITEM 1,150,01,1,A".into(), 2);
        api.records[4] = ("5".into(), "5,ITEM 5,500,01,1,D".into(), 3);
        let page = fetch_catalog(&cfg, &mut api, Some(&next)).unwrap();
        assert_eq!(page.products.len(), 2);
        assert_eq!(page.products[0].price.as_ref().unwrap().amount, 150);
        assert!(!page.products[1].active);
        assert_eq!(page.next_cursor.as_deref(), Some(r#"{"generation":3}"#));

        // A generation the bridge forgot: the whole file.
        api.forget = true;
        api.generation = 4;
        let page = fetch_catalog(&cfg, &mut api, Some(r#"{"generation":3}"#)).unwrap();
        assert_eq!(page.products.len(), 4);
        assert_eq!(api.requests.last().unwrap(), "/plu");
    }

    #[test]
    fn bridge_errors_become_contract_errors() {
        let cfg = config();
        let mut api = fake();
        api.fail_next = Some(resp(
            401,
            vec![],
            r#"{"error":{"code":"unauthorized","message":"X-Bridge-Token is missing or not this bridge's token"}}"#,
        ));
        match fetch_catalog(&cfg, &mut api, None) {
            Err(ConnectorError::Unauthorized(m)) => {
                assert!(m.contains("not this bridge's token"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        api.fail_next = Some(resp(
            429,
            vec![("Retry-After".into(), "2".into())],
            r#"{"error":{"code":"busy","message":"PC-link"}}"#,
        ));
        assert!(matches!(
            fetch_catalog(&cfg, &mut api, None),
            Err(ConnectorError::RateLimited(Some(2)))
        ));
    }

    fn sale(id: &str, bps: u32) -> Sale {
        let eur = |a| money::money(a, "EUR");
        Sale {
            id: id.into(),
            receipt_number: format!("R-{id}"),
            lines: vec![SaleLine {
                product_id: Some("1".into()),
                sku: None,
                name: "ITEM 1".into(),
                quantity: 1.0,
                unit_price: eur(100),
                total: eur(100),
                tax_rate_bps: Some(bps),
            }],
            total: eur(100),
            tax_total: None,
            payments: vec![SalePayment {
                method: "cash".into(),
                amount: eur(100),
                reference: None,
            }],
            created_at: "2026-11-28T10:00:00Z".into(),
        }
    }

    #[test]
    fn sales_are_journaled_once_each() {
        let cfg = config();
        let mut api = fake();
        let r = push_sales(&cfg, &mut api, &[sale("a", 1900), sale("b", 1234)]).unwrap();
        assert!(matches!(&r[0].outcome, PushOutcome::Created(Some(f)) if f == "EJ_a.json"));
        assert!(matches!(
            &r[1].outcome,
            PushOutcome::Rejected(ConnectorError::InvalidConfig(_))
        ));
        let r = push_sales(&cfg, &mut api, &[sale("a", 1900), sale("c", 700)]).unwrap();
        assert!(matches!(&r[0].outcome, PushOutcome::Duplicate(Some(_))));
        assert!(matches!(&r[1].outcome, PushOutcome::Created(_)));
        assert_eq!(api.journal, ["a", "c"]);
        // More sales than one call may write: the rest are deferred, not lost.
        let many: Vec<Sale> = (0..MAX_WRITES_PER_CALL + 2)
            .map(|i| sale(&format!("m{i}"), 1900))
            .collect();
        let r = push_sales(&cfg, &mut api, &many).unwrap();
        assert_eq!(r.len(), many.len());
        assert!(
            r[..MAX_WRITES_PER_CALL]
                .iter()
                .all(|r| matches!(r.outcome, PushOutcome::Created(_)))
        );
        assert!(r[MAX_WRITES_PER_CALL..].iter().all(|r| matches!(
            r.outcome,
            PushOutcome::Rejected(ConnectorError::RateLimited(None))
        )));
        assert_eq!(api.journal.len(), 2 + MAX_WRITES_PER_CALL);
        api.fail_next = Some(resp(
            500,
            vec![],
            r#"{"error":{"code":"bridge_error","message":"down"}}"#,
        ));
        assert!(
            matches!(push_sales(&cfg, &mut api, &[sale("d", 1900)]), Err(ConnectorError::Upstream(u)) if u.status == 500)
        );
    }
}
