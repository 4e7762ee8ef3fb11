//! Merchants, their API keys (hashed) and their stores.

use super::{Db, new_id, now_ms};
use anyhow::Context as _;
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::Row;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Plan {
    Start,
    Grow,
    Prime,
}

impl Plan {
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Start => "START",
            Plan::Grow => "GROW",
            Plan::Prime => "PRIME",
        }
    }
    pub fn parse(s: &str) -> Option<Plan> {
        match s.to_ascii_uppercase().as_str() {
            "START" => Some(Plan::Start),
            "GROW" => Some(Plan::Grow),
            "PRIME" => Some(Plan::Prime),
            _ => None,
        }
    }
    /// Sync and push are GROW and PRIME features.
    pub fn can_sync(self) -> bool {
        matches!(self, Plan::Grow | Plan::Prime)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    /// From its stored name (anything but `live` is test).
    pub fn of(s: &str) -> Mode {
        if s == "live" { Mode::Live } else { Mode::Test }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }
}

/// The caller, as its API key identifies it.
#[derive(Clone, Debug)]
pub struct Caller {
    pub merchant_id: String,
    pub plan: Plan,
    pub mode: Mode,
    /// The hash of the key presented (none for a vendor's webhook).
    pub key_hash: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMerchant {
    pub merchant_id: String,
    pub name: String,
    pub plan: Plan,
    pub test_key: String,
    pub live_key: String,
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Store {
    pub store_id: String,
    pub name: String,
    pub mode: String,
    pub created_at: i64,
}

fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn new_key(mode: Mode) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let secret: String = (0..32)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("beep_{}_{secret}", mode.as_str())
}

/// Creates a merchant with one test and one live key; the keys are shown once.
pub async fn create(db: &Db, name: &str, plan: Plan) -> anyhow::Result<NewMerchant> {
    let id = new_id();
    let now = now_ms();
    let test_key = new_key(Mode::Test);
    let live_key = new_key(Mode::Live);
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO merchants (id, name, plan, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(name)
        .bind(plan.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    for (key, mode) in [(&test_key, Mode::Test), (&live_key, Mode::Live)] {
        sqlx::query("INSERT INTO api_keys (key_hash, merchant_id, mode, prefix, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(hash_key(key))
            .bind(&id)
            .bind(mode.as_str())
            .bind(&key[..14])
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(NewMerchant {
        merchant_id: id,
        name: name.to_string(),
        plan,
        test_key,
        live_key,
    })
}

/// A caller from a row of (merchant_id, mode, plan).
fn caller_from_row(r: &sqlx::any::AnyRow) -> Caller {
    Caller {
        merchant_id: r.get(0),
        mode: if r.get::<String, _>(1) == "live" {
            Mode::Live
        } else {
            Mode::Test
        },
        plan: Plan::parse(&r.get::<String, _>(2)).unwrap_or(Plan::Start),
        key_hash: None,
    }
}

/// The merchant a key belongs to, if the key exists.
pub async fn authenticate(db: &Db, key: &str) -> anyhow::Result<Option<Caller>> {
    let key_hash = hash_key(key);
    let row = sqlx::query(
        "SELECT k.merchant_id, k.mode, m.plan FROM api_keys k JOIN merchants m ON m.id = k.merchant_id WHERE k.key_hash = $1",
    )
    .bind(&key_hash)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(|r| Caller {
        key_hash: Some(key_hash),
        ..caller_from_row(r)
    }))
}

/// A new key of the caller's mode in place of the presented one, which stops working
/// at once (in one transaction: never both, never neither).
pub async fn rotate_key(db: &Db, caller: &Caller) -> anyhow::Result<String> {
    let old_hash = caller
        .key_hash
        .as_deref()
        .context("only a caller with a key can rotate it")?;
    let key = new_key(caller.mode);
    let mut tx = db.pool.begin().await?;
    let removed = sqlx::query("DELETE FROM api_keys WHERE key_hash = $1 AND merchant_id = $2")
        .bind(old_hash)
        .bind(&caller.merchant_id)
        .execute(&mut *tx)
        .await?;
    anyhow::ensure!(removed.rows_affected() == 1, "the key was rotated already");
    sqlx::query("INSERT INTO api_keys (key_hash, merchant_id, mode, prefix, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(hash_key(&key))
        .bind(&caller.merchant_id)
        .bind(caller.mode.as_str())
        .bind(&key[..14])
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(key)
}

pub async fn create_store(db: &Db, caller: &Caller, name: &str) -> anyhow::Result<Store> {
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO stores (id, merchant_id, mode, name, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(&caller.merchant_id)
    .bind(caller.mode.as_str())
    .bind(name)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(Store {
        store_id: id,
        name: name.to_string(),
        mode: caller.mode.as_str().into(),
        created_at: now,
    })
}

pub enum StoreAccess {
    Found(Store),
    /// It exists but belongs to another merchant or the other mode.
    Forbidden,
    NotFound,
}

pub async fn find_store(db: &Db, caller: &Caller, store_id: &str) -> anyhow::Result<StoreAccess> {
    let row =
        sqlx::query("SELECT id, merchant_id, mode, name, created_at FROM stores WHERE id = $1")
            .bind(store_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(match row {
        None => StoreAccess::NotFound,
        Some(r)
            if r.get::<String, _>(1) != caller.merchant_id
                || r.get::<String, _>(2) != caller.mode.as_str() =>
        {
            StoreAccess::Forbidden
        }
        Some(r) => StoreAccess::Found(Store {
            store_id: r.get(0),
            mode: r.get(2),
            name: r.get(3),
            created_at: r.get(4),
        }),
    })
}

pub async fn list_stores(db: &Db, caller: &Caller) -> anyhow::Result<Vec<Store>> {
    let rows = sqlx::query("SELECT id, mode, name, created_at FROM stores WHERE merchant_id = $1 AND mode = $2 ORDER BY created_at, id")
        .bind(&caller.merchant_id)
        .bind(caller.mode.as_str())
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Store {
            store_id: r.get(0),
            mode: r.get(1),
            name: r.get(2),
            created_at: r.get(3),
        })
        .collect())
}

/// Who owns a store, for requests that come without a key (vendor webhooks).
pub async fn store_owner(db: &Db, store_id: &str) -> anyhow::Result<Option<Caller>> {
    let row = sqlx::query("SELECT s.merchant_id, s.mode, m.plan FROM stores s JOIN merchants m ON m.id = s.merchant_id WHERE s.id = $1")
        .bind(store_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(caller_from_row))
}
