//! The file a node keeps the domain's token revocations in (`[auth] revocations_file`), so
//! that they outlive a restart of every node of the domain: one `ID EXPIRES_MS` line per
//! revoked token that has not expired, `#` lines and blank lines ignored. It is rewritten
//! whole on every change (`clacks_runtime::atomic_write`), so a node that dies mid-write
//! leaves the previous list, never half of one. A file that cannot be read or
//! parsed is a configuration error naming the line: a node that forgot a revocation would
//! take a revoked token, so it does not start with a list it cannot trust.

use clacks_runtime::Error;
use std::path::Path;

/// The configuration key errors name.
const KEY: &str = "auth.revocations_file";

/// The `(id, expiry in Unix ms)` pairs of the file at `path`; none when it does not exist yet.
pub fn load(path: &Path) -> Result<Vec<(String, u64)>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::config(
                KEY,
                format!("cannot read {}: {e}", path.display()),
            ))
        }
    };
    parse(&text)
        .map_err(|(line, why)| Error::config(KEY, format!("{} line {line}: {why}", path.display())))
}

/// The pairs of a file's `text`, or the (1-based) line that is not one and why.
fn parse(text: &str) -> Result<Vec<(String, u64)>, (usize, String)> {
    let mut tokens = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(id), Some(expires), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err((
                index + 1,
                format!("expected `ID EXPIRES_MS`, found {line:?}"),
            ));
        };
        let expires = expires.parse().map_err(|_| {
            (
                index + 1,
                format!("the expiry {expires:?} is not a number of milliseconds"),
            )
        })?;
        tokens.push((id.to_owned(), expires));
    }
    Ok(tokens)
}

/// Writes `tokens` to `path` (temporary file, then rename).
pub fn save(path: &Path, tokens: &[(String, u64)]) -> Result<(), Error> {
    let mut text = String::from("# Revoked tokens of this domain (auth.revoke): ID EXPIRES_MS\n");
    for (id, expires) in tokens {
        text.push_str(&format!("{id} {expires}\n"));
    }
    clacks_runtime::atomic_write::replace(path, text.as_bytes())
        .map_err(|e| Error::config(KEY, format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_list_loads_back_and_a_missing_file_is_an_empty_list() {
        let dir = std::env::temp_dir().join(format!("clacks-revocations-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("revoked");
        assert_eq!(load(&path).unwrap(), vec![]);
        let tokens = vec![("q7Xf0_-kP2mZ3aQe".to_owned(), 1_900_000_000_000)];
        save(&path, &tokens).unwrap();
        assert_eq!(load(&path).unwrap(), tokens);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_line_that_is_not_a_revocation_is_named() {
        assert_eq!(
            parse("# list\n\nabc 12\nabc twelve\n").unwrap_err().0,
            4,
            "the expiry that is not a number"
        );
        assert_eq!(parse("abc\n").unwrap_err().0, 1, "no expiry");
        assert_eq!(parse("abc 1 2\n").unwrap_err().0, 1, "a third field");
    }

    #[test]
    fn a_file_in_a_folder_that_does_not_exist_cannot_be_written_and_says_where() {
        let path = Path::new("/nonexistent-clacks-folder/revoked");
        let e = save(path, &[]).unwrap_err().to_string();
        assert!(
            e.contains("auth.revocations_file") && e.contains("/nonexistent-clacks-folder"),
            "{e}"
        );
    }
}
