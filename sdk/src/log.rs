//! The host's capped, per-call log.

#[cfg(target_arch = "wasm32")]
use crate::bindings::beep::connector::host;
use crate::bindings::beep::connector::host::LogLevel;

#[cfg(target_arch = "wasm32")]
fn emit(level: LogLevel, msg: &str) {
    host::log(level, msg);
}

// Natively (unit tests of mapping code) there is no host: print instead.
#[cfg(not(target_arch = "wasm32"))]
fn emit(level: LogLevel, msg: &str) {
    eprintln!("[{level:?}] {msg}");
}

pub fn debug(msg: &str) {
    emit(LogLevel::Debug, msg)
}
pub fn info(msg: &str) {
    emit(LogLevel::Info, msg)
}
pub fn warn(msg: &str) {
    emit(LogLevel::Warn, msg)
}
pub fn error(msg: &str) {
    emit(LogLevel::Error, msg)
}

/// Milliseconds left before the call's deadline.
pub fn deadline_ms() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        host::deadline_ms()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        u64::MAX
    }
}
