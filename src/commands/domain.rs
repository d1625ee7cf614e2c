//! `clacks domain teardown --amqp URL --domain D`: removes a domain's durable queues and
//! exchanges from its broker once no node serves it (see `clacks_amqp::teardown` for which
//! names outlive the nodes and why).

use clap::{Args, Subcommand};

use crate::exit::{fail, Exit};

/// Arguments of `clacks domain`.
#[derive(Args, Debug)]
pub struct DomainArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Delete the domain's exchanges, the shared queues of its plugins and its dead letters.
    /// Refused while a node still consumes one of those queues.
    Teardown {
        /// The broker (amqp://USER:PASS@HOST:PORT/VHOST); the user needs configure rights on
        /// the domain's names (the deploy/ node user has them).
        #[arg(long, env = "CLACKS_AMQP_URL")]
        amqp: String,
        /// The domain.
        #[arg(long, env = "CLACKS_DOMAIN")]
        domain: String,
        /// Also a plugin of this name (its queue `D.command.P`); the standard plugins' queues
        /// are always included. AMQP cannot list queues, so other plugins must be named.
        #[arg(long = "plugin")]
        plugins: Vec<String>,
        /// Leave `D.command.dead` (the dead letters) in place.
        #[arg(long)]
        keep_dead_letters: bool,
    },
}

/// Runs `clacks domain`.
pub fn run(args: DomainArgs) -> Exit {
    let Action::Teardown {
        amqp,
        domain,
        plugins,
        keep_dead_letters,
    } = args.action;
    let mut all: Vec<String> = clacks_plugins::NODE_PLUGINS
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    for plugin in plugins {
        if !all.contains(&plugin) {
            all.push(plugin);
        }
    }
    let outcome = actix_rt::System::new().block_on(clacks_amqp::teardown::teardown(
        &amqp,
        &domain,
        &all,
        keep_dead_letters,
    ));
    match outcome {
        Ok(report) => {
            for (name, removed) in report {
                match removed {
                    clacks_amqp::teardown::Removed::Deleted(messages) if messages > 0 => {
                        println!("{name}\tdeleted ({messages} messages)")
                    }
                    clacks_amqp::teardown::Removed::Deleted(_) => println!("{name}\tdeleted"),
                    clacks_amqp::teardown::Removed::Absent => println!("{name}\tnot there"),
                }
            }
            Exit::Ok
        }
        Err(clacks_amqp::teardown::TeardownError::Broker(e)) if e.can_be_recovered() => {
            fail(Exit::Unreachable, format!("domain teardown: {e}"))
        }
        // Refused credentials or permissions: the command line must change.
        Err(clacks_amqp::teardown::TeardownError::Broker(e)) => {
            fail(Exit::Usage, format!("domain teardown: {e}"))
        }
        Err(e) => fail(Exit::CallFailed, format!("domain teardown: {e}")),
    }
}
