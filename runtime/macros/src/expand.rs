//! Code generation for `#[plugin]`: reads the impl block, takes the `#[command]`/`#[arg]` helper
//! attributes off it (they are not real attributes and must never reach the compiler), and emits
//! the block unchanged otherwise, followed by `impl ::clacks_runtime::plugin::Plugin`. Generated
//! code names everything by absolute path (`::clacks_runtime::…`, `::core::…`, `::std::…`) so it
//! works whatever the plugin's module imports, and prefixes its locals with `__clacks_` so they
//! cannot collide with argument names or default expressions.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Attribute, FnArg, Ident, ImplItem, ItemImpl};

use crate::attrs::{is_attr, CommandArgs, Doc, PluginArgs};
use crate::command::{Command, Param, Return, ValueParam};
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

/// The associated function holding an argument's default expression.
fn default_fn(command: &Command, value: &ValueParam) -> Ident {
    let method = syn::ext::IdentExt::unraw(&command.method);
    format_ident!("__clacks_default_{}_{}", method, value.name)
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
                let ident = default_fn(command, value);
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
    let arms = commands.iter().map(|command| dispatch_arm(plugin, command));
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

            fn dispatch(
                &mut self,
                __clacks_ctx: &::clacks_runtime::call::CallContext,
                __clacks_command: &str,
                __clacks_params: &::clacks_runtime::call::Params,
            ) -> ::core::result::Result<
                ::clacks_runtime::serde_json::Value,
                ::clacks_runtime::call::CallError,
            > {
                match __clacks_command {
                    #(#arms)*
                    _ => ::core::result::Result::Err(
                        ::clacks_runtime::call::CallError::method_not_found(
                            &::std::format!("{}.{}", #plugin, __clacks_command),
                        ),
                    ),
                }
            }
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
                    let default_fn = default_fn(command, value);
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

/// The `match` arm of `dispatch()` serving one command: check the params against the
/// signature, read each argument, call the method, turn its return into the call's result.
fn dispatch_arm(plugin: &str, command: &Command) -> TokenStream {
    let name = &command.name;
    let method_name = format!("{plugin}.{name}");
    let method = &command.method;
    let mut names = Vec::new();
    let mut reads = Vec::new();
    let mut call_args = Vec::new();
    for param in &command.params {
        match param {
            Param::Context => call_args.push(quote!(__clacks_ctx)),
            Param::Value(value) => {
                let index = names.len();
                let var = format_ident!("__clacks_arg{}", index);
                let ty = &value.ty;
                let read = if value.default.is_some() {
                    let default_fn = default_fn(command, value);
                    quote! {
                        match __clacks_args.get::<#ty>(#index)? {
                            ::core::option::Option::Some(__clacks_value) => __clacks_value,
                            ::core::option::Option::None => Self::#default_fn(),
                        }
                    }
                } else if value.optional {
                    // Absent and `null` both mean `None`.
                    quote! {
                        __clacks_args.get::<#ty>(#index)?.unwrap_or(::core::option::Option::None)
                    }
                } else {
                    quote!(__clacks_args.require::<#ty>(#index)?)
                };
                reads.push(quote!(let #var: #ty = #read;));
                call_args.push(quote!(#var));
                names.push(value.name.as_str());
            }
        }
    }
    let call = quote!(self.#method(#(#call_args),*));
    let finish = match &command.ret {
        Return::Unit => quote! {
            #call;
            ::core::result::Result::Ok(::clacks_runtime::serde_json::Value::Null)
        },
        Return::Plain { span, .. } => {
            // Spanned on the return type: a result that is not `Serialize` is reported there.
            let to_result = quote_spanned! {*span=>
                ::clacks_runtime::plugin::to_result(#method_name, __clacks_r)
            };
            quote! {
                let __clacks_r = #call;
                #to_result
            }
        }
        Return::Result { span, .. } => {
            // Spanned on the return type: an error type without `Into<CallError>`, or a success
            // type without `Serialize`, is reported there, where the author can change it.
            let into = quote_spanned! {*span=>
                ::core::convert::Into::<::clacks_runtime::call::CallError>::into(__clacks_e)
            };
            let to_result = quote_spanned! {*span=>
                ::clacks_runtime::plugin::to_result(#method_name, __clacks_v)
            };
            quote! {
                match #call {
                    ::core::result::Result::Ok(__clacks_v) => #to_result,
                    ::core::result::Result::Err(__clacks_e) => ::core::result::Result::Err(#into),
                }
            }
        }
    };
    // Even a command without arguments builds the reader: it refuses extra arguments.
    let reader = quote! {
        ::clacks_runtime::plugin::ArgReader::new(#method_name, __clacks_params, &[#(#names),*])?
    };
    let reader = if names.is_empty() {
        quote!(#reader;)
    } else {
        quote!(let __clacks_args = #reader;)
    };
    let cfgs = &command.cfgs;
    quote! {
        #(#cfgs)*
        #name => {
            #reader
            #(#reads)*
            #finish
        }
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
    fn invalid_methods_are_refused_with_a_reason() {
        assert_error(
            quote!(impl P { #[command] async fn a(&self) {} }),
            "cannot be async",
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
                async fn b(&self) {}
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
