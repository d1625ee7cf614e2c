//! The README's plugin example ("Writing a plugin"), word for word below this paragraph:
//! README.md shows the code from the first `use` to the end of this file, and
//! `tests/greeter_node.rs` fails when the two differ, so the README's example always compiles.

use clacks_runtime::call::{CallContext, CallError};
use clacks_runtime::plugin::plugin;
use clacks_runtime::PluginDef;

pub struct Greeter {
    greeted: u64,
}

/// Greets people.
#[plugin(name = "greeter")]
impl Greeter {
    /// Greets `name`, `times` times.
    #[command(timeout = 5)]
    fn hello(
        &mut self,
        ctx: &CallContext,
        name: String,
        #[arg(default = 1)] times: u32,
    ) -> Result<String, CallError> {
        self.greeted += 1;
        Ok(format!("hello {name} from {}", ctx.node()).repeat(times as usize))
    }

    /// How many greetings this instance gave: a restart begins again from 0.
    #[command]
    fn greeted(&self) -> u64 {
        self.greeted
    }
}

impl Greeter {
    /// The plugin as a node takes it: `NodeRunner::plugin(Greeter::definition())` or
    /// `NodeBuilder::plugin(..)`. The factory runs at every (re)start.
    pub fn definition() -> PluginDef {
        PluginDef::new(|_| Ok(Greeter { greeted: 0 }))
    }
}
