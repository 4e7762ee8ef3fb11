//! The API listener: hyper's HTTP/1.1 under limits a slow or hostile client cannot
//! stretch. A connection over the cap is closed at once; request headers must arrive
//! within the header timeout; a request body must keep flowing (idle timeout) and end
//! within the body deadline. Handlers may take as long as their work needs (a sync of
//! a large catalogue runs for minutes); it is the client's slowness that is bounded.

use crate::app::App;
use bytes::Bytes;
use http_body::{Body, Frame};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

#[derive(Clone, Debug)]
pub struct Limits {
    /// Open connections at most; more are closed as they arrive.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (also an idle
    /// keep-alive connection's next request).
    pub header_timeout: Duration,
    /// How long a request body may pause between two chunks.
    pub body_idle_timeout: Duration,
    /// How long a whole request body may take.
    pub body_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(15),
            body_deadline: Duration::from_secs(120),
        }
    }
}

/// Serves the API on `listener` until the process ends.
pub async fn serve(app: Arc<App>, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let limits = app.settings.listener.clone();
    crate::jobs::worker::start(&app);
    crate::events::deliver::start(&app);
    let router = crate::api::router(app);
    let open = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, usually: wait instead of spinning.
                tracing::warn!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "connection cap reached; closing");
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let router = router.clone();
        let body_limits = limits.clone();
        let service =
            hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let request = request.map(|body| {
                    axum::body::Body::new(TimedBody::new(
                        body,
                        body_limits.body_idle_timeout,
                        body_limits.body_deadline,
                    ))
                });
                let mut request = request;
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                tower::ServiceExt::oneshot(router.clone(), request)
            });
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(tcp), service);
            if let Err(e) = connection.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
            drop(permit);
        });
    }
}

/// A request body that fails once it pauses longer than `idle` or runs past `deadline`.
struct TimedBody<B> {
    inner: B,
    idle: Duration,
    deadline: Instant,
    timer: Pin<Box<Sleep>>,
}

impl<B> TimedBody<B> {
    fn new(inner: B, idle: Duration, deadline: Duration) -> Self {
        let deadline = Instant::now() + deadline;
        TimedBody {
            inner,
            idle,
            deadline,
            timer: Box::pin(tokio::time::sleep_until(
                deadline.min(Instant::now() + idle),
            )),
        }
    }
}

#[derive(Debug)]
struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body arrived too slowly")
    }
}

impl std::error::Error for BodyTimeout {}

impl<B> Body for TimedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let next = this.deadline.min(Instant::now() + this.idle);
                this.timer.as_mut().reset(next);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout)))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
