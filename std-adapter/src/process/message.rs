//! The wire protocol between a pool and its workers: what the parent sends
//! ([`ToWorker`]) and what a worker answers ([`FromWorker`]). Arguments and results
//! travel as their own bytes inside (postcard here; the distributed pool may speak
//! JSON, see [`Codec`](super::Codec)), so the messages (and any transport
//! that carries them) never need the tasks' types.

use serde::{Deserialize, Serialize};

/// The protocol version a worker announces; a parent refuses a worker that speaks
/// another (a stale or different executable).
pub const PROTOCOL_VERSION: u32 = 1;

/// A call of a registered task: its name and its encoded argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// The task's registered name.
    pub task: String,
    /// The argument, encoded (postcard in the process pool; the transport's
    /// [`Codec`](super::Codec)): one `A`, or a `Vec<A>` when `chunk` is set.
    pub arg: Vec<u8>,
    /// Run the task over a list of arguments (a `map` chunk): the result is a
    /// `Vec<Result<R, String>>`, one entry per item, `Err` holding a panic message.
    pub chunk: bool,
}

/// What the parent sends to a worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Run the pool's initializer (once, first).
    Init(Call),
    /// Run a task; the reply carries the same id.
    Run {
        /// The pool's id of this task.
        id: u64,
        /// What to run.
        call: Call,
    },
}

/// What a worker sends back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The first message of a worker: it is ready, and speaks this protocol.
    Ready {
        /// [`PROTOCOL_VERSION`] of the worker.
        protocol: u32,
        /// The worker's process id.
        pid: u32,
    },
    /// The initializer ran: `Err` with why it failed.
    Initialized(Result<(), String>),
    /// A task finished.
    Done {
        /// The id from [`ToWorker::Run`].
        id: u64,
        /// How it went.
        outcome: Outcome,
    },
}

/// How a task went in its worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// It returned; the result, encoded as the argument was.
    Value(Vec<u8>),
    /// It panicked, with this message (the worker lives on).
    Panicked(String),
    /// No task of this name is registered in the worker.
    UnknownTask(String),
    /// The argument did not decode as the task's argument type.
    BadArgument(String),
    /// The result did not serialize, or was over the frame limit.
    BadResult(String),
}
