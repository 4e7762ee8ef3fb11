//! Query parameters and `limit`/`offset`/`countAll` paging.

use axum::response::Response;
use serde::Serialize;

use super::answers::{ApiError, invalid, objects};
use super::{DEFAULT_LIMIT, MAX_LIMIT};

pub(super) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub(super) fn parse(raw: Option<&str>) -> Query {
        Query {
            pairs: form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        }
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn embeds(&self, name: &str) -> bool {
        self.pairs
            .iter()
            .filter(|(k, _)| k == "embed" || k == "embed[]")
            .flat_map(|(_, v)| v.split(','))
            .any(|e| e.trim() == name)
    }

    /// A Unix timestamp filter (`updateAfter={timestamp}`); spec silent on the format
    /// beyond "timestamp": we take Unix seconds.
    pub(super) fn timestamp(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| invalid(&format!("{name} must be a timestamp"))),
        }
    }

    pub(super) fn id(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| invalid(&format!("{name} must be an id"))),
        }
    }
}

pub(super) struct Paging {
    limit: usize,
    offset: usize,
    count_all: bool,
}

pub(super) fn paging(q: &Query) -> Result<Paging, ApiError> {
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| invalid(&format!("limit must be between 1 and {MAX_LIMIT}")))?,
    };
    let offset = match q.get("offset") {
        None => 0,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| invalid("offset must be a non-negative integer"))?,
    };
    let count_all = matches!(q.get("countAll"), Some("true" | "1"));
    Ok(Paging {
        limit,
        offset,
        count_all,
    })
}

/// A page of `rows` (indices into some table, in id order) as `{"objects": [...]}`.
pub(super) fn page<T: Serialize>(
    rows: &[usize],
    p: &Paging,
    view: impl Fn(usize) -> T,
) -> Response {
    let items: Vec<T> = rows
        .iter()
        .skip(p.offset)
        .take(p.limit)
        .map(|&i| view(i))
        .collect();
    objects(
        serde_json::to_vec(&items).expect("serialisable"),
        p.count_all.then_some(rows.len()),
    )
}

/// A page over all rows of a table of `len` rows, without materialising the index list:
/// O(limit) for any offset.
pub(super) fn page_all<T: Serialize>(
    len: usize,
    p: &Paging,
    view: impl Fn(usize) -> T,
) -> Response {
    let start = p.offset.min(len);
    let end = start.saturating_add(p.limit).min(len);
    let items: Vec<T> = (start..end).map(view).collect();
    objects(
        serde_json::to_vec(&items).expect("serialisable"),
        p.count_all.then_some(len),
    )
}
