//! The `process/roundtrip` row runs through the `spindle-bench` binary (its `main`
//! calls `spindle_std::process::init`), both sides, and reports numbers.
#![cfg(unix)]

#[test]
fn process_roundtrip_row_runs() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spindle-bench"))
        .args(["--quick", "--json", "--filter", "process/roundtrip"])
        .output()
        .expect("the bench binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row = stdout
        .lines()
        .find(|l| l.contains("\"process/roundtrip\""))
        .unwrap_or_else(|| panic!("no row:\n{stdout}"));
    assert!(row.contains("std::process::Command per task"), "{row}");
    assert!(row.contains("\"ratio\""), "{row}");
}
