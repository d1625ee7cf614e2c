//! Reading Rust types as written in a command's signature: the printable form recorded in
//! `ArgSpec::rust_type` / `CommandSpec::returns`, and the few shapes the macro treats specially
//! (`Option<…>` arguments, `Result<…>` returns, the injected `&CallContext`, and borrowed or
//! generic argument types it must refuse). The macro only sees tokens, so every test here is by
//! the last path segment's name, as the documentation of `#[plugin]` states.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, PathSegment, Type, TypeReference};

/// The type as one line of text, spaced like rustfmt would (`Option<String>`,
/// `HashMap<String, u32>`, `&'static str`), because `quote`'s own `to_string` puts a space between
/// every token and these strings end up in OpenRPC documents read by people.
pub(crate) fn type_string(ty: &Type) -> String {
    let mut printer = Printer::default();
    printer.print(ty.to_token_stream());
    printer.out
}

#[derive(Default)]
struct Printer {
    out: String,
    /// A separator (after `,`, `;`, `=`, `+`, `->`) asked for a space before the next token; a
    /// closing delimiter drops it, so `(u32,)` stays tight.
    pending_space: bool,
    /// The last token was an identifier or literal: two words in a row need a space.
    prev_word: bool,
    /// The last token was a joint `-`, so a following `>` completes `->`.
    after_dash: bool,
}

impl Printer {
    fn flush(&mut self) {
        if self.pending_space {
            self.out.push(' ');
            self.pending_space = false;
        }
    }

    fn space_before_operator(&mut self) {
        self.pending_space = false;
        if !self.out.is_empty() && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
    }

    fn print(&mut self, tokens: TokenStream) {
        for token in tokens {
            match token {
                TokenTree::Group(group) => {
                    let (open, close) = match group.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::Brace => ("{", "}"),
                        // Invisible groups come from `macro_rules!` substitutions: print the
                        // contents as if they had been written inline.
                        Delimiter::None => ("", ""),
                    };
                    self.flush();
                    if !open.is_empty() {
                        self.out.push_str(open);
                        self.prev_word = false;
                    }
                    self.after_dash = false;
                    self.print(group.stream());
                    self.pending_space = false;
                    if !close.is_empty() {
                        self.out.push_str(close);
                        self.prev_word = false;
                    }
                }
                TokenTree::Ident(_) | TokenTree::Literal(_) => {
                    if self.prev_word && !self.pending_space {
                        self.out.push(' ');
                    }
                    self.flush();
                    self.out.push_str(&token.to_string());
                    self.prev_word = true;
                    self.after_dash = false;
                }
                TokenTree::Punct(punct) => {
                    let ch = punct.as_char();
                    self.prev_word = false;
                    match ch {
                        ',' | ';' => {
                            self.out.push(ch);
                            self.pending_space = true;
                        }
                        '-' if punct.spacing() == Spacing::Joint => {
                            self.space_before_operator();
                            self.out.push(ch);
                            self.after_dash = true;
                            continue;
                        }
                        '>' if self.after_dash => {
                            self.out.push(ch);
                            self.pending_space = true;
                        }
                        '=' | '+' if punct.spacing() == Spacing::Alone => {
                            self.space_before_operator();
                            self.out.push(ch);
                            self.pending_space = true;
                        }
                        _ => {
                            self.flush();
                            self.out.push(ch);
                        }
                    }
                    self.after_dash = false;
                }
            }
        }
    }
}

/// Looks through parentheses and invisible groups, which change nothing about the type.
fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Paren(inner) => peel(&inner.elem),
        Type::Group(inner) => peel(&inner.elem),
        other => other,
    }
}

/// The last segment of a path type (`Option` in `std::option::Option<u32>`), if `ty` is one.
fn last_segment(ty: &Type) -> Option<&PathSegment> {
    match peel(ty) {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

/// The first type among a segment's angle-bracketed arguments (`T` in `Result<T, E>`).
fn first_type_argument(segment: &PathSegment) -> Option<&Type> {
    match &segment.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

/// True for `Option<…>` (by the last segment's name): such an argument may be left out.
pub(crate) fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|seg| seg.ident == "Option" && first_type_argument(seg).is_some())
}

/// True when the return type's last segment is `Result` (`Result<T, E>`, `io::Result<T>`,
/// `anyhow::Result<T>`): the handler's `Err` becomes the call's error.
pub(crate) fn is_result(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|seg| seg.ident == "Result")
}

/// For a `Result` return type, the success type `T`; `None` when the alias names no type
/// argument (then the whole written type is recorded).
pub(crate) fn result_ok_type(ty: &Type) -> Option<&Type> {
    last_segment(ty)
        .filter(|seg| seg.ident == "Result")
        .and_then(first_type_argument)
}

/// The reference when `ty` is `&CallContext` / `&mut CallContext` (by the last segment's name):
/// that parameter receives the call's context instead of an argument.
pub(crate) fn context_reference(ty: &Type) -> Option<&TypeReference> {
    match peel(ty) {
        Type::Reference(reference)
            if last_segment(&reference.elem).is_some_and(|seg| seg.ident == "CallContext") =>
        {
            Some(reference)
        }
        _ => None,
    }
}

/// Why an argument type cannot be read from JSON by `ArgReader` (which needs owned,
/// `DeserializeOwned` values), with the span of the offending part; `None` when it can.
pub(crate) fn unreadable_part(ty: &Type) -> Option<(proc_macro2::Span, &'static str)> {
    const BORROWED: &str = "command arguments are deserialized from JSON and must be owned types: \
         use `String` instead of `&str`, `Vec<T>` instead of `&[T]`";
    const IMPL: &str = "command arguments cannot be `impl Trait` (commands cannot be generic): \
         use a concrete type";
    match peel(ty) {
        Type::Reference(_) => Some((ty.span(), BORROWED)),
        Type::ImplTrait(_) => Some((ty.span(), IMPL)),
        Type::Infer(_) => Some((ty.span(), "write the argument's type instead of `_`")),
        Type::Slice(_) | Type::TraitObject(_) => Some((
            ty.span(),
            "command arguments must be sized, owned types (e.g. `Vec<T>`, `Box<T>`)",
        )),
        Type::Array(array) => unreadable_part(&array.elem),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(unreadable_part),
        Type::Path(path) => {
            let qself = path.qself.as_ref().and_then(|q| unreadable_part(&q.ty));
            qself.or_else(|| {
                path.path
                    .segments
                    .iter()
                    .find_map(|seg| match &seg.arguments {
                        PathArguments::AngleBracketed(args) => {
                            args.args.iter().find_map(|arg| match arg {
                                GenericArgument::Type(ty) => unreadable_part(ty),
                                GenericArgument::Lifetime(lifetime) => {
                                    Some((lifetime.span(), BORROWED))
                                }
                                _ => None,
                            })
                        }
                        _ => None,
                    })
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn prints_types_the_way_people_write_them() {
        let cases: Vec<(Type, &str)> = vec![
            (parse_quote!(Option<String>), "Option<String>"),
            (parse_quote!(Option<String>), "Option<String>"),
            (
                parse_quote!(std::collections::HashMap<String, Vec<u32>>),
                "std::collections::HashMap<String, Vec<u32>>",
            ),
            (parse_quote!(&'static str), "&'static str"),
            (parse_quote!(&mut Vec<u8>), "&mut Vec<u8>"),
            (parse_quote!([u8; 4]), "[u8; 4]"),
            (parse_quote!((u32, String)), "(u32, String)"),
            (parse_quote!((u32,)), "(u32,)"),
            (parse_quote!(()), "()"),
            (
                parse_quote!(Box<dyn Fn(u32) -> u32 + Send>),
                "Box<dyn Fn(u32) -> u32 + Send>",
            ),
            (parse_quote!(<T as Trait>::Out), "<T as Trait>::Out"),
            (
                parse_quote!(Box<dyn Iterator<Item = u8>>),
                "Box<dyn Iterator<Item = u8>>",
            ),
        ];
        for (ty, expected) in cases {
            assert_eq!(type_string(&ty), expected);
        }
    }

    #[test]
    fn recognises_option_result_and_context() {
        assert!(is_option(&parse_quote!(Option<u32>)));
        assert!(is_option(&parse_quote!(std::option::Option<u32>)));
        assert!(!is_option(&parse_quote!(Vec<Option<u32>>)));
        assert!(is_result(&parse_quote!(io::Result<u32>)));
        let ty: Type = parse_quote!(Result<Vec<u8>, String>);
        assert_eq!(
            result_ok_type(&ty).map(type_string).as_deref(),
            Some("Vec<u8>")
        );
        assert!(context_reference(&parse_quote!(&CallContext)).is_some());
        assert!(context_reference(&parse_quote!(&'a clacks_runtime::call::CallContext)).is_some());
        assert!(context_reference(&parse_quote!(CallContext)).is_none());
    }

    #[test]
    fn refuses_borrowed_and_generic_argument_types() {
        assert!(unreadable_part(&parse_quote!(&str)).is_some());
        assert!(unreadable_part(&parse_quote!(Option<&str>)).is_some());
        assert!(unreadable_part(&parse_quote!(Cow<'a, str>)).is_some());
        assert!(unreadable_part(&parse_quote!(impl Into<String>)).is_some());
        assert!(unreadable_part(&parse_quote!((u32, &[u8]))).is_some());
        assert!(unreadable_part(&parse_quote!(Vec<(String, u32)>)).is_none());
        assert!(unreadable_part(&parse_quote!(Option<serde_json::Value>)).is_none());
    }
}
