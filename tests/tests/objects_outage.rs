//! The object backend losing its server: a private PostgreSQL (its own data folder and
//! loopback port, started with the server binaries of the PostgreSQL package) holds the
//! store; stopped under a node, object commands answer `-32004 backend` naming `SQL`, the
//! backend actor is restarted by its supervisor, and once the server is back the calls
//! succeed again with the objects written before the outage.

use clacks_runtime::call::RpcErrorKind;
use clacks_tests::objects::{node_with, until_up};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const BASE: &str = "dc=example,dc=net";
const PEOPLE: &str = "ou=people,dc=example,dc=net";

/// A PostgreSQL server of the test's own, run as the `postgres` user.
struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

fn as_postgres(program: &Path) -> Command {
    let mut cmd = Command::new("runuser");
    cmd.args(["-u", "postgres", "--"]).arg(program);
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).max())
            .unwrap_or_else(|| panic!("the PostgreSQL server package is not installed"));
        let dir = std::env::temp_dir().join(format!("clacks-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let chown = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&dir)
            .status();
        assert!(chown.is_ok_and(|s| s.success()), "chown of the data folder");
        let init = as_postgres(&bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(dir.join("data"))
            .output()
            .unwrap_or_else(|e| panic!("initdb: {e}"));
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let pg = PrivatePostgres {
            bin,
            dir,
            port: free_port(),
        };
        pg.up();
        pg
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let out = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-o", &options, "-l"])
            .arg(self.dir.join("log"))
            .args(["-w", "start"])
            .output()
            .unwrap_or_else(|e| panic!("pg_ctl start: {e}"));
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn down(&self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.down();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[actix_rt::test]
async fn a_lost_database_answers_backend_at_once_and_serves_again_after_its_return() {
    let pg = PrivatePostgres::start();
    let url = pg.url();
    let cluster = node_with("outage", &[("objects.store", url.clone())]).await;
    let call = |params: Value| cluster.call(0, "objects.get", params);

    until_up(&cluster, "objects.get", json!([BASE])).await;
    let user = cluster
        .call(0, "objects.create", json!({"type": "User", "parent": PEOPLE, "attrs": {"uid": "kept", "givenName": "K", "sn": "Ept"}}))
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));

    pg.down();
    let mut answer = None;
    for _ in 0..1000 {
        match call(json!([BASE])).await {
            Err(e) if e.kind() == RpcErrorKind::Backend => {
                answer = Some(e);
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    let e = answer.unwrap_or_else(|| panic!("no -32004 while the database is down"));
    assert_eq!(e.code(), -32004);
    assert_eq!(e.data("backend"), Some(&json!("SQL")));
    // Once the actor noticed, calls are refused by the status, without touching the pool.
    let mut restarted = false;
    for _ in 0..1000 {
        let info = cluster.nodes[0]
            .tree()
            .snapshot()
            .into_iter()
            .find(|a| a.path == "node/plugins/objects/backends/sql");
        if info.is_some_and(|a| a.total_restarts >= 1) {
            restarted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        restarted,
        "the backend actor was restarted by its supervisor"
    );
    let refused = call(json!([BASE])).await.map(|_| ()).map_err(|e| e.kind());
    assert_eq!(refused, Err(RpcErrorKind::Backend));

    pg.up();
    let mut back = None;
    for _ in 0..1000 {
        if let Ok(v) = call(json!([user["uuid"]])).await {
            back = Some(v);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let back = back.unwrap_or_else(|| panic!("the backend did not serve again within 10 s"));
    assert_eq!(back["dn"], user["dn"]);
    cluster.shutdown().await;
}
