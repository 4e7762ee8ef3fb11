//! Incremental watermarks: the latest `updatedAt` seen.

// ---- timestamps (watermarks) ---------------------------------------------------------------

pub use crate::time::rfc3339_nanos;

/// The later of two watermarks (an unparsable one loses).
pub fn later(a: Option<String>, b: Option<&str>) -> Option<String> {
    match (a, b) {
        (None, b) => b.filter(|b| rfc3339_nanos(b).is_some()).map(str::to_string),
        (Some(a), None) => Some(a),
        (Some(a), Some(b)) => match (rfc3339_nanos(&a), rfc3339_nanos(b)) {
            (Some(x), Some(y)) if y > x => Some(b.to_string()),
            _ => Some(a),
        },
    }
}
