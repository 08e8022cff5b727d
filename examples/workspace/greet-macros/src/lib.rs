//! `salutation!("Hello")` expands to `pub const SALUTATION: &str = "Hello";`.

use proc_macro::{TokenStream, TokenTree};

/// Defines the constant `SALUTATION` from a string literal.
#[proc_macro]
pub fn salutation(input: TokenStream) -> TokenStream {
    let lit = match input.into_iter().next() {
        Some(TokenTree::Literal(lit)) => lit.to_string(),
        _ => "\"Hello\"".to_owned(),
    };
    format!("pub const SALUTATION: &str = {lit};").parse().expect("valid Rust")
}
