//! The stored objects of a simulated sevdesk account and the demo / `gen-N` seed data.

use axum::http::StatusCode;

use super::{DEMO_CREATED, DEMO_TOKEN, MAX_GENERATED_PARTS, PART_ID_BASE, VOUCHER_POS_ID_BASE};

pub(super) struct Part {
    pub(super) part_number: String,
    pub(super) name: String,
    pub(super) stock: f64,
    pub(super) stock_enabled: bool,
    pub(super) unity: u32,
    /// Net price in cents.
    pub(super) price_net: i64,
    pub(super) price_purchase: i64,
    pub(super) tax_rate: f64,
    /// 50 inactive, 100 active.
    pub(super) status: u32,
    pub(super) create: i64,
    pub(super) update: i64,
}

pub(super) struct Contact {
    /// Organisations have a name; persons a first and last name.
    pub(super) name: Option<String>,
    pub(super) surename: Option<String>,
    pub(super) familyname: Option<String>,
    pub(super) category: u32,
    pub(super) customer_number: String,
    pub(super) vat_number: Option<String>,
    pub(super) create: i64,
    pub(super) update: i64,
}

pub(super) struct CommWay {
    pub(super) contact: usize,
    pub(super) kind: &'static str,
    pub(super) value: String,
    pub(super) main: bool,
}

pub(super) struct Order {
    pub(super) order_number: String,
    pub(super) contact: usize,
    pub(super) order_type: &'static str,
    pub(super) status: u32,
    pub(super) order_date: i64,
    pub(super) header: String,
    pub(super) create: i64,
    pub(super) update: i64,
    pub(super) positions: Vec<usize>,
}

pub(super) struct OrderPos {
    pub(super) order: usize,
    pub(super) part: Option<usize>,
    pub(super) name: String,
    pub(super) quantity: f64,
    /// Net unit price in cents.
    pub(super) price_net: i64,
    pub(super) tax_rate: f64,
    pub(super) position_number: u32,
}

pub(super) struct Voucher {
    pub(super) id: u64,
    pub(super) voucher_date: i64,
    pub(super) supplier_name: Option<String>,
    pub(super) description: Option<String>,
    pub(super) status: u32,
    pub(super) credit_debit: String,
    pub(super) voucher_type: String,
    pub(super) currency: String,
    pub(super) sum_net: f64,
    pub(super) sum_tax: f64,
    pub(super) sum_gross: f64,
    pub(super) tax_rule: Option<String>,
    pub(super) create: i64,
    pub(super) positions: Vec<VoucherPos>,
}

pub(super) struct VoucherPos {
    pub(super) id: u64,
    pub(super) account_datev: Option<u64>,
    pub(super) accounting_type: Option<u64>,
    pub(super) tax_rate: f64,
    pub(super) net: bool,
    pub(super) sum_net: f64,
    pub(super) sum_tax: f64,
    pub(super) sum_gross: f64,
    pub(super) comment: Option<String>,
}

pub(super) struct Transaction {
    pub(super) id: u64,
    pub(super) value_date: i64,
    pub(super) entry_date: i64,
    pub(super) paymt_purpose: Option<String>,
    pub(super) amount: f64,
    pub(super) payee_payer_name: String,
    pub(super) check_account: u64,
    pub(super) status: u32,
    pub(super) create: i64,
}

pub(super) struct Failure {
    pub(super) status: StatusCode,
    pub(super) remaining: u32,
    /// Apply the next write first, then answer the failure (an answer lost in transit).
    pub(super) after_write: bool,
}

pub(super) struct Account {
    pub(super) parts: Vec<Part>,
    pub(super) contacts: Vec<Contact>,
    pub(super) comm_ways: Vec<CommWay>,
    pub(super) orders: Vec<Order>,
    pub(super) order_pos: Vec<OrderPos>,
    pub(super) vouchers: Vec<Voucher>,
    pub(super) next_voucher_pos: u64,
    pub(super) transactions: Vec<Transaction>,
    pub(super) failure: Option<Failure>,
    pub(super) requests: u64,
}

/// The demo inventory: (name, units in stock, unity, net price in cents, VAT %).
const DEMO_PARTS: [(&str, f64, u32, i64, f64); 30] = [
    ("Mineralwasser still 0,5 l", 240.0, 1, 108, 19.0),
    ("Mineralwasser spritzig 0,5 l", 216.0, 1, 108, 19.0),
    ("Apfelschorle 0,5 l", 120.0, 1, 142, 19.0),
    ("Orangensaft 1 l", 48.0, 1, 234, 19.0),
    ("Cola 0,33 l", 144.0, 1, 159, 19.0),
    ("Mate 0,5 l", 96.0, 1, 192, 19.0),
    ("Eistee Pfirsich 0,5 l", 72.0, 1, 150, 19.0),
    ("Bio-Vollmilch 1 l", 36.0, 1, 111, 7.0),
    ("Hafer Drink 1 l", 30.0, 1, 167, 19.0),
    ("Joghurt natur 500 g", 24.0, 1, 121, 7.0),
    ("Butter 250 g", 40.0, 1, 223, 7.0),
    ("Gouda jung 150 g", 28.0, 1, 186, 7.0),
    ("Laugenbrezel", 60.0, 1, 83, 7.0),
    ("Croissant", 45.0, 1, 111, 7.0),
    ("Roggenbrot 750 g", 12.0, 1, 327, 7.0),
    ("Baguette", 25.0, 1, 149, 7.0),
    ("Kaffeebohnen 1 kg", 8.5, 2, 1393, 7.0),
    ("Tee Earl Grey 100 g", 15.0, 1, 373, 7.0),
    ("Zartbitterschokolade 100 g", 50.0, 1, 149, 7.0),
    ("Gummibärchen 200 g", 65.0, 1, 111, 7.0),
    ("Chips gesalzen 175 g", 40.0, 1, 186, 7.0),
    ("Erdnüsse geröstet 200 g", 33.0, 1, 167, 7.0),
    ("Müsliriegel", 90.0, 1, 64, 7.0),
    ("Äpfel Elstar lose", 42.5, 2, 279, 7.0),
    ("Bananen lose", 31.2, 2, 185, 7.0),
    ("Tomaten Rispe", 12.75, 2, 372, 7.0),
    ("Olivenöl extra vergine 0,5 l", 18.0, 1, 652, 7.0),
    ("Spülmittel 500 ml", 22.0, 1, 125, 19.0),
    ("Papiertragetasche", 500.0, 1, 17, 19.0),
    ("Mehrweg-Becher", 0.0, 1, 252, 19.0),
];

/// Demo contacts: (organisation name | (first, last name), category, VAT id, email).
#[allow(clippy::type_complexity)]
const DEMO_CONTACTS: [(
    Option<&str>,
    Option<(&str, &str)>,
    u32,
    Option<&str>,
    Option<&str>,
); 8] = [
    (
        Some("Getränke Großhandel Nord GmbH"),
        None,
        2,
        Some("DE811907980"),
        Some("bestellung@getraenke-nord.example"),
    ),
    (
        Some("Bäckerei Sonnenschein KG"),
        None,
        2,
        Some("DE275148163"),
        Some("info@baeckerei-sonnenschein.example"),
    ),
    (
        Some("Molkerei Alpenblick eG"),
        None,
        2,
        Some("DE129273398"),
        None,
    ),
    (
        None,
        Some(("Jonas", "Weber")),
        2,
        None,
        Some("hof.weber@example.org"),
    ),
    (
        Some("Kita Regenbogen e.V."),
        None,
        3,
        None,
        Some("verwaltung@kita-regenbogen.example"),
    ),
    (
        None,
        Some(("Anna", "Schmidt")),
        3,
        None,
        Some("anna.schmidt@example.com"),
    ),
    (Some("Stadtmarketing Mitte"), None, 4, None, None),
    (Some("Café Eckstein"), None, 28, None, None),
];

/// Demo orders: (number, contact, type, status, order date, positions as (part, quantity)).
#[allow(clippy::type_complexity)]
const DEMO_ORDERS: [(&str, usize, &str, u32, i64, &[(usize, f64)]); 5] = [
    // To suppliers: the purchase orders.
    (
        "AB-1001",
        0,
        "AB",
        200,
        1_748_764_800,
        &[(0, 240.0), (2, 120.0), (4, 144.0)],
    ),
    (
        "AB-1002",
        1,
        "AB",
        500,
        1_749_024_000,
        &[(12, 60.0), (13, 45.0)],
    ),
    (
        "AB-1003",
        3,
        "AB",
        100,
        1_749_110_400,
        &[(23, 20.0), (24, 15.5)],
    ),
    // To customers: not purchase orders.
    ("AN-1004", 4, "AN", 200, 1_749_196_800, &[(3, 12.0)]),
    ("LI-1005", 5, "LI", 200, 1_749_283_200, &[(29, 2.0)]),
];

impl Account {
    fn demo_master_data() -> Account {
        let mut a = Account {
            parts: vec![],
            contacts: vec![],
            comm_ways: vec![],
            orders: vec![],
            order_pos: vec![],
            vouchers: vec![],
            next_voucher_pos: VOUCHER_POS_ID_BASE,
            transactions: vec![],
            failure: None,
            requests: 0,
        };
        for (i, (name, person, category, vat, email)) in DEMO_CONTACTS.into_iter().enumerate() {
            let t = DEMO_CREATED + 3600 + i as i64 * 60;
            a.contacts.push(Contact {
                name: name.map(String::from),
                surename: person.map(|p| p.0.to_string()),
                familyname: person.map(|p| p.1.to_string()),
                category,
                customer_number: format!("{}", 10_001 + i),
                vat_number: vat.map(String::from),
                create: t,
                update: t,
            });
            if let Some(email) = email {
                a.comm_ways.push(CommWay {
                    contact: i,
                    kind: "EMAIL",
                    value: email.to_string(),
                    main: true,
                });
            }
            a.comm_ways.push(CommWay {
                contact: i,
                kind: "PHONE",
                value: format!("+49 30 555 01{i:02}"),
                main: true,
            });
        }
        a
    }

    fn demo_parts(&mut self) {
        for (i, (name, stock, unity, net, tax)) in DEMO_PARTS.into_iter().enumerate() {
            let t = DEMO_CREATED + i as i64 * 60;
            self.parts.push(Part {
                part_number: format!("ART-{}", 1001 + i),
                name: name.to_string(),
                stock,
                stock_enabled: true,
                unity,
                price_net: net,
                price_purchase: net * 6 / 10,
                tax_rate: tax,
                // One discontinued article: still in stock, inactive.
                status: if i == 29 { 50 } else { 100 },
                create: t,
                update: t,
            });
        }
        // Services: parts without stock tracking.
        for (j, (name, net)) in [("Geschenkverpackung", 168), ("Lieferpauschale", 420)]
            .into_iter()
            .enumerate()
        {
            let t = DEMO_CREATED + 7200 + j as i64 * 60;
            self.parts.push(Part {
                part_number: format!("SRV-{}", 1 + j),
                name: name.to_string(),
                stock: 0.0,
                stock_enabled: false,
                unity: 3,
                price_net: net,
                price_purchase: 0,
                tax_rate: 19.0,
                status: 100,
                create: t,
                update: t,
            });
        }
    }

    fn demo_orders(&mut self) {
        for (i, (number, contact, kind, status, date, lines)) in DEMO_ORDERS.into_iter().enumerate()
        {
            let order = self.orders.len();
            let mut positions = vec![];
            for (n, (part, quantity)) in lines.iter().enumerate() {
                let p = self.parts.get(*part);
                positions.push(self.order_pos.len());
                self.order_pos.push(OrderPos {
                    order,
                    part: p.map(|_| *part),
                    name: p.map_or_else(|| format!("Position {}", n + 1), |p| p.name.clone()),
                    quantity: *quantity,
                    price_net: p.map_or(100, |p| p.price_purchase),
                    tax_rate: p.map_or(19.0, |p| p.tax_rate),
                    position_number: n as u32,
                });
            }
            let t = date + 3600;
            self.orders.push(Order {
                order_number: number.to_string(),
                contact,
                order_type: kind,
                status,
                order_date: date,
                header: format!("Auftrag {number}"),
                create: t + i as i64,
                update: t + i as i64,
                positions,
            });
        }
    }

    pub(super) fn demo() -> Account {
        let mut a = Account::demo_master_data();
        a.demo_parts();
        a.demo_orders();
        a
    }

    /// The demo contacts and orders, with `n` generated parts (all stock-tracked).
    fn generated(n: usize) -> Account {
        let mut a = Account::demo_master_data();
        a.parts.reserve_exact(n);
        for i in 0..n {
            let t = DEMO_CREATED + i as i64;
            a.parts.push(Part {
                part_number: format!("GEN-{}", i + 1),
                name: format!("Generated part {}", i + 1),
                stock: ((i * 37) % 500) as f64,
                stock_enabled: true,
                unity: 1,
                price_net: 49 + (i as i64 * 37) % 2000,
                price_purchase: 30 + (i as i64 * 23) % 1200,
                tax_rate: if i % 3 == 0 { 7.0 } else { 19.0 },
                status: 100,
                create: t,
                update: t,
            });
        }
        a.demo_orders();
        a
    }

    /// Builds the account a token stands for, if it stands for one.
    pub(super) fn create(token: &str) -> Option<Account> {
        if token == DEMO_TOKEN {
            return Some(Account::demo());
        }
        let n: usize = token.strip_prefix("gen-")?.parse().ok()?;
        (1..=MAX_GENERATED_PARTS)
            .contains(&n)
            .then(|| Account::generated(n))
    }

    pub(super) fn part_index(&self, id: &str) -> Option<usize> {
        let idx = id
            .trim()
            .parse::<u64>()
            .ok()?
            .checked_sub(PART_ID_BASE + 1)?;
        let idx = usize::try_from(idx).ok()?;
        (idx < self.parts.len()).then_some(idx)
    }

    pub(super) fn index(id: &str, base: u64, len: usize) -> Option<usize> {
        let idx = id.trim().parse::<u64>().ok()?.checked_sub(base + 1)?;
        let idx = usize::try_from(idx).ok()?;
        (idx < len).then_some(idx)
    }
}
