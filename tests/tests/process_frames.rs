//! The process pool's frames (recipe 12.8): every message round-trips through the
//! codec, a frame is refused over its limit, any prefix of a frame is `Truncated`,
//! and the fuzzer's saved crash inputs (`fuzz/regressions/`) still decode to an
//! error or a value, never a panic.
#![cfg(unix)]

use proptest::prelude::*;
use spindle_std::process::codec;
use spindle_std::process::message::{Call, FromWorker, Outcome, ToWorker};
use spindle_std::process::FrameError;

const LIMIT: usize = 1 << 16;

fn call() -> impl Strategy<Value = Call> {
    (
        ".{0,40}",
        proptest::collection::vec(any::<u8>(), 0..512),
        any::<bool>(),
    )
        .prop_map(|(task, arg, chunk)| Call { task, arg, chunk })
}

fn to_worker() -> impl Strategy<Value = ToWorker> {
    prop_oneof![
        call().prop_map(ToWorker::Init),
        (any::<u64>(), call()).prop_map(|(id, call)| ToWorker::Run { id, call }),
    ]
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512).prop_map(Outcome::Value),
        ".{0,60}".prop_map(Outcome::Panicked),
        ".{0,60}".prop_map(Outcome::UnknownTask),
        ".{0,60}".prop_map(Outcome::BadArgument),
        ".{0,60}".prop_map(Outcome::BadResult),
    ]
}

fn from_worker() -> impl Strategy<Value = FromWorker> {
    prop_oneof![
        (any::<u32>(), any::<u32>())
            .prop_map(|(protocol, pid)| FromWorker::Ready { protocol, pid }),
        proptest::option::of(".{0,40}")
            .prop_map(|e| FromWorker::Initialized(e.map_or(Ok(()), Err))),
        (any::<u64>(), outcome()).prop_map(|(id, outcome)| FromWorker::Done { id, outcome }),
    ]
}

proptest! {
    #[test]
    fn to_worker_round_trips(msg in to_worker()) {
        let frame = codec::encode(&msg, LIMIT).unwrap();
        prop_assert_eq!(codec::decode::<ToWorker>(&frame, LIMIT), Ok(msg.clone()));
        let mut stream = &frame[..];
        let payload = codec::read_frame(&mut stream, LIMIT).unwrap();
        prop_assert_eq!(codec::decode_payload::<ToWorker>(&payload), Ok(msg));
        prop_assert_eq!(codec::read_frame(&mut stream, LIMIT), Err(FrameError::Closed));
    }

    #[test]
    fn from_worker_round_trips(msg in from_worker()) {
        let frame = codec::encode(&msg, LIMIT).unwrap();
        prop_assert_eq!(codec::decode::<FromWorker>(&frame, LIMIT), Ok(msg));
    }

    #[test]
    fn frames_split_from_a_stream_in_order(msgs in proptest::collection::vec(from_worker(), 0..8)) {
        let stream: Vec<u8> = msgs.iter().flat_map(|m| codec::encode(m, LIMIT).unwrap()).collect();
        let mut rest = &stream[..];
        let mut got = Vec::new();
        while let Some((payload, tail)) = codec::split_frame(rest, LIMIT).unwrap() {
            got.push(codec::decode_payload::<FromWorker>(payload).unwrap());
            rest = tail;
        }
        prop_assert!(rest.is_empty());
        prop_assert_eq!(got, msgs);
    }

    #[test]
    fn every_proper_prefix_is_truncated(msg in to_worker(), cut in any::<prop::sample::Index>()) {
        let frame = codec::encode(&msg, LIMIT).unwrap();
        let cut = cut.index(frame.len());
        let r = codec::decode::<ToWorker>(&frame[..cut], LIMIT);
        prop_assert!(matches!(r, Err(FrameError::Truncated { .. })), "{:?}", r);
        let mut stream = &frame[..cut];
        let r = codec::read_frame(&mut stream, LIMIT);
        prop_assert!(matches!(r, Err(FrameError::Truncated { .. } | FrameError::Closed)), "{:?}", r);
    }

    #[test]
    fn a_frame_over_the_limit_is_refused_both_ways(msg in to_worker()) {
        let frame = codec::encode(&msg, LIMIT).unwrap();
        let small = frame.len() - codec::HEADER_LEN - 1;
        let encoded = codec::encode(&msg, small);
        prop_assert!(matches!(encoded, Err(FrameError::TooLarge { .. })), "{:?}", encoded);
        let decoded = codec::decode::<ToWorker>(&frame, small);
        prop_assert!(matches!(decoded, Err(FrameError::TooLarge { .. })), "{:?}", decoded);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = codec::decode::<ToWorker>(&bytes, LIMIT);
        let _ = codec::decode::<FromWorker>(&bytes, LIMIT);
        let _ = codec::read_frame(&mut &bytes[..], LIMIT);
    }
}

/// What the fuzz target runs on one input (`fuzz/fuzz_targets/frame_decode.rs`).
fn decode_all(data: &[u8]) {
    let _ = codec::decode::<ToWorker>(data, LIMIT);
    let _ = codec::decode::<FromWorker>(data, LIMIT);
    let mut rest = data;
    while let Ok(Some((payload, tail))) = codec::split_frame(rest, LIMIT) {
        let _ = codec::decode_payload::<FromWorker>(payload);
        if let Ok(msg) = codec::decode_payload::<ToWorker>(payload) {
            let again = codec::encode(&msg, LIMIT).expect("a decoded message re-encodes");
            assert_eq!(codec::decode::<ToWorker>(&again, LIMIT).ok(), Some(msg));
        }
        rest = tail;
    }
}

#[test]
fn fuzz_regressions_replay() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/regressions/frame_decode"
    );
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("the regression corpus exists") {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|f| f == "README.md") {
            continue;
        }
        decode_all(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "the corpus holds at least its seed inputs");
}
