//! The ACL set the test harness runs its nodes with (issue 14 made nodes secure by default:
//! without an entry only `[acl] admins` may call anything). It names the identities the
//! existing tests call as — the broker's `guest`, the deploy caller and node users
//! (`DOMAIN-caller`, `DOMAIN-node`; members match at the start, like `re.match`), `anonymous` (HTTP and in-process callers) and `alice` (a
//! caller a node account acts for) — and gives them every right through a role. The ACL
//! tests themselves never use it: they start their nodes with sets of their own.
//!
//! [`harness_file`] writes it once per test process to a file of its own (a node rewrites its
//! `[acl] file` on every ACL change, and the source tree must stay untouched).

use std::path::PathBuf;
use std::sync::OnceLock;

/// The harness set, in the original's JSON ACL format.
pub const HARNESS_ACL: &str = r#"{
  "roles": {
    "tester": [
      {"id": 100, "priority": 0, "scope": "psub",
       "actions": [{"topic": ".*", "acls": "rwcdmsx", "options": {}}]}
    ]
  },
  "acl": {
    "dc=example,dc=net": [{"acls": [
      {"id": 1, "priority": 0, "role": "tester",
       "members": ["^guest$", "^anonymous$", "^alice$", ".*-caller$", ".*-node$"]}
    ]}]
  }
}"#;

/// The path of this process's copy of [`HARNESS_ACL`].
pub fn harness_file() -> PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("clacks-harness-{}.acl", std::process::id()));
        if let Err(e) = std::fs::write(&path, HARNESS_ACL) {
            panic!("cannot write the harness ACL file {}: {e}", path.display());
        }
        path
    })
    .clone()
}
