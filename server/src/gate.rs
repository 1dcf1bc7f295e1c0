//! Every request's way in, as one middleware: publish admission, the protecting headers,
//! the cross-site refusal, authentication and rate limits, the input boundary and the pages'
//! session guard, in that order, each able to answer for the rest. One layer rather than six:
//! each of axum's `from_fn` layers boxes and clones the stack inside it for every request, and
//! six of them cost the server about a tenth of its time on single-event publishes (the
//! README's benchmark, "One gate for every request").

use std::ops::ControlFlow;
use std::sync::Arc;

use app::auth::access::authenticate;
use app::events::admission::admit_publishes;
use app::runtime::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::guards;
use crate::headers::Csp;
use crate::input::{self, InputShapes};

/// What the gate needs, made once per router.
#[derive(Clone)]
pub struct Gate(Arc<Parts>);

struct Parts {
    state: AppState,
    csp: Csp,
    shapes: InputShapes,
}

impl Gate {
    pub fn new(state: AppState, csp: Csp, shapes: InputShapes) -> Self {
        Self(Arc::new(Parts { state, csp, shapes }))
    }
}

pub async fn gate(State(gate): State<Gate>, mut req: Request, next: Next) -> Response {
    let Parts { state, csp, shapes } = gate.0.as_ref();
    // Past capacity, a publish is refused before anything else is done with it.
    let _admitted = match admit_publishes(state, req.uri().path()) {
        ControlFlow::Continue(ticket) => ticket,
        ControlFlow::Break(refused) => return refused,
    };
    let protection = csp.protect(&mut req);
    let response = match guards::cross_site_refusal(state, &req) {
        Some(refused) => refused,
        None => authenticated(state, shapes, req, next).await,
    };
    protection.apply(csp, response)
}

async fn authenticated(
    state: &AppState,
    shapes: &InputShapes,
    mut req: Request,
    next: Next,
) -> Response {
    let caller = match authenticate(state, &mut req).await {
        ControlFlow::Continue(caller) => caller,
        ControlFlow::Break(refused) => return refused,
    };
    // Inside authentication: bodies are read only within the caller's rate limit.
    let response = match input::check(shapes, req).await {
        ControlFlow::Break(refused) => refused,
        ControlFlow::Continue(req) => match guards::page_redirect(&req) {
            Some(redirect) => redirect,
            None => next.run(req).await,
        },
    };
    caller.finish(state, response)
}
