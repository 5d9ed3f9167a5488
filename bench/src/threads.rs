//! Thread cases: spindle's [`Builder`](spindle_std::thread::Builder) handle against
//! `std::thread` itself (recipe 12.1).
//!
//! - `thread/spawn-join`: spawn a thread that returns a `u64`, then join it and
//!   take the value; one op = one spawn plus one join. spindle:
//!   `spindle_std::thread::spawn(f)?.join()`, whose handle also offers `is_alive`,
//!   `join_timeout` and panics as error values (a `Oneshot` the thread fills on
//!   exit); std: `std::thread::spawn(f).join()`. Both use the default stack size
//!   and no name, so the OS work (creating and reaping the thread) is identical.

use super::*;

/// spindle: `spindle_std::thread::spawn(..).join()`.
pub fn spawn_join_spindle(iters: u64) -> Duration {
    let t0 = Instant::now();
    let mut sum = 0u64;
    for i in 0..iters {
        let h = spindle_std::thread::spawn(move || black_box(i)).expect("spawn");
        sum = sum.wrapping_add(h.join().expect("join"));
    }
    let elapsed = t0.elapsed();
    black_box(sum);
    elapsed
}

/// `std::thread::spawn(..).join()`.
pub fn spawn_join_std(iters: u64) -> Duration {
    let t0 = Instant::now();
    let mut sum = 0u64;
    for i in 0..iters {
        let h = thread::spawn(move || black_box(i));
        sum = sum.wrapping_add(h.join().expect("join"));
    }
    let elapsed = t0.elapsed();
    black_box(sum);
    elapsed
}
