//! `amqp.url` as a list of broker addresses: the nodes of one RabbitMQ cluster, tried in order
//! when a node connects or reconnects. The setting is one string (addresses separated by
//! commas, as an environment variable or `--amqp` gives it) or a TOML list; either way it is
//! kept as one string and split here. Every address must be an `amqp://` or `amqps://` URL
//! naming the same user and virtual host: a cluster shares both, and the user is every
//! message's `user_id`, which must not change when the node moves to another broker node.

use serde::{Deserialize, Deserializer};

use crate::Error;

/// Reads `amqp.url` from a string or a list of strings (joined with `,`).
pub(super) fn string_or_list<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(de)? {
        OneOrMany::One(s) => s,
        OneOrMany::Many(list) => list.join(","),
    })
}

/// The user and virtual host of an AMQP URL (`guest` and `/` when absent, as the broker
/// assumes), still percent-encoded: only compared, never shown decoded.
fn user_and_vhost(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let user = match authority.rsplit_once('@') {
        Some((userinfo, _)) => userinfo.split(':').next().unwrap_or("").to_owned(),
        None => "guest".to_owned(),
    };
    let vhost = path.split('?').next().unwrap_or("");
    let vhost = if vhost.is_empty() || vhost == "%2f" || vhost == "%2F" {
        "/".to_owned()
    } else {
        vhost.to_owned()
    };
    (user, vhost)
}

/// The broker addresses of `url` (the `amqp.url` setting), in order; empty for no broker.
/// The error names the address (by its position, password hidden) and what is wrong with it.
pub fn broker_addresses(url: &str) -> Result<Vec<String>, Error> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(Vec::new());
    }
    let addresses: Vec<&str> = url.split(',').map(str::trim).collect();
    let many = addresses.len() > 1;
    let which = |i: usize| {
        if many {
            format!("address {} of {}", i + 1, addresses.len())
        } else {
            "the address".to_owned()
        }
    };
    let mut first: Option<(String, String)> = None;
    for (i, address) in addresses.iter().enumerate() {
        if address.is_empty() {
            return Err(Error::config(
                "amqp.url",
                format!(
                    "{} is empty: list broker URLs separated by commas, without an empty one",
                    which(i)
                ),
            ));
        }
        if !(address.starts_with("amqp://") || address.starts_with("amqps://")) {
            return Err(Error::config(
                "amqp.url",
                format!(
                    "{} (\"{}\") is not an amqp:// or amqps:// URL",
                    which(i),
                    redact_url(address)
                ),
            ));
        }
        let (user, vhost) = user_and_vhost(address);
        match &first {
            None => first = Some((user, vhost)),
            Some((user1, vhost1)) => {
                if &user != user1 || &vhost != vhost1 {
                    return Err(Error::config(
                        "amqp.url",
                        format!(
                            "{} (\"{}\") names user \"{user}\" and vhost \"{vhost}\", the first \
                             names user \"{user1}\" and vhost \"{vhost1}\": the addresses are the \
                             nodes of one broker cluster, reached as one user in one vhost",
                            which(i),
                            redact_url(address)
                        ),
                    ));
                }
            }
        }
    }
    Ok(addresses.into_iter().map(str::to_owned).collect())
}

/// Checks `amqp.broker_log_url`: empty (no relay), or one `amqp://` or `amqps://` URL with a
/// user and password on the broker's default vhost (where `amq.rabbitmq.log` is). The error
/// names the key and what is wrong (password hidden).
pub fn broker_log_url(url: &str) -> Result<(), Error> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = url.split(',').map(|u| redact_url(u.trim())).collect();
    let shown = shown.join(",");
    let wrong = |why: &str| Error::config("amqp.broker_log_url", format!("\"{shown}\" {why}"));
    let Some(rest) = url
        .strip_prefix("amqp://")
        .or_else(|| url.strip_prefix("amqps://"))
    else {
        return Err(wrong("is not an amqp:// or amqps:// URL"));
    };
    if url.contains(',') {
        return Err(wrong(
            "lists several addresses: give one broker address for the log account",
        ));
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let has_password = authority
        .rsplit_once('@')
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .is_some_and(|(user, password)| !user.is_empty() && !password.is_empty());
    if !has_password {
        return Err(wrong(
            "names no user and password: the log account logs in with both (user:password@host)",
        ));
    }
    let vhost = path.split('?').next().unwrap_or("");
    if !matches!(vhost, "" | "%2f" | "%2F") {
        return Err(wrong(
            "is not on the default vhost: the broker publishes its log to amq.rabbitmq.log in vhost / (end the URL with /%2f)",
        ));
    }
    Ok(())
}

/// `scheme://user:***@host/path`: a URL with its password hidden, for messages and logs. Text
/// that is no URL with credentials comes back unchanged.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, None), |(a, p)| (a, Some(p)));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = userinfo.split(':').next().unwrap_or("");
    match path {
        Some(path) => format!("{scheme}://{user}:***@{host}/{path}"),
        None => format!("{scheme}://{user}:***@{host}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_or_several_separated_by_commas() {
        assert_eq!(broker_addresses("  ").unwrap(), Vec::<String>::new());
        assert_eq!(
            broker_addresses("amqp://u:p@a:5672/d").unwrap(),
            vec!["amqp://u:p@a:5672/d"]
        );
        assert_eq!(
            broker_addresses("amqp://u:p@a:5672/d, amqps://u:p@b:5671/d").unwrap(),
            vec!["amqp://u:p@a:5672/d", "amqps://u:p@b:5671/d"]
        );
    }

    #[test]
    fn a_bad_address_is_named_by_position_with_its_password_hidden() {
        let err = broker_addresses("amqp://u:p@a/d,http://u:secret@b/d")
            .unwrap_err()
            .to_string();
        assert!(err.contains("amqp.url"), "{err}");
        assert!(err.contains("address 2 of 2"), "{err}");
        assert!(err.contains("not an amqp:// or amqps:// URL"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        let err = broker_addresses("amqp://u:p@a/d,,amqp://u:p@b/d")
            .unwrap_err()
            .to_string();
        assert!(err.contains("address 2 of 3 is empty"), "{err}");
    }

    #[test]
    fn every_address_names_the_same_user_and_vhost() {
        let err = broker_addresses("amqp://u:p@a/d,amqp://v:p@b/d")
            .unwrap_err()
            .to_string();
        assert!(err.contains("user \"v\""), "{err}");
        let err = broker_addresses("amqp://u:p@a/d,amqp://u:p@b/e")
            .unwrap_err()
            .to_string();
        assert!(err.contains("vhost \"e\""), "{err}");
        // No vhost, `/` and `%2f` are one vhost; no user is guest.
        assert!(broker_addresses("amqp://a,amqp://guest@b/%2f,amqp://guest:x@c/").is_ok());
    }
    #[test]
    fn the_broker_log_url_is_one_account_with_a_password_on_the_default_vhost() {
        assert!(broker_log_url("").is_ok());
        assert!(broker_log_url("amqp://audit:pw@h:5672/%2f").is_ok());
        assert!(broker_log_url("amqps://audit:pw@h:5671").is_ok());
        for (url, says) in [
            ("http://audit:secret@h/%2f", "not an amqp://"),
            (
                "amqp://audit:secret@h/%2f,amqp://audit:secret@i/%2f",
                "several addresses",
            ),
            ("amqp://h/%2f", "no user and password"),
            ("amqp://audit@h/%2f", "no user and password"),
            ("amqp://audit:secret@h/org.clacks", "default vhost"),
        ] {
            let err = broker_log_url(url).unwrap_err().to_string();
            assert!(err.contains("amqp.broker_log_url"), "{err}");
            assert!(err.contains(says), "{url}: {err}");
            assert!(!err.contains("secret"), "{err}");
        }
    }
}
