//! Hosts for multi-host tests, made of Linux network namespaces: each host is a namespace with
//! one veth interface and an address of its own, plugged into a bridge that lives in a further
//! namespace (the switch), so processes started on a host (a broker, a node) talk to the others
//! over a real interface and a real address, not 127.0.0.1. Nothing is added to the machine's
//! own network: the test itself reaches the hosts from a host of its own, by running its code
//! on a thread that entered that host's namespace ([`Network::on_host`]). A host's link can be
//! taken down (`ip link set … down` on its switch port): its packets are dropped silently, as
//! in a partition, until the link is up again.
//!
//! Making namespaces needs root and `ip` (iproute2); [`Network::available`] says why not, so
//! tests can skip with a clear message. Everything made is removed when the [`Network`] is
//! dropped, also after a failed test: the processes still inside its namespaces (an `epmd` a
//! broker started, a node a panicking test left) are killed by their ids, then the namespaces
//! are deleted, and their links with them.

use std::future::Future;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::process::Command;

/// One host: a namespace and its address.
pub struct Host {
    /// The short name the test gave it.
    pub name: String,
    /// The namespace's name (`ip netns`).
    pub netns: String,
    /// Its address on the bridge.
    pub addr: Ipv4Addr,
    /// Its port on the switch (the switch's end of its veth pair).
    port: String,
}

/// A switch (a bridge in a namespace of its own) and the hosts on it.
pub struct Network {
    switch: String,
    hosts: Vec<Host>,
}

/// Runs `ip ARGS…`; `Err` has its words.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Network {
    /// `Ok` when this process can make namespaces (root, and `ip` on the PATH); else why not.
    pub fn available() -> Result<(), String> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Err("network namespaces need root (this test runs as a user)".into());
        }
        match Command::new("ip").arg("-V").output() {
            Ok(out) if out.status.success() => Ok(()),
            _ => Err("the `ip` command (iproute2) is not installed".into()),
        }
    }

    /// A switch with one host per name, numbered in order (`10.A.B.11`, `.12`, …); the subnet
    /// and every name carry this process's id, so several test processes can have networks
    /// at once. The addresses exist only inside the namespaces made here.
    pub fn create(names: &[&str]) -> Result<Network, String> {
        let pid = std::process::id();
        let subnet = [10, 200 + (pid % 50) as u8, ((pid / 50) % 250) as u8];
        // From here on, dropping removes whatever was made.
        let mut network = Network {
            switch: format!("clacks-{pid}-switch"),
            hosts: Vec::new(),
        };
        let switch = network.switch.clone();
        ip(&["netns", "add", &switch])?;
        ip(&["-n", &switch, "link", "add", "br0", "type", "bridge"])?;
        ip(&["-n", &switch, "link", "set", "br0", "up"])?;
        for (i, name) in names.iter().enumerate() {
            let host = Host {
                name: (*name).to_owned(),
                netns: format!("clacks-{pid}-{name}"),
                addr: Ipv4Addr::new(subnet[0], subnet[1], subnet[2], 11 + i as u8),
                port: format!("port{i}"),
            };
            let (ns, port) = (host.netns.clone(), host.port.clone());
            let addr = format!("{}/24", host.addr);
            network.hosts.push(host);
            ip(&["netns", "add", &ns])?;
            // Both ends made in place: the switch's in the switch, the host's in the host.
            ip(&[
                "-n", &switch, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                "netns", &ns,
            ])?;
            ip(&["-n", &switch, "link", "set", &port, "master", "br0"])?;
            ip(&["-n", &switch, "link", "set", &port, "up"])?;
            ip(&["-n", &ns, "addr", "add", &addr, "dev", "eth0"])?;
            ip(&["-n", &ns, "link", "set", "eth0", "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(network)
    }

    /// The host named `name`.
    pub fn host(&self, name: &str) -> &Host {
        match self.hosts.iter().find(|h| h.name == name) {
            Some(host) => host,
            None => panic!("no host {name} in this network"),
        }
    }

    /// `ip netns exec NS`: add the program and its arguments to run it on host `name`.
    pub fn exec(&self, name: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.host(name).netns]);
        command
    }

    /// Moves the calling thread onto host `name`: every socket it opens from now on, and
    /// every thread or process it starts, is in that host's namespace.
    pub fn enter(&self, name: &str) -> Result<(), String> {
        let path = format!("/run/netns/{}", self.host(name).netns);
        let file = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
        // SAFETY: the descriptor is open for the duration of the call; setns only changes
        // the calling thread's namespace.
        match unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } {
            0 => Ok(()),
            _ => Err(format!("setns {path}: {}", std::io::Error::last_os_error())),
        }
    }

    /// Runs `test` to its end on host `name`: on a thread of its own that entered the host,
    /// in a multi-threaded Tokio runtime whose threads (workers, blocking pool) are all
    /// started there, so the test's connections come from the host's address. A panic in
    /// `test` is passed on.
    pub fn on_host<F, Fut>(&self, name: &str, test: F) -> Fut::Output
    where
        F: FnOnce() -> Fut + Send,
        Fut: Future,
        Fut::Output: Send,
    {
        std::thread::scope(|scope| {
            let running = scope.spawn(|| {
                if let Err(why) = self.enter(name) {
                    panic!("cannot enter host {name}: {why}");
                }
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap_or_else(|e| panic!("a runtime on host {name}: {e}"));
                runtime.block_on(test())
            });
            match running.join() {
                Ok(output) => output,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }

    /// Takes host `name`'s link down at the switch: from now on its packets are dropped,
    /// without any reset or error its peers could see.
    pub fn link_down(&self, name: &str) -> Result<(), String> {
        self.set_link(name, "down")
    }

    /// Brings host `name`'s link back up.
    pub fn link_up(&self, name: &str) -> Result<(), String> {
        self.set_link(name, "up")
    }

    fn set_link(&self, name: &str, state: &str) -> Result<(), String> {
        let port = &self.host(name).port;
        ip(&["-n", &self.switch, "link", "set", port, state])
    }
}

/// The ids of the processes running in namespace `netns`.
fn pids_in(netns: &str) -> Vec<String> {
    Command::new("ip")
        .args(["netns", "pids", netns])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

impl Drop for Network {
    fn drop(&mut self) {
        for host in &self.hosts {
            // Only what this test started runs there; a namespace with processes left in it
            // would outlive its name.
            let pids = pids_in(&host.netns);
            if !pids.is_empty() {
                let _ = Command::new("kill").arg("-KILL").args(&pids).status();
            }
            let _ = ip(&["netns", "del", &host.netns]);
        }
        // The switch's ports and bridge go with it.
        let _ = ip(&["netns", "del", &self.switch]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    /// "hello" from a server at `addr`, or why not within a second.
    fn hello(addr: SocketAddr) -> Result<String, std::io::Error> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(1)))?;
        let mut got = String::new();
        stream.read_to_string(&mut got)?;
        Ok(got)
    }

    #[test]
    fn hosts_are_reached_over_the_switch_a_downed_link_is_silent_and_all_is_removed() {
        if let Err(why) = Network::available() {
            println!("skipped: {why}");
            return;
        }
        let network = Network::create(&["a", "b"]).expect("a network");
        let a = network.host("a");
        // A server on host a, bound to its own address, greeting every client.
        let mut server = network
            .exec("a")
            .args(["python3", "-c"])
            .arg(format!(
                "import socket\ns=socket.socket()\ns.bind(('{}', 7001))\ns.listen()\n\
                 print('up', flush=True)\nwhile True:\n  c,_=s.accept()\n  \
                 c.sendall(b'hello')\n  c.close()",
                a.addr
            ))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 in the namespace");
        let mut up = [0u8; 3];
        let said = server.stdout.as_mut().map(|o| o.read_exact(&mut up));
        assert!(matches!(said, Some(Ok(()))), "the server says it is up");
        let at = SocketAddr::from((a.addr, 7001));
        network.on_host("b", || async {
            assert_eq!(hello(at).expect("a reached from b"), "hello");
            network.link_down("a").expect("link down");
            let lost = hello(at).expect_err("nothing gets through a downed link");
            assert_eq!(
                lost.kind(),
                std::io::ErrorKind::TimedOut,
                "silence, not a refusal"
            );
            network.link_up("a").expect("link up");
            let back = (0..20).any(|_| {
                hello(at).is_ok_and(|h| h == "hello") || {
                    std::thread::sleep(Duration::from_millis(100));
                    false
                }
            });
            assert!(back, "a is reachable again");
        });
        let names = [a.netns.clone(), network.switch.clone()];
        drop(network);
        let listed = Command::new("ip").args(["netns", "list"]).output();
        let listed = String::from_utf8_lossy(&listed.expect("ip runs").stdout).into_owned();
        for name in names {
            assert!(!listed.contains(&name), "{name} is removed: {listed}");
        }
        let ended = server.try_wait().ok().flatten().is_some() || {
            std::thread::sleep(Duration::from_millis(300));
            server.try_wait().ok().flatten().is_some()
        };
        assert!(ended, "the server inside was killed");
    }
}
