//! The single-thread check of recipe 12.14's `daemonize`.
//!
//! `fork` copies only the calling thread. Any lock another thread held at that
//! instant (the allocator's, stdout's, a `Mutex` of yours) stays locked forever in
//! the child, which then deadlocks the first time it touches it. Python hides this
//! behind the GIL; Rust cannot, so detaching is refused while more than one thread
//! is alive.
//!
//! On Linux the count comes from `/proc/self/status` (`Threads:`), falling back to
//! the entries of `/proc/self/task`. Other Unixes offer no portable way to count a
//! process's threads, and there, as on a Linux without `/proc`, the check cannot be
//! made: the caller's promise to detach first thing in `main` is all there is.

use super::DaemonError;

/// The number of threads of this process, where the platform can tell.
pub(crate) fn thread_count() -> Option<usize> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let from_status = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Threads:"))
                    .and_then(|n| n.trim().parse().ok())
            });
        from_status.or_else(|| {
            std::fs::read_dir("/proc/self/task")
                .ok()
                .map(|entries| entries.count())
        })
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        None
    }
}

/// `Err(ThreadsRunning)` when more than one thread is known to be alive.
pub(crate) fn ensure_single_thread() -> Result<(), DaemonError> {
    match thread_count() {
        Some(threads) if threads > 1 => Err(DaemonError::ThreadsRunning { threads }),
        _ => Ok(()),
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_test_process_has_threads_and_is_refused() {
        // The test harness runs this test on a thread of its own.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let extra = std::thread::spawn(move || rx.recv());
        let n = thread_count().unwrap();
        assert!(n >= 2, "{n}");
        assert!(matches!(
            ensure_single_thread(),
            Err(DaemonError::ThreadsRunning { threads }) if threads >= 2
        ));
        drop(tx);
        let _ = extra.join();
    }
}
