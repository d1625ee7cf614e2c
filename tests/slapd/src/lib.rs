//! # clacks-test-slapd: a private OpenLDAP server for tests and benchmarks
//!
//! [`PrivateSlapd`] runs a `slapd` of its own, without touching a system one: it writes a
//! `slapd.conf` into a fresh folder (`moduleload back_mdb`, one `mdb` database with suffix
//! [`SUFFIX`], its own `directory`, `pidfile` and `argsfile`, the standard schemas of the
//! slapd package and the GOsa schemas of `../shared/reference/clacks/ldap/schema/gosa` that
//! load on OpenLDAP 2.5), starts `slapd -d 0 -f FILE -h ldap://127.0.0.1:PORT/` in the
//! foreground on a free loopback port, and seeds the suffix entry. The directory manager is
//! [`ADMIN_DN`] with password [`ADMIN_PASSWORD`].
//!
//! One server per test binary: [`PrivateSlapd::shared`] starts it on first use. A static is
//! never dropped, so every server also gets a watchdog process (detached with `setsid`)
//! that kills it and removes its folder as soon as the test process is gone, whichever way
//! it ended; a server that is dropped is killed and removed at once.
//!
//! [`PrivateSlapd::ldapsearch`] and [`PrivateSlapd::ldapmodify`] run the real ldap-utils
//! binaries against the server, so tests see the directory as any other LDAP client does.

#![warn(missing_docs)]

mod ldif;

pub use ldif::{parse_ldif, LdifEntry};

use std::fmt;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The suffix of the private server's database; tests put their bases below it.
pub const SUFFIX: &str = "dc=net";
/// The directory manager (the database's `rootdn`).
pub const ADMIN_DN: &str = "cn=admin,dc=net";
/// The directory manager's password.
pub const ADMIN_PASSWORD: &str = "secret";

/// The standard schemas, from the slapd package, in load order.
const STANDARD_SCHEMAS: [&str; 5] = ["core", "cosine", "inetorgperson", "nis", "misc"];
/// The GOsa schemas that load on OpenLDAP 2.5 (the others need a gofon schema the original
/// never shipped), in load order.
const GOSA_SCHEMAS: [&str; 7] = [
    "samba3",
    "trust",
    "nagios",
    "gosa-core",
    "installed-device",
    "registered-device",
    "configured-device",
];
/// Where the slapd package keeps its schemas.
const SCHEMA_DIR: &str = "/etc/ldap/schema";
/// How long a starting server may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// What went wrong starting or using the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn error(context: &str, e: impl fmt::Display) -> Error {
    Error(format!("{context}: {e}"))
}

/// A private slapd: its folder, port and (while it runs) its process.
pub struct PrivateSlapd {
    dir: PathBuf,
    port: u16,
    process: Mutex<Option<Child>>,
    watchdog: Mutex<Option<Child>>,
}

fn free_port() -> Result<u16, Error> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| error("no free loopback port", e))
}

/// The folder of the GOsa schemas: `shared/reference/clacks/ldap/schema/gosa` beside the
/// repository (or `CLACKS_SHARED`, the `shared` folder, when set).
pub fn gosa_schema_dir() -> Option<PathBuf> {
    let tail = Path::new("reference/clacks/ldap/schema/gosa");
    if let Some(shared) = std::env::var_os("CLACKS_SHARED") {
        let dir = PathBuf::from(shared).join(tail);
        return dir.is_dir().then_some(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared").join(tail))
        .find(|d| d.is_dir())
}

/// The text of a `slapd.conf` for a server in `dir`.
fn config(dir: &Path, gosa: Option<&Path>) -> String {
    let mut conf = String::new();
    for s in STANDARD_SCHEMAS {
        conf.push_str(&format!("include {SCHEMA_DIR}/{s}.schema\n"));
    }
    if let Some(gosa) = gosa {
        for s in GOSA_SCHEMAS {
            conf.push_str(&format!("include {}/{s}.schema\n", gosa.display()));
        }
    }
    let d = dir.display();
    conf.push_str(&format!(
        "pidfile {d}/slapd.pid\nargsfile {d}/slapd.args\n\
         modulepath /usr/lib/ldap\nmoduleload back_mdb\n\
         sizelimit unlimited\n\
         database mdb\nsuffix \"{SUFFIX}\"\nrootdn \"{ADMIN_DN}\"\nrootpw {ADMIN_PASSWORD}\n\
         directory {d}/data\nmaxsize 268435456\n\
         index objectClass eq\nindex entryUUID eq\nindex uid,cn,sn,memberUid eq\n"
    ));
    conf
}

impl PrivateSlapd {
    /// Starts a server of its own (a fresh folder under the temporary directory, a free
    /// loopback port), with the suffix entry seeded.
    pub fn start() -> Result<PrivateSlapd, Error> {
        for program in ["slapd", "ldapadd", "ldapsearch"] {
            let found = std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
                .unwrap_or(false)
                || Path::new("/usr/sbin").join(program).is_file();
            if !found {
                return Err(Error(format!(
                    "'{program}' not found: install the slapd and ldap-utils packages (.ci/prepare does)"
                )));
            }
        }
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("clacks-slapd-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data"))
            .map_err(|e| error(&dir.display().to_string(), e))?;
        let conf = config(&dir, gosa_schema_dir().as_deref());
        std::fs::write(dir.join("slapd.conf"), conf).map_err(|e| error("slapd.conf", e))?;
        let mut slapd = PrivateSlapd {
            dir,
            port: 0,
            process: Mutex::new(None),
            watchdog: Mutex::new(None),
        };
        slapd.watch()?;
        let mut last = Error("not started".to_owned());
        // Another process may take the free port between the check and slapd's bind.
        for _ in 0..5 {
            slapd.port = free_port()?;
            match slapd.resume() {
                Ok(()) => {
                    slapd.ldapadd(&format!(
                        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: net\no: Clacks tests\n"
                    ))?;
                    return Ok(slapd);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The server of this test binary, started on first use.
    ///
    /// # Panics
    /// When it cannot start (the message says why): a test cannot go on without it.
    pub fn shared() -> &'static PrivateSlapd {
        static SHARED: OnceLock<PrivateSlapd> = OnceLock::new();
        SHARED.get_or_init(|| {
            PrivateSlapd::start().unwrap_or_else(|e| panic!("the private slapd: {e}"))
        })
    }

    /// Kills the server and removes its folder once this process is gone.
    fn watch(&mut self) -> Result<(), Error> {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
             [ -f '{d}/slapd.pid' ] && kill -9 \"$(cat '{d}/slapd.pid')\" 2>/dev/null; \
             rm -rf '{d}'",
            pid = std::process::id(),
            d = self.dir.display()
        );
        let child = Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| error("the slapd watchdog (setsid sh)", e))?;
        *self.watchdog.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
        Ok(())
    }

    /// The server's URL, `ldap://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}/", self.port)
    }

    /// Its loopback port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its folder (configuration, data, log).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether its process runs.
    pub fn is_running(&self) -> bool {
        let mut process = self.process.lock().unwrap_or_else(|p| p.into_inner());
        match process.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the server (as a crash would: SIGKILL) and waits until it is gone; its data
    /// stays for [`PrivateSlapd::resume`].
    pub fn stop(&self) {
        let mut process = self.process.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut child) = process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(self.dir.join("slapd.pid"));
    }

    /// Starts the server again on the same port and data, and waits until it answers.
    pub fn resume(&self) -> Result<(), Error> {
        let mut process = self.process.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(child) = process.as_mut() {
            if matches!(child.try_wait(), Ok(None)) {
                return Ok(());
            }
        }
        let log =
            std::fs::File::create(self.dir.join("slapd.log")).map_err(|e| error("slapd.log", e))?;
        let url = self.url();
        let mut child = Command::new("slapd")
            .arg("-d")
            .arg("0")
            .arg("-f")
            .arg(self.dir.join("slapd.conf"))
            .args(["-h", &url])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .env(
                "PATH",
                format!(
                    "{}:/usr/sbin:/sbin",
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .spawn()
            .map_err(|e| error("starting slapd", e))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(self.dir.join("slapd.log")).unwrap_or_default();
                return Err(Error(format!("slapd on {url} exited ({status}): {log}")));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error(format!(
                    "slapd on {url} did not answer within {START_TIMEOUT:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        *process = Some(child);
        Ok(())
    }

    fn tool(&self, program: &str, args: &[&str], input: Option<&str>) -> Result<String, Error> {
        let url = self.url();
        let mut cmd = Command::new(program);
        cmd.args(["-x", "-H", &url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD])
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| error(program, e))?;
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin
                .write_all(text.as_bytes())
                .map_err(|e| error(program, e))?;
        }
        let out = child.wait_with_output().map_err(|e| error(program, e))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            return Ok(stdout);
        }
        Err(Error(format!(
            "{program} {args:?} failed ({}): {}{stdout}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )))
    }

    /// Adds the entries of `ldif` with `ldapadd`.
    pub fn ldapadd(&self, ldif: &str) -> Result<String, Error> {
        self.tool("ldapadd", &[], Some(ldif))
    }

    /// Applies the changes of `ldif` with `ldapmodify`.
    pub fn ldapmodify(&self, ldif: &str) -> Result<String, Error> {
        self.tool("ldapmodify", &[], Some(ldif))
    }

    /// Deletes `dn` with `ldapdelete`.
    pub fn ldapdelete(&self, dn: &str) -> Result<String, Error> {
        self.tool("ldapdelete", &[dn], None)
    }

    /// Runs `ldapsearch -LLL` below `base` with `scope` (`base`, `one`, `sub`) and
    /// `filter`, returning the entries with their user attributes.
    pub fn ldapsearch(
        &self,
        base: &str,
        scope: &str,
        filter: &str,
    ) -> Result<Vec<LdifEntry>, Error> {
        let out = self.tool(
            "ldapsearch",
            &[
                "-LLL",
                "-o",
                "ldif-wrap=no",
                "-b",
                base,
                "-s",
                scope,
                filter,
            ],
            None,
        );
        match out {
            Ok(text) => parse_ldif(&text),
            // 32: noSuchObject (the base is not there): no entries.
            Err(e) if e.0.contains("No such object") => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The entry `dn` as `ldapsearch` shows it, if it exists.
    pub fn entry(&self, dn: &str) -> Result<Option<LdifEntry>, Error> {
        Ok(self
            .ldapsearch(dn, "base", "(objectClass=*)")?
            .into_iter()
            .next())
    }
}

impl Drop for PrivateSlapd {
    fn drop(&mut self) {
        self.stop();
        if let Some(mut w) = self
            .watchdog
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = w.kill();
            let _ = w.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_loads_the_schemas_and_keeps_everything_in_its_folder() {
        let conf = config(Path::new("/tmp/x"), Some(Path::new("/s/gosa")));
        assert!(conf.contains("include /etc/ldap/schema/nis.schema"));
        assert!(conf.contains("include /s/gosa/gosa-core.schema"));
        assert!(conf.contains("moduleload back_mdb"));
        assert!(conf.contains("directory /tmp/x/data"));
        assert!(conf.contains("pidfile /tmp/x/slapd.pid"));
    }

    #[test]
    fn a_private_server_serves_stops_resumes_and_is_removed_on_drop() {
        let slapd = PrivateSlapd::start().unwrap_or_else(|e| panic!("{e}"));
        let dir = slapd.dir().to_owned();
        let root = slapd.entry(SUFFIX).unwrap_or_else(|e| panic!("{e}"));
        assert!(root.is_some_and(|e| e.values("objectClass").contains(&"dcObject".to_owned())));
        slapd
            .ldapadd("dn: ou=t,dc=net\nobjectClass: organizationalUnit\nou: t\n")
            .unwrap_or_else(|e| panic!("{e}"));
        slapd.stop();
        assert!(!slapd.is_running());
        assert!(
            slapd.entry("ou=t,dc=net").is_err(),
            "nothing answers while stopped"
        );
        slapd.resume().unwrap_or_else(|e| panic!("{e}"));
        let kept = slapd.entry("ou=t,dc=net").unwrap_or_else(|e| panic!("{e}"));
        assert!(kept.is_some(), "the data survives a restart");
        assert!(slapd.entry("ou=missing,dc=net").is_ok_and(|e| e.is_none()));
        drop(slapd);
        assert!(!dir.exists());
    }
}
