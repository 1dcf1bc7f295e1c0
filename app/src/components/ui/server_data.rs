//! Resources whose data the server renders into the page read it back with the same JSON
//! deserialiser as the server functions' answers.
//!
//! Leptos' default codec for a resource reads its hydration data with `serde_json::from_str`,
//! while a server function's answer is read with `serde_json::from_slice`: two readers, so two
//! copies of serde_json's parser and of every result type's deserialiser in the wasm (for
//! `CurrentUser`, `Notification` and the error type alike, each in the wasm every page
//! downloads). Reading the page's data as bytes too leaves one.

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// JSON, read through serde_json's byte reader.
pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// A resource of server data, rendered into the page and read back while hydrating.
pub type ServerData<T> = Resource<T, JsonBytes>;

/// [`Resource::new`], with [`JsonBytes`].
#[track_caller]
pub fn server_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> ServerData<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::CurrentUser;

    #[test]
    fn what_the_server_renders_reads_back_the_same() {
        let value: Result<Vec<String>, String> =
            Ok(vec!["Zoë".into(), "\"quoted\" \u{2028}".into()]);
        let encoded = <JsonBytes as Encoder<_>>::encode(&value).unwrap();
        let decoded: Result<Vec<String>, String> = JsonBytes::decode(&encoded).unwrap();
        assert_eq!(decoded, value);
        assert!(<JsonBytes as Decoder<Result<CurrentUser, String>>>::decode("{\"Ok\":").is_err());
    }
}
