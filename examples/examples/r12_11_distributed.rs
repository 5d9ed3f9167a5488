//! Recipes 12.10, 12.11 and 12.8 beyond one machine, over a NATS broker
//! (`spindle_std::nats`):
//!
//! ```text
//! nats-server -js -a 127.0.0.1 -p 4222 &        # Debian: apt-get install nats-server
//! cargo run -p spindle-cookbook --example r12_11_distributed [nats://127.0.0.1:4222]
//! ```
//!
//! One program plays both machines (the tests run them as separate processes): a
//! local exchange bridged to a subject and fed back into another exchange through a
//! pattern, an actor asked across the broker (and one that is not there), and the
//! distributed pool with a worker thread. Without a reachable broker it says how to
//! start one.

use std::process::ExitCode;
use std::time::Duration;

use spindle_std::actor::{Mailbox, Reply};
use spindle_std::exchange::{Exchange, Overflow};
use spindle_std::nats::{
    pattern_to_subject, serve_tasks, AskError, Nats, RemotePool, WorkerOptions,
};
use spindle_std::process::{Registry, Task};
use spindle_std::queue::Queue;
use spindle_std::sync::Event;

fn square(n: u64) -> u64 {
    n * n
}
const SQUARE: Task<u64, u64> = Task::new("demo.square", square);

enum Msg {
    Add(u64),
    Total(Reply<u64>),
}

fn main() -> ExitCode {
    spindle_std::process::init(Registry::new().with(SQUARE));
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("NATS_URL").ok())
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let nats = match Nats::options()
        .connect_timeout(Duration::from_secs(2))
        .connect(&url)
    {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{e}");
            eprintln!("start one with `nats-server -js -a 127.0.0.1 -p 4222` (Debian: apt-get install nats-server)");
            return ExitCode::from(2);
        }
    };
    println!(
        "connected to {url} (max_payload {} bytes)",
        nats.max_payload()
    );

    // 12.11: a local exchange whose messages also go to `demo.sensors.kitchen.temp`;
    // a feed on `demo/sensors/+/temp` puts them into another exchange "elsewhere".
    static INBOX: Queue<String, 16> = Queue::new();
    static ELSEWHERE: Exchange<String, 4> = Exchange::new();
    let _in = ELSEWHERE.subscribe(&INBOX, Overflow::Wait).unwrap();
    let pattern = pattern_to_subject("demo", "sensors/+/temp").unwrap();
    let _feed = nats
        .feed(&pattern, |subject: &str, msg: String| {
            let _ = ELSEWHERE.send_blocking(format!("{subject}: {msg}"));
        })
        .unwrap();
    let out = nats
        .publisher::<String>("demo.sensors.kitchen.temp")
        .unwrap();
    let here: Exchange<String, 4> = Exchange::new();
    let _bridge = here.subscribe(&out, Overflow::Wait).unwrap();
    for t in ["21.5", "21.7", "22.0"] {
        let _ = here.send_blocking(t.to_owned());
    }
    out.close_blocking();
    for _ in 0..3 {
        println!(
            "12.11 across the broker: {}",
            INBOX.recv_timeout(Duration::from_secs(5)).unwrap()
        );
    }

    // 12.10: an actor on a thread, asked through the broker.
    static MAILBOX: Mailbox<Msg, 16> = Mailbox::new();
    let actor = std::thread::spawn(|| {
        let mut total = 0;
        while let Ok(msg) = MAILBOX.queue().recv_blocking() {
            match msg {
                Msg::Add(n) => total += n,
                Msg::Total(reply) => {
                    let _ = reply.send(total);
                }
            }
        }
    });
    let _svc = nats
        .expose(
            "demo.counter",
            MAILBOX.addr(),
            |q: Option<u64>, reply| match (q, reply) {
                (Some(n), _) => Msg::Add(n),
                (None, Some(reply)) => Msg::Total(reply),
                (None, None) => Msg::Add(0),
            },
        )
        .unwrap();
    let counter = nats.remote::<Option<u64>, u64>("demo.counter");
    for n in 1..=4 {
        counter.send_blocking(&Some(n)).unwrap();
    }
    println!(
        "12.10 ask across the broker: total = {:?}",
        counter.ask_timeout(&None, Duration::from_secs(5))
    );
    let nobody = nats.remote::<Option<u64>, u64>("demo.nobody");
    match nobody.ask_timeout(&None, Duration::from_secs(1)) {
        Err(e @ AskError::NoResponders { .. }) => println!("12.10 ask to an absent actor: {e}"),
        other => println!("12.10 ask to an absent actor: unexpected {other:?}"),
    }

    // 12.8: the distributed pool, with one worker thread here (start more with
    // `spindle worker --nats URL --pool demo` anywhere).
    static STOP: Event = Event::new();
    let worker_nats = nats.clone();
    let worker = std::thread::spawn(move || {
        serve_tasks(
            &worker_nats,
            "demo",
            &Registry::new().with(SQUARE),
            &STOP,
            WorkerOptions::default(),
        )
    });
    let pool = RemotePool::builder("demo").connect(&nats).unwrap();
    let squares: Vec<u64> = pool.map(SQUARE, 1..=5).map(Result::unwrap).collect();
    println!("12.8 on the distributed pool: squares of 1..=5 = {squares:?}");

    drop(pool);
    STOP.set();
    let _ = worker.join();
    MAILBOX.addr().close();
    let _ = actor.join();
    ExitCode::SUCCESS
}
