//! The distributed pool's messages on the wire, in either [`Codec`]: a task for a
//! worker and the result it sends back. With postcard they are the structs as they
//! are (the process pool's [`Call`] and [`Outcome`] inside); with JSON they are
//! plain JSON objects whose argument and result are the task's own JSON values, so
//! a worker or a client written in any language reads and writes them:
//!
//! ```text
//! task:   {"client": "c4242x17f0a", "id": 7, "task": "square", "arg": 7}
//! result: {"id": 7, "outcome": {"Value": 49}}
//!         (or {"Panicked": "why"}, {"UnknownTask": "name"},
//!          {"BadArgument": "why"}, {"BadResult": "why"} in place of {"Value": ..})
//! ```
//!
//! Every message carries its codec in a `Content-Type` header
//! (`application/json` or `application/postcard`), so a worker answers each client
//! in the client's codec; a message without the header is read in the reader's.

use async_nats::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::process::message::{Call, Outcome};
use crate::process::Codec;

/// The header that names a message's codec.
pub(crate) const CONTENT_TYPE: &str = "Content-Type";

/// A task on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TaskMessage {
    /// The submitting client's id (where the result goes).
    pub client: String,
    /// The client's id of this task.
    pub id: u64,
    /// What to run.
    pub call: Call,
}

/// A result on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ResultMessage {
    /// The task's id at its client.
    pub id: u64,
    /// How it went.
    pub outcome: Outcome,
}

/// The `Content-Type` of `codec`.
pub(crate) fn content_type(codec: Codec) -> &'static str {
    match codec {
        Codec::Postcard => "application/postcard",
        Codec::Json => "application/json",
    }
}

/// The codec a message's headers name, or `default` if they name none (or one this
/// side does not speak: decoding then fails and says why).
pub(crate) fn codec_of(headers: Option<&HeaderMap>, default: Codec) -> Codec {
    match headers
        .and_then(|h| h.get(CONTENT_TYPE))
        .map(|v| v.as_str())
    {
        Some("application/json") => Codec::Json,
        Some("application/postcard") => Codec::Postcard,
        _ => default,
    }
}

#[derive(Serialize)]
struct JsonTaskOut<'a> {
    client: &'a str,
    id: u64,
    task: &'a str,
    arg: &'a RawValue,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    chunk: bool,
}

#[derive(Deserialize)]
struct JsonTaskIn {
    client: String,
    id: u64,
    task: String,
    arg: Box<RawValue>,
    #[serde(default)]
    chunk: bool,
}

/// [`Outcome`] with its value as JSON itself (`V`: borrowed out, owned in).
#[derive(Serialize, Deserialize)]
enum JsonOutcome<V> {
    Value(V),
    Panicked(String),
    UnknownTask(String),
    BadArgument(String),
    BadResult(String),
}

#[derive(Serialize)]
struct JsonResultOut<'a> {
    id: u64,
    outcome: JsonOutcome<&'a RawValue>,
}

#[derive(Deserialize)]
struct JsonResultIn {
    id: u64,
    outcome: JsonOutcome<Box<RawValue>>,
}

/// JSON bytes as a raw JSON value (they must be one).
fn raw(bytes: &[u8]) -> Result<&RawValue, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not a JSON value: {e}"))
}

/// Encodes a task; with JSON its argument must be JSON (the task's codec's).
pub(crate) fn encode_task(codec: Codec, task: &TaskMessage) -> Result<Vec<u8>, String> {
    match codec {
        Codec::Postcard => codec.encode(task),
        Codec::Json => codec.encode(&JsonTaskOut {
            client: &task.client,
            id: task.id,
            task: &task.call.task,
            arg: raw(&task.call.arg)?,
            chunk: task.call.chunk,
        }),
    }
}

/// Decodes a task.
pub(crate) fn decode_task(codec: Codec, bytes: &[u8]) -> Result<TaskMessage, String> {
    match codec {
        Codec::Postcard => codec.decode(bytes),
        Codec::Json => {
            let t: JsonTaskIn = codec.decode(bytes)?;
            Ok(TaskMessage {
                client: t.client,
                id: t.id,
                call: Call {
                    task: t.task,
                    arg: t.arg.get().as_bytes().to_vec(),
                    chunk: t.chunk,
                },
            })
        }
    }
}

/// Encodes a result; with JSON a value must be JSON (the task's codec's).
pub(crate) fn encode_result(codec: Codec, result: &ResultMessage) -> Result<Vec<u8>, String> {
    match codec {
        Codec::Postcard => codec.encode(result),
        Codec::Json => {
            let outcome = match &result.outcome {
                Outcome::Value(v) => JsonOutcome::Value(raw(v)?),
                Outcome::Panicked(s) => JsonOutcome::Panicked(s.clone()),
                Outcome::UnknownTask(s) => JsonOutcome::UnknownTask(s.clone()),
                Outcome::BadArgument(s) => JsonOutcome::BadArgument(s.clone()),
                Outcome::BadResult(s) => JsonOutcome::BadResult(s.clone()),
            };
            codec.encode(&JsonResultOut {
                id: result.id,
                outcome,
            })
        }
    }
}

/// Decodes a result.
pub(crate) fn decode_result(codec: Codec, bytes: &[u8]) -> Result<ResultMessage, String> {
    match codec {
        Codec::Postcard => codec.decode(bytes),
        Codec::Json => {
            let r: JsonResultIn = codec.decode(bytes)?;
            let outcome = match r.outcome {
                JsonOutcome::Value(v) => Outcome::Value(v.get().as_bytes().to_vec()),
                JsonOutcome::Panicked(s) => Outcome::Panicked(s),
                JsonOutcome::UnknownTask(s) => Outcome::UnknownTask(s),
                JsonOutcome::BadArgument(s) => Outcome::BadArgument(s),
                JsonOutcome::BadResult(s) => Outcome::BadResult(s),
            };
            Ok(ResultMessage { id: r.id, outcome })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(arg: Vec<u8>) -> TaskMessage {
        TaskMessage {
            client: "c1x2".into(),
            id: 7,
            call: Call {
                task: "square".into(),
                arg,
                chunk: false,
            },
        }
    }

    #[test]
    fn a_json_task_is_plain_json_with_the_argument_inside() {
        let t = task(b"7".to_vec());
        let bytes = encode_task(Codec::Json, &t).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"client":"c1x2","id":7,"task":"square","arg":7}"#
        );
        let back = decode_task(Codec::Json, &bytes).unwrap();
        assert_eq!(back.call, t.call);
        assert_eq!((back.client.as_str(), back.id), ("c1x2", 7));
    }

    #[test]
    fn a_json_result_is_plain_json_with_the_value_inside() {
        for outcome in [
            Outcome::Value(br#"{"a":[1,2]}"#.to_vec()),
            Outcome::Panicked("boom".into()),
            Outcome::UnknownTask("nope".into()),
            Outcome::BadArgument("why".into()),
            Outcome::BadResult("why".into()),
        ] {
            let r = ResultMessage { id: 3, outcome };
            let bytes = encode_result(Codec::Json, &r).unwrap();
            let back = decode_result(Codec::Json, &bytes).unwrap();
            assert_eq!((back.id, &back.outcome), (3, &r.outcome));
        }
        let bytes = encode_result(
            Codec::Json,
            &ResultMessage {
                id: 3,
                outcome: Outcome::Value(b"49".to_vec()),
            },
        )
        .unwrap();
        assert_eq!(bytes, br#"{"id":3,"outcome":{"Value":49}}"#);
    }

    #[test]
    fn postcard_messages_round_trip_and_bad_bytes_are_errors() {
        let t = task(postcard::to_allocvec(&7u64).unwrap());
        let back = decode_task(Codec::Postcard, &encode_task(Codec::Postcard, &t).unwrap());
        assert_eq!(back.unwrap().call, t.call);
        // An argument that is not JSON cannot go into a JSON task.
        assert!(encode_task(Codec::Json, &task(vec![0xff])).is_err());
        assert!(decode_task(Codec::Json, b"{\"id\":1}").is_err());
        assert!(decode_result(Codec::Json, b"[1,2]").is_err());
        assert!(decode_result(Codec::Postcard, &[0xff; 3]).is_err());
    }

    #[test]
    fn the_header_names_the_codec() {
        let mut h = HeaderMap::new();
        assert_eq!(codec_of(None, Codec::Json), Codec::Json);
        assert_eq!(codec_of(Some(&h), Codec::Postcard), Codec::Postcard);
        h.insert(CONTENT_TYPE, content_type(Codec::Json));
        assert_eq!(codec_of(Some(&h), Codec::Postcard), Codec::Json);
        h.insert(CONTENT_TYPE, content_type(Codec::Postcard));
        assert_eq!(codec_of(Some(&h), Codec::Json), Codec::Postcard);
    }
}
