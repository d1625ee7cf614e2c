//! The broker's refusals as the domain's `Audit` events (`amqp.broker_log_url`): on a private
//! broker that publishes its log, with a deploy/ domain and a log account on the default vhost,
//! a forged `user_id`, a publish to another domain's exchange and another domain's caller
//! logging in to the domain's vhost are each refused by the broker itself, and each becomes one
//! `Audit` event of the domain (whichever of its two nodes read it), naming the account and the
//! reason; the nodes log it and serve on, and relay again after their log link was cut. A log
//! account the broker refuses leaves the node serving.

use clacks_tests::audit::AuditQueue;
use clacks_tests::broker::PrivateBroker;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::json;
use std::time::Duration;

use super::deployed::{Deployed, Here};
use super::SEC;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_brokers_refusals_of_a_domains_accounts_become_its_audit_events() {
    let broker = PrivateBroker::start_with_log_exchange().expect("a private broker");
    let domain = Deployed::on_private(&broker, "blog");
    let other = Deployed::on_private(&broker, "blogother");
    let log_url = broker
        .add_log_reader("clacks-audit", "audit-pw")
        .expect("the log account");
    let relay = [("CLACKS_AMQP__BROKER_LOG_URL", log_url.as_str())];
    let n1 = domain.chaos_node("n1", "off", &relay);
    let n2 = domain.chaos_node("n2", "off", &relay);
    let caller = domain.caller().await;
    let node_account = domain.as_node().await;
    domain.converged(&caller, &["n1", "n2"]).await;
    let audits = AuditQueue::bind(&node_account, &domain.domain).await;
    relay_consumers(&log_url, &domain.domain, 2).await;
    let (d, me) = (&domain.domain, domain.caller_user());

    // 1. A publish as the caller with the node account's user_id: the broker closes the channel.
    let forged = publish(
        &caller.channel().await,
        &format!("{d}.command"),
        &domain.node_user(),
    )
    .await
    .expect_err("the broker refuses a forged user_id");
    assert!(forged.contains("PRECONDITION_FAILED"), "{forged}");
    // 2. A publish to another domain's exchange.
    let foreign = publish(
        &caller.channel().await,
        &format!("{}.command", other.domain),
        &me,
    )
    .await
    .expect_err("the broker refuses another domain's exchange");
    assert!(foreign.contains("ACCESS_REFUSED"), "{foreign}");
    // 3. Another domain's caller logging in to this domain's vhost.
    let intruder = other.caller_user();
    let other_url = other.caller_url();
    let (server, _vhost) = other_url.rsplit_once('/').expect("a URL with a vhost");
    let url = format!("{server}/{d}");
    let login = Connection::connect(&url, ConnectionProperties::default())
        .await
        .map(|_| ())
        .expect_err("the broker refuses another domain's caller");
    assert!(
        login
            .to_string()
            .contains(&format!("access to vhost '{d}' refused")),
        "{login}"
    );

    let topic = format!("<Topic>{d}.broker</Topic>");
    let wanted = [
        ("forged_user_id", me.as_str(), "w", domain.node_user()),
        (
            "access_refused",
            me.as_str(),
            "w",
            format!("{}.command", other.domain),
        ),
        (
            "access_refused",
            intruder.as_str(),
            "x",
            format!("access to vhost '{d}'"),
        ),
    ];
    let matches = |records: &[String],
                   (reason, user, right, names): &(&str, &str, &str, String)| {
        let parts = [
            format!("<User>{user}</User>"),
            topic.clone(),
            format!("<Entry>{reason}: "),
            format!("<Right>{right}</Right>"),
            names.clone(),
        ];
        let found: Vec<String> = records
            .iter()
            .filter(|xml| parts.iter().all(|p| xml.contains(p.as_str())))
            .cloned()
            .collect();
        found
    };
    let records = audits
        .collect(30 * SEC, |seen| {
            wanted.iter().all(|w| !matches(seen, w).is_empty())
        })
        .await;
    for want in &wanted {
        let (reason, user, _, names) = want;
        let matching = matches(&records, want);
        assert_eq!(
            matching.len(),
            1,
            "one Audit event for {reason} of {user} ({names}), whichever node read it: {records:#?}"
        );
        assert!(matching[0].contains("<Decision>denied</Decision>"));
        assert!(
            matching[0].contains("<Node>n1</Node>") || matching[0].contains("<Node>n2</Node>"),
            "{}",
            matching[0]
        );
    }

    for node in ["n1", "n2"] {
        let served = caller
            .call_on(node, "chaos.identity", json!([]), 10 * SEC)
            .await
            .unwrap_or_else(|e| panic!("{node} serves on after the refusals: {e:?}"));
        assert_eq!(served["caller"], json!(me));
    }

    // The log connections lost: each node logs it and reconnects (the shared queue keeps what
    // the broker logs meanwhile), and a refusal is audited again, once.
    let closed = broker
        .rabbitmqctl()
        .args([
            "close_all_user_connections",
            "clacks-audit",
            "test: log link lost",
        ])
        .output()
        .expect("rabbitmqctl runs");
    assert!(closed.status.success(), "{closed:?}");
    tokio::time::sleep(SEC).await;
    relay_consumers(&log_url, &domain.domain, 2).await;
    publish(
        &caller.channel().await,
        &format!("{d}.command"),
        &domain.node_user(),
    )
    .await
    .expect_err("the broker refuses a forged user_id");
    let again = audits
        .collect(30 * SEC, |seen| !matches(seen, &wanted[0]).is_empty())
        .await;
    assert_eq!(matches(&again, &wanted[0]).len(), 1, "{again:#?}");

    caller.close().await;
    node_account.close().await;
    let mut said = Vec::new();
    for node in [n1, n2] {
        node.signal("-TERM");
        said.extend(node.stderr.clone());
        let (status, rest) = node.finish(30 * SEC);
        assert_eq!(status.code(), Some(0), "a clean stop: {rest:#?}");
        said.extend(rest);
    }
    for (reason, user, _, _) in &wanted {
        assert!(
            said.iter().any(
                |l| l.contains("the broker refused an account of the domain")
                    && l.contains(reason)
                    && l.contains(user)
            ),
            "a node logged {reason} of {user}: {said:#?}"
        );
    }
    let lost = said
        .iter()
        .filter(|l| l.contains("broker log relay lost"))
        .count();
    assert!(lost >= 2, "each node logged its lost log link: {said:#?}");
}

/// A log account the broker refuses costs the node nothing but a logged retry: it joins,
/// serves, and says why broker refusals are not audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_broker_log_account_leaves_the_node_serving() {
    let domain = Deployed::create("badlog");
    let wrong = [(
        "CLACKS_AMQP__BROKER_LOG_URL",
        "amqp://clacks-no-such-auditor:hunter2x@127.0.0.1:5672/%2f",
    )];
    let n1 = domain.chaos_node("n1", "off", &wrong);
    let caller = domain.caller().await;
    domain.converged(&caller, &["n1"]).await;
    let served = caller
        .call("chaos.identity", json!([]), 10 * SEC)
        .await
        .expect("the node serves without its log link");
    assert_eq!(served["caller"], json!(domain.caller_user()));
    caller.close().await;
    n1.signal("-TERM");
    let mut said = n1.stderr.clone();
    let (status, rest) = n1.finish(30 * SEC);
    said.extend(rest);
    assert_eq!(status.code(), Some(0), "a clean stop: {said:#?}");
    assert!(
        said.iter().any(|l| l.contains("broker log relay lost")
            && l.contains("clacks-no-such-auditor:***@")
            && !l.contains("hunter2x")),
        "the node logged the refused log account, password hidden: {said:#?}"
    );
}

/// Publishes one confirmed message to `exchange` with `user_id`; `Err` has the broker's words.
async fn publish(channel: &Channel, exchange: &str, user_id: &str) -> Result<(), String> {
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let props = BasicProperties::default().with_user_id(user_id.into());
    let confirm = channel
        .basic_publish(
            exchange.into(),
            "chaos".into(),
            BasicPublishOptions::default(),
            b"{}",
            props,
        )
        .await
        .map_err(|e| e.to_string())?;
    confirm.await.map_err(|e| e.to_string())?;
    // A refusal closes the channel, possibly just after the confirm: ask once more.
    tokio::time::sleep(Duration::from_millis(200)).await;
    channel
        .basic_qos(1, Default::default())
        .await
        .map_err(|e| e.to_string())
}

/// Waits until `count` nodes consume the domain's shared log queue, read as the log account
/// (a passive declare): before that, the broker's log lines would reach no node.
async fn relay_consumers(log_url: &str, domain: &str, count: u32) {
    let connection = Connection::connect(log_url, ConnectionProperties::default())
        .await
        .expect("the log account connects");
    let queue = format!("clacks.{domain}.broker-log");
    let mut seen = None;
    for _ in 0..300 {
        let channel = connection.create_channel().await.expect("a channel");
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        if let Ok(q) = channel
            .queue_declare(queue.as_str().into(), passive, FieldTable::default())
            .await
        {
            seen = Some(q.consumer_count());
            if q.consumer_count() >= count {
                let _ = connection.close(200, "done".into()).await;
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{queue} never had {count} consumers (last seen: {seen:?}): the relay is not running");
}
