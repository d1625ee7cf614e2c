//! The call book: open calls by id, and every finished call kept for the retention period,
//! from which `stats.query` computes windowed aggregates and the periodic `PhoneStatistics`
//! event its per-extension numbers.
//!
//! Rules (the test recomputes them independently):
//! - A call is finished by its `hung-up` event; it counts in a window `(until - window, until]`
//!   when its end (`HungUpAt`, else the event's `Timestamp`) lies there.
//! - It was answered when an `answered` event came before, or the `hung-up` event carries
//!   `AnsweredAt`; otherwise it was missed.
//! - Its duration (talk time) is end minus answer time, in seconds, for answered calls only.
//! - Percentiles are nearest-rank: the value at index `ceil(p/100 * n) - 1` of the sorted
//!   durations; `null` when there are none.
//! - In progress: calls with a `ringing` or `answered` event and no `hung-up` yet, grouped by
//!   their latest extension and queue.
//! - Duplicates (at-least-once delivery) are ignored: a second `hung-up` for a finished call,
//!   or a late `ringing`/`answered` for it.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use super::phone_call::{CallState, PhoneCall};

/// A finished call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// Call id.
    pub call_id: String,
    /// Extension.
    pub extension: String,
    /// Queue, if any.
    pub queue: Option<String>,
    /// End, Unix ms.
    pub ended_ms: i64,
    /// Talk time in seconds; `None` for a missed call.
    pub duration_s: Option<f64>,
}

#[derive(Debug, Clone)]
struct OpenCall {
    extension: String,
    queue: Option<String>,
    answered_ms: Option<i64>,
    last_ms: i64,
}

/// How `stats.query` groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Per extension.
    Extension,
    /// Per queue (calls without one under `null`).
    Queue,
    /// One group for everything.
    None,
}

impl GroupBy {
    /// `extension`, `queue` or `none`.
    pub fn parse(text: &str) -> Result<GroupBy, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "extension" => Ok(GroupBy::Extension),
            "queue" => Ok(GroupBy::Queue),
            "none" | "" => Ok(GroupBy::None),
            other => Err(format!(
                "group_by '{other}' is not one of extension, queue, none"
            )),
        }
    }

    fn key(self, extension: &str, queue: Option<&str>) -> Option<String> {
        match self {
            GroupBy::Extension => Some(extension.to_owned()),
            GroupBy::Queue => queue.map(str::to_owned),
            GroupBy::None => None,
        }
    }
}

/// Aggregates of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStats {
    /// The extension or queue; `null` for calls without a queue and for `group_by = none`.
    pub key: Option<String>,
    /// Calls finished in the window.
    pub calls: u64,
    /// Of those, answered.
    pub answered: u64,
    /// Of those, missed.
    pub missed: u64,
    /// Median talk time in seconds (answered calls).
    pub duration_p50: Option<f64>,
    /// 95th percentile talk time in seconds.
    pub duration_p95: Option<f64>,
    /// 99th percentile talk time in seconds.
    pub duration_p99: Option<f64>,
    /// Calls in progress now.
    pub in_progress: u64,
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[derive(Default)]
struct Acc {
    calls: u64,
    answered: u64,
    durations: Vec<f64>,
    in_progress: u64,
}

impl Acc {
    fn finish(mut self, key: Option<String>) -> GroupStats {
        self.durations.sort_by(f64::total_cmp);
        GroupStats {
            key,
            calls: self.calls,
            answered: self.answered,
            missed: self.calls - self.answered,
            duration_p50: percentile(&self.durations, 50.0),
            duration_p95: percentile(&self.durations, 95.0),
            duration_p99: percentile(&self.durations, 99.0),
            in_progress: self.in_progress,
        }
    }
}

/// Open and finished calls.
pub struct CallBook {
    open: HashMap<String, OpenCall>,
    done: VecDeque<CallRecord>,
    finished_ids: HashSet<String>,
    retention_ms: i64,
    max_calls: usize,
    evicted: u64,
}

impl CallBook {
    /// A book keeping finished calls for `retention_ms`, at most `max_calls` of them.
    pub fn new(retention_ms: i64, max_calls: usize) -> Self {
        CallBook {
            open: HashMap::new(),
            done: VecDeque::new(),
            finished_ids: HashSet::new(),
            retention_ms,
            max_calls: max_calls.max(1),
            evicted: 0,
        }
    }

    /// Calls in progress now.
    pub fn in_progress(&self) -> usize {
        self.open.len()
    }

    /// Finished calls dropped early because `max_calls` was reached.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Takes one event into account.
    pub fn apply(&mut self, call: &PhoneCall) {
        if self.finished_ids.contains(&call.call_id) {
            return;
        }
        match call.state {
            CallState::Ringing | CallState::Answered => {
                let open = self.open.entry(call.call_id.clone()).or_insert(OpenCall {
                    extension: call.extension.clone(),
                    queue: call.queue.clone(),
                    answered_ms: None,
                    last_ms: call.timestamp_ms,
                });
                open.extension.clone_from(&call.extension);
                open.queue.clone_from(&call.queue);
                open.last_ms = open.last_ms.max(call.timestamp_ms);
                if call.state == CallState::Answered && open.answered_ms.is_none() {
                    open.answered_ms = Some(call.answered_at_ms.unwrap_or(call.timestamp_ms));
                }
            }
            CallState::HungUp => {
                let open = self.open.remove(&call.call_id);
                let answered_ms = call
                    .answered_at_ms
                    .or_else(|| open.as_ref().and_then(|o| o.answered_ms));
                let ended_ms = call.hung_up_at_ms.unwrap_or(call.timestamp_ms);
                let record = CallRecord {
                    call_id: call.call_id.clone(),
                    extension: call.extension.clone(),
                    queue: call.queue.clone(),
                    ended_ms,
                    duration_s: answered_ms.map(|a| (ended_ms - a).max(0) as f64 / 1000.0),
                };
                self.finished_ids.insert(call.call_id.clone());
                let at = self.done.partition_point(|r| r.ended_ms <= ended_ms);
                self.done.insert(at, record);
                self.enforce_cap();
            }
        }
    }

    fn enforce_cap(&mut self) {
        while self.done.len() > self.max_calls {
            if let Some(old) = self.done.pop_front() {
                self.finished_ids.remove(&old.call_id);
                self.evicted += 1;
            }
        }
    }

    /// Forgets finished calls that ended, and open calls last heard of, before
    /// `now_ms - retention`.
    pub fn prune(&mut self, now_ms: i64) {
        let cutoff = now_ms - self.retention_ms;
        while self.done.front().is_some_and(|r| r.ended_ms < cutoff) {
            if let Some(old) = self.done.pop_front() {
                self.finished_ids.remove(&old.call_id);
            }
        }
        self.open.retain(|_, o| o.last_ms >= cutoff);
    }

    /// Finished calls with `start_ms < end <= end_ms`, in end order.
    pub fn finished_between(
        &self,
        start_ms: i64,
        end_ms: i64,
    ) -> impl Iterator<Item = &CallRecord> {
        let from = self.done.partition_point(|r| r.ended_ms <= start_ms);
        self.done
            .range(from..)
            .take_while(move |r| r.ended_ms <= end_ms)
    }

    /// Aggregates over the calls that finished in `(until - window, until]`, grouped, plus
    /// the calls in progress now; groups sorted by key. Also returns the total.
    pub fn query(
        &self,
        window_ms: i64,
        until_ms: i64,
        group_by: GroupBy,
    ) -> (Vec<GroupStats>, GroupStats) {
        let mut groups: BTreeMap<Option<String>, Acc> = BTreeMap::new();
        let mut total = Acc::default();
        for record in self.finished_between(until_ms - window_ms, until_ms) {
            let key = group_by.key(&record.extension, record.queue.as_deref());
            for acc in [groups.entry(key).or_default(), &mut total] {
                acc.calls += 1;
                if let Some(d) = record.duration_s {
                    acc.answered += 1;
                    acc.durations.push(d);
                }
            }
        }
        for open in self.open.values() {
            let key = group_by.key(&open.extension, open.queue.as_deref());
            groups.entry(key).or_default().in_progress += 1;
            total.in_progress += 1;
        }
        let groups = groups.into_iter().map(|(k, acc)| acc.finish(k)).collect();
        (groups, total.finish(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, ext: &str, state: CallState, t: i64, answered: Option<i64>) -> PhoneCall {
        PhoneCall {
            call_id: id.into(),
            extension: ext.into(),
            queue: None,
            state,
            timestamp_ms: t,
            answered_at_ms: answered,
            hung_up_at_ms: (state == CallState::HungUp).then_some(t),
        }
    }

    #[test]
    fn answered_missed_durations_and_in_progress() {
        let mut book = CallBook::new(i64::MAX / 4, 100);
        book.apply(&event("a", "100", CallState::Ringing, 0, None));
        book.apply(&event("a", "100", CallState::Answered, 1_000, None));
        book.apply(&event("a", "100", CallState::HungUp, 11_000, None));
        book.apply(&event("b", "100", CallState::Ringing, 0, None));
        book.apply(&event("b", "100", CallState::HungUp, 5_000, None));
        book.apply(&event("c", "200", CallState::HungUp, 7_000, Some(6_000)));
        book.apply(&event("d", "200", CallState::Ringing, 8_000, None));
        // duplicates change nothing
        book.apply(&event("a", "100", CallState::HungUp, 11_000, None));
        book.apply(&event("a", "100", CallState::Answered, 11_000, None));
        let (groups, total) = book.query(60_000, 20_000, GroupBy::Extension);
        assert_eq!(total.calls, 3);
        assert_eq!((total.answered, total.missed, total.in_progress), (2, 1, 1));
        assert_eq!(groups[0].key.as_deref(), Some("100"));
        assert_eq!(groups[0].duration_p50, Some(10.0));
        assert_eq!(groups[1].duration_p95, Some(1.0));
        assert_eq!(groups[1].in_progress, 1);
        let (_, narrow) = book.query(5_000, 10_000, GroupBy::None);
        assert_eq!(narrow.calls, 1, "only c ended in (5 s, 10 s]");
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(5.0));
        assert_eq!(percentile(&v, 95.0), Some(10.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn retention_and_cap_forget_old_calls() {
        let mut book = CallBook::new(1_000, 2);
        for (i, id) in ["a", "b", "c"].into_iter().enumerate() {
            book.apply(&event(id, "1", CallState::HungUp, i as i64 * 10, None));
        }
        assert_eq!(book.evicted(), 1);
        book.prune(1_015);
        assert_eq!(book.query(10_000, 10_000, GroupBy::None).1.calls, 1);
    }
}
