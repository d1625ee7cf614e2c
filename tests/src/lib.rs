//! # clacks-tests: integration tests and the transport conformance suite
//!
//! The tests that cross crates or need several nodes live here (in `tests/tests/`); this
//! library holds what they share.
//!
//! ## Layout
//! - [`acl`]: the ACL set test nodes run with (callers of the existing tests may do what
//!   they test).
//! - [`audit`]: the `Audit` events a test node publishes, to wait for a refusal's record.
//! - [`probe`]: test plugins with predictable behaviour (`probe`, `flaky`).
//! - [`amqp`]: the AMQP transport factory for tests and broker cleanup.
//! - [`broker`]: a private RabbitMQ node for tests that restart the broker, and a private
//!   cluster of them.
//! - [`deployed`]: a domain with deploy/'s node and caller users on a broker, and its node
//!   processes.
//! - [`soak`]: broker restarts under steady load, measured per restart.
//! - [`overload`]: far more calls than a node serves, over HTTP and AMQP, tallied per path,
//!   with the node's resident memory sampled.
//! - [`certs`]: test certificates (two CAs, servers, clients) generated with rcgen.
//! - [`caller`]: a plain AMQP caller (any user, many calls in flight) for multi-process tests.
//! - [`chaos_node`]: builds and finds the test-only `clacks-chaos-node` binary.
//! - [`cluster`]: starting nodes of a domain on any transport ([`cluster::TransportFactory`]).
//! - [`conformance`]: the transport conformance suite, one async function per property,
//!   instantiated for a transport with [`conformance_suite!`].
//! - [`fault_proxy`]: a TCP proxy between a node and the broker that delays, black-holes
//!   or cuts (RST) its connections, for partition tests.
//! - [`process`]: `clacks node` as a child process (ready line, signals, kill on drop).
//! - [`netns`]: hosts made of network namespaces on a bridge, for multi-host tests.
//! - [`objects`]: a node serving the object RPC (embedded store or the private slapd),
//!   calls that wait for its backends, refusals, searches polled until they find.
//! - [`http`]: a small JSON-RPC-over-HTTP client for gateway tests.
//! - [`slapd`]: the private OpenLDAP server of a test binary (the `clacks-test-slapd`
//!   crate, shared with the object store's own tests and the benchmarks).
//!
//! ## Data flow
//! ```text
//! TransportFactory → Cluster::start (nodes + probe plugins) → conformance checks call through
//! NodeHandle::call → transport → plugin actors → assertions on results and error kinds
//! ```

#![warn(missing_docs)]

pub mod acl;
pub mod amqp;
pub mod audit;
pub mod broker;
pub mod caller;
pub mod certs;
pub mod chaos_node;
pub mod cluster;
pub mod conformance;
pub mod deployed;
pub mod fault_proxy;
pub mod http;
pub mod netns;
pub mod objects;
pub mod overload;
pub mod probe;
pub mod process;
pub mod soak;
pub use clacks_test_slapd as slapd;
