//! The worker program of the process-pool tests (`tests/process_pool.rs`): it
//! registers `spindle_tests::process_tasks` and calls `init` first, so a pool that
//! runs it gets a real worker. Two other modes serve the fault tests:
//!
//! ```text
//! process_probe rogue MODE   a fake worker that breaks the protocol: MODE is
//!                            garbage | oversize | wrong-id | silent | not-a-worker
//! process_probe parent       a parent: starts a pool of 2 on itself, gives each
//!                            worker a long task, prints "pids A B" and sleeps
//! ```

#[cfg(unix)]
fn main() {
    use std::io::Write;
    use std::time::Duration;

    use spindle_std::process::{self, ProcessPool};
    use spindle_tests::process_tasks::{registry, SLEEP_MS};

    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("rogue") {
        rogue::run(args.get(1).map_or("", String::as_str));
        return;
    }
    process::init(registry());
    if args.first().map(String::as_str) == Some("parent") {
        let pool = ProcessPool::new(2).expect("a pool");
        let _busy: Vec<_> = (0..2)
            .map(|_| pool.submit(SLEEP_MS, 120_000).expect("submitted"))
            .collect();
        let pids = pool.worker_pids();
        println!(
            "pids {}",
            pids.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        );
        std::io::stdout().flush().expect("flushed");
        std::thread::sleep(Duration::from_secs(120));
    }
}

#[cfg(unix)]
mod rogue {
    use std::io::{Read, Write};

    use spindle_std::process::codec;
    use spindle_std::process::message::{FromWorker, Outcome, ToWorker, PROTOCOL_VERSION};

    /// Speaks the protocol up to the first task, then breaks it as `mode` says.
    pub fn run(mode: &str) {
        let mut out = std::io::stdout().lock();
        let mut input = std::io::stdin().lock();
        match mode {
            "silent" => {
                let mut sink = Vec::new();
                let _ = input.read_to_end(&mut sink); // until the pool gives up
                return;
            }
            "not-a-worker" => {
                let _ = writeln!(out, "hello, I am some other program");
                return;
            }
            _ => {}
        }
        let ready = FromWorker::Ready {
            protocol: PROTOCOL_VERSION,
            pid: std::process::id(),
        };
        codec::write_frame(&mut out, &codec::encode(&ready, 1 << 20).unwrap()).unwrap();
        loop {
            let Ok(payload) = codec::read_frame(&mut input, 1 << 20) else {
                return;
            };
            let Ok(ToWorker::Run { id, .. }) = codec::decode_payload::<ToWorker>(&payload) else {
                return;
            };
            let frame = match mode {
                // A valid length and a payload that is no message.
                "garbage" => vec![3, 0, 0, 0, 0xff, 0xff, 0xff],
                // A header declaring 1 GiB: must be refused before any allocation.
                "oversize" => (1u32 << 30).to_le_bytes().to_vec(),
                "wrong-id" => codec::encode(
                    &FromWorker::Done {
                        id: id + 1000,
                        outcome: Outcome::Value(vec![0]),
                    },
                    1 << 20,
                )
                .unwrap(),
                _ => return,
            };
            let _ = out.write_all(&frame);
            let _ = out.flush();
        }
    }
}

#[cfg(not(unix))]
fn main() {}
