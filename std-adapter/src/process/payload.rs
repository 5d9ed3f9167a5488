//! How a task's argument and result are encoded inside the pool's messages
//! (recipe 12.8): [`Codec::Postcard`], the process pool's compact format, or
//! `Codec::Json` (feature `json`, on with `nats`), so that services written in
//! other languages can read and answer the distributed pool's tasks. A
//! [`Registry`](super::Registry) runs a call in either
//! ([`Registry::run_with`](super::Registry::run_with)).

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::FrameError;

/// A wire format for values: a task's argument and result, and (in
/// `spindle_std::nats`, where it is the connection's codec) every message.
///
/// ```
/// use spindle_std::process::Codec;
/// let compact = Codec::Postcard.encode(&7u32).unwrap();
/// assert_eq!(Codec::Postcard.decode::<u32>(&compact).unwrap(), 7);
/// # #[cfg(feature = "json")] {
/// let bytes = Codec::Json.encode(&("temp", 21.5)).unwrap();
/// assert_eq!(bytes, br#"["temp",21.5]"#);
/// assert_eq!(Codec::Json.decode::<(String, f64)>(&bytes).unwrap(), ("temp".into(), 21.5));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Codec {
    /// postcard, as in the process pool's frames (the payload, without the
    /// frame's length prefix).
    #[default]
    Postcard,
    /// JSON (serde_json), for interoperating with other languages.
    #[cfg(feature = "json")]
    Json,
}

impl Codec {
    /// Encodes `value`; the error says why it does not serialize.
    pub fn encode<T: Serialize + ?Sized>(self, value: &T) -> Result<Vec<u8>, String> {
        match self {
            Codec::Postcard => postcard::to_allocvec(value).map_err(|e| e.to_string()),
            #[cfg(feature = "json")]
            Codec::Json => serde_json::to_vec(value).map_err(|e| e.to_string()),
        }
    }

    /// Decodes a `T` from exactly `bytes` (bytes left after the value are an
    /// error); the error says why they are not one.
    pub fn decode<T: DeserializeOwned>(self, bytes: &[u8]) -> Result<T, String> {
        match self {
            Codec::Postcard => super::codec::decode_payload(bytes).map_err(|e| match e {
                FrameError::Malformed(why) => why,
                other => other.to_string(),
            }),
            #[cfg(feature = "json")]
            Codec::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
        }
    }
}
