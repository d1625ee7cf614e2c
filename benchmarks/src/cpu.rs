//! CPU time of processes, for benchmarks whose sides share a machine with the broker they
//! use: what a call costs in CPU (this process, and the broker) shows where wall time goes
//! when both compete for the same cores, and how often this process's threads were put on a
//! CPU (each wake-up of a sleeping thread is one; on a VM they cost more than the work they
//! wake for). Linux only (`/proc/PID/task/*/schedstat`: run time in nanoseconds and the
//! number of time slices, per thread); elsewhere every reading is `None`.

use std::path::Path;
use std::time::Duration;

/// CPU time all current threads of process `pid` have run, and how many time slices they
/// ran (threads that already ended are not counted, so read it around a stretch in which the
/// process keeps its threads).
pub fn of_process(pid: u32) -> Option<(Duration, u64)> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let (mut ns, mut slices) = (0u64, 0u64);
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        let fields: Vec<u64> = stat
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        ns += fields.first().copied().unwrap_or(0);
        slices += fields.get(2).copied().unwrap_or(0);
    }
    Some((Duration::from_nanos(ns), slices))
}

/// CPU time and time slices of this process's threads (see [`of_process`]).
pub fn of_self() -> Option<(Duration, u64)> {
    of_process(std::process::id())
}

/// The process whose command name is `name` (the first found), e.g. `beam.smp` for a local
/// RabbitMQ; `CLACKS_BENCH_BROKER_PID` names it instead when set.
pub fn find_process(name: &str) -> Option<u32> {
    if let Some(pid) = std::env::var("CLACKS_BENCH_BROKER_PID")
        .ok()
        .and_then(|p| p.parse().ok())
    {
        return Some(pid);
    }
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("comm"))
                .is_ok_and(|comm| comm.trim() == name)
        })
}

/// CPU time of this process and of another one (the broker), read together, and this
/// process's time slices.
#[derive(Clone, Copy, Default)]
pub struct Reading {
    /// This process.
    pub own: Duration,
    /// The other process (zero when it could not be read).
    pub other: Duration,
    /// Time slices of this process's threads (about one per wake-up).
    pub slices: u64,
}

impl Reading {
    /// Reads both now; `None` when this process's own time cannot be read.
    pub fn now(other: Option<u32>) -> Option<Reading> {
        let (own, slices) = of_self()?;
        Some(Reading {
            own,
            other: other
                .and_then(of_process)
                .map(|(time, _)| time)
                .unwrap_or_default(),
            slices,
        })
    }

    /// What was used since `earlier`.
    pub fn since(self, earlier: Reading) -> Reading {
        Reading {
            own: self.own.saturating_sub(earlier.own),
            other: self.other.saturating_sub(earlier.other),
            slices: self.slices.saturating_sub(earlier.slices),
        }
    }

    /// Adds `more` to this one.
    pub fn add(&mut self, more: Reading) {
        self.own += more.own;
        self.other += more.other;
        self.slices += more.slices;
    }
}
