//! Pushes: transactions booked exactly once, stock changes as read-then-write, and
//! vendor errors as contract errors.

use super::*;

fn tx(id: &str, kind: TransactionKind, amount: i64) -> Transaction {
    Transaction {
        id: id.into(),
        kind,
        amount: money::money(amount, "EUR"),
        reference: Some("pi_1".into()),
        sale_id: Some("sale-1".into()),
        payment_method: Some("card".into()),
        occurred_at: "2026-06-15T10:00:00+02:00".into(),
    }
}

fn outcomes(results: &[PushResult]) -> Vec<String> {
    results
        .iter()
        .map(|r| match &r.outcome {
            PushOutcome::Created(id) => {
                format!("{} created {}", r.id, id.as_deref().unwrap_or("-"))
            }
            PushOutcome::Duplicate(id) => {
                format!("{} duplicate {}", r.id, id.as_deref().unwrap_or("-"))
            }
            PushOutcome::Rejected(e) => format!(
                "{} rejected {}",
                r.id,
                format!("{e:?}").trim_start_matches("ConnectorError::")
            ),
        })
        .collect()
}

#[test]
fn transactions_are_booked_once() {
    let cfg = config();
    let mut api = demo();
    let txs = [
        tx("t1", TransactionKind::Sale, 473),
        tx("t2", TransactionKind::Payment, 473),
        tx("t3", TransactionKind::Refund, 189),
    ];
    let results = push_transactions(&cfg, &mut api, &txs).unwrap();
    assert_eq!(
        outcomes(&results),
        ["t1 created 5001", "t2 created 7001", "t3 created 5002"]
    );
    assert_eq!(
        api.requests[..2],
        [
            "Get Voucher?descriptionLike=BEEP-t1&limit=100",
            "Post Voucher/Factory/saveVoucher"
        ]
    );
    assert!(
        api.requests[2].starts_with(
            "Get CheckAccountTransaction?paymtPurpose=BEEP-t2&checkAccount%5Bid%5D=9001"
        )
    );
    assert_eq!(
        api.vouchers[1]["sumGross"], "-1.89",
        "a refund reduces revenue"
    );
    assert_eq!(api.transactions[0]["amount"], 4.73);

    // Pushed again: each is found, nothing new is booked.
    let results = push_transactions(&cfg, &mut api, &txs).unwrap();
    assert_eq!(
        outcomes(&results),
        [
            "t1 duplicate 5001",
            "t2 duplicate 7001",
            "t3 duplicate 5002"
        ]
    );
    assert_eq!((api.vouchers.len(), api.transactions.len()), (2, 1));

    // A reference that only contains another one is not a duplicate of it.
    let results =
        push_transactions(&cfg, &mut api, &[tx("t", TransactionKind::Sale, 100)]).unwrap();
    assert_eq!(outcomes(&results), ["t created 5003"]);
}

#[test]
fn a_lost_answer_is_recognised_on_resend() {
    let cfg = config();
    let mut api = demo();
    let txs = [
        tx("a", TransactionKind::Sale, 100),
        tx("b", TransactionKind::Sale, 200),
    ];
    // The first voucher is booked but its answer is a 500: nothing got through, the call
    // fails, and the host keeps both for the next push.
    api.lose_next_write = true;
    match push_transactions(&cfg, &mut api, &txs) {
        Err(ConnectorError::Upstream(e)) => assert_eq!(e.status, 500),
        other => panic!("{other:?}"),
    }
    assert_eq!(api.vouchers.len(), 1);
    let results = push_transactions(&cfg, &mut api, &txs).unwrap();
    assert_eq!(outcomes(&results), ["a duplicate 5001", "b created 5002"]);
    assert_eq!(api.vouchers.len(), 2);

    // A 503 after something got through: the rest come back rejected (transient).
    let txs = [
        tx("c", TransactionKind::Sale, 100),
        tx("d", TransactionKind::Sale, 100),
        tx("e", TransactionKind::Sale, 100),
    ];
    api.fail = VecDeque::from([]);
    let mut calls = 0;
    let results = push_each(
        &txs,
        10,
        |t| &t.id,
        |t| &t.id,
        |t| {
            calls += 1;
            if calls == 2 {
                return Err(beep_sdk::error::upstream(503, "Service Unavailable"));
            }
            book(&cfg, &mut api, t)
        },
    )
    .unwrap();
    let o = outcomes(&results);
    assert_eq!(o[0], "c created 5003");
    assert!(
        o[1].starts_with("d rejected Upstream") && o[2].starts_with("e rejected Upstream"),
        "{o:?}"
    );
}

#[test]
fn pushes_need_their_accounts_and_stay_within_the_budget() {
    let mut api = demo();
    let cfg = Config::parse(&format!(r#"{{"apiToken":"tok","baseUrl":"{BASE}"}}"#)).unwrap();
    assert!(matches!(
        push_transactions(&cfg, &mut api, &[tx("x", TransactionKind::Sale, 1)]),
        Err(ConnectorError::InvalidConfig(m)) if m.contains("accountDatevId")
    ));
    assert!(matches!(
        push_transactions(&cfg, &mut api, &[tx("x", TransactionKind::Payment, 1)]),
        Err(ConnectorError::InvalidConfig(m)) if m.contains("checkAccountId")
    ));
    assert!(api.requests.is_empty());

    let cfg = config();
    let many: Vec<Transaction> = (0..50)
        .map(|i| tx(&format!("p{i}"), TransactionKind::Payment, 100 + i))
        .collect();
    let results = push_transactions(&cfg, &mut api, &many).unwrap();
    assert_eq!(results.len(), 50);
    assert_eq!(api.transactions.len(), MAX_TRANSACTIONS_PER_CALL);
    assert_eq!(api.requests.len(), 2 * MAX_TRANSACTIONS_PER_CALL);
    assert!(matches!(
        results[49].outcome,
        PushOutcome::Rejected(ConnectorError::RateLimited(None))
    ));

    // An item sevdesk cannot take is rejected alone.
    let mut odd = tx("usd", TransactionKind::Payment, 100);
    odd.amount.currency = "USD".into();
    let results = push_transactions(
        &cfg,
        &mut api,
        &[odd, tx("ok", TransactionKind::Payment, 5)],
    )
    .unwrap();
    let o = outcomes(&results);
    assert!(o[0].starts_with("usd rejected Unsupported"), "{o:?}");
    assert!(o[1].starts_with("ok created"), "{o:?}");
}

#[test]
fn vendor_errors_become_contract_errors() {
    let cfg = config();
    let mut api = demo();
    api.fail.push_back(error(401, "Authentication required"));
    match fetch_inventory(&cfg, &mut api, None) {
        Err(ConnectorError::Unauthorized(m)) => assert_eq!(m, "Authentication required"),
        other => panic!("{other:?}"),
    }
    let mut limited = error(429, "Too Many Requests");
    limited.headers.push(("Retry-After".into(), "1".into()));
    api.fail.push_back(limited);
    assert!(matches!(
        fetch_suppliers(&cfg, &mut api, None),
        Err(ConnectorError::RateLimited(Some(1)))
    ));
    api.fail.push_back(error(500, "Server Error"));
    assert!(
        matches!(fetch_orders(&cfg, &mut api, None), Err(ConnectorError::Upstream(e)) if e.status == 500)
    );
    // An unauthorized push fails the call, not the items.
    api.fail.push_back(error(401, "Authentication required"));
    assert!(matches!(
        push_transactions(&cfg, &mut api, &[tx("x", TransactionKind::Sale, 1)]),
        Err(ConnectorError::Unauthorized(_))
    ));
    assert!(matches!(
        fetch_inventory(&cfg, &mut api, Some("{nope")),
        Err(ConnectorError::InvalidConfig(_))
    ));
}

fn change(id: &str, product: Option<&str>, sku: Option<&str>, delta: f64) -> StockChange {
    StockChange {
        id: id.into(),
        product_id: product.map(String::from),
        sku: sku.map(String::from),
        quantity_delta: delta,
        reason: "sale".into(),
        occurred_at: "2026-06-15T10:00:00+02:00".into(),
    }
}

#[test]
fn stock_changes_read_then_write_the_stock() {
    let cfg = config();
    let mut api = demo();
    let changes = [
        change("c1", Some("1003"), None, -2.0),
        change("c2", None, Some("ART-1004"), 1.25),
        change("c3", None, Some("NOPE"), -1.0),
        change("c4", None, None, -1.0),
        change("c5", Some("1005"), None, 0.0),
    ];
    let results = push_stock_changes(&cfg, &mut api, &changes).unwrap();
    let o = outcomes(&results);
    assert_eq!(o[0], "c1 created 1003");
    assert_eq!(o[1], "c2 created 1004");
    assert!(o[2].starts_with("c3 rejected NotFound"), "{o:?}");
    assert!(o[3].starts_with("c4 rejected InvalidConfig"), "{o:?}");
    assert_eq!(o[4], "c5 created -");
    assert_eq!(api.parts[2]["stock"], 0.5, "2.5 - 2");
    assert_eq!(api.parts[3]["stock"], 4.75, "3.5 + 1.25");
    assert_eq!(
        api.requests[..2],
        ["Get Part/1003/getStock", "Put Part/1003"]
    );
    assert_eq!(api.requests[2], "Get Part?partNumber=ART-1004&limit=2");
    assert_eq!(api.requests.len(), 5, "nothing sent for a zero change");
    // An unknown part id is sevdesk's 400.
    let results =
        push_stock_changes(&cfg, &mut api, &[change("c6", Some("99"), None, 1.0)]).unwrap();
    assert!(outcomes(&results)[0].starts_with("c6 rejected Upstream"));
}

#[test]
fn the_changes_of_one_sale_are_attempted_together() {
    let changes = [
        change("s1:0", None, Some("A"), -1.0),
        change("s1:1", None, Some("B"), -1.0),
        change("s2:0", None, Some("C"), -1.0),
        change("s2:1", None, Some("D"), -1.0),
        change("s3", None, Some("E"), -1.0),
    ];
    let mut attempted = vec![];
    let results = push_each(
        &changes,
        3,
        |c| &c.id,
        |c| sale_of(&c.id),
        |c| {
            attempted.push(c.id.clone());
            Ok(PushOutcome::Created(None))
        },
    )
    .unwrap();
    // s2 does not fit beside s1: left whole for the next push; s3 fits.
    assert_eq!(attempted, ["s1:0", "s1:1", "s3"]);
    let o = outcomes(&results);
    assert!(
        o[2].starts_with("s2:0 rejected RateLimited")
            && o[3].starts_with("s2:1 rejected RateLimited"),
        "{o:?}"
    );
    // A sale larger than a call is attempted as far as it goes.
    let mut n = 0;
    let results = push_each(
        &changes[..2],
        1,
        |c| &c.id,
        |c| sale_of(&c.id),
        |_| {
            n += 1;
            Ok(PushOutcome::Created(None))
        },
    )
    .unwrap();
    assert_eq!(n, 1);
    assert!(outcomes(&results)[1].starts_with("s1:1 rejected RateLimited"));
    assert_eq!(sale_of("abc"), "abc");
    assert_eq!(sale_of("a:b:3"), "a:b");
}
