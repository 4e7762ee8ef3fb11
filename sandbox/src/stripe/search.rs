//! `GET /v1/payment_intents/search` and the subset of Stripe's search query language it
//! understands.

use super::SimState;
use super::errors::{ApiError, Outcome, missing};
use super::model::Intent;
use super::params::Params;
use serde_json::{Value, json};

impl SimState {
    pub(super) fn search_intents(&self, p: &Params) -> Result<Outcome, ApiError> {
        p.reject_unknown(&["query", "limit", "page", "expand"])?;
        let query = p.nonempty("query")?.ok_or_else(|| missing("query"))?;
        let limit = p.int("limit")?.unwrap_or(10);
        if !(1..=100).contains(&limit) {
            return Err(
                ApiError::invalid("Invalid limit: must be between 1 and 100").param("limit"),
            );
        }
        let offset = match p.nonempty("page")? {
            None => 0,
            Some(page) => page
                .strip_prefix("sim_page_")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| ApiError::invalid("Invalid page").param("page"))?,
        };
        let filter = parse_query(query).map_err(|m| ApiError::invalid(m).param("query"))?;
        // Stripe's search is eventually consistent (new objects can take up to a minute
        // to appear); the simulator's index is immediate.
        let mut hits: Vec<&Intent> = Vec::new();
        for intent in &self.intents {
            if filter
                .matches(intent)
                .map_err(|m| ApiError::invalid(m).param("query"))?
            {
                hits.push(intent);
            }
        }
        hits.sort_by(|a, b| b.created.cmp(&a.created).then(b.seq.cmp(&a.seq)));
        let page: Vec<Value> = hits
            .iter()
            .skip(offset)
            .take(limit as usize)
            .map(|i| i.to_json())
            .collect();
        let next = offset + page.len();
        let has_more = next < hits.len();
        Ok(Outcome::ok(json!({
            "object": "search_result",
            "data": page,
            "has_more": has_more,
            "next_page": if has_more { Value::String(format!("sim_page_{next}")) } else { Value::Null },
            "url": "/v1/payment_intents/search",
        })))
    }
}

// ---- search query language (subset) -------------------------------------------------------

#[derive(Debug, PartialEq)]
pub(super) enum Cmp {
    Eq,
    Gt,
    Lt,
    Ge,
    Le,
}

#[derive(Debug, PartialEq)]
pub(super) enum QValue {
    Str(String),
    Num(i64),
    Null,
}

#[derive(Debug, PartialEq)]
pub(super) struct Clause {
    negate: bool,
    field: String,
    /// The key of `metadata['key']`.
    pub(super) meta_key: Option<String>,
    pub(super) cmp: Cmp,
    pub(super) value: QValue,
}

#[derive(Debug, PartialEq)]
pub(super) struct SearchQuery {
    pub(super) clauses: Vec<Clause>,
    pub(super) any: bool,
}

/// Parses Stripe's search query language as far as payment intents need it
/// (docs.stripe.com/search): `field:value`, `metadata['key']:'value'`, `amount>1000`,
/// negation with `-`, clauses joined by `AND` or by `OR` (not both), at most 10 clauses.
pub(super) fn parse_query(q: &str) -> Result<SearchQuery, String> {
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    let mut clauses = Vec::new();
    let mut joiner: Option<&str> = None;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    let err = |what: &str| format!("Invalid search query: {what} (query: {q})");
    loop {
        skip_ws(&mut i);
        let negate = i < chars.len() && chars[i] == '-';
        if negate {
            i += 1;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
        {
            i += 1;
        }
        let field: String = chars[start..i].iter().collect();
        if field.is_empty() {
            return Err(err("expected a field name"));
        }
        let mut meta_key = None;
        if i < chars.len() && chars[i] == '[' {
            i += 1;
            meta_key =
                Some(parse_quoted(&chars, &mut i).ok_or_else(|| err("expected a quoted key"))?);
            if i >= chars.len() || chars[i] != ']' {
                return Err(err("expected ']'"));
            }
            i += 1;
        }
        let cmp = match (chars.get(i), chars.get(i + 1)) {
            (Some(':'), _) => {
                i += 1;
                Cmp::Eq
            }
            (Some('>'), Some('=')) => {
                i += 2;
                Cmp::Ge
            }
            (Some('<'), Some('=')) => {
                i += 2;
                Cmp::Le
            }
            (Some('>'), _) => {
                i += 1;
                Cmp::Gt
            }
            (Some('<'), _) => {
                i += 1;
                Cmp::Lt
            }
            _ => return Err(err("expected ':', '>', '<', '>=' or '<='")),
        };
        let value = match chars.get(i) {
            Some('\'' | '"') => {
                QValue::Str(parse_quoted(&chars, &mut i).ok_or_else(|| err("unterminated string"))?)
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if word == "null" {
                    QValue::Null
                } else {
                    QValue::Num(
                        word.parse()
                            .map_err(|_| err("values must be quoted strings, integers or null"))?,
                    )
                }
            }
        };
        clauses.push(Clause {
            negate,
            field,
            meta_key,
            cmp,
            value,
        });
        skip_ws(&mut i);
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphabetic() {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let word = match word.as_str() {
            "AND" => "AND",
            "OR" => "OR",
            _ => return Err(err("clauses must be joined by AND or OR")),
        };
        if joiner.is_some_and(|j| j != word) {
            return Err("Search queries cannot combine AND and OR.".into());
        }
        joiner = Some(word);
    }
    if clauses.len() > 10 {
        return Err("Search queries can have at most 10 clauses.".into());
    }
    Ok(SearchQuery {
        clauses,
        any: joiner == Some("OR"),
    })
}

fn parse_quoted(chars: &[char], i: &mut usize) -> Option<String> {
    let quote = *chars.get(*i)?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    *i += 1;
    let mut out = String::new();
    while *i < chars.len() {
        match chars[*i] {
            '\\' if *i + 1 < chars.len() => {
                out.push(chars[*i + 1]);
                *i += 2;
            }
            c if c == quote => {
                *i += 1;
                return Some(out);
            }
            c => {
                out.push(c);
                *i += 1;
            }
        }
    }
    None
}

impl SearchQuery {
    fn matches(&self, intent: &Intent) -> Result<bool, String> {
        let mut results = Vec::with_capacity(self.clauses.len());
        for c in &self.clauses {
            results.push(c.matches(intent)? != c.negate);
        }
        Ok(if self.any {
            results.iter().any(|b| *b)
        } else {
            results.iter().all(|b| *b)
        })
    }
}

impl Clause {
    fn matches(&self, intent: &Intent) -> Result<bool, String> {
        let text = |actual: Option<&str>| -> Result<bool, String> {
            if self.cmp != Cmp::Eq {
                return Err(format!(
                    "The field `{}` only supports the `:` operator.",
                    self.field
                ));
            }
            Ok(match &self.value {
                QValue::Str(s) => actual == Some(s.as_str()),
                QValue::Num(n) => actual == Some(n.to_string().as_str()),
                QValue::Null => actual.is_none(),
            })
        };
        let number = |actual: i64| -> Result<bool, String> {
            let QValue::Num(n) = self.value else {
                return Err(format!("The field `{}` takes an integer.", self.field));
            };
            Ok(match self.cmp {
                Cmp::Eq => actual == n,
                Cmp::Gt => actual > n,
                Cmp::Lt => actual < n,
                Cmp::Ge => actual >= n,
                Cmp::Le => actual <= n,
            })
        };
        match (self.field.as_str(), &self.meta_key) {
            ("metadata", Some(k)) => text(intent.metadata.get(k).map(String::as_str)),
            ("status", None) => text(Some(intent.status)),
            ("currency", None) => text(Some(&intent.currency)),
            ("customer", None) => text(intent.customer.as_deref()),
            ("amount", None) => number(intent.amount),
            ("created", None) => number(intent.created),
            (field, _) => Err(format!(
                "Field `{field}` is an unsupported search field for resource `payment_intents`. See http://stripe.com/docs/search#query-fields-for-payment-intents for a list of supported fields."
            )),
        }
    }
}
