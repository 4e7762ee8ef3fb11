//! Hostile: returns a page of a million products.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(HugeReturn, "hostile-huge-return", "huge");
