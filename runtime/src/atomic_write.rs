//! Replacing a file whole: the contents go to a temporary file beside it, which is then
//! renamed over it, so a node that dies mid-write leaves the previous contents, never half of
//! them. Files a node rewrites while running (the ACL set, the token revocations) go through
//! [`replace`].
//!
//! The temporary file's name is the writer's own (process id and a per-process count):
//! nodes that share one file (several on a host, or a test process's nodes) rewrite it on the
//! same replicated change, and with one shared temporary name the first rename took the
//! others' file away from under them ("No such file or directory").

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `contents` to `path` through a temporary file renamed over it; the temporary file
/// is removed when that fails.
pub fn replace(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = temporary_name(path);
    let written = std::fs::write(&tmp, contents).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// `PATH.PID.N.tmp`, unique to this write.
fn temporary_name(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.{n}.tmp", std::process::id()));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_sharing_one_file_never_take_each_others_temporary_file() {
        let dir = std::env::temp_dir().join(format!("clacks-replace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("shared");
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    (0..50)
                        .map(|_| replace(&path, format!("writer {i}\n").as_bytes()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for writer in writers {
            for result in writer.join().unwrap() {
                result.unwrap();
            }
        }
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "only the file itself is left: {left:?}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("writer ") && text.lines().count() == 1,
            "{text}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("clacks-replace-fail-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a-folder")).unwrap();
        // Renaming a file over a folder fails after the temporary file was written.
        assert!(replace(&dir.join("a-folder"), b"x").is_err());
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
