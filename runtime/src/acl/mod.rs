//! # ACLs: the original's access model
//!
//! Who may do what, as the original Clacks decided it (`doc/acl.rst`, `clacks.agent.acl`):
//! **entries** on an LDAP-style **base** with a **scope** (`one`, `sub`, `psub`, `reset`) and a
//! **priority** (-100 first … 100 last); **members** as regular expressions over user names
//! (or `%group` for the users `[acl.groups]` lists); **actions** of a topic regular expression,
//! **rights** (`r w c d m s x`) and **options** matched against the call's arguments; **roles**
//! holding entries or other roles (cycles are refused, naming them). Topics
//! (`D` the domain): `D.command.PLUGIN.METHOD` (x), `D.objects.TYPE` (c, d, m),
//! `D.objects.TYPE.attributes.ATTR` (r, w), `D.objects.TYPE.methods.M` (x), `D.event.NAME`
//! (r to subscribe, w to publish).
//!
//! - [`Rights`] (`rights`), [`Pattern`] (`pattern`: `re.match` semantics), `dn` (walking a DN up);
//! - [`Entry`] and its parts (`entry`), [`AclSet`] (`set`: always valid, checked whole);
//! - `file`: the original's JSON file format, read and written as it is;
//! - `resolve`: the decision in the original's order, naming the entry that decided;
//! - `cache`: decisions per (user, topic, rights, base), cleared on every change;
//! - [`AclEngine`] (`engine`): the set, its settings and the cache, shared by every check.

mod cache;
pub mod dn;
mod engine;
mod entry;
pub mod file;
mod pattern;
mod resolve;
mod rights;
mod set;

#[cfg(test)]
mod matrix_tests;

pub use engine::{AclConfig, AclEngine};
pub use entry::{
    Action, Entry, Grant, Member, OptionRule, Scope, NEW_ID, PRIORITY_MAX, PRIORITY_MIN,
};
pub use file::{RawAction, RawEntry};
pub use pattern::Pattern;
pub use resolve::{Decider, Decision, Groups, Verdict};
pub use rights::Rights;
pub use set::{AclSet, Place};
