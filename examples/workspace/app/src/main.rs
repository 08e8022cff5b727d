//! ws-app: prints a greeting as JSON.

use serde::Serialize;

#[derive(Serialize)]
struct Message {
    greeting: String,
    modern_rustc: bool,
}

#[cfg(windows)]
fn enable_console() {
    // SAFETY: SetConsoleOutputCP takes a code page number and has no memory effects.
    unsafe {
        winapi::um::wincon::SetConsoleOutputCP(65001);
    }
}

#[cfg(not(windows))]
fn enable_console() {}

fn main() {
    enable_console();
    #[cfg(feature = "logging")]
    log::info!("greeting");
    let name = std::env::args().nth(1).unwrap_or_else(|| "world".to_owned());
    let msg = Message {
        greeting: greet::greet(&name),
        modern_rustc: cfg!(modern_rustc),
    };
    println!("{}", serde_json::to_string(&msg).expect("a struct of strings serializes"));
}

#[cfg(test)]
mod tests {
    static_assertions::assert_impl_all!(super::Message: serde::Serialize);
}
