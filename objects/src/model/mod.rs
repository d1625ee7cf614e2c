//! The object model in memory: an [`ObjectType`] resolved from a base plus extensions, an
//! [`ObjectInstance`] holding an object's values, [`ChangeSet`]s applied to it under the
//! definitions' rules, and the [`WritePlan`] of per-backend writes they imply — all without a
//! server; the backends issue executes the plan.
//!
//! Layout: `object_type` (resolution and save order), `instance` (creating an object, loading
//! one from backend values through the in-filters), `change` (change sets), `apply` (the
//! rules), `writes` (out-filters and the write plan), `method` (definition methods → command
//! calls).
//!
//! ```text
//! backend values ──ObjectInstance::load (in-filters)──▶ ObjectInstance ◀──create
//!        ChangeSet ──ObjectInstance::apply (rules)────▶ ObjectInstance
//!                    ObjectInstance::writes (out-filters) ──▶ WritePlan ──▶ backends
//! ```

mod apply;
mod change;
mod instance;
mod method;
mod object_type;
mod writes;

pub use change::{Change, ChangeSet};
pub use instance::{Mode, ObjectInstance};
pub use method::CommandCall;
pub use object_type::{ObjectType, Slot};
pub use writes::{AttributeWrite, BackendWrite, WriteMode, WritePlan};
