//! Deadlines for worker processes: one thread per pool that SIGKILLs a worker whose
//! handshake or task runs past its deadline. A driver arms an entry before it waits
//! on a worker and disarms it after; it reaps the worker only after disarming, so
//! the pid the watchdog kills always still belongs to that (possibly zombie) child.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

struct Entry {
    deadline: Instant,
    pid: u32,
    fired: bool,
}

#[derive(Default)]
struct State {
    entries: BTreeMap<u64, Entry>,
    next: u64,
    stop: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// The pool's deadline keeper; stops its thread when dropped.
pub(crate) struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    pub(crate) fn start() -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let thread = thread::Builder::new()
            .name("spindle-process-watchdog".into())
            .spawn(move || run(&s))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Kill `pid` at `now + after` unless disarmed first; the key to disarm with.
    pub(crate) fn arm(&self, pid: u32, after: Duration) -> u64 {
        let deadline = Instant::now()
            .checked_add(after)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
        let mut st = lock(&self.shared.state);
        let key = st.next;
        st.next += 1;
        st.entries.insert(
            key,
            Entry {
                deadline,
                pid,
                fired: false,
            },
        );
        drop(st);
        self.shared.changed.notify_one();
        key
    }

    /// Removes an entry: `true` if its deadline passed and the worker was killed.
    pub(crate) fn disarm(&self, key: u64) -> bool {
        lock(&self.shared.state)
            .entries
            .remove(&key)
            .is_some_and(|e| e.fired)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        lock(&self.shared.state).stop = true;
        self.shared.changed.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn run(shared: &Shared) {
    let mut st = lock(&shared.state);
    loop {
        if st.stop {
            return;
        }
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        for e in st.entries.values_mut().filter(|e| !e.fired) {
            if e.deadline <= now {
                // The child is not reaped while its entry exists (see the module
                // docs), so this pid is still ours.
                let _ = kill(Pid::from_raw(e.pid as i32), Signal::SIGKILL);
                e.fired = true;
            } else {
                next = Some(next.map_or(e.deadline, |n| n.min(e.deadline)));
            }
        }
        st = match next {
            Some(at) => {
                shared
                    .changed
                    .wait_timeout(st, at.saturating_duration_since(now))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => shared
                .changed
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner),
        };
    }
}
