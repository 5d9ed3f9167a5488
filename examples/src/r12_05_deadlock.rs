//! Recipe 12.5, "locking with deadlock avoidance": the book's `acquire(*locks)`
//! becomes [`ordered::acquire`], which takes several [`OrderedMutex`]es in one
//! global order whatever order they are named in. Two threads naming `x_lock` and
//! `y_lock` in opposite orders never deadlock; nesting acquisitions against the
//! order is refused with an error naming both locks (the book's
//! `RuntimeError('Lock Order Violation')`); and five dining philosophers eat their
//! fill with one `acquire([left, right])` each round.

use std::io::{self, Write};
use std::thread;
use std::time::{Duration, Instant};

use spindle_std::sync::ordered::{self, LockOrderError};
use spindle_std::sync::OrderedMutex;

use crate::{failed, join, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.5";
/// The module and example name.
pub const NAME: &str = "r12_05_deadlock";
/// The section title.
pub const TITLE: &str = "Deadlock avoidance: acquiring locks in one global order";

/// Iterations of each thread in the opposite-order demo.
const ROUNDS: u64 = 20_000;
/// Meals each philosopher eats.
const MEALS: u32 = 200;
/// The philosophers (and forks) at the table.
const PHILOSOPHERS: usize = 5;
const FORK_NAMES: [&str; PHILOSOPHERS] = ["fork-0", "fork-1", "fork-2", "fork-3", "fork-4"];

/// Runs the recipe's demos and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_05_deadlock::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("lock order violation"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    opposite_orders(out)?;
    nested_violation(out)?;
    dining_philosophers(out)?;
    Ok(())
}

fn lock_err(e: LockOrderError) -> io::Error {
    failed(format!("unexpected refusal: {e}"))
}

/// `thread_1` takes `acquire([x, y])`, `thread_2` takes `acquire([y, x])`, both in
/// a tight loop. Both are taken in address order, so neither can hold one lock
/// while waiting for the other's.
fn opposite_orders(out: &mut dyn Write) -> io::Result<()> {
    let mut x_lock: OrderedMutex<u64> = OrderedMutex::new("x_lock", 0);
    let mut y_lock: OrderedMutex<u64> = OrderedMutex::new("y_lock", 0);
    let t0 = Instant::now();
    let (n1, n2) = thread::scope(|s| -> io::Result<(u64, u64)> {
        let t1 = s.spawn(|| -> Result<u64, LockOrderError> {
            for _ in 0..ROUNDS {
                let mut g = ordered::acquire([&x_lock, &y_lock])?;
                g[0] += 1;
                g[1] += 1;
            }
            Ok(ROUNDS)
        });
        let t2 = s.spawn(|| -> Result<u64, LockOrderError> {
            for _ in 0..ROUNDS {
                let mut g = ordered::acquire([&y_lock, &x_lock])?;
                g[0] += 1;
                g[1] += 1;
            }
            Ok(ROUNDS)
        });
        let n1 = join(t1, "thread_1")?.map_err(lock_err)?;
        let n2 = join(t2, "thread_2")?.map_err(lock_err)?;
        Ok((n1, n2))
    })?;
    let took = t0.elapsed();
    let (x, y) = (*x_lock.get_mut(), *y_lock.get_mut());
    if x != n1 + n2 || y != n1 + n2 {
        return Err(failed(format!(
            "x = {x}, y = {y} after {} rounds: a lost update",
            n1 + n2
        )));
    }
    writeln!(
        out,
        "acquire(x, y) vs acquire(y, x): thread_1 {n1} rounds, thread_2 {n2} rounds, no deadlock, in {}",
        ms(took)
    )?;
    writeln!(
        out,
        "  x_lock = {x}, y_lock = {y} (every round updated both)"
    )
}

/// The book's nested version: `thread_1` nests `acquire(x)` then `acquire(y)`,
/// `thread_2` nests `acquire(y)` then `acquire(x)`. One of the two nests against
/// the global order, and its inner acquire is refused instead of deadlocking.
fn nested_violation(out: &mut dyn Write) -> io::Result<()> {
    const TRIES: u32 = 1_000;
    let x_lock: OrderedMutex<u64> = OrderedMutex::new("x_lock", 0);
    let y_lock: OrderedMutex<u64> = OrderedMutex::new("y_lock", 0);

    /// Nests `inner` inside `outer` `TRIES` times: (successes, refusals, first error).
    fn nest(
        outer: &OrderedMutex<u64>,
        inner: &OrderedMutex<u64>,
    ) -> Result<(u32, u32, Option<LockOrderError>), LockOrderError> {
        let (mut ok, mut refused, mut first) = (0, 0, None);
        for _ in 0..TRIES {
            let mut o = ordered::acquire([outer])?;
            match ordered::acquire([inner]) {
                Ok(mut i) => {
                    o[0] += 1;
                    i[0] += 1;
                    ok += 1;
                }
                Err(e @ LockOrderError::Violation { .. }) => {
                    refused += 1;
                    first.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        Ok((ok, refused, first))
    }

    let t0 = Instant::now();
    let results = thread::scope(|s| -> io::Result<_> {
        let t1 = s.spawn(|| nest(&x_lock, &y_lock));
        let t2 = s.spawn(|| nest(&y_lock, &x_lock));
        let r1 = join(t1, "thread_1")?.map_err(lock_err)?;
        let r2 = join(t2, "thread_2")?.map_err(lock_err)?;
        Ok([("thread_1", r1), ("thread_2", r2)])
    })?;
    let took = t0.elapsed();

    let mut error = None;
    for (who, (ok, refused, first)) in &results {
        writeln!(
            out,
            "nested acquire, {who}: {ok} nested acquisitions ok, {refused} refused"
        )?;
        if let Some(e) = first {
            error.get_or_insert((*who, *e));
        }
    }
    let total_refused: u32 = results.iter().map(|(_, (_, r, _))| r).sum();
    let total_ok: u32 = results.iter().map(|(_, (o, _, _))| o).sum();
    match error {
        Some((who, e)) if total_refused == TRIES && total_ok == TRIES => {
            writeln!(out, "  {who} was refused, as the book's thread crashes: {e}")?;
            writeln!(out, "  no deadlock; both threads finished in {}", ms(took))
        }
        _ => Err(failed(format!(
            "expected one thread refused {TRIES} times and the other never; got {total_ok} ok, {total_refused} refused"
        ))),
    }
}

/// Five philosophers, five forks; each eats by taking both neighbouring forks with
/// one ordered acquire, so the circular wait of "everyone took the left fork" cannot
/// happen.
fn dining_philosophers(out: &mut dyn Write) -> io::Result<()> {
    let mut forks: [OrderedMutex<u32>; PHILOSOPHERS] =
        std::array::from_fn(|i| OrderedMutex::new(FORK_NAMES[i], 0));
    let t0 = Instant::now();
    let meals = thread::scope(|s| -> io::Result<Vec<u32>> {
        let handles: Vec<_> = (0..PHILOSOPHERS)
            .map(|i| {
                let (left, right) = (&forks[i], &forks[(i + 1) % PHILOSOPHERS]);
                s.spawn(move || -> Result<u32, LockOrderError> {
                    let mut eaten = 0;
                    for round in 0..MEALS {
                        let mut both = ordered::acquire([left, right])?;
                        both[0] += 1; // each fork counts its uses
                        both[1] += 1;
                        eaten += 1;
                        drop(both);
                        if round % 16 == 0 {
                            thread::sleep(Duration::from_micros(50)); // think
                        } else {
                            thread::yield_now();
                        }
                    }
                    Ok(eaten)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| join(h, "philosopher")?.map_err(lock_err))
            .collect()
    })?;
    let took = t0.elapsed();
    let uses: Vec<u32> = forks.iter_mut().map(|f| *f.get_mut()).collect();
    let total: u32 = meals.iter().sum();
    if meals.iter().any(|&m| m != MEALS) || uses.iter().any(|&u| u != 2 * MEALS) {
        return Err(failed(format!(
            "meals {meals:?}, fork uses {uses:?}: someone went hungry"
        )));
    }
    let per: Vec<String> = meals
        .iter()
        .enumerate()
        .map(|(i, m)| format!("P{i}={m}"))
        .collect();
    writeln!(
        out,
        "dining philosophers: {PHILOSOPHERS} philosophers, {PHILOSOPHERS} OrderedMutex forks, acquire([left, right]) each meal"
    )?;
    writeln!(
        out,
        "  meals: {} (total {total}); each fork used {} times; no deadlock, in {}",
        per.join(" "),
        2 * MEALS,
        ms(took)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_reports_the_key_facts() {
        let mut out = Vec::new();
        super::run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text
            .starts_with("== 12.5 Deadlock avoidance: acquiring locks in one global order ==\n"));
        assert!(text.contains("thread_1 20000 rounds, thread_2 20000 rounds"));
        let violation = text
            .lines()
            .find(|l| l.contains("lock order violation"))
            .unwrap();
        assert!(violation.contains("`x_lock`") && violation.contains("`y_lock`"));
        assert!(text.contains("P0=200 P1=200 P2=200 P3=200 P4=200 (total 1000)"));
    }
}
