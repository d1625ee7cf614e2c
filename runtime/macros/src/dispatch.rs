//! Code generation for the serving half of `impl Plugin`: `dispatch(&mut self)` for every
//! plugin and, for a plugin with an `async fn` command, `concurrent()` and
//! `dispatch_shared(self: Arc<Self>)`. Both read a command's arguments the same way (check the
//! params against the signature, read each argument, call the method, turn its return into the
//! call's result); an async command reads its arguments at once, so bad ones fail before any
//! work starts, and its future owns an `Arc` of the plugin and a clone of the call's context,
//! which is what makes it `'static`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::command::{Command, Param, Return};

/// `dispatch` (and `concurrent` + `dispatch_shared` when any command is async), as items of
/// the `impl Plugin` block.
pub(crate) fn dispatch_fns(plugin: &str, commands: &[Command]) -> TokenStream {
    let arms = commands
        .iter()
        .map(|command| exclusive_arm(plugin, command));
    let not_found = quote! {
        _ => ::core::result::Result::Err(
            ::clacks_runtime::call::CallError::method_not_found(
                &::std::format!("{}.{}", #plugin, __clacks_command),
            ),
        ),
    };
    let dispatch = quote! {
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
                #not_found
            }
        }
    };
    if !commands.iter().any(|command| command.is_async) {
        return dispatch;
    }
    let shared_arms = commands.iter().map(|command| shared_arm(plugin, command));
    quote! {
        #dispatch

        fn concurrent(&self) -> bool {
            true
        }

        fn dispatch_shared(
            self: ::std::sync::Arc<Self>,
            __clacks_ctx: &::clacks_runtime::call::CallContext,
            __clacks_command: &str,
            __clacks_params: &::clacks_runtime::call::Params,
        ) -> ::core::result::Result<
            ::clacks_runtime::plugin::Reply,
            ::clacks_runtime::call::CallError,
        > {
            match __clacks_command {
                #(#shared_arms)*
                #not_found
            }
        }
    }
}

/// The statements reading one command's arguments (they `?` out with -32602) and the
/// expressions passed to the method, in signature order.
struct Arguments {
    reads: TokenStream,
    call_args: Vec<TokenStream>,
    takes_context: bool,
}

fn arguments(method_name: &str, command: &Command) -> Arguments {
    let mut names = Vec::new();
    let mut reads = Vec::new();
    let mut call_args = Vec::new();
    let mut takes_context = false;
    for param in &command.params {
        match param {
            Param::Context => {
                takes_context = true;
                call_args.push(quote!(__clacks_ctx));
            }
            Param::Value(value) => {
                let index = names.len();
                let var = format_ident!("__clacks_arg{}", index);
                let ty = &value.ty;
                let read = if value.default.is_some() {
                    let default_fn = command.default_fn(value);
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
    // Even a command without arguments builds the reader: it refuses extra arguments.
    let reader = quote! {
        ::clacks_runtime::plugin::ArgReader::new(#method_name, __clacks_params, &[#(#names),*])?
    };
    let reader = if names.is_empty() {
        quote!(#reader;)
    } else {
        quote!(let __clacks_args = #reader;)
    };
    Arguments {
        reads: quote!(#reader #(#reads)*),
        call_args,
        takes_context,
    }
}

/// The block turning the method's return (the value of `call`) into the call's result.
fn finish(method_name: &str, ret: &Return, call: TokenStream) -> TokenStream {
    match ret {
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
    }
}

/// One command's arm in `dispatch(&mut self)`. An async command cannot be served there (its
/// future needs the shared plugin), so it answers -32603.
fn exclusive_arm(plugin: &str, command: &Command) -> TokenStream {
    let name = &command.name;
    let method_name = format!("{plugin}.{name}");
    let cfgs = &command.cfgs;
    if command.is_async {
        let reason = format!(
            "{method_name} is an async command: only the plugin's actor serves it \
             (Plugin::dispatch_shared)"
        );
        return quote! {
            #(#cfgs)*
            #name => ::core::result::Result::Err(
                ::clacks_runtime::call::CallError::internal(#reason),
            ),
        };
    }
    let Arguments {
        reads, call_args, ..
    } = arguments(&method_name, command);
    let method = &command.method;
    let finish = finish(
        &method_name,
        &command.ret,
        quote!(self.#method(#(#call_args),*)),
    );
    quote! {
        #(#cfgs)*
        #name => {
            #reads
            #finish
        }
    }
}

/// One command's arm in `dispatch_shared(self: Arc<Self>)`: a synchronous command answers
/// `Reply::Ready`; an async one reads its arguments now and answers `Reply::Pending` with a
/// future owning the plugin's `Arc`, the arguments and (if it takes one) the context.
fn shared_arm(plugin: &str, command: &Command) -> TokenStream {
    let name = &command.name;
    let method_name = format!("{plugin}.{name}");
    let cfgs = &command.cfgs;
    let method = &command.method;
    let Arguments {
        reads,
        call_args,
        takes_context,
    } = arguments(&method_name, command);
    if !command.is_async {
        let finish = finish(
            &method_name,
            &command.ret,
            quote!(self.#method(#(#call_args),*)),
        );
        return quote! {
            #(#cfgs)*
            #name => {
                #reads
                ::core::result::Result::map(
                    { #finish },
                    ::clacks_runtime::plugin::Reply::Ready,
                )
            }
        };
    }
    let finish = finish(
        &method_name,
        &command.ret,
        quote!(self.#method(#(#call_args),*).await),
    );
    let (own_context, lend_context) = if takes_context {
        (
            quote!(let __clacks_ctx = ::core::clone::Clone::clone(__clacks_ctx);),
            quote!(let __clacks_ctx = &__clacks_ctx;),
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    quote! {
        #(#cfgs)*
        #name => {
            #reads
            #own_context
            ::core::result::Result::Ok(::clacks_runtime::plugin::Reply::Pending(
                ::std::boxed::Box::pin(async move {
                    #lend_context
                    #finish
                }),
            ))
        }
    }
}
