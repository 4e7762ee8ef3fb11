//! List requests and answers: native cursor paging or a mapped API's own paging, and one
//! stream's state across pages and runs.

use super::mapping::{as_number, as_text};
use super::{Config, Entity, Paging, Source, later, map_item};
use crate::error::{internal, invalid_config};
use crate::http::{Request, Response};
use crate::types::ConnectorError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---- lists -------------------------------------------------------------------------------

/// Where a list continues: the protocol's (or a mapped API's) opaque cursor, a page
/// number, an offset or a `Link` URL. `Default` is the first page.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct ListPosition {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// One stream's state inside a connector cursor: where the current run is, the
/// watermark it filters by and the highest `updatedAt` seen so far.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct StreamState {
    pub position: ListPosition,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<String>,
}

impl StreamState {
    /// The state that starts the next (incremental) run after this one completed.
    pub fn next_run(&self) -> StreamState {
        StreamState {
            position: ListPosition::default(),
            since: self.high.clone().or_else(|| self.since.clone()),
            high: None,
        }
    }
}

/// One page of protocol-shaped items and where the list continues (`None`: it ended).
pub struct ListPage {
    pub items: Vec<Value>,
    pub next: Option<ListPosition>,
}

/// The native protocol's list answer.
#[derive(Deserialize)]
struct NativeList {
    data: Vec<Value>,
    #[serde(default)]
    next: Option<String>,
}

/// The error message of a protocol error body (`{"error": {"code", "message"}}`), or of
/// common other shapes (`{"message"}`, `{"error": "…"}`).
pub fn error_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let e = &v["error"];
    e["message"]
        .as_str()
        .or_else(|| e.as_str())
        .or_else(|| v["message"].as_str())
        .map(str::to_string)
}

pub fn check(resp: Response) -> Result<Response, ConnectorError> {
    resp.error_for_status_with(|r| error_message(&r.body))
}

/// The `rel="next"` target of an RFC 8288 `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            })
            .then(|| target.to_string())
    })
}

/// Resolves a `Link` target against the base URL (absolute, or an absolute path).
pub(super) fn resolve(base: &str, target: &str) -> Result<String, ConnectorError> {
    if target.starts_with("http://") || target.starts_with("https://") {
        return Ok(target.to_string());
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    let authority = rest.split('/').next().unwrap_or(rest);
    if target.starts_with('/') {
        Ok(format!("{scheme}://{authority}{target}"))
    } else {
        Err(internal(format!("unsupported Link target {target:?}")))
    }
}

/// Builds the request for one page of `entity`.
pub fn list_request(
    cfg: &Config,
    entity: &Entity,
    source: Source,
    pos: &ListPosition,
    since: Option<&str>,
) -> Result<Request, ConnectorError> {
    let size = cfg.page_size().to_string();
    let mut q: Vec<(String, String)> = Vec::new();
    let url = match source {
        Source::Native => {
            q.push(("limit".into(), size));
            if let Some(c) = &pos.cursor {
                q.push(("cursor".into(), c.clone()));
            }
            if let Some(s) = since {
                q.push(("updatedSince".into(), s.to_string()));
            }
            format!("{}{}", cfg.base(), entity.path)
        }
        Source::Mapped(m) => {
            if let Some(link) = &pos.link {
                return Ok(cfg.authorize(Request::get(resolve(cfg.base(), link)?)));
            }
            q.extend(m.query.iter().map(|(k, v)| (k.clone(), v.clone())));
            if let (Some(p), Some(s)) = (&m.updated_since_param, since) {
                q.push((p.clone(), s.to_string()));
            }
            let mut sized = |p: &Option<String>| {
                if let Some(p) = p {
                    q.push((p.clone(), size.clone()));
                }
            };
            match &m.paging {
                Paging::None => {}
                Paging::Page {
                    param,
                    size_param,
                    first,
                    ..
                } => {
                    sized(size_param);
                    q.push((param.clone(), pos.page.unwrap_or(*first).to_string()));
                }
                Paging::Offset {
                    param, size_param, ..
                } => {
                    sized(size_param);
                    q.push((param.clone(), pos.offset.unwrap_or(0).to_string()));
                }
                Paging::Cursor {
                    param, size_param, ..
                } => {
                    sized(size_param);
                    if let Some(c) = &pos.cursor {
                        q.push((param.clone(), c.clone()));
                    }
                }
                Paging::Link { size_param } => sized(size_param),
            }
            format!("{}{}", cfg.base(), m.path)
        }
    };
    Ok(cfg.authorize(Request::get(url).query(&q)))
}

/// Decodes one page answer: the items (mapped ones rebuilt in protocol shape) and where
/// the list continues.
pub fn list_page(
    cfg: &Config,
    entity: &Entity,
    source: Source,
    pos: &ListPosition,
    resp: Response,
) -> Result<ListPage, ConnectorError> {
    let resp = check(resp)?;
    match source {
        Source::Native => {
            let list: NativeList = resp.json()?;
            let next = list.next.filter(|n| !n.is_empty()).map(|c| ListPosition {
                cursor: Some(c),
                ..ListPosition::default()
            });
            Ok(ListPage {
                items: list.data,
                next,
            })
        }
        Source::Mapped(m) => {
            let body: Value = resp.json()?;
            let raw = body
                .pointer(&m.items)
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    invalid_config(format!(
                        "mapping.{}.items: {:?} is not an array in the answer",
                        entity.name, m.items
                    ))
                })?;
            let items = raw
                .iter()
                .map(|i| {
                    map_item(
                        entity,
                        &m.fields,
                        m.lines.as_ref(),
                        m.price_format,
                        cfg.currency.as_deref(),
                        i,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            let n = raw.len() as u64;
            let size = u64::from(cfg.page_size());
            let total = |t: &Option<String>| {
                t.as_ref()
                    .and_then(|t| body.pointer(t))
                    .and_then(as_number)
                    .map(|v| v as u64)
            };
            let next = match &m.paging {
                Paging::None => None,
                Paging::Page {
                    size_param,
                    first,
                    total: t,
                    ..
                } => {
                    let page = pos.page.unwrap_or(*first);
                    let read = (page + 1 - first) * size;
                    let more = match total(t) {
                        Some(total) => read < total && n > 0,
                        None => n > 0 && (size_param.is_none() || n >= size),
                    };
                    more.then(|| ListPosition {
                        page: Some(page + 1),
                        ..ListPosition::default()
                    })
                }
                Paging::Offset {
                    size_param,
                    total: t,
                    ..
                } => {
                    let offset = pos.offset.unwrap_or(0) + n;
                    let more = match total(t) {
                        Some(total) => offset < total && n > 0,
                        None => n > 0 && (size_param.is_none() || n >= size),
                    };
                    more.then(|| ListPosition {
                        offset: Some(offset),
                        ..ListPosition::default()
                    })
                }
                Paging::Cursor { next, .. } => body
                    .pointer(next)
                    .and_then(as_text)
                    .filter(|c| !c.is_empty() && n > 0)
                    .map(|c| ListPosition {
                        cursor: Some(c),
                        ..ListPosition::default()
                    }),
                Paging::Link { .. } => {
                    resp.header("link")
                        .and_then(next_link)
                        .map(|l| ListPosition {
                            link: Some(l),
                            ..ListPosition::default()
                        })
                }
            };
            Ok(ListPage { items, next })
        }
    }
}

/// Reads one page of `entity` for a stream and advances its state; returns the items and
/// whether the stream's run is complete.
pub fn fetch_stream(
    cfg: &Config,
    entity: &Entity,
    source: Source,
    state: &mut StreamState,
    send: &mut dyn FnMut(Request) -> Result<Response, ConnectorError>,
) -> Result<(Vec<Value>, bool), ConnectorError> {
    // A mapped API without an updated-since filter is read in full every run.
    let since = match source {
        Source::Mapped(m) if m.updated_since_param.is_none() => None,
        _ => state.since.clone(),
    };
    let req = list_request(cfg, entity, source, &state.position, since.as_deref())?;
    let page = list_page(cfg, entity, source, &state.position, send(req)?)?;
    for item in &page.items {
        state.high = later(state.high.take(), item["updatedAt"].as_str());
    }
    match page.next {
        Some(next) if next != state.position => {
            state.position = next;
            Ok((page.items, false))
        }
        Some(_) => Err(internal(format!(
            "{}: the list's paging did not advance",
            entity.name
        ))),
        None => {
            *state = state.next_run();
            Ok((page.items, true))
        }
    }
}
