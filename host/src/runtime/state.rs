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
            logs,
            elapsed,
            ..CallReport::default()
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
        let state = CallState {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            egress: Egress {
                grant: ctx.grant.clone(),
                max_requests: ctx.budgets.max_requests,
                max_response_bytes: ctx.budgets.max_response_bytes,
                connect_timeout: ctx.budgets.deadline.min(Duration::from_secs(10)),
                requests: 0,
                log: outbound.clone(),
                flags: flags.clone(),
            },
            limiter: Limiter {
                memory_bytes: ctx.budgets.memory_bytes,
                flags: flags.clone(),
            },
            logs: logs.clone(),
            log_bytes: 0,
            max_log_bytes: cap,
            deadline: Instant::now() + ctx.budgets.deadline,
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

impl host::Host for CallState {
    fn log(&mut self, level: LogLevel, message: String) -> wasmtime::Result<()> {
        self.log_bytes += message.len();
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
    flags: Arc<Flags>,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.flags.exhaust(Exhausted::Memory);
            return Ok(false);
        }
        Ok(true)
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
