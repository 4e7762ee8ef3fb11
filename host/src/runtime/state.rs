//! The store data of one call: WASI (empty), wasi:http behind the egress policy, the
//! memory limiter, and the capped log.

use super::bindings::host::{self, LogLevel};
use super::bindings::types;
use super::egress::{CallLog, Egress};
use super::{CallContext, CallReport, Exhausted, Flags};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

#[derive(Clone, Debug, serde::Serialize)]
pub struct LogLine {
    pub level: &'static str,
    pub message: String,
}

/// What outlives the store (a deadline drops the store mid-call).
pub struct Shared {
    pub flags: Arc<Flags>,
    pub outbound: CallLog,
    pub logs: Arc<Mutex<Vec<LogLine>>>,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

impl Shared {
    pub fn report(&self, elapsed: Duration) -> CallReport {
        let mut logs = std::mem::take(&mut *self.logs.lock().unwrap());
        for (level, pipe) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let bytes = pipe.contents();
            if !bytes.is_empty() {
                logs.push(LogLine {
                    level,
                    message: String::from_utf8_lossy(&bytes).into_owned(),
                });
            }
        }
        CallReport {
            outbound: std::mem::take(&mut *self.outbound.lock().unwrap()),
            omitted: self.flags.omitted(),
            logs,
            elapsed,
            failure: None,
        }
    }
}

pub struct CallState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    egress: Egress,
    pub(super) limiter: Limiter,
    logs: Arc<Mutex<Vec<LogLine>>>,
    log_bytes: usize,
    max_log_bytes: usize,
    deadline: Instant,
    flags: Arc<Flags>,
}

impl CallState {
    pub fn new(ctx: &CallContext) -> (CallState, Shared) {
        let flags = Arc::new(Flags::default());
        let outbound = CallLog::default();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let cap = ctx.budgets.max_log_bytes;
        let stdout = MemoryOutputPipe::new(cap);
        let stderr = MemoryOutputPipe::new(cap);
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .build();
        let deadline = Instant::now() + ctx.budgets.deadline;
        let state = CallState {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            egress: Egress {
                grant: ctx.grant.clone(),
                max_requests: ctx.budgets.max_requests,
                max_response_bytes: ctx.budgets.max_response_bytes,
                connect_timeout: Duration::from_secs(10),
                deadline,
                requests: 0,
                log: outbound.clone(),
                flags: flags.clone(),
            },
            limiter: Limiter {
                memory_bytes: ctx.budgets.memory_bytes,
                total_bytes: 0,
                flags: flags.clone(),
            },
            logs: logs.clone(),
            log_bytes: 0,
            max_log_bytes: cap,
            deadline,
            flags: flags.clone(),
        };
        let shared = Shared {
            flags,
            outbound,
            logs,
            stdout,
            stderr,
        };
        (state, shared)
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for CallState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            hooks: &mut self.egress,
            table: &mut self.table,
            ctx: &mut self.http,
        }
    }
}

impl types::Host for CallState {}

/// Components built against the released 0.1.0 contract call the same host.
impl super::bindings::v0_1::host::Host for CallState {
    fn log(
        &mut self,
        level: super::bindings::v0_1::host::LogLevel,
        message: String,
    ) -> wasmtime::Result<()> {
        use super::bindings::v0_1::host::LogLevel as V1;
        let level = match level {
            V1::Trace => LogLevel::Trace,
            V1::Debug => LogLevel::Debug,
            V1::Info => LogLevel::Info,
            V1::Warn => LogLevel::Warn,
            V1::Error => LogLevel::Error,
        };
        host::Host::log(self, level, message)
    }

    fn deadline_ms(&mut self) -> wasmtime::Result<u64> {
        host::Host::deadline_ms(self)
    }
}

impl host::Host for CallState {
    fn log(&mut self, level: LogLevel, message: String) -> wasmtime::Result<()> {
        // A line costs its bytes and one for its end, so empty lines cannot pile up free.
        self.log_bytes += message.len() + 1;
        if self.log_bytes > self.max_log_bytes {
            self.flags.exhaust(Exhausted::Log);
            wasmtime::bail!("log budget of {} bytes exceeded", self.max_log_bytes);
        }
        let level = match level {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        };
        self.logs.lock().unwrap().push(LogLine { level, message });
        Ok(())
    }

    fn deadline_ms(&mut self) -> wasmtime::Result<u64> {
        Ok(self
            .deadline
            .saturating_duration_since(Instant::now())
            .as_millis() as u64)
    }
}

/// Caps linear memory (and tables) per call; a refused growth is remembered so the
/// call fails as `memory_budget_exceeded` rather than as an anonymous trap.
pub struct Limiter {
    memory_bytes: usize,
    /// Linear memory of every memory of the call, together.
    total_bytes: usize,
    flags: Arc<Flags>,
}

/// Memories, core instances and tables one call may create (a connector needs a few
/// of each; JS and Python runtimes a handful more).
const MAX_MEMORIES: usize = 16;
const MAX_INSTANCES: usize = 64;
const MAX_TABLES: usize = 64;

impl ResourceLimiter for Limiter {
    /// The budget is for the whole call: every memory's size counts against one
    /// running total (initial sizes too), so many memories cannot multiply it.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.total_bytes - current.min(self.total_bytes) + desired;
        if total > self.memory_bytes {
            self.flags.exhaust(Exhausted::Memory);
            return Ok(false);
        }
        self.total_bytes = total;
        Ok(true)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_budget_is_one_total_for_every_memory() {
        let flags = Arc::new(Flags::default());
        let mut limiter = Limiter {
            memory_bytes: 32 << 20,
            total_bytes: 0,
            flags: flags.clone(),
        };
        // Sixteen memories each grown to 3 MiB: 48 MiB together, over a 32 MiB budget.
        let mut granted = 0;
        for _ in 0..16 {
            if limiter.memory_growing(0, 3 << 20, None).unwrap() {
                granted += 1;
            }
        }
        assert_eq!(granted, 10, "10 × 3 MiB fit in 32 MiB");
        assert_eq!(flags.exhausted(), Some(Exhausted::Memory));
        // Growing one that exists counts only the difference.
        let mut limiter = Limiter {
            memory_bytes: 32 << 20,
            total_bytes: 0,
            flags,
        };
        assert!(limiter.memory_growing(0, 16 << 20, None).unwrap());
        assert!(limiter.memory_growing(16 << 20, 30 << 20, None).unwrap());
        assert!(!limiter.memory_growing(0, 4 << 20, None).unwrap());
        assert_eq!(limiter.memories(), MAX_MEMORIES);
    }
}
