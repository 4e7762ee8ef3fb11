//! JSON pointers, the protocol entities and fields a mapping may name, and the validation
//! of a mapping against them.

use super::{EntityMapping, Paging};
use crate::error::invalid_config;
use crate::types::ConnectorError;
use std::collections::BTreeMap;

// ---- JSON pointers and the mapping ---------------------------------------------------------

/// Whether `pointer` is an RFC 6901 JSON pointer: empty, or `/`-separated tokens in
/// which `~` only appears as `~0` or `~1`.
pub fn check_pointer(pointer: &str) -> Result<(), String> {
    if pointer.is_empty() {
        return Ok(());
    }
    if !pointer.starts_with('/') {
        return Err(format!(
            "{pointer:?} is not a JSON pointer (RFC 6901): it must be empty or start with \"/\""
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!(
                "{pointer:?} is not a JSON pointer (RFC 6901): \"~\" must be followed by 0 or 1"
            ));
        }
    }
    Ok(())
}

/// What a protocol field holds, so a mapped value can be coerced to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string (numbers are turned into strings: numeric ids are common).
    Text,
    /// A number (numeric strings accepted).
    Number,
    Bool,
    /// A list of strings (a single string becomes a list of one).
    Texts,
    /// An amount, per `priceFormat`; built into `{amount, currency}` under the field name.
    Amount,
    /// The currency of the item's amounts (not emitted by itself).
    Currency,
    /// A tax rate in percent (`19`, `"8.1"`), emitted as `taxRateBps`.
    PercentRate,
    /// An integer in basis points.
    Bps,
}

pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// A protocol entity: its collection path, the fields a mapping may name, nested lines.
pub struct Entity {
    pub name: &'static str,
    pub path: &'static str,
    pub fields: &'static [Field],
    pub lines: Option<&'static Entity>,
}

impl Entity {
    fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

pub const fn field(name: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        name,
        kind,
        required,
    }
}

fn check_fields(
    at: &str,
    entity: &Entity,
    fields: &BTreeMap<String, String>,
) -> Result<(), ConnectorError> {
    for (name, pointer) in fields {
        if entity.field(name).is_none() {
            let known: Vec<&str> = entity.fields.iter().map(|f| f.name).collect();
            return Err(invalid_config(format!(
                "{at}.fields: unknown field {name:?} (one of {})",
                known.join(", ")
            )));
        }
        check_pointer(pointer).map_err(|e| invalid_config(format!("{at}.fields.{name}: {e}")))?;
    }
    if let Some(missing) = entity
        .fields
        .iter()
        .find(|f| f.required && !fields.contains_key(f.name))
    {
        return Err(invalid_config(format!(
            "{at}.fields: {:?} is required",
            missing.name
        )));
    }
    Ok(())
}

fn check_param(at: &str, name: &str) -> Result<(), ConnectorError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.[]".contains(&b))
    {
        return Err(invalid_config(format!(
            "{at}: {name:?} is not a query parameter name"
        )));
    }
    Ok(())
}

/// Validates a mapping against the entities a connector reads.
pub fn validate_mapping(
    mapping: &BTreeMap<String, EntityMapping>,
    entities: &[&Entity],
) -> Result<(), ConnectorError> {
    for (name, m) in mapping {
        let at = format!("mapping.{name}");
        let Some(entity) = entities.iter().find(|e| e.name == name) else {
            let known: Vec<&str> = entities.iter().map(|e| e.name).collect();
            return Err(invalid_config(format!(
                "mapping: unknown entity {name:?} (one of {})",
                known.join(", ")
            )));
        };
        if !m.path.starts_with('/')
            || m.path.contains("://")
            || m.path.split(['/', '?']).any(|s| s == "..")
            || m.path.contains(['?', '#', ' '])
        {
            return Err(invalid_config(format!(
                "{at}.path: {:?} must be a path starting with \"/\" (query parameters go in query)",
                m.path
            )));
        }
        check_pointer(&m.items).map_err(|e| invalid_config(format!("{at}.items: {e}")))?;
        check_fields(&at, entity, &m.fields)?;
        for k in m.query.keys() {
            check_param(&format!("{at}.query"), k)?;
        }
        match (&m.updated_since_param, m.fields.contains_key("updatedAt")) {
            (Some(p), true) => check_param(&format!("{at}.updatedSinceParam"), p)?,
            (Some(_), false) => {
                return Err(invalid_config(format!(
                    "{at}.updatedSinceParam needs fields.updatedAt"
                )));
            }
            (None, _) => {}
        }
        match (&m.lines, entity.lines) {
            (Some(l), Some(le)) => {
                check_pointer(&l.items)
                    .map_err(|e| invalid_config(format!("{at}.lines.items: {e}")))?;
                check_fields(&format!("{at}.lines"), le, &l.fields)?;
            }
            (Some(_), None) => {
                return Err(invalid_config(format!("{at}.lines: {name} have no lines")));
            }
            (None, _) => {}
        }
        let sized = |p: &Option<String>| match p {
            Some(p) => check_param(&format!("{at}.paging.sizeParam"), p),
            None => Ok(()),
        };
        match &m.paging {
            Paging::None => {}
            Paging::Page {
                param,
                size_param,
                total,
                ..
            }
            | Paging::Offset {
                param,
                size_param,
                total,
            } => {
                check_param(&format!("{at}.paging.param"), param)?;
                sized(size_param)?;
                if let Some(t) = total {
                    check_pointer(t)
                        .map_err(|e| invalid_config(format!("{at}.paging.total: {e}")))?;
                }
            }
            Paging::Cursor {
                param,
                next,
                size_param,
            } => {
                check_param(&format!("{at}.paging.param"), param)?;
                sized(size_param)?;
                check_pointer(next)
                    .map_err(|e| invalid_config(format!("{at}.paging.next: {e}")))?;
            }
            Paging::Link { size_param } => sized(size_param)?,
        }
    }
    Ok(())
}
