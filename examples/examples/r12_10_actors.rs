//! Recipe 12.10: `cargo run -p spindle-cookbook --example r12_10_actors`.
//!
//! Prints what the book's `PrintActor`, `TaggedActor` and `Worker` demos print,
//! then a thread `Worker` asked repeatedly and a restarting `Supervisor`;
//! with `ring N LAPS`, passes a token `LAPS` times round a ring of `N` actors
//! (up to 10000) and prints how many messages were handled.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use spindle_cookbook::r12_10_actors::{
    print_actor, ring, supervised, tagged_actor, worker, worker_on_a_thread,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => print_actor(&mut out)
            .and_then(|()| tagged_actor(&mut out))
            .and_then(|()| worker(&mut out))
            .and_then(|()| {
                let answers = worker_on_a_thread(4)?;
                writeln!(out, "thread Worker asked 4 times: {answers:?}")
            })
            .and_then(|()| supervised(&mut out)),
        ["ring", n, laps] => match (n.parse(), laps.parse()) {
            (Ok(n), Ok(laps)) => ring(n, laps).and_then(|m| writeln!(out, "{m} messages")),
            _ => {
                eprintln!("error: `{n} {laps}` are not counts");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: r12_10_actors [ring N LAPS]");
            return ExitCode::from(2);
        }
    };
    match result.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
