//! [`Deployed`] domains for this test binary: the library's (`clacks_tests::deployed`) with
//! the `clacks` binary this package builds, so the tests say `Deployed::create("name")`.

use clacks_tests::broker::PrivateBroker;
pub use clacks_tests::deployed::Deployed;

use super::BIN;

/// Constructors that pass this package's `clacks` binary.
pub trait Here {
    /// Creates domain `it.TEST-PID` on the local broker.
    fn create(test: &str) -> Deployed;
    /// Creates domain `it.TEST-PID` on a private broker.
    fn on_private(broker: &PrivateBroker, test: &str) -> Deployed;
}

impl Here for Deployed {
    fn create(test: &str) -> Deployed {
        Deployed::on_local(BIN, test)
    }

    fn on_private(broker: &PrivateBroker, test: &str) -> Deployed {
        Deployed::on_private_broker(BIN, broker, test)
    }
}
