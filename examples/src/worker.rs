//! `spindle worker --nats URL [--pool NAME]`: a worker of the distributed pool
//! (recipe 12.8 beyond one machine, `spindle_std::nats`). It serves every task of
//! [`workers::registry`](crate::workers::registry), the same tasks the process pool
//! runs, pulled from the pool's JetStream work queue, until SIGTERM or Ctrl-C.
//! Start as many as you like, on any machine that reaches the broker (and, for
//! `spindle robots --nats`, sees the log files at the same paths).

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use spindle_std::nats::{serve_tasks, Nats, WorkerOptions, WorkerStats};
use spindle_std::sync::Event;

/// Serves `pool` on the broker at `url` until SIGTERM/SIGINT; the stats at the end.
pub fn run(url: &str, pool: &str, ack_wait: Option<Duration>) -> Result<WorkerStats, String> {
    let nats = Nats::connect(url).map_err(|e| e.to_string())?;
    let stop = Arc::new(Event::new());
    // The signal handler writes a byte into a socket pair (signal-hook's
    // self-pipe); a thread turns it into the stop event, outside the handler.
    let (mut rx, tx) = UnixStream::pair().map_err(|e| e.to_string())?;
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        let tx = tx.try_clone().map_err(|e| e.to_string())?;
        signal_hook::low_level::pipe::register(signal, tx).map_err(|e| e.to_string())?;
    }
    let stopper = stop.clone();
    std::thread::spawn(move || {
        let mut byte = [0u8; 1];
        if rx.read(&mut byte).is_ok() {
            stopper.set();
        }
    });
    let options = WorkerOptions {
        ack_wait: ack_wait.unwrap_or(crate::robots::distributed::ACK_WAIT),
        ..WorkerOptions::default()
    };
    println!("worker: serving pool `{pool}` on {url}; Ctrl-C or SIGTERM stops");
    serve_tasks(&nats, pool, &crate::workers::registry(), &stop, options).map_err(|e| e.to_string())
}
