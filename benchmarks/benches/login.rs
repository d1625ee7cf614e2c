//! Whether a login's timing tells which users exist (issue 15): `Auth::check_password` for a
//! user that does not exist beside a wrong password of one that does (its password set by
//! `auth.set_password`, so hashed with the method new passwords get, `crypt/md5`), on an
//! in-process node with the objects and auth plugins. Batches of checks per side in paired
//! rounds whose order alternates; the figure is the median of the rounds' per-check times and
//! their ratio. Goal: unknown user / wrong password close to 1 (both verify one hash).

use clacks_benchmarks::{knobs, median, ready};
use clacks_gateway::auth::Authenticator;
use clacks_plugins::auth::{Auth, AuthPlugin};
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::NodeBuilder;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn named(value: Value) -> Params {
    match value {
        Value::Object(map) => Params::Named(map),
        other => panic!("not named arguments: {other}"),
    }
}

fn main() {
    let rounds = knobs::count("CLACKS_BENCH_ROUNDS", 9);
    let batch = knobs::count("CLACKS_BENCH_CALLS", 100);
    let dir = std::env::temp_dir().join(format!("clacks-bench-login-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let key = dir.join("token.key");
    std::fs::write(&key, "0123456789abcdef0123456789abcdef-bench-key\n")
        .unwrap_or_else(|e| panic!("key file: {e}"));
    let key = key.display().to_string();
    actix_rt::System::new().block_on(async move {
        let domain = format!("bench-login-{}", std::process::id());
        // The harness's anonymous has every right: it looks users up, creates and sets.
        let settings = clacks_tests::cluster::settings(
            &domain,
            &[
                ("auth.enabled", "true"),
                ("auth.token_key_file", &key),
                ("auth.lookup_user", "anonymous"),
                ("auth.max_failures", "1000000000"),
            ],
        );
        let auth = Auth::from_settings(&settings)
            .unwrap_or_else(|e| panic!("auth settings: {e}"))
            .unwrap_or_else(|| panic!("auth is off"));
        let node = NodeBuilder::new(settings.clone())
            .name("bench")
            .plugin(clacks_plugins::core::CorePlugin::definition())
            .plugin(clacks_plugins::objects::ObjectsPlugin::definition(
                &settings,
            ))
            .plugin(AuthPlugin::definition(&auth))
            .start()
            .unwrap_or_else(|e| panic!("bench node: {e}"));
        let create = json!({"type": "User", "parent": "ou=people,dc=example,dc=net",
            "attrs": {"uid": "alice", "givenName": "Alice", "sn": "Bench"}});
        let create_alice = || {
            CallRequest::new("objects.create", named(create.clone()))
                .with_timeout(Duration::from_secs(5))
        };
        ready::until_answered(&node, create_alice, 100, Duration::from_millis(50))
            .await
            .unwrap_or_else(|e| panic!("alice not created: {e}"));
        let set = CallRequest::new(
            "auth.set_password",
            named(json!({"user": "alice", "password": "s3cret"})),
        )
        .with_timeout(Duration::from_secs(5));
        node.call(set)
            .await
            .unwrap_or_else(|e| panic!("alice's password not set: {e}"));
        auth.check_password(&node, "alice", "s3cret", None)
            .await
            .unwrap_or_else(|e| panic!("alice's password does not check: {e:?}"));

        // µs per check over one batch; every check must fail as a wrong password.
        let per_check = |user: &'static str| {
            let (auth, node) = (auth.clone(), node.clone());
            async move {
                let started = Instant::now();
                for i in 0..batch {
                    let name = if user.is_empty() {
                        format!("nobody{i}")
                    } else {
                        user.to_owned()
                    };
                    if let Ok(()) = auth.check_password(&node, &name, "guess", None).await {
                        panic!("{name} logged in with a wrong password");
                    }
                }
                started.elapsed().as_secs_f64() * 1e6 / batch as f64
            }
        };
        println!("login benchmark: {rounds} paired rounds of {batch} checks per side");
        per_check("").await;
        per_check("alice").await;
        let (mut unknown, mut wrong, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (u, w) = if round % 2 == 0 {
                let u = per_check("").await;
                (u, per_check("alice").await)
            } else {
                let w = per_check("alice").await;
                (per_check("").await, w)
            };
            unknown.push(u);
            wrong.push(w);
            ratios.push(u / w);
        }
        println!(
            "unknown user:   {:.1} µs per check (median of rounds)",
            median(unknown)
        );
        println!(
            "wrong password: {:.1} µs per check (median of rounds)",
            median(wrong)
        );
        println!(
            "RESULT unknown_over_wrong={:.3} (median of per-round ratios; goal: about 1)",
            median(ratios)
        );
        node.shutdown().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}
