//! The seam between a connector's logic and wasi:http: logic takes a `&mut dyn
//! Transport`, the component passes [`Wasi`], native tests pass [`Scripted`] (or their
//! own simulation of the vendor).

use crate::error::internal;
use crate::http::{Request, Response};
use crate::types::ConnectorError;
use std::collections::VecDeque;

/// Sends requests and waits.
pub trait Transport {
    fn send(&mut self, req: Request) -> Result<Response, ConnectorError>;

    /// Waits `secs` seconds (a vendor's `Retry-After`) if the call's deadline leaves room
    /// for the retried request and its answer (5 s); whether it waited.
    fn pause(&mut self, secs: u32) -> bool {
        if crate::log::deadline_ms() < u64::from(secs) * 1000 + 5000 {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_secs(u64::from(secs)));
        true
    }
}

/// The component's transport: wasi:http under the host's grant and budgets.
pub struct Wasi;

impl Transport for Wasi {
    fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
        req.send()
    }
}

/// A test transport: answers from a script, in order, and records what was sent and
/// the pauses asked for. A request past the script is an error.
#[derive(Default)]
pub struct Scripted {
    pub answers: VecDeque<Response>,
    pub sent: Vec<Request>,
    pub pauses: Vec<u32>,
    /// Whether [`Transport::pause`] says it waited (it never sleeps).
    pub can_pause: bool,
}

impl Scripted {
    pub fn new(answers: Vec<Response>) -> Scripted {
        Scripted {
            answers: answers.into(),
            can_pause: true,
            ..Scripted::default()
        }
    }
}

impl Transport for Scripted {
    fn send(&mut self, req: Request) -> Result<Response, ConnectorError> {
        self.sent.push(req);
        self.answers
            .pop_front()
            .ok_or_else(|| internal("unexpected request"))
    }

    fn pause(&mut self, secs: u32) -> bool {
        self.pauses.push(secs);
        self.can_pause
    }
}

/// A JSON answer with `status`, for scripts.
pub fn answer(status: u16, body: serde_json::Value) -> Response {
    Response {
        status,
        headers: vec![],
        body: body.to_string().into_bytes(),
    }
}
