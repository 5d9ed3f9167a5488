//! Recipe 12.11: `cargo run -p spindle-cookbook --example r12_11_pubsub`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_11_pubsub::run(&mut std::io::stdout().lock())
}
