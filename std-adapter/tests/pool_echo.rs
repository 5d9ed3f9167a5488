//! The pool's echo server on loopback: 50 concurrent clients, and the bound on
//! connections served at once.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use spindle_std::pool::echo::{EchoReport, EchoServer, EchoStop};

const PATIENCE: Duration = Duration::from_secs(20);

fn start(
    workers: usize,
) -> (
    SocketAddr,
    EchoStop,
    thread::JoinHandle<std::io::Result<EchoReport>>,
) {
    let server = EchoServer::bind("127.0.0.1:0", workers).unwrap();
    let addr = server.local_addr().unwrap();
    let stop = server.stopper();
    (addr, stop, thread::spawn(move || server.serve()))
}

fn connect(addr: SocketAddr) -> TcpStream {
    let c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(PATIENCE)).unwrap();
    c.set_write_timeout(Some(PATIENCE)).unwrap();
    c
}

fn echo(c: &mut TcpStream, msg: &[u8]) -> Vec<u8> {
    c.write_all(msg).unwrap();
    let mut got = vec![0; msg.len()];
    c.read_exact(&mut got).unwrap();
    got
}

#[test]
fn fifty_concurrent_clients() {
    let (addr, stop, server) = start(8);
    let clients: Vec<_> = (0..50)
        .map(|i| {
            thread::spawn(move || {
                let mut c = connect(addr);
                let mut total = 0;
                for round in 0..5 {
                    let msg = format!("client {i} round {round} {}", "x".repeat(i * 37));
                    assert_eq!(echo(&mut c, msg.as_bytes()), msg.as_bytes());
                    total += msg.len();
                }
                // A large message crosses many reads.
                let big: Vec<u8> = (0..200_000u32).map(|n| (n % 251) as u8).collect();
                c.write_all(&big).unwrap();
                let mut back = vec![0; big.len()];
                c.read_exact(&mut back).unwrap();
                assert!(back == big);
                total + big.len()
            })
        })
        .collect();
    let sent: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    stop.stop();
    let report = server.join().unwrap().unwrap();
    assert_eq!(report.connections, 50);
    assert_eq!(report.bytes, sent as u64);
    assert!(report.peak_concurrent <= 8, "{report:?}");
}

#[test]
fn at_most_n_clients_are_served_at_once() {
    let (addr, stop, server) = start(2);
    let mut a = connect(addr);
    let mut b = connect(addr);
    assert_eq!(echo(&mut a, b"a"), b"a");
    assert_eq!(echo(&mut b, b"b"), b"b");
    // Both workers are busy: a third client is connected (backlog) but not served.
    let mut c = connect(addr);
    c.write_all(b"c").unwrap();
    c.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut one = [0u8; 1];
    let err = c.read_exact(&mut one).unwrap_err();
    assert!(matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    // Free a worker: the third client is served.
    drop(a);
    c.set_read_timeout(Some(PATIENCE)).unwrap();
    c.read_exact(&mut one).unwrap();
    assert_eq!(&one, b"c");
    assert_eq!(echo(&mut b, b"still"), b"still");
    stop.stop();
    let report = server.join().unwrap().unwrap();
    assert_eq!(report.connections, 3);
    assert_eq!(report.peak_concurrent, 2);
}

#[test]
fn stop_closes_open_connections() {
    let (addr, stop, server) = start(2);
    let mut a = connect(addr);
    assert_eq!(echo(&mut a, b"hi"), b"hi");
    stop.stop();
    let report = server.join().unwrap().unwrap();
    assert_eq!(report.connections, 1);
    // The server closed our connection.
    let mut rest = Vec::new();
    let n = a.read_to_end(&mut rest).unwrap_or(0);
    assert_eq!(n, 0);
}
