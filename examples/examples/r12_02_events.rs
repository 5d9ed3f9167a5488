//! Recipe 12.2: `cargo run -p spindle-cookbook --example r12_02_events`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_02_events::run(&mut std::io::stdout().lock())
}
