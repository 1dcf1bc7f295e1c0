//! The browser side of every server function call: the default fetch client plus the session's
//! CSRF token on each request, and a trip to the sign-in page when the session has ended.

use std::future::Future;

use futures::{Sink, Stream};
use server_fn::client::browser::BrowserClient;
use server_fn::client::Client;
use server_fn::error::FromServerFnError;
use server_fn::request::browser::BrowserRequest;
use server_fn::response::browser::BrowserResponse;
use server_fn::response::ClientRes;
use server_fn::Bytes;
use wasm_bindgen::JsCast;

/// Names shared with the server's session module.
pub const CSRF_COOKIE: &str = "pb_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub struct ApiClient;

impl<E, IS, OS> Client<E, IS, OS> for ApiClient
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        if let Some(token) = csrf_token() {
            req.headers().set(CSRF_HEADER, &token);
        }
        let sent = <BrowserClient as Client<E, IS, OS>>::send(req);
        async move {
            let res = sent.await?;
            if <BrowserResponse as ClientRes<E>>::status(&res) == 401 {
                send_to_sign_in();
            }
            Ok(res)
        }
    }

    #[allow(clippy::type_complexity)]
    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}

/// The session's CSRF token, from its script-readable cookie. `document.cookie` gives the page's
/// cookies as `name=value` pairs joined by "; ", never their attributes, so the browser has
/// already done the parsing a cookie parser would (and the cookie crate would bring a date
/// parser into the wasm for attributes that never appear here).
fn csrf_token() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let cookies = document
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()?
        .cookie()
        .ok()?;
    let (_, value) = cookies
        .split(';')
        .filter_map(|pair| pair.trim_start().split_once('='))
        .find(|(name, _)| *name == CSRF_COOKIE)?;
    js_sys::decode_uri_component(value)
        .ok()
        .and_then(|decoded| decoded.as_string())
}

/// The session is gone (expired, signed out elsewhere, admin removed): go to sign-in and come
/// back here afterwards. The sign-in page itself handles its own 401s.
fn send_to_sign_in() {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    let path = location.pathname().unwrap_or_default();
    if path.starts_with("/signin") {
        return;
    }
    let search = location.search().unwrap_or_default();
    let next: String = js_sys::encode_uri_component(&format!("{path}{search}")).into();
    let _ = location.assign(&format!("/signin?next={next}"));
}
