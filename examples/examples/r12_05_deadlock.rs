//! Recipe 12.5: `cargo run -p spindle-cookbook --example r12_05_deadlock`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_05_deadlock::run(&mut std::io::stdout().lock())
}
