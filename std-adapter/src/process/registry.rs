//! Tasks by name: a [`Task<A, R>`] is a plain function with the name it is known by
//! in every process, declared once (a `const`) and used both to register the
//! function with the workers' [`Registry`] and, type-checked, at the submit site.
//! Running a [`Call`] is transport-independent: bytes in, an [`Outcome`] out, in the
//! payload [`Codec`] the transport speaks (postcard in the process pool, postcard or
//! JSON in the distributed one).

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::message::{Call, Outcome};
use super::payload::Codec;
use crate::pool::TaskError;

/// A task: a function `fn(A) -> R` and its name. Declare it once, as a `const`, and
/// use the same value to register it and to submit it.
///
/// ```
/// use spindle_std::process::{Registry, Task};
///
/// fn square(n: u64) -> u64 { n * n }
/// const SQUARE: Task<u64, u64> = Task::new("square", square);
///
/// let registry = Registry::new().with(SQUARE);
/// assert!(registry.contains(SQUARE.name()));
/// assert_eq!(SQUARE.call(7), 49); // it is still an ordinary function
/// ```
pub struct Task<A, R> {
    name: &'static str,
    func: fn(A) -> R,
}

impl<A, R> Task<A, R> {
    /// A task named `name` that runs `func`.
    pub const fn new(name: &'static str, func: fn(A) -> R) -> Self {
        Self { name, func }
    }

    /// The name the task is registered and sent under.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the function here, in this process.
    pub fn call(&self, arg: A) -> R {
        (self.func)(arg)
    }
}

impl<A, R> Clone for Task<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, R> Copy for Task<A, R> {}

impl<A, R> fmt::Debug for Task<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Task").field(&self.name).finish()
    }
}

type Runner = Box<dyn Fn(&Call, Codec) -> Outcome + Send + Sync>;

/// A second registration of a name ([`Registry::try_with`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateTask(pub &'static str);

impl fmt::Display for DuplicateTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a task named {:?} is already registered", self.0)
    }
}

impl std::error::Error for DuplicateTask {}

/// The tasks a program's workers can run, by name. Build it in one function and
/// give it to [`init`](super::init) at the top of `main`: the parent keeps it to
/// check submissions, a worker runs from it.
///
/// ```
/// use spindle_std::process::{message::{Call, Outcome}, Registry, Task};
///
/// fn shout(s: String) -> String { s.to_uppercase() }
/// const SHOUT: Task<String, String> = Task::new("shout", shout);
///
/// let r = Registry::new().with(SHOUT);
/// let arg = postcard::to_allocvec(&"hi".to_string()).unwrap();
/// let out = r.run(&Call { task: "shout".into(), arg, chunk: false });
/// assert_eq!(out, Outcome::Value(postcard::to_allocvec(&"HI".to_string()).unwrap()));
/// ```
#[derive(Default)]
pub struct Registry {
    tasks: BTreeMap<&'static str, Runner>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a task.
    ///
    /// # Panics
    /// If a task of the same name is already registered (a programming error,
    /// found at the first run); [`try_with`](Self::try_with) returns it instead.
    pub fn with<A, R>(self, task: Task<A, R>) -> Self
    where
        A: DeserializeOwned + 'static,
        R: Serialize + 'static,
    {
        match self.try_with(task) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    /// Adds a task, or says that its name is taken.
    ///
    /// ```
    /// use spindle_std::process::{DuplicateTask, Registry, Task};
    /// fn id(n: u8) -> u8 { n }
    /// const ID: Task<u8, u8> = Task::new("id", id);
    /// let r = Registry::new().with(ID);
    /// assert_eq!(r.try_with(ID).err(), Some(DuplicateTask("id")));
    /// ```
    pub fn try_with<A, R>(mut self, task: Task<A, R>) -> Result<Self, DuplicateTask>
    where
        A: DeserializeOwned + 'static,
        R: Serialize + 'static,
    {
        if self.tasks.contains_key(task.name) {
            return Err(DuplicateTask(task.name));
        }
        let func = task.func;
        let runner: Runner = Box::new(move |call: &Call, codec: Codec| {
            if call.chunk {
                run_chunk(func, &call.arg, codec)
            } else {
                run_one(func, &call.arg, codec)
            }
        });
        self.tasks.insert(task.name, runner);
        Ok(self)
    }

    /// Whether a task of this name is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.tasks.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tasks.keys().copied()
    }

    /// Runs a call here: decodes the argument, runs the function (a panic is caught
    /// and becomes [`Outcome::Panicked`]) and encodes the result, in postcard (the
    /// process pool's payloads). What every transport's worker does with a call.
    pub fn run(&self, call: &Call) -> Outcome {
        self.run_with(call, Codec::Postcard)
    }

    /// [`run`](Self::run) with the argument and the result in `codec`: what the
    /// distributed pool's workers do for a connection that speaks JSON.
    ///
    /// ```
    /// use spindle_std::process::{message::{Call, Outcome}, Codec, Registry, Task};
    ///
    /// fn shout(s: String) -> String { s.to_uppercase() }
    /// let r = Registry::new().with(Task::new("shout", shout));
    /// let call = Call { task: "shout".into(), arg: Codec::Postcard.encode("hi").unwrap(), chunk: false };
    /// assert_eq!(r.run_with(&call, Codec::Postcard), r.run(&call));
    /// # #[cfg(feature = "json")] {
    /// let call = Call { task: "shout".into(), arg: br#""hi""#.to_vec(), chunk: false };
    /// assert_eq!(r.run_with(&call, Codec::Json), Outcome::Value(br#""HI""#.to_vec()));
    /// # }
    /// ```
    pub fn run_with(&self, call: &Call, codec: Codec) -> Outcome {
        match self.tasks.get(call.task.as_str()) {
            Some(runner) => runner(call, codec),
            None => Outcome::UnknownTask(call.task.clone()),
        }
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.tasks.keys()).finish()
    }
}

fn run_one<A: DeserializeOwned, R: Serialize>(
    func: fn(A) -> R,
    arg: &[u8],
    codec: Codec,
) -> Outcome {
    let arg: A = match codec.decode(arg) {
        Ok(a) => a,
        Err(e) => return Outcome::BadArgument(e),
    };
    match catch_unwind(AssertUnwindSafe(|| func(arg))) {
        Ok(r) => match codec.encode(&r) {
            Ok(bytes) => Outcome::Value(bytes),
            Err(e) => Outcome::BadResult(e),
        },
        Err(p) => Outcome::Panicked(crate::panic::panic_message(p.as_ref())),
    }
}

fn run_chunk<A: DeserializeOwned, R: Serialize>(
    func: fn(A) -> R,
    arg: &[u8],
    codec: Codec,
) -> Outcome {
    let args: Vec<A> = match codec.decode(arg) {
        Ok(a) => a,
        Err(e) => return Outcome::BadArgument(e),
    };
    let out: Vec<Result<R, String>> = args
        .into_iter()
        .map(|a| {
            catch_unwind(AssertUnwindSafe(|| func(a)))
                .map_err(|p| crate::panic::panic_message(p.as_ref()))
        })
        .collect();
    match codec.encode(&out) {
        Ok(bytes) => Outcome::Value(bytes),
        Err(e) => Outcome::BadResult(e),
    }
}

/// What an outcome (its value in `codec`) means for the handle of a task whose
/// result type is `R`.
pub(crate) fn outcome_to_result<R: DeserializeOwned>(
    outcome: Outcome,
    codec: Codec,
) -> Result<R, TaskError> {
    use super::error::WorkerError as W;
    let fail = |e| Err(TaskError::Worker(e));
    match outcome {
        Outcome::Value(bytes) => codec.decode(&bytes).or_else(|e| fail(W::BadResult(e))),
        Outcome::Panicked(msg) => Err(TaskError::Panicked(msg)),
        Outcome::UnknownTask(n) => fail(W::UnknownTask(n)),
        Outcome::BadArgument(why) => fail(W::BadArgument(why)),
        Outcome::BadResult(why) => fail(W::BadResult(why)),
    }
}
