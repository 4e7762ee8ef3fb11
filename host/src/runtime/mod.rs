//! The connector runtime: one wasmtime engine, a compiled-component cache, and calls
//! that each run in a fresh store under a grant and a budget.
//!
//! Nothing here knows about merchants or HTTP status codes: a call gets a [`CallContext`]
//! and returns its result plus a [`CallReport`] (outbound requests, logs).

pub mod bindings;
mod cache;
mod compat;
pub mod egress;
pub mod grant;
mod state;

use bindings::types::{ConnectorError, ConnectorInfo, ConnectorKind};
use egress::OutboundCall;
use grant::Grant;
use state::CallState;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

pub use state::LogLine;

/// How often the engine's epoch advances: the granularity of CPU deadlines, and how
/// long a spinning guest runs before it yields to the executor.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Per-call limits. Each one exhausted fails the call with its own error.
#[derive(Clone, Debug)]
pub struct Budgets {
    pub deadline: Duration,
    pub memory_bytes: usize,
    pub max_requests: u32,
    pub max_response_bytes: u64,
    pub max_log_bytes: usize,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            deadline: Duration::from_secs(30),
            memory_bytes: 128 << 20,
            max_requests: 100,
            max_response_bytes: 16 << 20,
            max_log_bytes: 64 << 10,
        }
    }
}

/// What one call may do: where it may connect and how much it may use.
#[derive(Clone, Debug)]
pub struct CallContext {
    pub grant: Grant,
    pub budgets: Budgets,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    Deadline,
    Memory,
    Requests,
    ResponseBytes,
    Log,
}

impl Exhausted {
    pub fn code(self) -> &'static str {
        match self {
            Exhausted::Deadline => "deadline_exceeded",
            Exhausted::Memory => "memory_budget_exceeded",
            Exhausted::Requests => "request_budget_exceeded",
            Exhausted::ResponseBytes => "response_too_large",
            Exhausted::Log => "log_budget_exceeded",
        }
    }
}

/// What the host observed during one call, shared with the futures it spawned.
#[derive(Default)]
pub struct Flags {
    exhausted: Mutex<Option<Exhausted>>,
    denied: Mutex<Option<String>>,
    omitted: Mutex<Omitted>,
}

/// Outbound requests past the audit's per-call cap: counted, not kept one by one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Omitted {
    pub requests: u64,
    pub denied: u64,
}

impl Flags {
    /// The first budget to run out is the one reported.
    pub fn exhaust(&self, budget: Exhausted) {
        self.exhausted.lock().unwrap().get_or_insert(budget);
    }
    pub fn deny(&self, why: String) {
        self.denied.lock().unwrap().get_or_insert(why);
    }
    pub fn omit(&self, denied: bool) {
        let mut o = self.omitted.lock().unwrap();
        o.requests += 1;
        o.denied += u64::from(denied);
    }
    fn omitted(&self) -> Omitted {
        *self.omitted.lock().unwrap()
    }
    fn exhausted(&self) -> Option<Exhausted> {
        *self.exhausted.lock().unwrap()
    }
    fn denied(&self) -> Option<String> {
        self.denied.lock().unwrap().clone()
    }
}

#[derive(Debug, Clone)]
pub enum CallError {
    /// The connector answered with an error of the contract.
    Connector(ConnectorError),
    /// A budget ran out; the call was stopped.
    Budget(Exhausted),
    /// The connector tried to reach something outside its grant and failed for it.
    EgressDenied(String),
    /// The component trapped (panic, unreachable, stack overflow, …).
    Trap(String),
    /// The host could not run the call.
    Internal(String),
}

impl CallError {
    pub fn code(&self) -> &'static str {
        match self {
            CallError::Connector(_) => "connector_error",
            CallError::Budget(b) => b.code(),
            CallError::EgressDenied(_) => "egress_denied",
            CallError::Trap(_) => "connector_trapped",
            CallError::Internal(_) => "internal",
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Connector(e) => write!(f, "{e}"),
            CallError::Budget(Exhausted::Deadline) => {
                write!(f, "the connector call exceeded its deadline")
            }
            CallError::Budget(Exhausted::Memory) => {
                write!(f, "the connector exceeded its memory budget")
            }
            CallError::Budget(Exhausted::Requests) => {
                write!(f, "the connector exceeded its budget of outbound requests")
            }
            CallError::Budget(Exhausted::ResponseBytes) => {
                write!(f, "an upstream response exceeded the size limit")
            }
            CallError::Budget(Exhausted::Log) => write!(f, "the connector exceeded its log budget"),
            CallError::EgressDenied(why) => write!(f, "outbound request denied: {why}"),
            CallError::Trap(msg) => write!(f, "the connector trapped: {msg}"),
            CallError::Internal(msg) => write!(f, "internal error running the connector: {msg}"),
        }
    }
}

/// What a call did, for the audit and for support.
#[derive(Debug, Default)]
pub struct CallReport {
    /// The first [`egress::MAX_AUDITED_PER_CALL`] outbound requests.
    pub outbound: Vec<OutboundCall>,
    /// The requests past that cap.
    pub omitted: Omitted,
    pub logs: Vec<LogLine>,
    pub elapsed: Duration,
    /// The error code of a failed call.
    pub failure: Option<&'static str>,
}

impl CallReport {
    /// Every outbound request and how many of them were denied, kept or not.
    pub fn counts(&self) -> (u64, u64) {
        let denied = self.outbound.iter().filter(|c| c.denied.is_some()).count() as u64;
        (
            self.outbound.len() as u64 + self.omitted.requests,
            denied + self.omitted.denied,
        )
    }
}

/// Contract versions this host serves. A component built against any of them, or a
/// semver-compatible one (same major, and for 0.x the same minor), loads.
pub const SUPPORTED_CONTRACTS: &[&str] = &["0.2.0", "0.1.0"];

fn semver_compatible(served: &str, built: &str) -> bool {
    let parse = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.split('.');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match (parse(served), parse(built)) {
        (Some((0, a)), Some((0, b))) => a == b,
        (Some((a, _)), Some((b, _))) => a == b,
        _ => false,
    }
}

/// Why a component cannot be used, in words a partner can act on.
#[derive(Debug, Clone)]
pub enum LoadError {
    /// Not a WebAssembly component (a core module, garbage, truncated, …).
    Invalid(String),
    /// It does not export exactly one BEEP! world of a served contract version.
    World(String),
    /// It imports something the host does not provide.
    Imports(String),
    /// Its describe() failed or contradicts its world.
    Describe(String),
    /// Compiling it took longer than the compile deadline (a compile bomb, or a
    /// component far larger than a connector needs).
    TooCostly(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Invalid(m) => write!(f, "not a valid WebAssembly component: {m}"),
            LoadError::World(m) => write!(f, "wrong world: {m}"),
            LoadError::Imports(m) => write!(f, "unsatisfiable import: {m}"),
            LoadError::Describe(m) => write!(f, "describe() failed: {m}"),
            LoadError::TooCostly(m) => write!(f, "too costly to compile: {m}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Cheap checks before handing bytes to Cranelift, with a precise complaint.
fn check_header(bytes: &[u8]) -> Result<(), LoadError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::Invalid("missing the \\0asm header".into()));
    }
    match bytes[4..8] {
        [0x0d, 0x00, 0x01, 0x00] => Ok(()),
        [0x01, 0x00, 0x00, 0x00] => Err(LoadError::Invalid(
            "this is a core module; build a component (e.g. cargo build --target wasm32-wasip2)"
                .into(),
        )),
        _ => Err(LoadError::Invalid(
            "unknown WebAssembly version or layer".into(),
        )),
    }
}

/// A loaded component, ready to be instantiated cheaply for each call.
#[derive(Clone)]
pub struct Connector {
    pub info: ConnectorInfo,
    pub sha256: String,
    pub size: usize,
    /// The contract version it was built against, e.g. "beep:connector@0.1.0".
    pub contract: String,
    world: World,
}

/// The world a component exports, at the contract version it was built against.
#[derive(Clone)]
enum World {
    Pos(bindings::pos::PosConnectorPre<CallState>),
    Erp(bindings::erp::ErpConnectorPre<CallState>),
    Psp(bindings::psp::PspConnectorPre<CallState>),
    PosV1(bindings::v0_1::pos::PosConnectorPre<CallState>),
    ErpV1(bindings::v0_1::erp::ErpConnectorPre<CallState>),
    PspV1(bindings::v0_1::psp::PspConnectorPre<CallState>),
}

impl World {
    fn kind(&self) -> ConnectorKind {
        match self {
            World::Pos(_) | World::PosV1(_) => ConnectorKind::Pos,
            World::Erp(_) | World::ErpV1(_) => ConnectorKind::Erp,
            World::Psp(_) | World::PspV1(_) => ConnectorKind::Psp,
        }
    }
}

impl Connector {
    pub fn kind(&self) -> ConnectorKind {
        self.info.kind
    }
}

pub struct Runtime {
    engine: Engine,
    linker: Linker<CallState>,
    cache: cache::CompiledCache,
    /// Cranelift runs on blocking threads, never on the executor's: at most
    /// [`COMPILES_AT_ONCE`] at a time, and a compile past its deadline fails the load
    /// (the thread finishes in the background, still holding its permit, so abandoned
    /// compiles cannot pile up).
    compile_permits: Arc<tokio::sync::Semaphore>,
}

/// Compiles running at once (a two-core machine keeps one core for serving).
pub const COMPILES_AT_ONCE: usize = 1;

/// How long compiling one component may take unless the caller says otherwise.
pub const COMPILE_DEADLINE: Duration = Duration::from_secs(120);

impl Runtime {
    /// `cache_dir` holds compiled components keyed by content hash and engine.
    pub fn new(cache_dir: Option<PathBuf>) -> anyhow::Result<Arc<Runtime>> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(512);
        pool.total_core_instances(2048);
        pool.total_memories(1024);
        pool.total_tables(2048);
        pool.total_stacks(512);
        pool.max_memory_size(512 << 20);
        pool.max_memories_per_component(16);
        // One module may hold several memories (multi-memory); the call's memory total
        // still bounds them together.
        pool.max_memories_per_module(16);
        pool.max_tables_per_component(64);
        pool.max_core_instances_per_component(64);
        pool.table_elements(100_000);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config)?;

        let mut linker: Linker<CallState> = Linker::new(&engine);
        // WASI is linked but empty: no preopens, no environment, no sockets; guests
        // written in JS or Python import these interfaces even if they never use them.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        type Data = wasmtime::component::HasSelf<CallState>;
        bindings::host::add_to_linker::<CallState, Data>(&mut linker, |s| s)?;
        bindings::types::add_to_linker::<CallState, Data>(&mut linker, |s| s)?;
        // The released 0.1.0 contract: its own `host`, and its types-only interface.
        bindings::v0_1::host::add_to_linker::<CallState, Data>(&mut linker, |s| s)?;
        linker.instance("beep:connector/types@0.1.0")?;

        let weak = engine.weak();
        std::thread::Builder::new()
            .name("beep-epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })?;

        Ok(Arc::new(Runtime {
            cache: cache::CompiledCache::new(cache_dir),
            engine,
            linker,
            compile_permits: Arc::new(tokio::sync::Semaphore::new(COMPILES_AT_ONCE)),
        }))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles (or loads from the cache) a component, checks it exports exactly one
    /// BEEP! world and that the host satisfies its imports, and asks it to describe itself.
    pub async fn load(&self, bytes: &[u8]) -> Result<Connector, LoadError> {
        self.load_within(bytes, COMPILE_DEADLINE).await
    }

    /// [`Runtime::load`], with the compile bounded by `deadline` (uploads).
    pub async fn load_within(
        &self,
        bytes: &[u8],
        deadline: Duration,
    ) -> Result<Connector, LoadError> {
        check_header(bytes)?;
        let (component, sha256) = self.compile(bytes, deadline).await?;
        let (world, contract) = self.world_of(&component)?;
        let mut connector = Connector {
            info: ConnectorInfo {
                name: String::new(),
                kind: ConnectorKind::Pos,
                version: String::new(),
                systems: vec![],
                hosts: vec![],
                config_schema: String::new(),
            },
            sha256,
            size: bytes.len(),
            contract,
            world,
        };
        let ctx = CallContext {
            grant: Grant::deny_all(),
            budgets: Budgets {
                deadline: Duration::from_secs(10),
                ..Budgets::default()
            },
        };
        let (info, _) = self.describe(&connector, &ctx).await;
        let info = info.map_err(|e| LoadError::Describe(e.to_string()))?;
        let declared = connector.world.kind();
        if info.kind != declared {
            return Err(LoadError::Describe(format!(
                "describe() says kind {:?} but the component exports the {:?} world",
                info.kind, declared
            )));
        }
        connector.info = info;
        Ok(connector)
    }

    /// Compiles (or loads from the cache) on a blocking thread, within the deadline.
    async fn compile(
        &self,
        bytes: &[u8],
        deadline: Duration,
    ) -> Result<(Component, String), LoadError> {
        // A cached component is only deserialised: no permit, no waiting behind a
        // costly compile.
        let sha = cache::CompiledCache::sha256(bytes);
        let cached = {
            let (engine, cache, sha) = (self.engine.clone(), self.cache.clone(), sha.clone());
            tokio::task::spawn_blocking(move || cache.cached(&engine, &sha))
                .await
                .ok()
                .flatten()
        };
        if let Some(component) = cached {
            return Ok((component, sha));
        }
        let (engine, cache, bytes) = (self.engine.clone(), self.cache.clone(), bytes.to_vec());
        let permits = self.compile_permits.clone();
        let compiled = tokio::time::timeout(deadline, async move {
            let permit = permits.acquire_owned().await;
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                cache.compile(&engine, &bytes, &sha).map(|c| (c, sha))
            })
            .await
        })
        .await;
        match compiled {
            Err(_) => Err(LoadError::TooCostly(format!(
                "compiling took longer than {} s",
                deadline.as_secs_f64()
            ))),
            Ok(Err(join)) => Err(LoadError::Invalid(format!("the compiler failed: {join}"))),
            Ok(Ok(result)) => result.map_err(|e| LoadError::Invalid(format!("{e:#}"))),
        }
    }

    /// The world a component exports (exactly one of ours) and its contract version.
    fn world_of(&self, component: &Component) -> Result<(World, String), LoadError> {
        let pre = self
            .linker
            .instantiate_pre(component)
            .map_err(|e| LoadError::Imports(format!("{e:#}")))?;
        let ty = component.component_type();
        let exports: Vec<String> = ty
            .exports(&self.engine)
            .map(|(name, _)| name.to_string())
            .collect();
        let ours: Vec<&String> = exports
            .iter()
            .filter(|e| {
                ["pos", "erp", "psp"]
                    .iter()
                    .any(|w| e.starts_with(&format!("beep:connector/{w}@")))
            })
            .collect();
        let [export] = ours.as_slice() else {
            return Err(LoadError::World(format!(
                "a connector must export exactly one of beep:connector/pos, erp or psp; this one exports [{}]",
                exports.join(", ")
            )));
        };
        let (interface, version) = export.split_once('@').expect("filtered on '@'");
        if !SUPPORTED_CONTRACTS
            .iter()
            .any(|v| semver_compatible(v, version))
        {
            return Err(LoadError::World(format!(
                "{export}: this host serves beep:connector {}",
                SUPPORTED_CONTRACTS.join(", ")
            )));
        }
        let released = semver_compatible("0.1.0", version);
        let world = match (interface, released) {
            ("beep:connector/pos", false) => {
                bindings::pos::PosConnectorPre::new(pre).map(World::Pos)
            }
            ("beep:connector/erp", false) => {
                bindings::erp::ErpConnectorPre::new(pre).map(World::Erp)
            }
            (_, false) => bindings::psp::PspConnectorPre::new(pre).map(World::Psp),
            ("beep:connector/pos", true) => {
                bindings::v0_1::pos::PosConnectorPre::new(pre).map(World::PosV1)
            }
            ("beep:connector/erp", true) => {
                bindings::v0_1::erp::ErpConnectorPre::new(pre).map(World::ErpV1)
            }
            (_, true) => bindings::v0_1::psp::PspConnectorPre::new(pre).map(World::PspV1),
        }
        .map_err(|e| LoadError::World(format!("{e:#}")))?;
        Ok((world, format!("beep:connector@{version}")))
    }

    /// Runs `body` in a fresh store under `ctx`, and turns what happened into a result.
    async fn run<T, F, Fut>(&self, ctx: &CallContext, body: F) -> (Result<T, CallError>, CallReport)
    where
        F: FnOnce(Store<CallState>) -> Fut,
        Fut: Future<Output = wasmtime::Result<Result<T, ConnectorError>>>,
    {
        let started = Instant::now();
        let (state, shared) = CallState::new(ctx);
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        // Every epoch tick the guest yields to the executor: a spinning guest never holds
        // a worker thread (and the tasks queued behind it, other tenants' among them)
        // for more than a tick. Past its deadline it is interrupted.
        // A call whose budget ran out (requests, memory, response size, log) is ended at
        // the next tick too, whatever the guest does with the errors it gets.
        let deadline_at = started + ctx.budgets.deadline;
        let exhausted = shared.flags.clone();
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline_at || exhausted.exhausted().is_some() {
                Ok(wasmtime::UpdateDeadline::Interrupt)
            } else {
                Ok(wasmtime::UpdateDeadline::YieldCustom(
                    1,
                    Box::pin(tokio::task::yield_now()),
                ))
            }
        });

        let outcome = tokio::time::timeout(ctx.budgets.deadline, body(store)).await;
        let flags = &shared.flags;
        let result = match outcome {
            Err(_) => {
                flags.exhaust(Exhausted::Deadline);
                Err(CallError::Budget(Exhausted::Deadline))
            }
            Ok(Ok(answer)) => match (flags.exhausted(), answer) {
                (Some(budget), _) => Err(CallError::Budget(budget)),
                (None, Ok(value)) => Ok(value),
                (None, Err(err @ ConnectorError::Network(_))) => match flags.denied() {
                    Some(why) => Err(CallError::EgressDenied(why)),
                    None => Err(CallError::Connector(err)),
                },
                (None, Err(err)) => Err(CallError::Connector(err)),
            },
            Ok(Err(trap)) => match flags.exhausted() {
                Some(budget) => Err(CallError::Budget(budget)),
                None if trap.downcast_ref::<wasmtime::Trap>()
                    == Some(&wasmtime::Trap::Interrupt) =>
                {
                    Err(CallError::Budget(Exhausted::Deadline))
                }
                None => Err(CallError::Trap(format!("{trap:#}"))),
            },
        };
        let mut report = shared.report(started.elapsed());
        report.failure = result.as_ref().err().map(CallError::code);
        (result, report)
    }
}

/// Instantiates `pre` in a fresh store under `ctx` and calls one export, by interface
/// (`beep_connector_pos`, `call_fetch_catalog`, args) or at the world's root (`describe`).
macro_rules! in_fresh_store {
    ($self:ident, $ctx:expr, $pre:expr, root $call:ident) => {{
        let pre = $pre.clone();
        $self
            .run($ctx, move |mut store| async move {
                let instance = pre.instantiate_async(&mut store).await?;
                Ok(Ok(instance.$call(&mut store).await?))
            })
            .await
    }};
    ($self:ident, $ctx:expr, $pre:expr, $iface:ident, $call:ident, ($($arg:ident),*)) => {{
        let pre = $pre.clone();
        $self
            .run($ctx, move |mut store| async move {
                let instance = pre.instantiate_async(&mut store).await?;
                instance.$iface().$call(&mut store, $($arg),*).await
            })
            .await
    }};
}

/// [`in_fresh_store!`] for a component of a released world with its own types (ERP and
/// PSP of 0.1.0): a record argument is converted to its types, the answer (and its
/// error) back. `plain` arguments (the config, a cursor) pass as they are.
macro_rules! in_released {
    ($self:ident, $ctx:expr, $pre:expr, $iface:ident, $call:ident, ($config:ident $(; plain $plain:ident)? $(, $arg:ident)? $(; list $list:ident)?)) => {{
        let pre = $pre.clone();
        $(let $arg = compat::convert($arg);)?
        $(let $list: Vec<_> = $list.iter().map(compat::convert).collect();)?
        $self
            .run($ctx, move |mut store| async move {
                let instance = pre.instantiate_async(&mut store).await?;
                let answer = instance
                    .$iface()
                    .$call(&mut store, $config $(, $plain)? $(, &$arg)? $(, $list.as_slice())?)
                    .await?;
                Ok(answer
                    .map(|value| compat::convert(&value))
                    .map_err(|e| compat::convert(&e)))
            })
            .await
    }};
}

/// Runs `$body` (a connector call) inside its trace span, named after the export.
macro_rules! traced {
    ($connector:expr, $call:ident, $body:expr) => {{
        use tracing::Instrument as _;
        let span = crate::telemetry::call_span(&$connector.info.name, stringify!($call));
        async { $body }.instrument(span).await
    }};
}

/// One exported function per method: instantiate from the pool, call, report. A method
/// the released 0.1.0 contract has too is called on a 0.1.0 component with its values
/// `converted` (see [`compat`]); one added `since 0.2.0` answers `unsupported` there,
/// naming the contract to rebuild against.
macro_rules! operation {
    ($(#[$doc:meta])* $name:ident, $world:ident, converted $released:ident, $iface:ident, $call:ident, (config: &str $(; plain $plain:ident : $pty:ty)? $(, $arg:ident : $ty:ty)? $(; list $list:ident : $lty:ty)?) -> $ret:ty) => {
        $(#[$doc])*
        pub async fn $name(&self, connector: &Connector, ctx: &CallContext, config: &str $(, $plain: $pty)? $(, $arg: $ty)? $(, $list: $lty)?) -> (Result<$ret, CallError>, CallReport) {
            traced!(connector, $call, match &connector.world {
                World::$world(pre) => in_fresh_store!(self, ctx, pre, $iface, $call, (config $(, $plain)? $(, $arg)? $(, $list)?)),
                World::$released(pre) => in_released!(self, ctx, pre, $iface, $call, (config $(; plain $plain)? $(, $arg)? $(; list $list)?)),
                _ => wrong_world(connector, stringify!($world)),
            })
        }
    };
    ($(#[$doc:meta])* $name:ident, $world:ident, since 0.2.0 $released:ident, $iface:ident, $call:ident, ($($arg:ident : $ty:ty),*) -> $ret:ty) => {
        $(#[$doc])*
        pub async fn $name(&self, connector: &Connector, ctx: &CallContext, $($arg: $ty),*) -> (Result<$ret, CallError>, CallReport) {
            traced!(connector, $call, match &connector.world {
                World::$world(pre) => in_fresh_store!(self, ctx, pre, $iface, $call, ($($arg),*)),
                World::$released(_) => released_lacks(connector, stringify!($call)),
                _ => wrong_world(connector, stringify!($world)),
            })
        }
    };
}

fn wrong_world<T>(connector: &Connector, world: &str) -> (Result<T, CallError>, CallReport) {
    (
        Err(CallError::Internal(format!(
            "{} is not a {world} connector",
            connector.info.name
        ))),
        CallReport::default(),
    )
}

/// The contract's name of an export binding (`call_fetch_catalog` → `fetch-catalog`).
pub(crate) fn operation_name(call: &str) -> String {
    call.trim_start_matches("call_").replace('_', "-")
}

/// A component of the released 0.1.0 contract asked for an operation added in 0.2.0.
fn released_lacks<T>(connector: &Connector, call: &str) -> (Result<T, CallError>, CallReport) {
    let operation = operation_name(call);
    (
        Err(CallError::Connector(ConnectorError::Unsupported(format!(
            "{} is built against {}, which has no {operation}; rebuild it against beep:connector@0.2.0",
            connector.info.name, connector.contract
        )))),
        CallReport::default(),
    )
}

use bindings::types::{
    CancelRequest, CaptureRequest, CatalogPage, InventoryPage, OrdersPage, Payment, PaymentLookup,
    PaymentRequest, PayoutsPage, PushOutcome, PushResult, Refund, RefundRequest, Sale, StockChange,
    SuppliersPage, Transaction, WebhookEvent, WebhookRequest,
};

impl Runtime {
    pub async fn describe(
        &self,
        connector: &Connector,
        ctx: &CallContext,
    ) -> (Result<ConnectorInfo, CallError>, CallReport) {
        traced!(
            connector,
            call_describe,
            match &connector.world {
                World::Pos(pre) => in_fresh_store!(self, ctx, pre, root call_describe),
                World::Erp(pre) => in_fresh_store!(self, ctx, pre, root call_describe),
                World::Psp(pre) => in_fresh_store!(self, ctx, pre, root call_describe),
                World::PosV1(pre) => {
                    let (info, report) = in_fresh_store!(self, ctx, pre, root call_describe);
                    (info.map(|i| compat::convert(&i)), report)
                }
                World::ErpV1(pre) => {
                    let (info, report) = in_fresh_store!(self, ctx, pre, root call_describe);
                    (info.map(|i| compat::convert(&i)), report)
                }
                World::PspV1(pre) => {
                    let (info, report) = in_fresh_store!(self, ctx, pre, root call_describe);
                    (info.map(|i| compat::convert(&i)), report)
                }
            }
        )
    }

    operation!(fetch_catalog, Pos, converted PosV1, beep_connector_pos, call_fetch_catalog, (config: &str; plain cursor: Option<&str>) -> CatalogPage);
    operation!(push_sales, Pos, converted PosV1, beep_connector_pos, call_push_sales, (config: &str; list sales: &[Sale]) -> Vec<PushResult>);
    operation!(fetch_inventory, Erp, converted ErpV1, beep_connector_erp, call_fetch_inventory, (config: &str; plain cursor: Option<&str>) -> InventoryPage);
    operation!(fetch_orders, Erp, converted ErpV1, beep_connector_erp, call_fetch_orders, (config: &str; plain cursor: Option<&str>) -> OrdersPage);
    operation!(fetch_suppliers, Erp, converted ErpV1, beep_connector_erp, call_fetch_suppliers, (config: &str; plain cursor: Option<&str>) -> SuppliersPage);
    operation!(push_stock_changes, Erp, converted ErpV1, beep_connector_erp, call_push_stock_changes, (config: &str; list changes: &[StockChange]) -> Vec<PushResult>);
    operation!(validate_config, Psp, converted PspV1, beep_connector_psp, call_validate_config, (config: &str) -> ());
    operation!(create_payment, Psp, converted PspV1, beep_connector_psp, call_create_payment, (config: &str, request: &PaymentRequest) -> Payment);
    operation!(get_payment, Psp, converted PspV1, beep_connector_psp, call_get_payment, (config: &str, lookup: &PaymentLookup) -> Payment);
    operation!(refund_payment, Psp, converted PspV1, beep_connector_psp, call_refund_payment, (config: &str, request: &RefundRequest) -> Refund);
    operation!(parse_webhook, Psp, converted PspV1, beep_connector_psp, call_parse_webhook, (config: &str, request: &WebhookRequest) -> WebhookEvent);
    operation!(authorize_payment, Psp, since 0.2.0 PspV1, beep_connector_psp, call_authorize_payment, (config: &str, request: &PaymentRequest) -> Payment);
    operation!(capture_payment, Psp, since 0.2.0 PspV1, beep_connector_psp, call_capture_payment, (config: &str, request: &CaptureRequest) -> Payment);
    operation!(cancel_payment, Psp, since 0.2.0 PspV1, beep_connector_psp, call_cancel_payment, (config: &str, request: &CancelRequest) -> Payment);
    operation!(fetch_payouts, Psp, since 0.2.0 PspV1, beep_connector_psp, call_fetch_payouts, (config: &str, cursor: Option<&str>) -> PayoutsPage);

    /// Transactions to an ERP connector. A component of the released 0.1.0 contract knows
    /// no `chargeback`, `fee` or `payout` kind: those are answered `rejected` (naming the
    /// contract to rebuild against) without reaching it, and the rest are sent.
    pub async fn push_transactions(
        &self,
        connector: &Connector,
        ctx: &CallContext,
        config: &str,
        transactions: &[Transaction],
    ) -> (Result<Vec<PushResult>, CallError>, CallReport) {
        let call = self.push_transactions_untraced(connector, ctx, config, transactions);
        traced!(connector, call_push_transactions, call.await)
    }

    async fn push_transactions_untraced(
        &self,
        connector: &Connector,
        ctx: &CallContext,
        config: &str,
        transactions: &[Transaction],
    ) -> (Result<Vec<PushResult>, CallError>, CallReport) {
        let pre = match &connector.world {
            World::Erp(pre) => {
                return in_fresh_store!(
                    self,
                    ctx,
                    pre,
                    beep_connector_erp,
                    call_push_transactions,
                    (config, transactions)
                );
            }
            World::ErpV1(pre) => pre,
            _ => return wrong_world(connector, "Erp"),
        };
        let (known, unknown): (Vec<Transaction>, Vec<Transaction>) = transactions
            .iter()
            .cloned()
            .partition(|t| compat::released_transaction_kind(t.kind));
        let mut refused: Vec<PushResult> = unknown
            .iter()
            .map(|t| PushResult {
                id: t.id.clone(),
                outcome: PushOutcome::Rejected(ConnectorError::Unsupported(format!(
                    "{} is built against {}, which has no transaction kind {}; rebuild it against beep:connector@0.2.0",
                    connector.info.name,
                    connector.contract,
                    compat::kind_name(t.kind)
                ))),
            })
            .collect();
        if known.is_empty() {
            return (Ok(refused), CallReport::default());
        }
        let transactions = known.as_slice();
        let (answer, report): (Result<Vec<PushResult>, CallError>, _) = in_released!(self, ctx, pre, beep_connector_erp, call_push_transactions, (config; list transactions));
        (
            answer.map(|mut results| {
                results.append(&mut refused);
                results
            }),
            report,
        )
    }
}
