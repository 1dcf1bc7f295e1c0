//! A page's render runs to its end even when the browser leaves while it streams.
//!
//! Leptos renders a page as a stream that owns the request's reactive owner. When a client goes
//! away mid-stream (a navigation, a closed tab, a reload), hyper drops the body and with it the
//! owner, while tasks the render spawned (resources resolving, `Suspend`s) still run: their next
//! step reads a signal or a context of the disposed owner, and the reactive runtime panics
//! ("Tried to access a reactive value that has already been disposed", "called
//! use_resolved_path outside a <Router>"). The same happens when the client leaves before the
//! first chunk, while hyper still polls the handler: it drops the handler's future. So a page
//! is rendered in a task of its own, which a leaving client cannot cancel, and a page body
//! dropped before its end is read on to the end in the background, output discarded: the owner
//! is cleaned up the way a finished stream cleans it up. A page's render ends when its data has loaded, so this costs no more
//! than the visit would have; a render that outlasts [`FINISH_LIMIT`] is dropped anyway.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, BodyDataStream, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};
use tracing::Instrument;

/// How long a page left mid-stream may go on rendering with nobody reading it.
pub const FINISH_LIMIT: Duration = Duration::from_secs(30);

/// Middleware (`axum::middleware::from_fn`): a `GET` outside the API (a page, or a static file
/// the same layer serves) is answered from a task of its own, and an HTML answer gets a body
/// that is read to its end if the client drops it early.
pub async fn render_to_the_end(request: Request, next: Next) -> Response {
    if request.method() != Method::GET || request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let rendering =
        tokio::spawn(async move { finish_if_dropped(next.run(request).await) }.in_current_span());
    match rendering.await {
        Ok(response) => response,
        Err(failed) => {
            tracing::error!("a page's render failed: {failed}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn finish_if_dropped(response: Response) -> Response {
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    // A body of known length is already whole (a page rendered before it is sent).
    if !is_page || response.body().size_hint().exact().is_some() {
        return response;
    }
    response.map(|body| Body::from_stream(ReadToTheEnd(Some(body.into_data_stream()))))
}

/// A page body that, dropped before its end, hands what is left to a task that reads it out.
struct ReadToTheEnd(Option<BodyDataStream>);

impl Stream for ReadToTheEnd {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(rest) = self.0.as_mut() else {
            return Poll::Ready(None);
        };
        let next = rest.poll_next_unpin(cx);
        if let Poll::Ready(None) = next {
            self.0 = None;
        }
        next
    }
}

impl Drop for ReadToTheEnd {
    fn drop(&mut self) {
        let Some(mut rest) = self.0.take() else {
            return;
        };
        // Outside a runtime (a process shutting down) there is nothing left to protect.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let read_out = async { while rest.next().await.is_some() {} };
            if tokio::time::timeout(FINISH_LIMIT, read_out).await.is_err() {
                tracing::warn!("a page left mid-stream was still rendering after {FINISH_LIMIT:?}");
            }
        });
    }
}
