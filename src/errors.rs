//! Error text for people: an error followed by its chain of causes.

/// `err` and each of its sources joined with `: ` (`error sending request: connection
/// refused`), for messages that must say what actually went wrong.
pub fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn causes_follow_the_error() {
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let outer = std::io::Error::other(inner);
        // io::Error::other displays its inner error and also returns it as the source.
        assert_eq!(super::with_causes(&outer), "refused");
        let parse = "x".parse::<u8>().unwrap_err();
        assert_eq!(super::with_causes(&parse), "invalid digit found in string");
    }
}
