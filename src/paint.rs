//! Colour for people, never for pipes: styles apply only when the stream is a terminal and
//! `NO_COLOR` is unset (<https://no-color.org>).

use std::io::IsTerminal;

/// Whether to colour one output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// Colour for standard output when it is a terminal.
    pub fn stdout() -> Paint {
        Paint::when(std::io::stdout().is_terminal())
    }

    /// Colour for standard error when it is a terminal.
    pub fn stderr() -> Paint {
        Paint::when(std::io::stderr().is_terminal())
    }

    /// Colour when `terminal` and `NO_COLOR` is unset or empty.
    pub fn when(terminal: bool) -> Paint {
        let refused = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Paint {
            on: terminal && !refused,
        }
    }

    /// No colour at all.
    #[cfg(test)]
    pub fn off() -> Paint {
        Paint { on: false }
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        match self.on {
            true => format!("\x1b[{code}m{text}\x1b[0m"),
            false => text.to_owned(),
        }
    }

    /// Bold.
    pub fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }

    /// Dim, for secondary text.
    pub fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    /// Red, for errors.
    pub fn red(&self, text: &str) -> String {
        self.wrap("31", text)
    }

    /// Yellow, for what is missing.
    pub fn yellow(&self, text: &str) -> String {
        self.wrap("33", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_escape_codes_off_a_terminal() {
        assert_eq!(Paint::off().red("x"), "x");
        assert_eq!(Paint::when(false).bold("x"), "x");
    }
}
