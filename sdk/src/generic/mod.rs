//! The BEEP! Generic protocol (docs/generic-protocol.md, docs/generic-protocol.openapi.yaml)
//! from the client side, shared by the `generic-pos` and `generic-erp` connectors: the
//! config, list paging (native cursor paging or a mapped API's own paging), the field
//! mapping (RFC 6901 JSON pointers) that turns another JSON API's items into protocol
//! items, incremental watermarks and exactly-once `PUT`s.
//!
//! A mapped item is rebuilt in the protocol's own shape, so each connector decodes native
//! and mapped items with the same types: the mapping is only a translation in front.

mod config;
mod list;
mod mapping;
mod push;
mod schema;
mod watermark;

#[cfg(test)]
mod tests;

pub use config::{
    Config, DEFAULT_PAGE_SIZE, EntityMapping, LinesMapping, MAX_PAGE_SIZE, Paging, PriceFormat,
    Source,
};
pub use list::{
    ListPage, ListPosition, StreamState, check, error_message, fetch_stream, list_page,
    list_request, next_link,
};
pub use mapping::map_item;
pub use push::{encode_segment, put_each};
pub use schema::{Entity, Field, Kind, check_pointer, field, validate_mapping};
pub use watermark::{later, rfc3339_nanos};
