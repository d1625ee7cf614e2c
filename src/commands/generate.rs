//! `clacks generate phone-calls [--events N] [--seed S] [--extensions K]`: a scripted PBX.
//! It makes `PhoneCall` event sequences (ringing, answered or not, hung up; the last calls may
//! stay in progress) that have ended by now, and publishes them one by one through `events.publish`
//! on the node (HTTP, or AMQP with `--amqp`), or prints them with `--print` (one event per
//! line, for `clacks emit -` or files). Feeds the `stats` plugin.

use clacks_plugins::stats::{generate, GeneratorConfig};
use clacks_runtime::call::{unix_millis_now, CallRequest, Params};
use clap::{Args, ValueEnum};
use serde_json::Value;
use std::time::Instant;

use super::Target;
use crate::client::ClientError;
use crate::exit::{fail, Exit};

/// What to generate.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum Kind {
    /// `PhoneCall` events of a small PBX.
    PhoneCalls,
}

/// Arguments of `clacks generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// What to generate.
    kind: Kind,
    #[command(flatten)]
    target: Target,
    /// Number of events.
    #[arg(long, default_value_t = 1000)]
    events: usize,
    /// Seed: the same seed gives the same calls.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Distinct extensions (100, 101, …).
    #[arg(long, default_value_t = 20)]
    extensions: u32,
    /// Milliseconds between call starts.
    #[arg(long, default_value_t = 1500)]
    spacing_ms: u32,
    /// Print the events (one per line) instead of publishing them.
    #[arg(long)]
    print: bool,
}

/// Runs `clacks generate`.
pub fn run(args: GenerateArgs) -> Exit {
    let Kind::PhoneCalls = args.kind;
    // About 2.7 events per call, each call at most 11 minutes long: start early enough for
    // every finished call to have ended by now.
    let calls_estimate = (args.events as i64 * 10) / 27 + 1;
    let start_ms = unix_millis_now() as i64 - calls_estimate * i64::from(args.spacing_ms) - 660_000;
    let (events, calls) = generate(GeneratorConfig {
        events: args.events,
        seed: args.seed,
        extensions: args.extensions,
        start_ms,
        spacing_ms: i64::from(args.spacing_ms),
    });
    if args.print {
        for xml in &events {
            println!("{xml}");
        }
        return Exit::Ok;
    }
    let client = args.target.client();
    actix_rt::System::new().block_on(async move {
        let started = Instant::now();
        for (n, xml) in events.iter().enumerate() {
            let call = CallRequest::new(
                "events.publish",
                Params::Positional(vec![Value::String(xml.clone())]),
            );
            if let Err(error) = client.call(&call).await {
                let exit = error.exit();
                return match error {
                    ClientError::Call(err, _) => {
                        fail(exit, format!("event {n}: events.publish failed: {err}"))
                    }
                    ClientError::Other(_, message) => fail(exit, message),
                };
            }
        }
        let secs = started.elapsed().as_secs_f64().max(f64::MIN_POSITIVE);
        eprintln!(
            "clacks: published {} PhoneCall events ({} calls) in {secs:.2} s ({:.0} events/s)",
            events.len(),
            calls.len(),
            events.len() as f64 / secs
        );
        Exit::Ok
    })
}
