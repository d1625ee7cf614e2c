//! The full pass: every object of the store re-read (through the model, as `objects.get`
//! reads it) and compared with its index rows; rows that differ are replaced, rows of objects
//! the store no longer has are dropped. Objects on the foreign side of a relation go first,
//! so the objects that relate to them read current values. Progress is logged every
//! [`PROGRESS_EVERY`] objects; the report counts what happened.

use diesel::prelude::*;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;
use std::time::Instant;

use super::rows;
use crate::error::{Error, Result};
use crate::sql::schema::clacks_objects;
use crate::store::relation::relations;
use crate::store::{ObjectStore, SQL_STORE};

/// How often the pass logs its progress.
pub const PROGRESS_EVERY: usize = 1000;
/// How many failures the report names.
const NAMED_FAILURES: usize = 20;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReindexReport {
    /// Objects in the store.
    pub objects: usize,
    /// Index rows added or replaced.
    pub updated: usize,
    /// Index rows that were current.
    pub unchanged: usize,
    /// Index rows of objects that are gone, dropped.
    pub dropped: usize,
    /// Objects that could not be read (named in `errors`, up to 20).
    pub failed: usize,
    /// `DN or UUID: error` of the first failures.
    pub errors: Vec<String>,
    /// How long the pass took, in milliseconds.
    pub millis: u64,
}

impl ReindexReport {
    /// The report as `objects.reindex` answers it.
    pub fn to_json(&self) -> Json {
        json!({
            "objects": self.objects,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dropped": self.dropped,
            "failed": self.failed,
            "errors": self.errors,
            "millis": self.millis,
        })
    }
}

impl ObjectStore {
    /// Re-reads every object into the index (see the module documentation).
    pub fn reindex(&self) -> Result<ReindexReport> {
        let started = Instant::now();
        let registry: Vec<(String, String)> = {
            let mut conn = self.pool().get()?;
            clacks_objects::table
                .select((clacks_objects::uuid, clacks_objects::object_type))
                .order(clacks_objects::dn.asc())
                .load(&mut conn)
                .map_err(|e| Error::backend(SQL_STORE, format!("index: listing objects: {e}")))?
        };
        let foreign: BTreeSet<String> = relations(self.catalog())
            .into_iter()
            .map(|r| r.foreign)
            .collect();
        let (mut first, then): (Vec<_>, Vec<_>) =
            registry.into_iter().partition(|(_, t)| foreign.contains(t));
        first.extend(then);
        let mut report = ReindexReport {
            objects: first.len(),
            ..ReindexReport::default()
        };
        let mut seen = BTreeSet::new();
        for (i, (uuid, _)) in first.iter().enumerate() {
            seen.insert(uuid.clone());
            match self.get(uuid).and_then(|o| self.index_put(&o)) {
                Ok(true) => report.updated += 1,
                Ok(false) => report.unchanged += 1,
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(uuid = %uuid, error = %e, "object not indexed");
                    if report.errors.len() < NAMED_FAILURES {
                        report.errors.push(format!("{uuid}: {e}"));
                    }
                }
            }
            if (i + 1) % PROGRESS_EVERY == 0 {
                tracing::info!(done = i + 1, of = report.objects, "reindexing objects");
            }
        }
        let indexed = {
            let mut conn = self.pool().get()?;
            rows::revisions(&mut conn)?
        };
        for uuid in indexed.keys().filter(|u| !seen.contains(*u)) {
            if self.index_drop(uuid)? {
                report.dropped += 1;
            }
        }
        report.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            objects = report.objects,
            updated = report.updated,
            unchanged = report.unchanged,
            dropped = report.dropped,
            failed = report.failed,
            millis = report.millis,
            "object index rebuilt"
        );
        Ok(report)
    }
}
