//! The process pool's frame decoder on arbitrary bytes: whole frames, a stream of
//! frames, and a streaming read must give a value or an error, never panic, and
//! never allocate past the limit (libFuzzer's -rss_limit_mb catches that).
//! `tests/tests/process_frames.rs` replays `fuzz/regressions/frame_decode/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spindle_std::process::codec;
use spindle_std::process::message::{FromWorker, ToWorker};

const LIMIT: usize = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let _ = codec::decode::<ToWorker>(data, LIMIT);
    let _ = codec::decode::<FromWorker>(data, LIMIT);
    let mut rest = data;
    while let Ok(Some((payload, tail))) = codec::split_frame(rest, LIMIT) {
        let _ = codec::decode_payload::<FromWorker>(payload);
        rest = tail;
    }
    let mut stream = data;
    while let Ok(payload) = codec::read_frame(&mut stream, LIMIT) {
        // A decoded message re-encodes and decodes to itself. (Not to the same
        // bytes: postcard accepts over-long varints, e.g. `80 00` for 0; see
        // fuzz/regressions/frame_decode/crash-3b1b1b23-overlong-varint)
        if let Ok(msg) = codec::decode_payload::<ToWorker>(&payload) {
            let again = codec::encode(&msg, LIMIT).expect("a decoded message re-encodes");
            assert_eq!(codec::decode::<ToWorker>(&again, LIMIT).ok(), Some(msg));
        }
    }
});
