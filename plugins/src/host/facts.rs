//! The facts the `host` plugin reports, as serializable structs: the seed of the later
//! inventory, so field names follow what an inventory needs (identity, OS, hardware, usage).

use serde::Serialize;
use serde_json::{Map, Value};

/// Everything `host.facts` returns.
#[derive(Debug, Clone, Serialize)]
pub struct HostFacts {
    /// Host name.
    pub hostname: String,
    /// Operating system.
    pub os: OsFacts,
    /// Kernel version.
    pub kernel: String,
    /// CPU architecture (`x86_64`, …).
    pub arch: String,
    /// Processors.
    pub cpus: CpuFacts,
    /// Memory and swap, bytes.
    pub memory: MemoryFacts,
    /// Load averages.
    pub load: LoadFacts,
    /// Seconds since boot.
    pub uptime_s: u64,
    /// Boot time, Unix seconds.
    pub boot_time: u64,
    /// Mounted file systems.
    pub disks: Vec<DiskFacts>,
    /// Network interfaces.
    pub interfaces: Vec<InterfaceFacts>,
    /// The node's own facts from `[plugins.host] facts` (role, site, rack, …): what
    /// `clacks call --where role=db` matches beside the machine's facts.
    pub custom: Map<String, Value>,
}

/// Operating system.
#[derive(Debug, Clone, Serialize)]
pub struct OsFacts {
    /// Distribution id (`debian`).
    pub id: String,
    /// Name (`Debian GNU/Linux`).
    pub name: String,
    /// Version (`12`).
    pub version: String,
    /// Long name with version.
    pub long_name: String,
}

/// Processors.
#[derive(Debug, Clone, Serialize)]
pub struct CpuFacts {
    /// Logical CPUs.
    pub logical: usize,
    /// Physical cores, when known.
    pub physical: Option<usize>,
    /// Model name.
    pub model: String,
    /// Frequency of the first CPU, MHz.
    pub frequency_mhz: u64,
}

/// Memory and swap in bytes.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryFacts {
    /// Total RAM.
    pub total: u64,
    /// Used RAM.
    pub used: u64,
    /// Available RAM.
    pub available: u64,
    /// Total swap.
    pub swap_total: u64,
    /// Used swap.
    pub swap_used: u64,
}

/// Load averages.
#[derive(Debug, Clone, Serialize)]
pub struct LoadFacts {
    /// Over 1 minute.
    pub one: f64,
    /// Over 5 minutes.
    pub five: f64,
    /// Over 15 minutes.
    pub fifteen: f64,
}

/// One mounted file system.
#[derive(Debug, Clone, Serialize)]
pub struct DiskFacts {
    /// Device or name.
    pub device: String,
    /// Mount point.
    pub mount_point: String,
    /// File system type.
    pub file_system: String,
    /// Size, bytes.
    pub total: u64,
    /// Free for unprivileged users, bytes.
    pub available: u64,
    /// Removable medium.
    pub removable: bool,
}

/// One network interface.
#[derive(Debug, Clone, Serialize)]
pub struct InterfaceFacts {
    /// Interface name.
    pub name: String,
    /// MAC address.
    pub mac: String,
    /// Addresses in CIDR form.
    pub addresses: Vec<String>,
    /// Bytes received since boot.
    pub rx_bytes: u64,
    /// Bytes sent since boot.
    pub tx_bytes: u64,
}
