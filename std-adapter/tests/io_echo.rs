//! The coop echo server (recipe 12.12) under real loopback clients: 1,000 at once,
//! half-closed sockets, clients that vanish mid-line or reset, an over-long line,
//! and a stop that ends everything.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use spindle_std::io::echo::{EchoEvent, EchoReport, EchoServer, EchoStop};

/// Generous bound on every blocking client call, so a broken server fails the
/// test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

struct Running {
    addr: SocketAddr,
    stop: EchoStop,
    events: mpsc::Receiver<EchoEvent>,
    thread: thread::JoinHandle<std::io::Result<EchoReport>>,
}

impl Running {
    fn start(max_line: usize) -> Self {
        let (tx, events) = mpsc::channel();
        let server = EchoServer::bind("127.0.0.1:0")
            .unwrap()
            .max_line(max_line)
            .on_event(move |e| {
                let _ = tx.send(e.clone());
            });
        let addr = server.local_addr().unwrap();
        let stop = server.stopper();
        let thread = thread::spawn(move || server.serve());
        Self {
            addr,
            stop,
            events,
            thread,
        }
    }

    fn client(&self) -> TcpStream {
        let c = TcpStream::connect(self.addr).unwrap();
        c.set_read_timeout(Some(PATIENCE)).unwrap();
        c.set_write_timeout(Some(PATIENCE)).unwrap();
        c
    }

    /// The next event that `pick` accepts (others are skipped), within PATIENCE.
    fn wait_for(&self, mut pick: impl FnMut(&EchoEvent) -> bool) -> EchoEvent {
        loop {
            let e = self
                .events
                .recv_timeout(PATIENCE)
                .expect("the expected event came");
            if pick(&e) {
                return e;
            }
        }
    }

    fn finish(self) -> EchoReport {
        self.stop.stop();
        self.thread.join().unwrap().unwrap()
    }
}

fn ask(c: &mut TcpStream, reader: &mut BufReader<TcpStream>, line: &str) -> String {
    c.write_all(line.as_bytes()).unwrap();
    let mut back = String::new();
    reader.read_line(&mut back).unwrap();
    back
}

/// Raises the soft descriptor limit to the hard one if it is low (1,000 clients
/// and their server ends need over 2,000).
fn enough_descriptors() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    if soft < 4096 {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    }
}

#[test]
fn answers_each_line_with_got_like_the_book() {
    let server = Running::start(1024);
    let mut c = server.client();
    let mut r = BufReader::new(c.try_clone().unwrap());
    assert_eq!(ask(&mut c, &mut r, "hello\n"), "GOT:hello\n");
    // Two lines in one segment, answered in order.
    c.write_all(b"one\ntwo\n").unwrap();
    let mut a = String::new();
    r.read_line(&mut a).unwrap();
    r.read_line(&mut a).unwrap();
    assert_eq!(a, "GOT:one\nGOT:two\n");
    // A line that arrives in pieces.
    c.write_all(b"sp").unwrap();
    c.flush().unwrap();
    thread::sleep(Duration::from_millis(5));
    assert_eq!(ask(&mut c, &mut r, "lit\n"), "GOT:split\n");
    drop((c, r));
    let closed = server.wait_for(|e| matches!(e, EchoEvent::Closed { .. }));
    assert!(
        matches!(closed, EchoEvent::Closed { lines: 4, .. }),
        "{closed:?}"
    );
    let report = server.finish();
    assert_eq!(
        (report.connections, report.lines, report.dropped),
        (1, 4, 0)
    );
}

#[test]
fn a_thousand_concurrent_clients() {
    enough_descriptors();
    const CLIENTS: usize = 1000;
    let server = Running::start(1024);
    // All connect first, so all are connected at once.
    let mut clients: Vec<TcpStream> = (0..CLIENTS).map(|_| server.client()).collect();
    for round in 0..3 {
        for (i, c) in clients.iter_mut().enumerate() {
            c.write_all(format!("client {i} round {round}\n").as_bytes())
                .unwrap();
        }
        for (i, c) in clients.iter_mut().enumerate() {
            let want = format!("GOT:client {i} round {round}\n");
            let mut back = vec![0; want.len()];
            c.read_exact(&mut back).unwrap();
            assert_eq!(back, want.as_bytes(), "client {i}");
        }
    }
    drop(clients);
    let mut closed = 0;
    while closed < CLIENTS {
        server.wait_for(|e| matches!(e, EchoEvent::Closed { lines: 3, .. }));
        closed += 1;
    }
    let report = server.finish();
    assert_eq!(report.connections, CLIENTS as u64);
    assert_eq!(report.lines, 3 * CLIENTS as u64);
    assert_eq!(report.peak_concurrent, CLIENTS);
    assert_eq!(report.dropped, 0);
}

#[test]
fn half_closed_clients_get_every_answer_then_eof() {
    let server = Running::start(1024);
    let mut c = server.client();
    c.write_all(b"a\nb\nc\n").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut all = String::new();
    c.read_to_string(&mut all).unwrap(); // ends: the server closes after answering
    assert_eq!(all, "GOT:a\nGOT:b\nGOT:c\n");
    server.wait_for(|e| matches!(e, EchoEvent::Closed { lines: 3, .. }));
    server.finish();
}

#[test]
fn a_client_that_vanishes_mid_line_is_dropped_alone() {
    let server = Running::start(1024);
    let mut steady = server.client();
    let mut steady_r = BufReader::new(steady.try_clone().unwrap());
    assert_eq!(ask(&mut steady, &mut steady_r, "before\n"), "GOT:before\n");

    let mut gone = server.client();
    gone.write_all(b"half a li").unwrap();
    drop(gone);
    let e = server.wait_for(|e| matches!(e, EchoEvent::Dropped { .. }));
    let EchoEvent::Dropped { why, .. } = e else {
        unreachable!()
    };
    assert!(why.contains("middle of a line (9 bytes"), "{why}");

    // A half-close mid-line is answered, as the book's readline returns the rest.
    let mut half = server.client();
    half.write_all(b"tail").unwrap();
    half.shutdown(Shutdown::Write).unwrap();
    let mut back = String::new();
    half.read_to_string(&mut back).unwrap();
    assert_eq!(back, "GOT:tail");

    assert_eq!(ask(&mut steady, &mut steady_r, "after\n"), "GOT:after\n");
    drop((steady, steady_r));
    let report = server.finish();
    assert_eq!(report.dropped, 2);
    assert_eq!(report.connections, 3);
}

#[test]
fn a_reset_connection_is_dropped_alone() {
    use nix::sys::socket::{setsockopt, sockopt::Linger};
    let server = Running::start(1024);
    let mut steady = server.client();
    let mut steady_r = BufReader::new(steady.try_clone().unwrap());
    let mut rude = server.client();
    let mut rude_r = BufReader::new(rude.try_clone().unwrap());
    assert_eq!(ask(&mut rude, &mut rude_r, "hi\n"), "GOT:hi\n");
    // Linger 0: closing sends RST instead of FIN.
    setsockopt(
        &rude,
        Linger,
        &nix::libc::linger {
            l_onoff: 1,
            l_linger: 0,
        },
    )
    .unwrap();
    rude.write_all(b"unfinished").unwrap();
    drop((rude, rude_r));
    let e = server.wait_for(|e| matches!(e, EchoEvent::Dropped { .. } | EchoEvent::Closed { .. }));
    assert!(matches!(e, EchoEvent::Dropped { .. }), "{e:?}");
    assert_eq!(
        ask(&mut steady, &mut steady_r, "still here\n"),
        "GOT:still here\n"
    );
    drop((steady, steady_r));
    server.finish();
}

#[test]
fn an_over_long_line_closes_that_client_only() {
    let server = Running::start(64);
    let mut steady = server.client();
    let mut steady_r = BufReader::new(steady.try_clone().unwrap());
    // Exactly the limit (newline included) is fine.
    let fits = format!("{}\n", "x".repeat(63));
    assert_eq!(
        ask(&mut steady, &mut steady_r, &fits),
        format!("GOT:{fits}")
    );

    let mut long = server.client();
    // Writing may fail once the server has closed: that is the point.
    let _ = long.write_all(&[b'y'; 1000]);
    let e = server.wait_for(|e| matches!(e, EchoEvent::Dropped { .. }));
    let EchoEvent::Dropped { why, .. } = e else {
        unreachable!()
    };
    assert!(why.contains("longer than 64 bytes"), "{why}");
    // The server closed it: the client reads end-of-file or a reset, no answer.
    let mut rest = Vec::new();
    let _ = long.read_to_end(&mut rest);
    assert!(rest.is_empty());

    assert_eq!(ask(&mut steady, &mut steady_r, "ok\n"), "GOT:ok\n");
    drop((steady, steady_r));
    let report = server.finish();
    assert_eq!(report.dropped, 1);
}

#[test]
fn stop_closes_connected_clients_and_reports() {
    let server = Running::start(1024);
    let mut c = server.client();
    let mut r = BufReader::new(c.try_clone().unwrap());
    assert_eq!(ask(&mut c, &mut r, "x\n"), "GOT:x\n");
    let report = server.finish();
    assert_eq!((report.connections, report.lines), (1, 1));
    // The server closed our connection on its way out.
    let mut rest = Vec::new();
    assert_eq!(c.read_to_end(&mut rest).unwrap_or(0), 0);
}
