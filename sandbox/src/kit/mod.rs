//! What every simulator shares: clocks and timestamp formats, request recording and the
//! one fault mechanism. A vendor's module holds only what that vendor does differently.

pub mod delay;
pub mod fault;
pub mod record;
pub mod time;
pub mod tokens;
