//! The transport conformance suite on the in-process transport.

use clacks_tests::cluster::LocalFactory;

clacks_tests::conformance_suite!(LocalFactory::default());
