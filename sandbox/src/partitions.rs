//! Test Mode state per merchant. `/m/{partition}/…` serves a whole set of simulators of
//! its own, created on first use: a test merchant's payments, receipts and `/_sim/`
//! hooks are invisible to every other merchant, because the server grants a merchant's
//! calls only its own partition's URLs (a custom connector granted "the Stripe
//! simulator" reaches `/m/{its merchant}/stripe`, nothing beside it).
//!
//! Partitions are kept in memory, at most [`PARTITIONS`]; the least recently used one
//! gives way (its simulated state starts afresh on its next request, as a vendor's test
//! account may be reset).

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tower::ServiceExt as _;

/// The most partitions held at once.
pub const PARTITIONS: usize = 1024;

/// The path prefix of `partition`'s simulators.
pub fn prefix(partition: &str) -> String {
    format!("/m/{partition}")
}

/// A partition name is URL-safe and short: letters, digits, `_` and `-`, 1–64 of them.
pub fn valid(partition: &str) -> bool {
    (1..=64).contains(&partition.len())
        && partition
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

type Build = Arc<dyn Fn() -> Router + Send + Sync>;

struct Partitions {
    build: Build,
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    routers: HashMap<String, (Router, u64)>,
    clock: u64,
}

impl Partitions {
    fn get(&self, partition: &str) -> Router {
        let mut held = self.held.lock().unwrap();
        held.clock += 1;
        let now = held.clock;
        if let Some((router, used)) = held.routers.get_mut(partition) {
            *used = now;
            return router.clone();
        }
        if held.routers.len() >= PARTITIONS {
            let oldest = held
                .routers
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(name, _)| name.clone());
            if let Some(oldest) = oldest {
                held.routers.remove(&oldest);
            }
        }
        let router = (self.build)();
        held.routers
            .insert(partition.to_string(), (router.clone(), now));
        router
    }
}

/// Serves `/m/{partition}/…`, each partition's simulators built by `build` (merged
/// beside the shared simulators, it answers what they do not).
pub fn router(build: impl Fn() -> Router + Send + Sync + 'static) -> Router {
    let partitions = Arc::new(Partitions {
        build: Arc::new(build),
        held: Mutex::default(),
    });
    // A fallback, not a route with path parameters: those would reach the simulators'
    // own `Path` extractors beside theirs.
    Router::new().fallback(serve).with_state(partitions)
}

async fn serve(State(partitions): State<Arc<Partitions>>, mut req: Request) -> Response {
    let path = req.uri().path();
    let Some((partition, rest)) = path
        .strip_prefix("/m/")
        .and_then(|p| p.split_once('/'))
        .filter(|(partition, _)| valid(partition))
    else {
        return (StatusCode::NOT_FOUND, "no such partition").into_response();
    };
    let partition = partition.to_string();
    let inner = match req.uri().query() {
        Some(query) => format!("/{rest}?{query}"),
        None => format!("/{rest}"),
    };
    let Ok(uri) = inner.parse::<Uri>() else {
        return (StatusCode::BAD_REQUEST, "malformed path").into_response();
    };
    // The outer router already stored the whole URI as `OriginalUri`: simulators that
    // build absolute links from it keep the partition's prefix in them.
    *req.uri_mut() = uri;
    let router = partitions.get(&partition);
    match router.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting() -> (Router, Arc<AtomicUsize>) {
        let built = Arc::new(AtomicUsize::new(0));
        let counter = built.clone();
        let router = router(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            Router::new().route(
                "/who",
                axum::routing::get(move |uri: axum::extract::OriginalUri| async move {
                    format!("{n} {}", uri.path())
                }),
            )
        });
        (router, built)
    }

    async fn get(router: &Router, path: &str) -> (StatusCode, String) {
        let req = Request::builder().uri(path).body(Body::empty()).unwrap();
        let resp = router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 10)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn each_partition_has_its_own_simulators() {
        let (router, built) = counting();
        assert_eq!(get(&router, "/m/mer_a/who").await.1, "0 /m/mer_a/who");
        assert_eq!(get(&router, "/m/mer_b/who").await.1, "1 /m/mer_b/who");
        assert_eq!(get(&router, "/m/mer_a/who").await.1, "0 /m/mer_a/who");
        assert_eq!(built.load(Ordering::SeqCst), 2);
        assert_eq!(get(&router, "/m/a.b/who").await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            get(&router, "/m/mer_a/nothing").await.0,
            StatusCode::NOT_FOUND
        );
    }

    #[tokio::test]
    async fn the_least_recently_used_partition_gives_way() {
        let (router, built) = counting();
        for i in 0..PARTITIONS {
            get(&router, &format!("/m/p{i}/who")).await;
        }
        // p0 is used again, so p1 is the one that gives way to a new partition.
        get(&router, "/m/p0/who").await;
        get(&router, "/m/new/who").await;
        assert_eq!(built.load(Ordering::SeqCst), PARTITIONS + 1);
        assert_eq!(get(&router, "/m/p0/who").await.1, "0 /m/p0/who");
        let (_, again) = get(&router, "/m/p1/who").await;
        assert_eq!(again, format!("{} /m/p1/who", PARTITIONS + 1));
    }

    #[test]
    fn partition_names_are_url_safe() {
        assert!(valid("mer_01HXYZ-abc"));
        for bad in ["", "a/b", "..", "a%2fb", "a b", &"x".repeat(65)] {
            assert!(!valid(bad), "{bad:?}");
        }
    }
}
