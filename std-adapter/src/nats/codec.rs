//! How messages are encoded on the wire. [`Codec::Postcard`] (the default) is the
//! process pool's payload format, compact and schema-by-type; [`Codec::Json`] lets
//! services written in other languages publish to and consume from the same
//! subjects.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A wire format for messages, chosen per connection
/// ([`NatsOptions::codec`](super::NatsOptions::codec)).
///
/// ```
/// use spindle_std::nats::Codec;
/// let bytes = Codec::Json.encode(&("temp", 21.5)).unwrap();
/// assert_eq!(bytes, br#"["temp",21.5]"#);
/// assert_eq!(Codec::Json.decode::<(String, f64)>(&bytes).unwrap(), ("temp".into(), 21.5));
/// let compact = Codec::Postcard.encode(&7u32).unwrap();
/// assert_eq!(Codec::Postcard.decode::<u32>(&compact).unwrap(), 7);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Codec {
    /// postcard, as in the process pool's frames (without their length prefix:
    /// NATS delimits messages itself).
    #[default]
    Postcard,
    /// JSON (serde_json), for interoperating with other languages.
    Json,
}

impl Codec {
    /// Encodes `value`; the error says why it does not serialize.
    pub fn encode<T: Serialize + ?Sized>(self, value: &T) -> Result<Vec<u8>, String> {
        match self {
            Codec::Postcard => postcard::to_allocvec(value).map_err(|e| e.to_string()),
            Codec::Json => serde_json::to_vec(value).map_err(|e| e.to_string()),
        }
    }

    /// Decodes a `T`; the error says why the bytes are not one.
    pub fn decode<T: DeserializeOwned>(self, bytes: &[u8]) -> Result<T, String> {
        match self {
            Codec::Postcard => postcard::from_bytes(bytes).map_err(|e| e.to_string()),
            Codec::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
        }
    }
}
