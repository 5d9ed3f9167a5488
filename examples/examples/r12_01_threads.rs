//! Recipe 12.1: `cargo run -p spindle-cookbook --example r12_01_threads`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_01_threads::run(&mut std::io::stdout().lock())
}
