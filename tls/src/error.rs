//! The crate's one error type: which setting, which file, what is wrong with it.

use std::path::PathBuf;

/// A TLS file or configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("{setting}: cannot read {}: {source}", path.display())]
    Read {
        /// The setting that named the file (`amqp.ca_file`, `--ca`).
        setting: String,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file holds no usable PEM item of the kind wanted.
    #[error("{setting}: {} {problem}", path.display())]
    Content {
        /// The setting that named the file.
        setting: String,
        /// The file.
        path: PathBuf,
        /// What is wrong (`holds no PEM certificate`).
        problem: String,
    },
    /// rustls refused the combination (a key that does not match its certificate, a CA that
    /// cannot anchor anything).
    #[error("{setting}: {problem}")]
    Config {
        /// The setting (or settings) concerned.
        setting: String,
        /// What rustls said.
        problem: String,
    },
}
