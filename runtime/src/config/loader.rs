//! Layering the configuration sources and turning `config` crate errors into ours.

use config::{Config, File, FileFormat};
use std::path::Path;

use super::Settings;
use crate::Error;

/// The shipped defaults (`config/clacks.toml`), compiled in so a node needs no file to start.
pub const DEFAULTS: &str = include_str!("../../../config/clacks.toml");

/// Environment variables that are not settings (client-side or read elsewhere).
const NOT_SETTINGS: &[&str] = &["CLACKS_CONFIG", "CLACKS_URL", "CLACKS_LOG"];

/// Maps `CLACKS_SECTION__KEY` (and the short forms) to a dotted key.
fn env_key(name: &str) -> Option<String> {
    if NOT_SETTINGS.contains(&name) {
        return None;
    }
    if name == "CLACKS_DOMAIN" {
        return Some("node.domain".to_owned());
    }
    if name == "CLACKS_AMQP_URL" {
        return Some("amqp.url".to_owned());
    }
    let rest = name.strip_prefix("CLACKS_")?;
    rest.contains("__")
        .then(|| rest.to_ascii_lowercase().replace("__", "."))
}

/// Loads the settings: defaults, then `file`, then `env` (`CLACKS_…` pairs), then `overrides`
/// (dotted key, value), and validates the result.
pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
    overrides: &[(&str, String)],
) -> Result<Settings, Error> {
    let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
    if let Some(path) = file {
        if !path.is_file() {
            return Err(Error::config(
                path.display().to_string(),
                "no such configuration file",
            ));
        }
        builder = builder.add_source(File::from(path).format(FileFormat::Toml).required(true));
    }
    let mut env: Vec<(String, String)> = env.into_iter().collect();
    env.sort();
    for (name, value) in env {
        if let Some(key) = env_key(&name) {
            builder = builder
                .set_override(key.as_str(), value)
                .map_err(|e| Error::config(name.as_str(), e.to_string()))?;
        }
    }
    for (key, value) in overrides {
        builder = builder
            .set_override(*key, value.clone())
            .map_err(|e| Error::config(*key, e.to_string()))?;
    }
    let source = file.map_or("configuration".to_owned(), |p| p.display().to_string());
    let config = builder
        .build()
        .map_err(|e| Error::config(source.as_str(), e.to_string()))?;
    let settings: Settings = config
        .try_deserialize()
        .map_err(|e| Error::config(source.as_str(), e.to_string()))?;
    settings.validate()?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_load_and_validate() {
        let s = load(None, env(&[]), &[]).unwrap();
        assert_eq!(s.node.domain, "org.clacks");
        assert_eq!(s.http.listen, "127.0.0.1:8080");
        assert_eq!(s.http.max_body, 1 << 20);
        assert_eq!(s.supervision.max_restarts, 5);
    }

    #[test]
    fn env_overrides_nested_keys_and_short_forms() {
        let s = load(
            None,
            env(&[
                ("CLACKS_HTTP__MAX_BODY", "2048"),
                ("CLACKS_DOMAIN", "net.example"),
                ("CLACKS_PLUGINS__FLAKY__MAX_RESTARTS", "20"),
                ("CLACKS_URL", "http://ignored"),
                ("CLACKS_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
                ("PATH", "/bin"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(s.http.max_body, 2048);
        assert_eq!(s.node.domain, "net.example");
        assert_eq!(s.amqp.url, "amqp://guest:guest@127.0.0.1:5672/%2f");
        assert_eq!(
            s.plugin_supervision("flaky")
                .unwrap()
                .intensity
                .max_restarts,
            20
        );
    }

    #[test]
    fn overrides_beat_env() {
        let s = load(
            None,
            env(&[("CLACKS_NODE__NAME", "fromenv")]),
            &[("node.name", "fromflag".into())],
        )
        .unwrap();
        assert_eq!(s.node.name, "fromflag");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = load(None, env(&[("CLACKS_HTTP__MAX_BODY", "lots")]), &[]).unwrap_err();
        assert!(err.to_string().contains("max_body"), "{err}");
    }

    #[test]
    fn wrong_values_name_key_value_and_allowed() {
        let err = load(None, env(&[]), &[("http.listen", "nowhere".into())]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("http.listen") && text.contains("nowhere") && text.contains("off"),
            "{text}"
        );
        let err = load(
            None,
            env(&[]),
            &[("supervision.strategy", "all_for_me".into())],
        )
        .unwrap_err();
        assert!(err.to_string().contains("one_for_all"), "{err}");
        let err = load(None, env(&[]), &[("node.domain", "bad domain".into())]).unwrap_err();
        assert!(err.to_string().contains("node.domain"), "{err}");
        let err = load(None, env(&[]), &[("calls.timeout", "-1".into())]).unwrap_err();
        assert!(err.to_string().contains("calls.timeout"), "{err}");
    }

    #[test]
    fn unknown_key_in_file_is_an_error() {
        let dir = std::env::temp_dir().join(format!("clacks-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "[http]\nlisen = \"127.0.0.1:1\"\n").unwrap();
        let err = load(Some(&file), env(&[]), &[]).unwrap_err();
        assert!(err.to_string().contains("lisen"), "{err}");
        let err = load(Some(&dir.join("missing.toml")), env(&[]), &[]).unwrap_err();
        assert!(
            err.to_string().contains("no such configuration file"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn listen_off_and_localhost_parse() {
        let s = load(None, env(&[]), &[("http.listen", "off".into())]).unwrap();
        assert_eq!(s.http_listen().unwrap(), super::super::HttpListen::Off);
        let s = load(None, env(&[]), &[("http.listen", "localhost:0".into())]).unwrap();
        assert!(
            matches!(s.http_listen().unwrap(), super::super::HttpListen::At(a) if a.ip().is_loopback())
        );
    }
}
