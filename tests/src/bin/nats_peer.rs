//! The other process of the `nats_*` tests (`spindle_std::nats`): publishes through
//! a bridged exchange, or exposes an actor, on the broker named in its arguments,
//! printing `ready` once its subscriptions are in place.
//!
//! ```text
//! nats_peer URL publish SUBJECT COUNT     a local exchange bridged to SUBJECT, COUNT messages
//! nats_peer URL counter SUBJECT           an actor on a thread exposed under SUBJECT
//! nats_peer URL closed SUBJECT            the same actor, its mailbox closed at once
//! nats_peer URL worker POOL [ACK_MS [MAX_DELIVER]]
//!                                         a distributed-pool worker for the test tasks
//! ```

use std::io::{BufRead, Write};
use std::process::ExitCode;

use spindle_core::actor::{Mailbox, Reply};
use spindle_core::exchange::{Exchange, Overflow};
use spindle_std::nats::{serve_tasks, Nats, WorkerOptions};
use spindle_std::sync::{Event, RawMutex};

/// The exposed actor's messages.
enum Msg {
    Add(u64),
    Get(Reply<'static, RawMutex, u64>),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, role, subject, rest @ ..] = args.as_slice() else {
        eprintln!("usage: nats_peer URL publish|counter|closed|worker SUBJECT|POOL [..]");
        return ExitCode::from(2);
    };
    let nats = match Nats::connect(url) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("nats_peer: {e}");
            return ExitCode::from(1);
        }
    };
    match role.as_str() {
        "publish" => {
            let count: u64 = rest.first().and_then(|c| c.parse().ok()).unwrap_or(10);
            let out = nats.publisher::<u64>(subject).expect("a valid subject");
            let local: Exchange<RawMutex, u64, 4> = Exchange::new();
            let _bridge = local.subscribe(&out, Overflow::Wait).expect("a free slot");
            ready();
            for n in 0..count {
                let _ = local.send_blocking(n);
            }
            out.close_blocking();
        }
        "counter" | "closed" => {
            static MAILBOX: Mailbox<RawMutex, Msg, 16> = Mailbox::new();
            if role == "closed" {
                MAILBOX.addr().close();
            }
            let actor = std::thread::spawn(|| {
                let mut total = 0u64;
                while let Ok(msg) = MAILBOX.queue().recv_blocking() {
                    match msg {
                        Msg::Add(n) => total += n,
                        Msg::Get(reply) => {
                            let _ = reply.send(total);
                        }
                    }
                }
            });
            // Requests are `Some(n)` (add n, a plain send) or `None` (ask the total).
            let _service = nats
                .expose(subject, MAILBOX.addr(), |q: Option<u64>, reply| {
                    match (q, reply) {
                        (Some(n), _) => Msg::Add(n),
                        (None, Some(reply)) => Msg::Get(reply),
                        (None, None) => Msg::Add(0),
                    }
                })
                .expect("a valid subject");
            ready();
            // Serve until the test closes our stdin (or kills us).
            for _ in std::io::stdin().lock().lines() {}
            MAILBOX.addr().close();
            let _ = actor.join();
        }
        "worker" => {
            let mut options = WorkerOptions::default();
            if let Some(ms) = rest.first().and_then(|v| v.parse().ok()) {
                options.ack_wait = std::time::Duration::from_millis(ms);
            }
            if let Some(k) = rest.get(1).and_then(|v| v.parse().ok()) {
                options.max_deliver = k;
            }
            let stop = Event::new();
            ready();
            if let Err(e) = serve_tasks(
                &nats,
                subject,
                &spindle_tests::process_tasks::registry(),
                &stop,
                options,
            ) {
                eprintln!("nats_peer: {e}");
                return ExitCode::from(1);
            }
        }
        other => {
            eprintln!("nats_peer: unknown role `{other}`");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn ready() {
    println!("ready");
    let _ = std::io::stdout().flush();
}
