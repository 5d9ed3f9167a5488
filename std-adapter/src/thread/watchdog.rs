//! [`Watchdog`]: the deadlock detection of recipe 12.5's discussion. Each watched
//! thread "pets" the watchdog as it makes progress; a monitor thread notices when
//! one has been silent for longer than its timeout (deadlocked, stuck in I/O, or
//! just slow) and runs a handler with the silent thread's name, so the program can
//! report it or restart itself.

use std::collections::HashMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::builder::{Builder, SpawnError};
use super::handle::JoinHandle;
use crate::sync::{Condvar, Mutex};

/// One watched thread.
struct Entry {
    id: u64,
    name: String,
    timeout: u64,
    /// Nanoseconds since the watchdog's epoch at the last pet.
    last_pet: AtomicU64,
}

struct State {
    entries: Vec<Arc<Entry>>,
    next_id: u64,
    /// Bumped by every registration change, so the monitor re-plans.
    generation: u64,
    stopped: bool,
}

struct Shared {
    epoch: Instant,
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn now(&self) -> u64 {
        nanos(self.epoch.elapsed())
    }

    /// Changes the registrations and tells the monitor.
    fn bump<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let out = self.state.with_lock(|s| {
            s.generation = s.generation.wrapping_add(1);
            f(s)
        });
        self.changed.notify_all();
        out
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A monitor thread that runs a handler for every watched thread that stops
/// checking in.
///
/// Threads [`register`](Self::register) under a name with a timeout and get a
/// [`Pet`] handle; each [`Pet::pet`] resets that thread's clock. When a thread has
/// not petted for longer than its timeout, the handler gets its name and how long
/// it has been silent, once per silence: petting again re-arms it. Dropping the
/// `Pet` stops watching that thread; dropping the `Watchdog` stops the monitor.
///
/// The default handler ([`Watchdog::new`]) reports on stderr. The handler runs on
/// the monitor thread, so it should return promptly (a panic in it is caught and
/// reported, and the watchdog carries on).
///
/// ```
/// use std::sync::mpsc;
/// use std::time::Duration;
/// use spindle_std::thread::Watchdog;
///
/// let (tx, rx) = mpsc::channel();
/// let dog = Watchdog::with_handler(move |name: &str, silent: Duration| {
///     let _ = tx.send((name.to_owned(), silent));
/// })
/// .unwrap();
/// let worker = dog.register("worker-1", Duration::from_millis(20));
/// worker.pet(); // all is well...
/// // ...then the worker deadlocks and stops petting.
/// let (name, silent) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
/// assert_eq!(name, "worker-1");
/// assert!(silent >= Duration::from_millis(20));
/// ```
pub struct Watchdog {
    shared: Arc<Shared>,
    monitor: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// A watchdog whose handler reports silent threads on stderr.
    pub fn new() -> Result<Self, SpawnError> {
        Self::with_handler(|name: &str, silent: Duration| {
            eprintln!(
                "spindle watchdog: thread '{name}' has not checked in for {:.1} ms",
                silent.as_secs_f64() * 1e3
            );
        })
    }

    /// A watchdog that calls `handler(name, silent_for)` on its monitor thread
    /// (named `spindle-watchdog`) for each thread that misses its timeout.
    pub fn with_handler<H>(handler: H) -> Result<Self, SpawnError>
    where
        H: FnMut(&str, Duration) + Send + 'static,
    {
        let shared = Arc::new(Shared {
            epoch: Instant::now(),
            state: Mutex::new(State {
                entries: Vec::new(),
                next_id: 0,
                generation: 0,
                stopped: false,
            }),
            changed: Condvar::new(),
        });
        let theirs = Arc::clone(&shared);
        let monitor = Builder::new()
            .name("spindle-watchdog")
            .spawn(move || monitor(&theirs, handler))?;
        Ok(Self {
            shared,
            monitor: Some(monitor),
        })
    }

    /// Starts watching a thread called `name`, which promises to pet at least once
    /// every `timeout`; the clock starts now.
    pub fn register(&self, name: impl Into<String>, timeout: Duration) -> Pet {
        let name = name.into();
        let timeout = nanos(timeout);
        let entry = self.shared.bump(|s| {
            let entry = Arc::new(Entry {
                id: s.next_id,
                name,
                timeout,
                last_pet: AtomicU64::new(self.shared.now()),
            });
            s.next_id = s.next_id.wrapping_add(1);
            s.entries.push(Arc::clone(&entry));
            entry
        });
        Pet {
            shared: Arc::clone(&self.shared),
            entry,
        }
    }

    /// [`register`](Self::register) under the calling thread's name (or
    /// `thread <id>` for an unnamed thread).
    pub fn register_current(&self, timeout: Duration) -> Pet {
        let me = std::thread::current();
        let name = me
            .name()
            .map_or_else(|| format!("thread {:?}", me.id()), str::to_owned);
        self.register(name, timeout)
    }

    /// How many threads are being watched.
    pub fn watched(&self) -> usize {
        self.shared.state.with_lock(|s| s.entries.len())
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.bump(|s| s.stopped = true);
        if let Some(monitor) = self.monitor.take() {
            let _ = monitor.join();
        }
    }
}

impl fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watchdog")
            .field("watched", &self.watched())
            .finish()
    }
}

/// The monitor loop: find overdue entries, report each silence once, sleep until
/// the next deadline or a registration change.
fn monitor<H: FnMut(&str, Duration)>(shared: &Shared, mut handler: H) {
    // Entry id -> the `last_pet` value whose silence was already reported.
    let mut reported: HashMap<u64, u64> = HashMap::new();
    loop {
        let (overdue, next, generation) = {
            let s = shared.state.lock_blocking();
            if s.stopped {
                return;
            }
            let now = shared.now();
            let mut overdue = Vec::new();
            let mut next: Option<u64> = None;
            reported.retain(|id, _| s.entries.iter().any(|e| e.id == *id));
            for e in &s.entries {
                let last = e.last_pet.load(Ordering::Acquire);
                let due = if reported.get(&e.id) == Some(&last) {
                    // Already reported: look again one timeout from now for a pet.
                    now.saturating_add(e.timeout.max(1_000_000))
                } else {
                    let deadline = last.saturating_add(e.timeout);
                    if now >= deadline {
                        overdue.push((Arc::clone(e), now.saturating_sub(last), last));
                        now.saturating_add(e.timeout.max(1_000_000))
                    } else {
                        deadline
                    }
                };
                next = Some(next.map_or(due, |n| n.min(due)));
            }
            (overdue, next, s.generation)
        };
        for (entry, silent, last) in overdue {
            reported.insert(entry.id, last);
            let silent = Duration::from_nanos(silent);
            if catch_unwind(AssertUnwindSafe(|| handler(&entry.name, silent))).is_err() {
                eprintln!(
                    "spindle watchdog: the handler panicked while reporting '{}'",
                    entry.name
                );
            }
        }
        let guard = shared.state.lock_blocking();
        let changed = |s: &mut State| s.generation != generation || s.stopped;
        match next {
            Some(next) if next < u64::MAX => {
                let wait = Duration::from_nanos(next.saturating_sub(shared.now()));
                drop(shared.changed.wait_until_timeout(guard, changed, wait));
            }
            _ => drop(shared.changed.wait_until_blocking(guard, changed)),
        }
    }
}

/// A watched thread's handle on the [`Watchdog`]: call [`pet`](Self::pet) at each
/// sign of progress. Dropping it stops the watching (a thread that finishes its
/// work is not "silent").
///
/// ```
/// use std::time::Duration;
/// use spindle_std::thread::Watchdog;
///
/// let dog = Watchdog::new().unwrap(); // reports on stderr
/// let pet = dog.register("poller", Duration::from_secs(10));
/// for _ in 0..3 {
///     // ... one round of work ...
///     pet.pet();
/// }
/// assert_eq!(dog.watched(), 1);
/// drop(pet);
/// assert_eq!(dog.watched(), 0);
/// ```
pub struct Pet {
    shared: Arc<Shared>,
    entry: Arc<Entry>,
}

impl Pet {
    /// Resets this thread's clock: it is alive and making progress.
    pub fn pet(&self) {
        self.entry
            .last_pet
            .store(self.shared.now(), Ordering::Release);
    }

    /// The name the thread was registered under.
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// The longest silence allowed.
    pub fn timeout(&self) -> Duration {
        Duration::from_nanos(self.entry.timeout)
    }
}

impl Drop for Pet {
    fn drop(&mut self) {
        let id = self.entry.id;
        self.shared.bump(|s| s.entries.retain(|e| e.id != id));
    }
}

impl fmt::Debug for Pet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pet")
            .field("name", &self.entry.name)
            .field("timeout", &self.timeout())
            .finish()
    }
}
