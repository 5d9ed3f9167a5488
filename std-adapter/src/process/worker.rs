//! The worker side: [`init`], the call at the top of `main` that turns a re-run of
//! this program into a worker, and the worker loop. The loop's step,
//! [`respond`], is transport-independent; the loop here serves the pipes the pool
//! gave the worker as its stdin and stdout.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::os::fd::AsFd;
use std::sync::mpsc;
use std::sync::OnceLock;

use super::codec;
use super::error::FrameError;
use super::message::{FromWorker, Outcome, ToWorker, PROTOCOL_VERSION};
use super::registry::Registry;

/// The environment variable that tells a re-run program it is a worker; its value
/// is the frame limit.
pub(crate) const WORKER_ENV: &str = "SPINDLE_PROCESS_WORKER";

static REGISTRY: OnceLock<Registry> = OnceLock::new();

/// The registry given to [`init`] in this process, if it was called.
pub(crate) fn registry() -> Option<&'static Registry> {
    REGISTRY.get()
}

/// Makes this program able to run a [`ProcessPool`](super::ProcessPool): call it
/// first thing in `main`, before any thread starts, with the program's tasks.
///
/// In the parent (a normal run) it records the registry and returns. In a worker
/// (this program re-run by a pool) it serves tasks from the pool's pipe and never
/// returns: the process exits when the pool closes the pipe or goes away. Only the
/// first call in a process counts.
///
/// ```no_run
/// use spindle_std::process::{self, ProcessPool, Registry, Task};
///
/// fn square(n: u64) -> u64 { n * n }
/// const SQUARE: Task<u64, u64> = Task::new("square", square);
///
/// fn main() {
///     process::init(Registry::new().with(SQUARE));
///     let pool = ProcessPool::new(2).unwrap();
///     assert_eq!(pool.submit(SQUARE, 12).unwrap().result(), Ok(144));
/// }
/// ```
pub fn init(registry: Registry) {
    let limit = std::env::var(WORKER_ENV).ok().map(|v| v.parse::<usize>());
    if REGISTRY.set(registry).is_err() {
        return;
    }
    match limit {
        None => {}
        Some(Ok(limit)) => {
            // Not inherited by the processes a task may start: they are not workers.
            std::env::remove_var(WORKER_ENV);
            let code = match serve_stdio(limit) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("spindle process worker: {e}");
                    1
                }
            };
            std::process::exit(code);
        }
        Some(Err(_)) => {
            eprintln!("spindle process worker: {WORKER_ENV} is not a frame limit");
            std::process::exit(2);
        }
    }
}

/// Answers one message: what a worker on any transport does with it.
///
/// ```
/// use spindle_std::process::{worker::respond, message::*, Registry, Task};
/// fn neg(n: i32) -> i32 { -n }
/// let r = Registry::new().with(Task::new("neg", neg));
/// let call = Call { task: "neg".into(), arg: postcard::to_allocvec(&5i32).unwrap(), chunk: false };
/// let reply = respond(&r, ToWorker::Run { id: 3, call });
/// assert_eq!(reply, FromWorker::Done { id: 3, outcome: Outcome::Value(postcard::to_allocvec(&-5i32).unwrap()) });
/// ```
pub fn respond(registry: &Registry, msg: ToWorker) -> FromWorker {
    match msg {
        ToWorker::Init(call) => FromWorker::Initialized(match registry.run(&call) {
            Outcome::Value(_) => Ok(()),
            Outcome::Panicked(m) => Err(format!("panicked: {m}")),
            other => Err(format!("{other:?}")),
        }),
        ToWorker::Run { id, call } => FromWorker::Done {
            id,
            outcome: registry.run(&call),
        },
    }
}

/// Encodes a reply; one too large for the limit becomes a [`Outcome::BadResult`].
pub(crate) fn encode_reply(reply: &FromWorker, limit: usize) -> Result<Vec<u8>, FrameError> {
    match codec::encode(reply, limit) {
        Err(e @ (FrameError::TooLarge { .. } | FrameError::Encode(_))) => match reply {
            FromWorker::Done { id, .. } => codec::encode(
                &FromWorker::Done {
                    id: *id,
                    outcome: Outcome::BadResult(e.to_string()),
                },
                limit,
            ),
            _ => Err(e),
        },
        r => r,
    }
}

/// The pipe worker: takes stdin and stdout for the protocol, points fd 1 at stderr
/// (so a task's `println!` cannot corrupt a frame) and fd 0 at `/dev/null`, then
/// serves. A reader thread exits the process as soon as the pool's end of the pipe
/// closes, even in the middle of a task: a worker never outlives its pool.
fn serve_stdio(limit: usize) -> Result<(), FrameError> {
    let input = File::from(std::io::stdin().as_fd().try_clone_to_owned()?);
    let output = File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    nix::unistd::dup2_stdout(std::io::stderr()).map_err(std::io::Error::from)?;
    nix::unistd::dup2_stdin(File::open("/dev/null")?).map_err(std::io::Error::from)?;
    let registry = REGISTRY.get().ok_or(FrameError::Closed)?;
    let mut output = BufWriter::new(output);
    codec::write_frame(
        &mut output,
        &codec::encode(
            &FromWorker::Ready {
                protocol: PROTOCOL_VERSION,
                pid: std::process::id(),
            },
            limit,
        )?,
    )?;

    let (tx, rx) = mpsc::channel::<ToWorker>();
    std::thread::Builder::new()
        .name("spindle-worker-reader".into())
        .spawn(move || {
            let mut input = BufReader::new(input);
            loop {
                let msg = codec::read_frame(&mut input, limit)
                    .and_then(|p| codec::decode_payload::<ToWorker>(&p));
                match msg {
                    Ok(m) => {
                        if tx.send(m).is_err() {
                            return;
                        }
                    }
                    Err(FrameError::Closed) => std::process::exit(0),
                    Err(e) => {
                        eprintln!("spindle process worker: {e}");
                        std::process::exit(1);
                    }
                }
            }
        })?;
    for msg in rx {
        let reply = respond(registry, msg);
        codec::write_frame(&mut output, &encode_reply(&reply, limit)?)?;
    }
    Ok(())
}
