//! The `host` plugin: real facts of the machine the node runs on (host name, OS, kernel, CPUs,
//! memory, load, uptime, disks, network interfaces), read through `sysinfo` at call time so
//! every answer is current, and the node's own facts from `[plugins.host] facts` (a table, e.g.
//! `role = "db"`), reported under `custom`. It is the seed of the later inventory.

mod facts;

pub use facts::{CpuFacts, DiskFacts, HostFacts, InterfaceFacts, LoadFacts, MemoryFacts, OsFacts};

use clacks_runtime::plugin::plugin;
use clacks_runtime::serde_json::{json, Map, Value};
use clacks_runtime::{Error, PluginDef};
use sysinfo::{Disks, Networks, System};

/// The `host` plugin's state: a `sysinfo` system kept between calls (CPU data needs two
/// samples to mean anything, and re-creating it is costly).
pub struct HostPlugin {
    system: System,
    custom: Map<String, Value>,
}

/// `[plugins.host] facts`: a table of the node's own facts; no other key.
fn custom_facts(config: &Value) -> Result<Map<String, Value>, Error> {
    if let Some(unknown) = config
        .as_object()
        .and_then(|m| m.keys().find(|k| k.as_str() != "facts"))
    {
        return Err(Error::config(
            format!("plugins.host.{unknown}"),
            "unknown key (keys: facts)",
        ));
    }
    match config.get("facts") {
        None => Ok(Map::new()),
        Some(Value::Object(facts)) => Ok(facts.clone()),
        Some(other) => Err(Error::config(
            "plugins.host.facts",
            format!("value {other} is not a table of facts (e.g. facts = {{ role = \"db\" }})"),
        )),
    }
}

impl HostPlugin {
    /// The plugin definition to add to a node.
    pub fn definition() -> PluginDef {
        PluginDef::new(|ctx| {
            let custom = custom_facts(&ctx.config)?;
            let mut system = System::new();
            system.refresh_cpu_all();
            Ok(HostPlugin { system, custom })
        })
        .with_config_check(|config| custom_facts(config).map(drop))
    }

    fn memory(&mut self) -> MemoryFacts {
        self.system.refresh_memory();
        MemoryFacts {
            total: self.system.total_memory(),
            used: self.system.used_memory(),
            available: self.system.available_memory(),
            swap_total: self.system.total_swap(),
            swap_used: self.system.used_swap(),
        }
    }

    fn cpus(&mut self) -> CpuFacts {
        self.system.refresh_cpu_all();
        let cpus = self.system.cpus();
        CpuFacts {
            logical: cpus.len(),
            physical: System::physical_core_count(),
            model: cpus
                .first()
                .map(|c| c.brand().trim().to_owned())
                .unwrap_or_default(),
            frequency_mhz: cpus.first().map(|c| c.frequency()).unwrap_or(0),
        }
    }
}

fn load() -> LoadFacts {
    let l = System::load_average();
    LoadFacts {
        one: l.one,
        five: l.five,
        fifteen: l.fifteen,
    }
}

fn disks() -> Vec<DiskFacts> {
    Disks::new_with_refreshed_list()
        .list()
        .iter()
        .map(|d| DiskFacts {
            device: d.name().to_string_lossy().into_owned(),
            mount_point: d.mount_point().display().to_string(),
            file_system: d.file_system().to_string_lossy().into_owned(),
            total: d.total_space(),
            available: d.available_space(),
            removable: d.is_removable(),
        })
        .collect()
}

fn interfaces() -> Vec<InterfaceFacts> {
    let networks = Networks::new_with_refreshed_list();
    let mut list: Vec<InterfaceFacts> = networks
        .iter()
        .map(|(name, data)| InterfaceFacts {
            name: name.clone(),
            mac: data.mac_address().to_string(),
            addresses: data
                .ip_networks()
                .iter()
                .map(|n| format!("{}/{}", n.addr, n.prefix))
                .collect(),
            rx_bytes: data.total_received(),
            tx_bytes: data.total_transmitted(),
        })
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    list
}

/// Facts of the machine the node runs on.
#[plugin(name = "host")]
impl HostPlugin {
    /// Everything at once: identity, OS, kernel, CPUs, memory, load, uptime, disks, network
    /// interfaces, and the node's own facts (`custom`, from `[plugins.host] facts`).
    #[command]
    fn facts(&mut self) -> HostFacts {
        HostFacts {
            hostname: System::host_name().unwrap_or_default(),
            os: OsFacts {
                id: System::distribution_id(),
                name: System::name().unwrap_or_default(),
                version: System::os_version().unwrap_or_default(),
                long_name: System::long_os_version().unwrap_or_default(),
            },
            kernel: System::kernel_version().unwrap_or_default(),
            arch: System::cpu_arch(),
            cpus: self.cpus(),
            memory: self.memory(),
            load: load(),
            uptime_s: System::uptime(),
            boot_time: System::boot_time(),
            disks: disks(),
            interfaces: interfaces(),
            custom: self.custom.clone(),
        }
    }

    /// Load averages and memory use only: cheap enough to poll.
    #[command]
    fn load(&mut self) -> Value {
        json!({"load": load(), "memory": self.memory(), "uptime_s": System::uptime()})
    }

    /// Mounted file systems with size and free space.
    #[command]
    fn disks(&self) -> Vec<DiskFacts> {
        disks()
    }

    /// Network interfaces with MAC, addresses and traffic counters.
    #[command]
    fn interfaces(&self) -> Vec<InterfaceFacts> {
        interfaces()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_facts_come_from_the_facts_table_and_other_keys_are_refused() {
        assert!(custom_facts(&Value::Null).unwrap().is_empty());
        let facts = custom_facts(&json!({"facts": {"role": "db", "rack": 4}})).unwrap();
        assert_eq!(facts["role"], json!("db"));
        assert!(custom_facts(&json!({"facts": "db"})).is_err());
        assert!(custom_facts(&json!({"fact": {}})).is_err());
    }
}
