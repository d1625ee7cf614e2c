//! The order of a node's `NodePlugins` reports (`xml/schemas/NodePlugins.xsd`, `Seq`): the
//! number this node gives each report it makes, and the last number applied per reporting
//! node, so a report overtaken on its way to the broker cannot bring back a status that has
//! since changed.

use clacks_runtime::call::unix_millis_now;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The order of `NodePlugins` reports. Two tasks send them (the status task on a change or
/// a tick, the membership task answering a newcomer), so one made earlier can reach the
/// broker after one made later; receivers apply only reports newer than the last applied.
pub struct ReportOrder {
    next: AtomicU64,
    applied: Mutex<HashMap<String, u64>>,
}

impl Default for ReportOrder {
    fn default() -> Self {
        // Microseconds since the epoch: a restarted node starts above every number it used
        // before (it made far fewer than one report per microsecond).
        ReportOrder {
            next: AtomicU64::new(unix_millis_now().saturating_mul(1000)),
            applied: Mutex::new(HashMap::new()),
        }
    }
}

impl ReportOrder {
    /// The number of this node's next report.
    pub fn next(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether report `seq` of `node` is newer than every one applied (and so is applied).
    pub fn fresh(&self, node: &str, seq: u64) -> bool {
        let mut applied = self.applied.lock().unwrap_or_else(|p| p.into_inner());
        match applied.get(node) {
            Some(last) if *last >= seq => false,
            _ => {
                applied.insert(node.to_owned(), seq);
                true
            }
        }
    }

    /// Forgets `node` (it left).
    pub fn forget(&self, node: &str) {
        self.applied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_numbered_upwards_from_the_clock() {
        let order = ReportOrder::default();
        let (first, second) = (order.next(), order.next());
        assert!(second > first);
        assert!(first >= unix_millis_now().saturating_sub(60_000) * 1000);
    }

    #[test]
    fn only_reports_newer_than_the_last_applied_are_fresh_until_the_node_is_forgotten() {
        let order = ReportOrder::default();
        assert!(order.fresh("n", 5));
        assert!(!order.fresh("n", 5), "the same report twice");
        assert!(!order.fresh("n", 4));
        assert!(order.fresh("m", 1), "each node has its own order");
        order.forget("n");
        assert!(order.fresh("n", 1));
    }
}
