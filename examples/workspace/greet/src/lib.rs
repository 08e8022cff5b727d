//! Greetings, counted.

greet_macros::salutation!("Hello");

/// Returns a greeting for `name` that says how long the name is.
pub fn greet(name: &str) -> String {
    let mut buf = itoa::Buffer::new();
    format!("{}, {} ({} letters)", SALUTATION, name, buf.format(name.chars().count()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn greets() {
        assert_eq!(super::greet("Ada"), "Hello, Ada (3 letters)");
    }
}
