//! Reads: parts, suppliers (full and incremental) and purchase orders.

use super::*;

#[test]
fn inventory_reads_every_part_each_run() {
    let cfg = config();
    let mut api = demo();
    api.parts = (0..2500).map(|i| part(i, i % 100 != 7)).collect();
    let (mut levels, mut calls, mut cursor) = (vec![], 0, None::<String>);
    loop {
        let page = fetch_inventory(&cfg, &mut api, cursor.as_deref()).unwrap();
        calls += 1;
        levels.extend(page.levels);
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(calls, 3);
    assert_eq!(levels.len(), 2475, "services without stock are skipped");
    assert_eq!(cursor, None, "no change filter: the next run is full");
    assert_eq!(
        api.requests,
        [
            "Get Part?limit=1000&offset=0&embed=unity",
            "Get Part?limit=1000&offset=1000&embed=unity",
            "Get Part?limit=1000&offset=2000&embed=unity"
        ]
    );
    let l = &levels[0];
    assert_eq!(l.external_id, "1001");
    assert_eq!(l.sku.as_deref(), Some("ART-1001"));
    assert_eq!((l.quantity, l.unit.as_deref()), (0.5, Some("pc")));
}

fn run_suppliers(
    api: &mut Fake,
    cursor: Option<String>,
) -> (Vec<beep_sdk::types::Supplier>, String) {
    let cfg = config();
    let (mut all, mut cursor) = (vec![], cursor);
    loop {
        let page = fetch_suppliers(&cfg, api, cursor.as_deref()).unwrap();
        all.extend(page.suppliers);
        cursor = page.next_cursor;
        if !page.has_more {
            return (all, cursor.unwrap());
        }
    }
}

#[test]
fn suppliers_full_then_incremental() {
    let mut api = demo();
    // 45 suppliers: two pages of contacts.
    for i in 8..49 {
        api.contacts
            .push(contact(i, 2, 1_704_186_000 + 600 + i as i64));
    }
    let (suppliers, next) = run_suppliers(&mut api, None);
    assert_eq!(suppliers.len(), 45);
    assert!(api.requests[0].starts_with("Get Contact?limit=40&offset=0&depth=1&category%5Bid%5D=2&category%5BobjectName%5D=Category"), "{}", api.requests[0]);
    let s = &suppliers[0];
    assert_eq!(s.external_id, "2001");
    assert_eq!(s.name, "Contact 0");
    assert_eq!(s.email.as_deref(), Some("c0@example.org"));
    assert_eq!(s.vat_id.as_deref(), Some("DE000000000"));
    assert_eq!(suppliers[2].email, None, "contact 2 has no e-mail address");
    let st: ChangeCursor = Cursor::decode(Some(&next)).unwrap();
    // The latest update seen: contact 3 (t0 + 3600 + 180).
    assert_eq!(st.since, Some(1_704_186_000 + 3780));
    assert_eq!(st.offset, 0);

    // Nothing changed: one request, nothing synced, the same cursor.
    api.requests.clear();
    let (suppliers, again) = run_suppliers(&mut api, Some(next.clone()));
    assert!(suppliers.is_empty());
    assert_eq!(api.requests.len(), 1);
    assert!(api.requests[0].contains("updateAfter=1704189780"));
    assert_eq!(again, next);

    // One supplier changes: exactly it. The cursor stops a second before the run began.
    api.contacts[1]["update"] = json!("2026-06-15T12:00:00+00:00");
    api.contacts[1]["name"] = json!("Renamed");
    let (suppliers, next) = run_suppliers(&mut api, Some(next));
    assert_eq!(suppliers.len(), 1);
    assert_eq!(suppliers[0].name, "Renamed");
    let st: ChangeCursor = Cursor::decode(Some(&next)).unwrap();
    assert_eq!(st.since, Some(DATE_UNIX - 1));
}

#[test]
fn orders_to_suppliers_are_purchase_orders() {
    let cfg = config();
    let mut api = demo();
    let page = fetch_orders(&cfg, &mut api, None).unwrap();
    assert!(!page.has_more);
    // Orders 3001..3003 go to suppliers 2001, 2002, 2004; 3004/3005 to customers.
    let ids: Vec<&str> = page.orders.iter().map(|o| o.external_id.as_str()).collect();
    assert_eq!(ids, ["3001", "3002", "3003"]);
    let po = &page.orders[2];
    assert_eq!(po.supplier_id.as_deref(), Some("2004"));
    assert_eq!(po.number.as_deref(), Some("AB-1003"));
    assert_eq!(po.status, "sent");
    assert_eq!(po.total.as_ref().unwrap().amount, 11900);
    assert_eq!(po.lines.len(), 3);
    assert_eq!(po.lines[1].sku.as_deref(), Some("ART-1002"));
    assert_eq!(po.lines[1].unit_price.as_ref().unwrap().amount, 119);
    assert_eq!(api.requests[0], "Get Order?limit=40&offset=0&embed=contact");
    assert_eq!(
        api.requests[1],
        "Get Order/3001/getPositions?limit=1000&offset=0&embed=part"
    );
    assert_eq!(api.requests.len(), 4, "positions only for purchase orders");
    let st: ChangeCursor = Cursor::decode(page.next_cursor.as_deref()).unwrap();
    assert_eq!(st.since, Some(1_704_186_000 + 7204));

    // Incremental: nothing new.
    let again = fetch_orders(&cfg, &mut api, page.next_cursor.as_deref()).unwrap();
    assert!(again.orders.is_empty());
}

/// A server that ignores `embed`: the contact is read once per call instead.
#[test]
fn orders_without_embedded_contacts_look_them_up() {
    let cfg = config();
    let mut api = demo();
    let embedded = fetch_orders(&cfg, &mut api, None).unwrap();
    let mut contacts = HashMap::new();
    let orders: Vec<model::Order> = api
        .orders
        .iter()
        .map(|o| serde_json::from_value(o.clone()).unwrap())
        .collect();
    let mut found = vec![];
    for o in &orders {
        if to_supplier(&cfg, &mut api, o, &mut contacts).unwrap() {
            found.push(o.id.clone());
        }
    }
    let ids: Vec<String> = embedded
        .orders
        .iter()
        .map(|o| o.external_id.clone())
        .collect();
    assert_eq!(found, ids);
    assert_eq!(contacts.len(), 5);
}
