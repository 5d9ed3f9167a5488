//! The CLI's messages for a user's mistakes: each says what was wrong, in one
//! short line, with no backtrace (issue 9's "CLI friction" findings).

use std::process::{Command, Output};

fn spindle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spindle"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the spindle binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn list_columns_line_up() {
    let out = spindle(&["list"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    // The title column starts at the same place on every line: after the id and
    // name columns, each padded to its widest entry.
    let title_starts: Vec<usize> = stdout
        .lines()
        .map(|l| {
            let mut starts = Vec::new();
            let mut prev_space = true;
            for (i, ch) in l.char_indices() {
                let space = ch == ' ';
                if prev_space && !space {
                    starts.push(i);
                }
                prev_space = space;
            }
            starts[2]
        })
        .collect();
    assert!(title_starts.len() > 5, "{stdout}");
    assert!(
        title_starts.windows(2).all(|w| w[0] == w[1]),
        "misaligned titles at {title_starts:?}:\n{stdout}"
    );
}

#[test]
fn a_book_recipe_not_built_yet_says_so() {
    let listed = text(&spindle(&["list"]).stdout);
    let built: Vec<String> = listed
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    for n in 1..=14 {
        let id = format!("12.{n}");
        if built.contains(&id) {
            continue;
        }
        let out = spindle(&["run", &id]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("recipe {id} is in the book but not built yet")),
            "{stderr}"
        );
        let by_name = spindle(&["run", &format!("r12_{n:02}")]);
        assert!(text(&by_name.stderr).contains("not built yet"));
    }
    // Outside the book: unknown, in one short line, however long the query.
    let long = "x".repeat(300);
    for q in ["12.99", "r12_15", long.as_str()] {
        let out = spindle(&["run", q]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("unknown recipe"), "{stderr}");
        assert!(
            stderr.lines().count() == 1 && stderr.len() < 160,
            "{stderr}"
        );
    }
}

#[test]
fn echo_address_mistakes_name_the_address() {
    let out = spindle(&["echo", "--addr", "999.1.1.1:5"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot listen on `999.1.1.1:5`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`999.1.1.1` is not an IPv4 address"),
        "{stderr}"
    );

    let out = spindle(&["echo", "--addr", "127.0.0.1"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("cannot listen on `127.0.0.1`"), "{stderr}");
    assert!(stderr.contains("no port: write HOST:PORT"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn daemon_status_with_a_missing_directory_is_not_not_running() {
    let out = spindle(&["daemon", "status", "--pidfile", "/nonexistent/x.pid"]);
    // LSB status 4: unknown, since no daemon could have written a pidfile there.
    assert_eq!(out.status.code(), Some(4));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("its directory /nonexistent does not exist"),
        "{stderr}"
    );
    assert!(!text(&out.stdout).contains("not running"));

    let out = spindle(&["daemon", "stop", "--pidfile", "/nonexistent/x.pid"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("its directory /nonexistent does not exist"));
}

#[cfg(unix)]
#[test]
fn echo_report_counts_one_connection_in_the_singular() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let mut child = Command::new(env!("CARGO_BIN_EXE_spindle"))
        .args(["echo", "--addr", "127.0.0.1:0", "--workers", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the spindle binary runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    {
        let mut c = TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        c.write_all(b"x").unwrap();
        let mut back = [0u8; 1];
        c.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"x");
    }
    // Wait for the server to see the client go, so the count is final.
    for line in lines.by_ref() {
        if line.unwrap().contains("closed the connection") {
            break;
        }
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(t0.elapsed() < Duration::from_secs(30), "no exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let last = lines.map_while(Result::ok).last().unwrap_or_default();
    assert!(
        last.starts_with("echo: stopped: 1 connection, 1 byte echoed"),
        "{last}"
    );
}
