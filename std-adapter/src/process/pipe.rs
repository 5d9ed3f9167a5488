//! The pipe transport, parent side: a worker is this program (or the configured
//! one) started with `std::process::Command` (spawn-and-exec, never a `fork` that
//! keeps running the parent's threads) with its stdin and stdout as the two pipes
//! of the frame protocol. Here the pool learns how a worker died.

use std::ffi::OsString;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::codec;
use super::error::{FrameError, WorkerError, WorkerExit};
use super::message::{Call, FromWorker, Outcome, ToWorker, PROTOCOL_VERSION};
use super::watchdog::Watchdog;
use super::worker::WORKER_ENV;

/// How to start a worker.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<OsString>,
    pub(crate) frame_limit: usize,
    pub(crate) start_timeout: Duration,
    pub(crate) init: Option<Call>,
}

/// Why a worker could not be started.
pub(crate) enum StartFailure {
    Start(String),
    Init(String),
}

/// One running worker process and its two pipes.
pub(crate) struct WorkerProcess {
    child: Child,
    to: BufWriter<ChildStdin>,
    from: BufReader<ChildStdout>,
    limit: usize,
}

impl WorkerProcess {
    /// Starts a worker and waits (at most the start timeout) for its handshake and
    /// initializer.
    pub(crate) fn start(launch: &Launch, watchdog: &Watchdog) -> Result<Self, StartFailure> {
        let what = launch.program.display().to_string();
        let mut child = Command::new(&launch.program)
            .args(&launch.args)
            .env(WORKER_ENV, launch.frame_limit.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| StartFailure::Start(format!("{what}: {e}")))?;
        let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(StartFailure::Start(format!("{what}: no pipes")));
        };
        let mut w = Self {
            child,
            to: BufWriter::new(to),
            from: BufReader::new(from),
            limit: launch.frame_limit,
        };
        let key = watchdog.arm(w.pid(), launch.start_timeout);
        let r = w.handshake(launch);
        let fired = watchdog.disarm(key);
        match (r, fired) {
            (_, true) => {
                w.kill();
                Err(StartFailure::Start(format!(
                    "{what}: no handshake within {:?}",
                    launch.start_timeout
                )))
            }
            (Ok(()), false) => Ok(w),
            (Err(StartFailure::Start(why)), false) => {
                let how = w.reap_after_eof();
                Err(StartFailure::Start(format!(
                    "{what}: {why} (the worker {how})"
                )))
            }
            (Err(e), false) => {
                w.kill();
                Err(e)
            }
        }
    }

    fn handshake(&mut self, launch: &Launch) -> Result<(), StartFailure> {
        let start = |e: FrameError| StartFailure::Start(format!("handshake: {e}"));
        match self.recv().map_err(start)? {
            FromWorker::Ready { protocol, .. } if protocol == PROTOCOL_VERSION => {}
            other => {
                return Err(StartFailure::Start(format!(
                    "not a spindle worker of protocol {PROTOCOL_VERSION} (it said {other:?}); \
                     does its main call spindle_std::process::init first?"
                )))
            }
        }
        let Some(call) = &launch.init else {
            return Ok(());
        };
        let frame = codec::encode(&ToWorker::Init(call.clone()), self.limit).map_err(start)?;
        codec::write_frame(&mut self.to, &frame).map_err(start)?;
        match self.recv().map_err(start)? {
            FromWorker::Initialized(Ok(())) => Ok(()),
            FromWorker::Initialized(Err(why)) => Err(StartFailure::Init(why)),
            other => Err(StartFailure::Start(format!("unexpected {other:?}"))),
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    fn recv(&mut self) -> Result<FromWorker, FrameError> {
        let payload = codec::read_frame(&mut self.from, self.limit)?;
        codec::decode_payload(&payload)
    }

    /// Whether the worker has exited while idle (reaped if so).
    pub(crate) fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Runs one task: `Ok` with the worker's outcome (the worker lives on), or why
    /// the task was lost with its worker (the worker is gone: reaped).
    pub(crate) fn call(
        &mut self,
        id: u64,
        frame: &[u8],
        timeout: Option<Duration>,
        watchdog: &Watchdog,
    ) -> Result<Outcome, WorkerError> {
        if codec::write_frame(&mut self.to, frame).is_err() {
            return Err(WorkerError::Died(self.reap_after_eof()));
        }
        let key = timeout.map(|t| watchdog.arm(self.pid(), t));
        let reply = self.recv();
        let fired = key.is_some_and(|k| watchdog.disarm(k));
        if let (true, Some(t)) = (fired, timeout) {
            self.kill();
            return Err(WorkerError::TimedOut(t));
        }
        match reply {
            Ok(FromWorker::Done { id: got, outcome }) if got == id => Ok(outcome),
            Ok(other) => {
                self.kill();
                Err(WorkerError::Frame(FrameError::Malformed(format!(
                    "expected the reply to task {id}, got {other:?}"
                ))))
            }
            Err(FrameError::Closed | FrameError::Truncated { .. } | FrameError::Io(..)) => {
                Err(WorkerError::Died(self.reap_after_eof()))
            }
            Err(e) => {
                self.kill();
                Err(WorkerError::Frame(e))
            }
        }
    }

    /// Closes the worker's input (it exits on its own) and reaps it.
    pub(crate) fn retire(mut self) {
        drop(self.to);
        // A worker exits at once on end of input; one that does not is killed.
        let deadline = Instant::now() + Duration::from_secs(2);
        wait_until(&mut self.child, deadline);
    }

    /// Kills and reaps the worker.
    pub(crate) fn kill(&mut self) -> WorkerExit {
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(s) => WorkerExit::from_status(s),
            Err(_) => WorkerExit::Unknown,
        }
    }

    /// Reaps a worker whose pipe has closed: it is dying, so its status comes
    /// soon; one that closed its pipe and lives on is killed after two seconds.
    fn reap_after_eof(&mut self) -> WorkerExit {
        let deadline = Instant::now() + Duration::from_secs(2);
        wait_until(&mut self.child, deadline)
    }
}

/// Waits for `child` until `deadline`, then kills it; its exit.
fn wait_until(child: &mut Child, deadline: Instant) -> WorkerExit {
    let mut pause = Duration::from_micros(50);
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return WorkerExit::from_status(s),
            Ok(None) if Instant::now() < deadline => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                return match child.wait() {
                    Ok(s) => WorkerExit::from_status(s),
                    Err(_) => WorkerExit::Unknown,
                };
            }
        }
    }
}
