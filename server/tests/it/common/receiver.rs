//! Webhook receivers on 127.0.0.1: one records every request and answers from a script; one
//! closes kept-alive connections under a request.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("json body")
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub delay: Duration,
    pub body: String,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            delay: Duration::ZERO,
            body: format!("status {status}"),
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
    arrived: Notify,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// A listener on a free port of 127.0.0.1, and its base URL.
async fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    (listener, base)
}

#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    shared: Arc<Shared>,
}

impl Receiver {
    pub async fn start() -> Self {
        let (listener, base) = listen().await;
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, shared }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answers the next requests with these, in order; then with the default (200 unless set).
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    pub fn set_default(&self, reply: Reply) {
        *self.shared.default.lock().unwrap() = Some(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The most requests it was answering at once.
    pub fn most_in_flight(&self) -> usize {
        self.shared.most_in_flight.load(SeqCst)
    }

    /// Waits until at least `n` requests arrived (panics after `timeout`).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let arrived = self.shared.arrived.notified();
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waited {timeout:?} for {n} requests, got {}",
                received.len()
            );
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), arrived).await;
        }
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = shared
        .script
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| shared.default.lock().unwrap().clone())
        .unwrap_or_else(|| Reply::status(200));
    shared.received.lock().unwrap().push(Received {
        at: Instant::now(),
        path: uri.path().to_string(),
        headers,
        body,
    });
    shared.arrived.notify_waiters();
    let now = shared.in_flight.fetch_add(1, SeqCst) + 1;
    shared.most_in_flight.fetch_max(now, SeqCst);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    shared.in_flight.fetch_sub(1, SeqCst);
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// A receiver that answers the first request on each connection and closes the connection as
/// the next request arrives on it: what a server with a short keep-alive (Node's 5 s) does when
/// its idle timer and our request cross. Counts the answers and the requests left unanswered.
/// (hyper's server: axum cannot close a connection without answering.)
pub struct ClosingReceiver {
    pub url: String,
    answered: Arc<AtomicUsize>,
    unanswered: Arc<AtomicUsize>,
}

impl ClosingReceiver {
    pub async fn start() -> Self {
        let (listener, base) = listen().await;
        let url = format!("{base}/hook");
        let answered = Arc::new(AtomicUsize::new(0));
        let unanswered = Arc::new(AtomicUsize::new(0));
        let counters = (answered.clone(), unanswered.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (answered, unanswered) = counters.clone();
                let served_here = Arc::new(AtomicUsize::new(0));
                let service = hyper::service::service_fn(move |_request| {
                    let first = served_here.fetch_add(1, SeqCst) == 0;
                    let (answered, unanswered) = (answered.clone(), unanswered.clone());
                    async move {
                        if first {
                            answered.fetch_add(1, SeqCst);
                            Ok(Response::new(axum::body::Body::from("ok")))
                        } else {
                            unanswered.fetch_add(1, SeqCst);
                            // hyper closes the connection without an answer.
                            Err(std::io::Error::other("closing the idle connection"))
                        }
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        Self {
            url,
            answered,
            unanswered,
        }
    }

    /// Requests answered (each connection's first).
    pub fn answered(&self) -> usize {
        self.answered.load(SeqCst)
    }

    /// Requests whose connection was closed under them.
    pub fn unanswered(&self) -> usize {
        self.unanswered.load(SeqCst)
    }
}
