//! One `#[command]` method, read into the model the code generator works from: its command name,
//! doc, parameters (the injected `&CallContext` or a JSON argument with type, default and
//! optionality), return shape and the `#[cfg]`s that gate it. Everything a handler cannot be is
//! refused here, with the span of the part that is wrong: commands are methods on
//! `&self`/`&mut self` (synchronous, or `async fn`) with owned, named arguments. Whether a
//! plugin's commands may take `&mut self` at all depends on the whole block (a plugin with an
//! async command takes `&self` throughout), so that rule is checked in `expand`.

use proc_macro2::Span;
use quote::format_ident;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, GenericParam, Ident, ImplItemFn, Pat, ReturnType, Type};

use crate::attrs::{is_attr, ArgArgs, CallTypeArg, CommandArgs, Doc};
use crate::errors::Errors;
use crate::types;

/// A parameter of a command method, in signature order.
pub(crate) enum Param {
    /// `&CallContext`: receives the context of the call being served.
    Context,
    /// An argument read from the call's params (boxed: it is large and `Context` is empty).
    Value(Box<ValueParam>),
}

/// An argument read from JSON.
pub(crate) struct ValueParam {
    /// The name for calls by name: the identifier without one leading `_`.
    pub name: String,
    pub ty: Type,
    /// `ty` as text, for `ArgSpec::rust_type` and the schema table.
    pub rust_type: String,
    /// `Option<…>`: absent means `None`.
    pub optional: bool,
    /// `#[arg(default = EXPR)]`.
    pub default: Option<Expr>,
}

/// What the handler returns and how it becomes the call's result.
pub(crate) enum Return {
    /// No return type: the result is JSON `null`.
    Unit,
    /// Serialized as is. `span` (the return type) locates a missing `Serialize`.
    Plain { rust_type: String, span: Span },
    /// `Ok` is serialized; `Err` converts into `CallError`. `span` (the return type) locates the
    /// conversion, so a missing `Into<CallError>` or `Serialize` is reported there.
    Result { ok_rust_type: String, span: Span },
}

impl Return {
    /// The text recorded in `CommandSpec::returns`.
    pub(crate) fn rust_type(&self) -> &str {
        match self {
            Return::Unit => "()",
            Return::Plain { rust_type, .. } => rust_type,
            Return::Result { ok_rust_type, .. } => ok_rust_type,
        }
    }
}

/// A `#[command]` method.
pub(crate) struct Command {
    /// The method to call.
    pub method: Ident,
    /// The command name (the method name unless renamed).
    pub name: String,
    pub name_span: Span,
    pub doc: Doc,
    pub params: Vec<Param>,
    pub ret: Return,
    pub call_type: CallTypeArg,
    pub timeout_ms: Option<u64>,
    pub right: Option<String>,
    /// `async fn`: served as a future the plugin's actor runs beside other calls.
    pub is_async: bool,
    /// The `&mut self` receiver, when the method takes one.
    pub mut_receiver: Option<Span>,
    /// The method's `#[cfg]`s, repeated on the generated dispatch arm and spec entry: the
    /// attribute macro sees methods before cfg-stripping, and a command compiled out must not be
    /// called or described.
    pub cfgs: Vec<Attribute>,
}

impl Command {
    /// The hidden associated function holding `value`'s `#[arg(default = EXPR)]`.
    pub(crate) fn default_fn(&self, value: &ValueParam) -> Ident {
        let method = syn::ext::IdentExt::unraw(&self.method);
        format_ident!("__clacks_default_{}_{}", method, value.name)
    }

    /// Reads `method` (already stripped of its `#[command]`) with the parsed `args`, removing the
    /// `#[arg]` attributes from its parameters. All problems found are reported together.
    pub(crate) fn from_method(method: &mut ImplItemFn, args: CommandArgs) -> syn::Result<Command> {
        let mut errors = Errors::default();
        let sig = &method.sig;
        if let Some(unsafety) = &sig.unsafety {
            errors.push(syn::Error::new(
                unsafety.span(),
                "#[command] methods cannot be unsafe: the generated dispatch calls them from \
                 safe code",
            ));
        }
        for param in &sig.generics.params {
            match param {
                // Lifetimes are inferred at the call and harmless; types and consts would have to
                // be chosen by the caller, which a JSON call cannot do.
                GenericParam::Lifetime(_) => {}
                GenericParam::Type(_) | GenericParam::Const(_) => errors.push(syn::Error::new(
                    param.span(),
                    "#[command] methods cannot have generic parameters: a call cannot choose \
                     types; use concrete types (e.g. serde_json::Value for anything)",
                )),
            }
        }
        let mut mut_receiver = None;
        match sig.inputs.first() {
            Some(FnArg::Receiver(receiver)) => {
                if let Type::Reference(reference) = &*receiver.ty {
                    if reference.mutability.is_some() {
                        mut_receiver = Some(receiver.span());
                    }
                } else {
                    errors.push(syn::Error::new(
                        receiver.span(),
                        "#[command] methods take `&self` or `&mut self`: the plugin's actor \
                         keeps the plugin and lends it to each call",
                    ));
                }
            }
            _ => errors.push(syn::Error::new(
                sig.ident.span(),
                "#[command] methods need a `&self` or `&mut self` receiver: commands are called \
                 on the plugin's state",
            )),
        }

        let mut params = Vec::new();
        let mut seen: Vec<(String, Span)> = Vec::new();
        for input in method.sig.inputs.iter_mut() {
            let FnArg::Typed(pat_type) = input else {
                continue;
            };
            // Take the #[arg] attributes off first so they never reach the compiler, even when
            // this parameter turns out to be invalid.
            let mut arg_attrs = Vec::new();
            pat_type.attrs.retain(|attr| {
                if is_attr(attr, "arg") {
                    arg_attrs.push(attr.clone());
                    false
                } else {
                    true
                }
            });
            let mut default = None;
            for attr in &arg_attrs {
                match ArgArgs::parse(attr) {
                    Ok(parsed) => {
                        if default.is_some() && parsed.default.is_some() {
                            errors.push(syn::Error::new_spanned(attr, "`default` is given twice"));
                        } else if parsed.default.is_some() {
                            default = parsed.default;
                        }
                    }
                    Err(err) => errors.push(err),
                }
            }

            if let Some(reference) = types::context_reference(&pat_type.ty) {
                if let Some(mutability) = &reference.mutability {
                    errors.push(syn::Error::new(
                        mutability.span(),
                        "the call context is shared: take `&CallContext`",
                    ));
                }
                if let Some(attr) = arg_attrs.first() {
                    errors.push(syn::Error::new_spanned(
                        attr,
                        "the `&CallContext` parameter is not an argument and takes no #[arg]",
                    ));
                }
                params.push(Param::Context);
                continue;
            }

            let ident = match &*pat_type.pat {
                Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                    pat.ident.clone()
                }
                other => {
                    errors.push(syn::Error::new(
                        other.span(),
                        "#[command] arguments must be plain names (they are the argument names \
                         for calls by name); destructure inside the method",
                    ));
                    continue;
                }
            };
            if let Some((span, message)) = types::unreadable_part(&pat_type.ty) {
                errors.push(syn::Error::new(span, message));
                continue;
            }
            let ident = syn::ext::IdentExt::unraw(&ident);
            let full = ident.to_string();
            let name = full.strip_prefix('_').unwrap_or(&full).to_owned();
            if let Some((_, first)) = seen.iter().find(|(seen, _)| *seen == name) {
                let mut err = syn::Error::new(
                    ident.span(),
                    format!("two arguments are both named `{name}` for calls by name"),
                );
                err.combine(syn::Error::new(*first, "the other one"));
                errors.push(err);
                continue;
            }
            seen.push((name.clone(), ident.span()));
            let ty = (*pat_type.ty).clone();
            params.push(Param::Value(Box::new(ValueParam {
                name,
                rust_type: types::type_string(&ty),
                optional: types::is_option(&ty),
                ty,
                default,
            })));
        }

        let ret = match &method.sig.output {
            ReturnType::Default => Return::Unit,
            ReturnType::Type(_, ty) if types::is_result(ty) => Return::Result {
                // An alias like `type Result = std::result::Result<u32, E>` names no type: record
                // the alias as written.
                ok_rust_type: types::type_string(types::result_ok_type(ty).unwrap_or(ty)),
                span: ty.span(),
            },
            ReturnType::Type(_, ty) => Return::Plain {
                rust_type: types::type_string(ty),
                span: ty.span(),
            },
        };

        let method_ident = method.sig.ident.clone();
        let (name, name_span) = match &args.name {
            Some(lit) => (lit.value(), lit.span()),
            None => {
                let name = syn::ext::IdentExt::unraw(&method_ident).to_string();
                (name, method_ident.span())
            }
        };

        errors.finish()?;
        Ok(Command {
            method: method_ident,
            name,
            name_span,
            doc: Doc::from_attrs(&method.attrs),
            params,
            ret,
            call_type: args.call_type,
            timeout_ms: args.timeout_ms,
            right: args.right,
            is_async: method.sig.asyncness.is_some(),
            mut_receiver,
            cfgs: method
                .attrs
                .iter()
                .filter(|attr| attr.path().is_ident("cfg"))
                .cloned()
                .collect(),
        })
    }
}
