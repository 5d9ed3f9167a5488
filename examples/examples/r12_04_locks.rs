//! Recipe 12.4: `cargo run -p spindle-cookbook --example r12_04_locks`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_04_locks::run(&mut std::io::stdout().lock())
}
