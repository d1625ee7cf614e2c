//! Clacks object definitions (temporary header while the crate is built).
#![warn(missing_docs)]

pub mod conditions;
pub mod definition;
pub mod directory;
pub mod error;
pub mod filters;
pub mod model;
pub mod password;
pub mod props;
mod pyre;
pub mod types;
pub mod value;
