//! Layering the configuration sources and turning `config` crate errors into ours. An error
//! about a value an environment variable set names that variable as well as the key: the key
//! alone (`http.workers`) sends a person looking through files that do not hold the value.

use config::{Config, ConfigError, File, FileFormat};
use std::path::Path;

use super::Settings;
use crate::{Error, ErrorKind};

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
/// (dotted key, value), and validates the result. An error about a key an environment
/// variable set names the variable (see [`name_env_variable`]).
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
    for (name, value) in &env {
        if let Some(key) = env_key(name) {
            builder = builder
                .set_override(key.as_str(), value.as_str())
                .map_err(|e| Error::config(name.as_str(), e.to_string()))?;
        }
    }
    for (key, value) in overrides {
        builder = builder
            .set_override(*key, value.clone())
            .map_err(|e| Error::config(*key, e.to_string()))?;
    }
    let source = file.map_or("configuration".to_owned(), |p| p.display().to_string());
    let loaded = builder
        .build()
        .and_then(|config| config.try_deserialize::<Settings>())
        .map_err(|e| from_config_error(&e, &source, &env, overrides));
    let settings = loaded?;
    settings
        .validate()
        .map_err(|e| name_env_variable(e, &env, overrides))?;
    Ok(settings)
}

/// Our error for a `config` crate error: about the key when it came from an environment
/// variable (so that the variable can be named), about the source otherwise.
fn from_config_error(
    err: &ConfigError,
    source: &str,
    env: &[(String, String)],
    overrides: &[(&str, String)],
) -> Error {
    let message = err.to_string();
    let key = match err {
        ConfigError::Type { key, .. } | ConfigError::At { key, .. } => key.as_deref(),
        ConfigError::NotFound(key) => Some(key.as_str()),
        _ => None,
    };
    match env_variable(key, &message, env, overrides) {
        Some((key, variable)) => Error::config(
            key,
            format!("{message} (set by the environment variable {variable})"),
        ),
        None => Error::config(source, message),
    }
}

/// When `err` is a config error about a key that a variable of `env` set (and no entry of
/// `overrides` replaced), the same error naming that variable too; any other error as it is.
/// [`load`] does this for its own errors; a caller checking more after loading (each plugin's
/// `[plugins.NAME]` table) does it with the same `env` and `overrides`.
pub fn name_env_variable(
    err: Error,
    env: &[(String, String)],
    overrides: &[(&str, String)],
) -> Error {
    let ErrorKind::Config { key, message } = err.kind() else {
        return err;
    };
    match env_variable(Some(key), message, env, overrides) {
        Some((key, variable)) => Error::config(
            key,
            format!("{message} (set by the environment variable {variable})"),
        ),
        None => err,
    }
}

/// The key and the variable of `env` that set it, for an error about `key` (or, when the
/// error names no key or a table, about a key of that table quoted in `message`, as an
/// unknown-field error quotes it). A key an override also set came from the override.
fn env_variable(
    key: Option<&str>,
    message: &str,
    env: &[(String, String)],
    overrides: &[(&str, String)],
) -> Option<(String, String)> {
    let from_env = env
        .iter()
        .filter_map(|(name, _)| env_key(name).map(|key| (key, name)))
        .filter(|(set, _)| !overrides.iter().any(|(key, _)| key == set));
    let mut quoted = None;
    for (set, name) in from_env {
        if key == Some(set.as_str()) {
            return Some((set, name.clone()));
        }
        let (table, field) = set.rsplit_once('.').unwrap_or(("", set.as_str()));
        if key.is_none_or(|key| key == table) && message.contains(&format!("`{field}`")) {
            quoted.get_or_insert((set.clone(), name.clone()));
        }
    }
    quoted
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
    fn error_from_an_environment_variable_names_the_variable_and_the_key() {
        let err = load(None, env(&[("CLACKS_HTTP__WORKERS", "abc")]), &[]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("CLACKS_HTTP__WORKERS") && text.contains("http.workers"),
            "{text}"
        );
        let err = load(None, env(&[("CLACKS_HTTP__WORKERS", "99")]), &[]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("CLACKS_HTTP__WORKERS") && text.contains("1 to 64"),
            "a value refused by validation names the variable too: {text}"
        );
        let err = load(None, env(&[("CLACKS_HTTP__LISEN", "x")]), &[]).unwrap_err();
        assert!(err.to_string().contains("CLACKS_HTTP__LISEN"), "{err}");
    }

    #[test]
    fn error_from_a_flag_or_a_file_names_no_variable() {
        let err = load(
            None,
            env(&[("CLACKS_HTTP__WORKERS", "2")]),
            &[("http.workers", "abc".into())],
        )
        .unwrap_err();
        assert!(!err.to_string().contains("CLACKS_"), "{err}");
        let err = load(
            None,
            env(&[("CLACKS_HTTP__MAX_BODY", "7")]),
            &[("http.workers", "0".into())],
        )
        .unwrap_err();
        assert!(!err.to_string().contains("CLACKS_"), "{err}");
    }

    #[test]
    fn later_check_of_a_plugin_key_names_its_variable() {
        let vars = env(&[("CLACKS_PLUGINS__STATS__RETENTION", "-3")]);
        let refused = Error::config("plugins.stats.retention", "must be at least 0");
        let text = name_env_variable(refused.clone(), &vars, &[]).to_string();
        assert!(
            text.contains("CLACKS_PLUGINS__STATS__RETENTION")
                && text.contains("plugins.stats.retention"),
            "{text}"
        );
        assert_eq!(name_env_variable(refused.clone(), &env(&[]), &[]), refused);
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
    fn a_wrong_broker_log_url_is_refused_naming_its_key_and_variable() {
        assert_eq!(load(None, env(&[]), &[]).unwrap().amqp.broker_log_url, "");
        let vars = env(&[("CLACKS_AMQP__BROKER_LOG_URL", "amqp://audit:pw@h/%2f")]);
        assert_eq!(
            load(None, vars, &[]).unwrap().amqp.broker_log_url,
            "amqp://audit:pw@h/%2f"
        );
        let vars = env(&[("CLACKS_AMQP__BROKER_LOG_URL", "amqp://audit:secret@h/dom")]);
        let err = load(None, vars, &[]).unwrap_err().to_string();
        assert!(
            err.contains("CLACKS_AMQP__BROKER_LOG_URL") || err.contains("amqp.broker_log_url"),
            "{err}"
        );
        assert!(
            err.contains("default vhost") && !err.contains("secret"),
            "{err}"
        );
    }

    #[test]
    fn amqp_heartbeat_is_whole_seconds_from_1_to_3600() {
        let with = |value: &str| load(None, env(&[]), &[("amqp.heartbeat", value.into())]);
        assert_eq!(with("2").unwrap().amqp.heartbeat, 2);
        assert_eq!(load(None, env(&[]), &[]).unwrap().amqp.heartbeat, 10);
        for wrong in ["0", "3601"] {
            let text = with(wrong).unwrap_err().to_string();
            assert!(
                text.contains("amqp.heartbeat")
                    && text.contains(wrong)
                    && text.contains("1 to 3600"),
                "{text}"
            );
        }
        for wrong in ["1.5", "soon", "-1"] {
            let text = with(wrong).unwrap_err().to_string();
            assert!(text.contains("heartbeat"), "{wrong}: {text}");
        }
        let from_env = load(None, env(&[("CLACKS_AMQP__HEARTBEAT", "0")]), &[]).unwrap_err();
        assert!(
            from_env.to_string().contains("CLACKS_AMQP__HEARTBEAT"),
            "{from_env}"
        );
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
    fn broker_addresses_come_as_a_toml_list_or_a_comma_separated_string() {
        let dir = std::env::temp_dir().join(format!("clacks-cfg-list-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "[amqp]\nurl = [\"amqp://u:p@a:5672/d\", \"amqp://u:p@b:5672/d\"]\nqueue_type = \"quorum\"\n",
        )
        .unwrap();
        let s = load(Some(&file), env(&[]), &[]).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            super::super::broker_addresses(&s.amqp.url).unwrap(),
            vec!["amqp://u:p@a:5672/d", "amqp://u:p@b:5672/d"]
        );
        assert_eq!(s.amqp.queue_type, "quorum");
        let vars = env(&[("CLACKS_AMQP_URL", "amqp://u:p@a/d, amqp://u:p@b/d")]);
        let s = load(None, vars, &[]).unwrap();
        assert_eq!(
            super::super::broker_addresses(&s.amqp.url).unwrap().len(),
            2
        );
        let vars = env(&[("CLACKS_AMQP_URL", "amqp://u:p@a/d,amqp://w:p@b/d")]);
        let err = load(None, vars, &[]).unwrap_err().to_string();
        assert!(
            err.contains("CLACKS_AMQP_URL") && err.contains("address 2 of 2"),
            "{err}"
        );
        let err = load(None, env(&[]), &[("amqp.queue_type", "stream".into())])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("amqp.queue_type") && err.contains("quorum"),
            "{err}"
        );
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
