//! Recipe 12.12: `cargo run -p spindle-cookbook --example r12_12_generators`.
//!
//! With no arguments, prints what the book's `TaskScheduler` demo prints; with
//! `actors N`, what its `ActorScheduler` demo prints counting down from `N` (the
//! book uses 10000); with `echo [CLIENTS [LINES]]`, the book's `EchoServer`
//! answering client tasks (the recipe's I/O half).

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use spindle_cookbook::r12_12_generators::{actors, generators, BOOK_COUNT};
#[cfg(unix)]
use spindle_cookbook::r12_12_generators::{echo, ECHO_CLIENTS, ECHO_LINES};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => generators(&mut out),
        ["actors"] => actors(&mut out, BOOK_COUNT),
        ["actors", n] => match n.parse() {
            Ok(n) => actors(&mut out, n),
            Err(_) => {
                eprintln!("error: `{n}` is not a count");
                return ExitCode::from(2);
            }
        },
        #[cfg(unix)]
        ["echo"] => echo(&mut out, ECHO_CLIENTS, ECHO_LINES),
        #[cfg(unix)]
        ["echo", c] | ["echo", c, _] => {
            let l = args.get(2).map_or(Ok(ECHO_LINES), |l| l.parse());
            match (c.parse(), l) {
                (Ok(c), Ok(l)) => echo(&mut out, c, l),
                _ => {
                    eprintln!("error: `echo` takes a client count and a line count");
                    return ExitCode::from(2);
                }
            }
        }
        _ => {
            eprintln!("usage: r12_12_generators [actors [N] | echo [CLIENTS [LINES]]]");
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
