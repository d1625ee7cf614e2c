//! Code generation for `#[plugin]`: reads the impl block, takes the `#[command]`/`#[arg]` helper
//! attributes off it (they are not real attributes and must never reach the compiler), and emits
//! the block unchanged otherwise, followed by `impl ::clacks_runtime::plugin::Plugin` (its
//! serving methods come from `dispatch`). Generated
//! code names everything by absolute path (`::clacks_runtime::…`, `::core::…`, `::std::…`) so it
//! works whatever the plugin's module imports, and prefixes its locals with `__clacks_` so they
//! cannot collide with argument names or default expressions.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, FnArg, ImplItem, ItemImpl};

use crate::attrs::{is_attr, CommandArgs, Doc, PluginArgs};
use crate::command::{Command, Param};
use crate::dispatch::dispatch_fns;
use crate::errors::Errors;

/// `#[plugin(args)] item`. Never fails: errors become `compile_error!`s next to the (stripped)
/// impl block, which is still emitted so that the rest of the crate does not drown the real
/// problem in "no method named …" follow-up errors.
pub(crate) fn plugin(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_impl: ItemImpl = match syn::parse2(item.clone()) {
        Ok(item_impl) => item_impl,
        Err(_) => {
            let err = syn::Error::new(
                Span::call_site(),
                "#[plugin] goes on an impl block: #[plugin(name = \"...\")] impl MyPlugin { ... }",
            )
            .to_compile_error();
            return quote!(#err #item);
        }
    };

    let mut errors = Errors::default();
    let plugin_args = errors.check(PluginArgs::parse(args));
    if let Some((_, path, _)) = &item_impl.trait_ {
        errors.push(syn::Error::new_spanned(
            path,
            "#[plugin] goes on an inherent impl block (`impl MyPlugin { ... }`), not on a trait \
             impl",
        ));
    }
    let commands = collect_commands(&mut item_impl, &mut errors);
    check_unique_names(&commands, &mut errors);
    check_receivers(&commands, &mut errors);

    match (errors.finish(), plugin_args) {
        (Ok(()), Some(plugin_args)) => {
            let defaults = default_fns(&item_impl, &commands);
            let plugin_impl = plugin_impl(&plugin_args, &item_impl, &commands);
            quote!(#item_impl #defaults #plugin_impl)
        }
        (Err(err), _) => {
            let err = err.to_compile_error();
            quote!(#item_impl #err)
        }
        // `PluginArgs::parse` failing always leaves an error behind; kept total rather than
        // `unreachable!()` so no input can make the macro panic.
        (Ok(()), None) => quote!(#item_impl),
    }
}

/// Removes the attributes named `name` from `attrs` and returns them.
fn take_attrs(attrs: &mut Vec<Attribute>, name: &str) -> Vec<Attribute> {
    let mut taken = Vec::new();
    attrs.retain(|attr| {
        if is_attr(attr, name) {
            taken.push(attr.clone());
            false
        } else {
            true
        }
    });
    taken
}

/// Reads every `#[command]` method, in source order, stripping helper attributes everywhere in
/// the block (also where they are misplaced, after reporting them).
fn collect_commands(item: &mut ItemImpl, errors: &mut Errors) -> Vec<Command> {
    let mut commands = Vec::new();
    for impl_item in &mut item.items {
        let attrs = match impl_item {
            ImplItem::Fn(method) => {
                let command_attrs = take_attrs(&mut method.attrs, "command");
                let Some((first, extra)) = command_attrs.split_first() else {
                    for input in &mut method.sig.inputs {
                        if let FnArg::Typed(pat_type) = input {
                            for attr in take_attrs(&mut pat_type.attrs, "arg") {
                                errors.push(syn::Error::new_spanned(
                                    attr,
                                    "#[arg] applies to parameters of #[command] methods",
                                ));
                            }
                        }
                    }
                    continue;
                };
                for attr in extra {
                    errors.push(syn::Error::new_spanned(attr, "#[command] is given twice"));
                }
                // Read the method even when its #[command] arguments are wrong, so its #[arg]s
                // are stripped and its own mistakes reported in the same build.
                let args = errors.check(CommandArgs::parse(first));
                if let Some(command) =
                    errors.check(Command::from_method(method, args.unwrap_or_default()))
                {
                    commands.push(command);
                }
                continue;
            }
            ImplItem::Const(item) => &mut item.attrs,
            ImplItem::Type(item) => &mut item.attrs,
            ImplItem::Macro(item) => &mut item.attrs,
            _ => continue,
        };
        for attr in take_attrs(attrs, "command") {
            errors.push(syn::Error::new_spanned(
                attr,
                "#[command] applies to methods (`fn name(&self, ...)`)",
            ));
        }
    }
    commands
}

/// Two methods answering the same command name would make one unreachable. Commands under
/// `#[cfg]` are skipped: alternatives for different configurations may share a name.
fn check_unique_names(commands: &[Command], errors: &mut Errors) {
    let plain: Vec<&Command> = commands.iter().filter(|c| c.cfgs.is_empty()).collect();
    for (i, command) in plain.iter().enumerate() {
        if let Some(first) = plain[..i].iter().find(|c| c.name == command.name) {
            errors.push(syn::Error::new(
                command.name_span,
                format!(
                    "command `{}` is defined twice (also by method `{}`)",
                    command.name, first.method
                ),
            ));
        }
    }
}

/// A plugin with an async command serves its calls concurrently: the actor shares it (`Arc`)
/// with every running call, so no command may take `&mut self`.
fn check_receivers(commands: &[Command], errors: &mut Errors) {
    let Some(first_async) = commands.iter().find(|command| command.is_async) else {
        return;
    };
    for command in commands {
        if let Some(span) = command.mut_receiver {
            errors.push(syn::Error::new(
                span,
                format!(
                    "command `{}` takes `&mut self`, but this plugin has async commands (`{}`): \
                     they run concurrently, so every command takes `&self`; keep mutable state \
                     in interior-mutable fields (`Mutex`, atomics, or `Cell`/`RefCell` not \
                     borrowed across an `.await`)",
                    command.name, first_async.method
                ),
            ));
        }
    }
}

/// One hidden associated function per `#[arg(default = EXPR)]`, returning `EXPR` as the
/// argument's type. Both `commands()` (to record it) and `dispatch()` (to use it) call it, so the
/// expression is written once and a type mismatch is reported once, on the expression.
fn default_fns(item: &ItemImpl, commands: &[Command]) -> TokenStream {
    let mut fns = Vec::new();
    for command in commands {
        let cfgs = &command.cfgs;
        for param in &command.params {
            let Param::Value(value) = param else {
                continue;
            };
            if let Some(expr) = &value.default {
                let ident = command.default_fn(value);
                let ty = &value.ty;
                fns.push(quote! {
                    #(#cfgs)*
                    #[doc(hidden)]
                    #[allow(non_snake_case)]
                    fn #ident() -> #ty {
                        #expr
                    }
                });
            }
        }
    }
    if fns.is_empty() {
        return TokenStream::new();
    }
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    quote! {
        impl #impl_generics #self_ty #where_clause {
            #(#fns)*
        }
    }
}

/// `impl ::clacks_runtime::plugin::Plugin for Self`.
fn plugin_impl(args: &PluginArgs, item: &ItemImpl, commands: &[Command]) -> TokenStream {
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let plugin = &args.name;
    let doc = match &args.doc {
        Some(lit) => quote!(#lit),
        None => Doc::from_attrs(&item.attrs).tokens(),
    };
    let specs = commands.iter().map(|command| command_spec(plugin, command));
    let dispatch = dispatch_fns(plugin, commands);
    quote! {
        impl #impl_generics ::clacks_runtime::plugin::Plugin for #self_ty #where_clause {
            fn name() -> &'static str {
                #plugin
            }

            fn doc() -> &'static str {
                #doc
            }

            fn commands() -> ::std::vec::Vec<::clacks_runtime::plugin::CommandSpec> {
                #[allow(unused_mut)]
                let mut __clacks_commands = ::std::vec::Vec::new();
                #(#specs)*
                __clacks_commands
            }

            #dispatch
        }
    }
}

/// `Option<String>` tokens from an optional string.
fn option_string(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(::std::string::String::from(#value))),
        None => quote!(::core::option::Option::None),
    }
}

/// The statement pushing one command's `CommandSpec` in `commands()`.
fn command_spec(plugin: &str, command: &Command) -> TokenStream {
    let name = &command.name;
    let doc = command.doc.tokens();
    let args = command.params.iter().filter_map(|param| match param {
        Param::Context => None,
        Param::Value(value) => {
            let arg_name = &value.name;
            let rust_type = &value.rust_type;
            let required = !value.optional && value.default.is_none();
            let ty = &value.ty;
            // The default is recorded as JSON for describe/OpenRPC; a default that does not
            // serialize is recorded as absent rather than failing registration.
            let default = match &value.default {
                Some(_) => {
                    let default_fn = command.default_fn(value);
                    quote! {
                        ::clacks_runtime::serde_json::to_value::<#ty>(Self::#default_fn()).ok()
                    }
                }
                None => quote!(::core::option::Option::None),
            };
            Some(quote! {
                ::clacks_runtime::plugin::ArgSpec {
                    name: ::std::string::String::from(#arg_name),
                    rust_type: ::std::string::String::from(#rust_type),
                    schema: ::clacks_runtime::plugin::schema_for_rust_type(#rust_type),
                    required: #required,
                    default: #default,
                }
            })
        }
    });
    let returns = command.ret.rust_type();
    let call_type = command.call_type.tokens();
    let timeout_ms = match command.timeout_ms {
        Some(ms) => quote!(::core::option::Option::Some(#ms)),
        None => quote!(::core::option::Option::None),
    };
    let right = option_string(command.right.as_deref());
    let cfgs = &command.cfgs;
    quote! {
        #(#cfgs)*
        __clacks_commands.push(::clacks_runtime::plugin::CommandSpec {
            plugin: ::std::string::String::from(#plugin),
            command: ::std::string::String::from(#name),
            doc: ::std::string::String::from(#doc),
            args: ::std::vec![#(#args),*],
            returns: ::std::string::String::from(#returns),
            returns_schema: ::clacks_runtime::plugin::schema_for_rust_type(#returns),
            call_type: #call_type,
            timeout_ms: #timeout_ms,
            right: #right,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages of the `compile_error!`s in an expansion (empty when it succeeded).
    fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
        let out = plugin(args, item).to_string();
        out.split("compile_error !")
            .skip(1)
            .filter_map(|rest| {
                let start = rest.find('"')?;
                let end = rest[start + 1..].find("\" }")?;
                Some(rest[start + 1..start + 1 + end].to_owned())
            })
            .collect()
    }

    fn assert_error(item: TokenStream, expected: &str) {
        let errors = errors(quote!(name = "p"), item);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "expected an error containing {expected:?}, got {errors:?}"
        );
    }

    #[test]
    fn a_valid_block_expands_without_errors_and_without_helper_attributes() {
        let item = quote! {
            impl P {
                #[command(call_type = "cumulative", timeout = 1)]
                fn a(&mut self, ctx: &CallContext, #[arg(default = 2)] n: u32) -> Result<u32, String> {
                    Ok(n)
                }
                fn helper(&self) {}
            }
        };
        let out = plugin(quote!(name = "p"), item).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("# [command"), "{out}");
        assert!(!out.contains("# [arg"), "{out}");
        assert!(out.contains("Plugin for P"), "{out}");
        assert!(out.contains("__clacks_default_a_n"), "{out}");
        assert!(out.contains("CallType :: Cumulative"), "{out}");
    }

    #[test]
    fn async_commands_make_the_plugin_concurrent_and_only_then() {
        let item = quote! {
            impl P {
                #[command]
                async fn slow(&self, ctx: &CallContext, n: u32) -> u32 { n }
                #[command]
                fn quick(&self) -> u32 { 1 }
            }
        };
        let out = plugin(quote!(name = "p"), item).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("fn dispatch_shared"), "{out}");
        assert!(out.contains("fn concurrent"), "{out}");
        assert!(out.contains("Reply :: Pending"), "{out}");
        let sync_only = plugin(
            quote!(name = "p"),
            quote!(impl P { #[command] fn quick(&mut self) -> u32 { 1 } }),
        )
        .to_string();
        assert!(!sync_only.contains("compile_error"), "{sync_only}");
        assert!(!sync_only.contains("dispatch_shared"), "{sync_only}");
    }

    #[test]
    fn invalid_methods_are_refused_with_a_reason() {
        assert_error(
            quote!(impl P { #[command] async fn a(&self) {} #[command] fn b(&mut self) {} }),
            "command `b` takes `&mut self`, but this plugin has async commands (`a`)",
        );
        assert_error(
            quote!(impl P { #[command] async fn a(&mut self) {} }),
            "command `a` takes `&mut self`",
        );
        assert_error(
            quote!(impl P { #[command] fn a() {} }),
            "need a `&self` or `&mut self` receiver",
        );
        assert_error(
            quote!(impl P { #[command] fn a(self) {} }),
            "take `&self` or `&mut self`",
        );
        assert_error(
            quote!(impl P { #[command] fn a<T>(&self, t: T) {} }),
            "cannot have generic parameters",
        );
        assert_error(
            quote!(impl P { #[command] fn a(&self, (x, y): (u8, u8)) {} }),
            "must be plain names",
        );
        assert_error(
            quote!(impl P { #[command] fn a(&self, s: &str) {} }),
            "must be owned types",
        );
        assert_error(
            quote!(impl P { #[command] fn a(&self, s: impl Into<String>) {} }),
            "cannot be `impl Trait`",
        );
        assert_error(
            quote!(impl P { #[command] fn a(&self, ctx: &mut CallContext) {} }),
            "take `&CallContext`",
        );
        assert_error(
            quote!(impl P { #[command] fn a(&self, _x: u8, x: u8) {} }),
            "both named `x`",
        );
        assert_error(
            quote!(impl P { #[command] fn a(&self) {} #[command(name = "a")] fn b(&self) {} }),
            "command `a` is defined twice",
        );
        assert_error(
            quote!(impl P { #[command] #[command] fn a(&self) {} }),
            "given twice",
        );
        assert_error(
            quote!(impl P { #[command] const A: u8 = 1; }),
            "applies to methods",
        );
        assert_error(
            quote!(impl P { fn a(&self, #[arg(default = 1)] x: u8) {} }),
            "#[arg] applies to parameters of #[command] methods",
        );
        assert_error(
            quote!(impl P { #[command(call_type = "often")] fn a(&self) {} }),
            "unknown call type `often`",
        );
        assert_error(quote!(impl Trait for P {}), "not on a trait impl");
        assert_error(
            quote!(
                struct P;
            ),
            "goes on an impl block",
        );
    }

    #[test]
    fn plugin_arguments_are_checked() {
        let item = quote!(impl P {});
        let missing = errors(quote!(), item.clone());
        assert!(
            missing.iter().any(|e| e.contains("needs a name")),
            "{missing:?}"
        );
        let dotted = errors(quote!(name = "a.b"), item);
        assert!(dotted.iter().any(|e| e.contains("dots")), "{dotted:?}");
    }

    #[test]
    fn every_mistake_is_reported_and_helper_attributes_are_stripped_anyway() {
        let item = quote! {
            impl P {
                #[command(timeout = 0)]
                fn a(&self, #[arg(default = 1)] n: u8) {}
                #[command]
                unsafe fn b(&self) {}
            }
        };
        let out = plugin(quote!(name = "p"), item.clone());
        let text = out.to_string();
        assert!(!text.contains("# [command"), "{text}");
        assert!(!text.contains("# [arg"), "{text}");
        assert!(!text.contains("Plugin for"), "{text}");
        assert_eq!(errors(quote!(name = "p"), item).len(), 2);
    }
}
