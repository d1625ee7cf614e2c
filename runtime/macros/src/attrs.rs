//! The arguments of the three attributes (`#[plugin(...)]`, `#[command(...)]`, `#[arg(...)]`)
//! and doc comments, parsed and checked. Every mistake is a `syn::Error` spanned on the offending
//! key or value, because these attributes are typed by plugin authors and a compile error that
//! points at the typo is the whole user interface of a macro.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta, UnOp};

/// The last path segment of `attr` is `name` (so `#[command]` and `#[clacks::command]` both
/// count; helper attributes are matched by name because `#[plugin]` sees them unresolved).
pub(crate) fn is_attr(attr: &Attribute, name: &str) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|seg| seg.ident == name)
}

/// Stores `value` in `slot`, refusing a key given twice (the second would silently win).
fn set_once<T>(slot: &mut Option<T>, meta: &ParseNestedMeta, value: T) -> syn::Result<()> {
    if slot.is_some() {
        let key = meta.path.to_token_stream().to_string();
        return Err(meta.error(format!("`{key}` is given twice")));
    }
    *slot = Some(value);
    Ok(())
}

/// Checks a plugin or command name: it becomes one half of `plugin.command`, a segment of ACL
/// paths (`clacks.command.core.*`) and a routing key, so it must be one identifier-like word.
pub(crate) fn check_name(name: &str, span: Span, what: &str) -> syn::Result<()> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Err(syn::Error::new(
            span,
            format!("the {what} name must not be empty"),
        ));
    };
    if name.contains('.') {
        return Err(syn::Error::new(
            span,
            format!(
                "the {what} name must not contain dots: calls are routed as `plugin.command`, \
                 split at the first dot"
            ),
        ));
    }
    let valid_rest = chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if !(first.is_alphabetic() || first == '_') || !valid_rest {
        return Err(syn::Error::new(
            span,
            format!(
                "the {what} name `{name}` must be identifier-like: a letter or `_`, then \
                 letters, digits, `_` or `-`"
            ),
        ));
    }
    Ok(())
}

/// `#[plugin(name = "...", doc = "...")]`.
pub(crate) struct PluginArgs {
    /// The plugin name, checked by [`check_name`].
    pub name: String,
    /// An explicit plugin doc, which wins over the impl block's doc comment.
    pub doc: Option<LitStr>,
}

impl PluginArgs {
    /// Parses the attribute's argument tokens (what is inside the parentheses).
    pub(crate) fn parse(args: TokenStream) -> syn::Result<Self> {
        let mut name: Option<LitStr> = None;
        let mut doc: Option<LitStr> = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("name") {
                let value = meta.value()?.parse()?;
                set_once(&mut name, &meta, value)
            } else if meta.path.is_ident("doc") {
                let value = meta.value()?.parse()?;
                set_once(&mut doc, &meta, value)
            } else {
                Err(meta.error(
                    "unknown #[plugin] argument; expected `name = \"...\"` or `doc = \"...\"`",
                ))
            }
        });
        parser.parse2(args)?;
        let name = name.ok_or_else(|| {
            syn::Error::new(
                Span::call_site(),
                "#[plugin] needs a name: #[plugin(name = \"myplugin\")]",
            )
        })?;
        check_name(&name.value(), name.span(), "plugin")?;
        Ok(PluginArgs {
            name: name.value(),
            doc,
        })
    }
}

/// The call type as written in `#[command(call_type = "...")]`; expanded to the matching
/// `CallType` variant so a typo fails at compile time rather than at registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum CallTypeArg {
    #[default]
    Normal,
    FirstResult,
    Cumulative,
}

impl CallTypeArg {
    /// Accepts the spellings `CallType::from_str` accepts, in any case.
    fn parse(lit: &LitStr) -> syn::Result<Self> {
        match lit.value().to_ascii_uppercase().as_str() {
            "NORMAL" => Ok(CallTypeArg::Normal),
            "FIRSTRESULT" | "FIRST_RESULT" => Ok(CallTypeArg::FirstResult),
            "CUMULATIVE" | "CUMMULATIVE" => Ok(CallTypeArg::Cumulative),
            _ => Err(syn::Error::new(
                lit.span(),
                format!(
                    "unknown call type `{}`; expected \"normal\", \"firstresult\" or \
                     \"cumulative\"",
                    lit.value()
                ),
            )),
        }
    }

    /// The `::clacks_runtime::call::CallType` variant.
    pub(crate) fn tokens(self) -> TokenStream {
        match self {
            CallTypeArg::Normal => quote!(::clacks_runtime::call::CallType::Normal),
            CallTypeArg::FirstResult => quote!(::clacks_runtime::call::CallType::FirstResult),
            CallTypeArg::Cumulative => quote!(::clacks_runtime::call::CallType::Cumulative),
        }
    }
}

/// `#[command]` or `#[command(call_type = "...", timeout = N, right = "...", name = "...")]`.
#[derive(Default)]
pub(crate) struct CommandArgs {
    /// A rename; `None` keeps the method name.
    pub name: Option<LitStr>,
    pub call_type: CallTypeArg,
    pub timeout_ms: Option<u64>,
    pub right: Option<String>,
}

impl CommandArgs {
    /// Parses one `#[command...]` attribute.
    pub(crate) fn parse(attr: &Attribute) -> syn::Result<Self> {
        let mut name: Option<LitStr> = None;
        let mut call_type: Option<CallTypeArg> = None;
        let mut timeout_ms: Option<u64> = None;
        let mut right: Option<String> = None;
        match &attr.meta {
            Meta::Path(_) => {}
            Meta::List(_) => attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    let lit: LitStr = meta.value()?.parse()?;
                    check_name(&lit.value(), lit.span(), "command")?;
                    set_once(&mut name, &meta, lit)
                } else if meta.path.is_ident("call_type") {
                    let lit: LitStr = meta.value()?.parse()?;
                    let value = CallTypeArg::parse(&lit)?;
                    set_once(&mut call_type, &meta, value)
                } else if meta.path.is_ident("timeout") {
                    let expr: Expr = meta.value()?.parse()?;
                    let value = timeout_millis(&expr)?;
                    set_once(&mut timeout_ms, &meta, value)
                } else if meta.path.is_ident("right") {
                    let lit: LitStr = meta.value()?.parse()?;
                    let value = check_right(&lit)?;
                    set_once(&mut right, &meta, value)
                } else {
                    Err(meta.error(
                        "unknown #[command] argument; expected `call_type`, `timeout`, `right` \
                         or `name`",
                    ))
                }
            })?,
            Meta::NameValue(nv) => {
                return Err(syn::Error::new_spanned(
                    nv.eq_token,
                    "write #[command] or #[command(key = value, ...)]",
                ))
            }
        }
        Ok(CommandArgs {
            name,
            call_type: call_type.unwrap_or(CallTypeArg::Normal),
            timeout_ms,
            right,
        })
    }
}

/// `timeout = 10` or `timeout = 2.5` (seconds) as whole milliseconds. Zero, negative and
/// sub-millisecond timeouts are refused: the runtime would drop every call at once.
fn timeout_millis(expr: &Expr) -> syn::Result<u64> {
    const EXPECTED: &str = "timeout is a number of seconds, e.g. `timeout = 10` or `timeout = 2.5`";
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let secs: u64 = int.base10_parse()?;
            let millis = secs
                .checked_mul(1000)
                .ok_or_else(|| syn::Error::new(int.span(), "timeout is too large"))?;
            if millis == 0 {
                return Err(syn::Error::new(int.span(), "timeout must be positive"));
            }
            Ok(millis)
        }
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => {
            let secs: f64 = float.base10_parse()?;
            let millis = (secs * 1000.0).round();
            if !millis.is_finite() || millis > u64::MAX as f64 {
                return Err(syn::Error::new(float.span(), "timeout is too large"));
            }
            if millis < 1.0 {
                return Err(syn::Error::new(
                    float.span(),
                    "timeout must be at least one millisecond (0.001)",
                ));
            }
            // In range and integral after the checks above, so the cast is exact.
            Ok(millis as u64)
        }
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => {
            Err(syn::Error::new_spanned(expr, "timeout must be positive"))
        }
        _ => Err(syn::Error::new_spanned(expr, EXPECTED)),
    }
}

/// `right = "x"`: the ACL right(s) a caller needs, from the letters of DESIGN.md §7
/// (`r w c d m s x`). Checked here so a typo does not silently grant or deny.
fn check_right(lit: &LitStr) -> syn::Result<String> {
    let right = lit.value();
    if right.is_empty() || !right.chars().all(|c| "rwcdmsx".contains(c)) {
        return Err(syn::Error::new(
            lit.span(),
            format!("unknown right `{right}`; rights are letters among r, w, c, d, m, s, x"),
        ));
    }
    Ok(right)
}

/// `#[arg(default = EXPR)]` on a command parameter.
pub(crate) struct ArgArgs {
    /// Used when a call leaves the argument out; recorded (as JSON) in the command's spec.
    pub default: Option<Expr>,
}

impl ArgArgs {
    /// Parses one `#[arg(...)]` attribute.
    pub(crate) fn parse(attr: &Attribute) -> syn::Result<Self> {
        let mut default: Option<Expr> = None;
        match &attr.meta {
            Meta::List(_) => attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    let expr: Expr = meta.value()?.parse()?;
                    set_once(&mut default, &meta, expr)
                } else {
                    Err(meta.error("unknown #[arg] argument; expected `default = EXPR`"))
                }
            })?,
            _ => {
                return Err(syn::Error::new_spanned(
                    attr,
                    "write #[arg(default = EXPR)]",
                ))
            }
        }
        Ok(ArgArgs { default })
    }
}

/// One `#[doc = ...]` attribute: a `///` line, a `/** */` block, or `#[doc = include_str!(..)]`.
enum DocPart {
    Text(String),
    /// A macro call the compiler expands to a string; it is kept as tokens inside `concat!`.
    Expr(Expr),
}

/// The doc comment of an item, as `CommandSpec::doc` and `Plugin::doc` report it.
pub(crate) struct Doc(Vec<DocPart>);

impl Doc {
    /// Collects the `#[doc = ...]` attributes among `attrs` (`#[doc(hidden)]` and the like are
    /// not text and are skipped).
    pub(crate) fn from_attrs(attrs: &[Attribute]) -> Doc {
        let parts = attrs
            .iter()
            .filter(|attr| attr.path().is_ident("doc"))
            .filter_map(|attr| match &attr.meta {
                Meta::NameValue(nv) => Some(match &nv.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => DocPart::Text(strip_leading_space(&s.value())),
                    other => DocPart::Expr(other.clone()),
                }),
                _ => None,
            })
            .collect();
        Doc(parts)
    }

    /// A `&'static str` expression: one literal, or `concat!` when a part is a macro call.
    pub(crate) fn tokens(&self) -> TokenStream {
        if self.0.iter().all(|part| matches!(part, DocPart::Text(_))) {
            let texts: Vec<&str> = self
                .0
                .iter()
                .filter_map(|part| match part {
                    DocPart::Text(text) => Some(text.as_str()),
                    DocPart::Expr(_) => None,
                })
                .collect();
            // Blank lines at either end come from `/**` … `*/` blocks or spacer `///` lines and
            // mean nothing to a reader of the command list.
            let joined = texts.join("\n");
            let trimmed = joined.trim_matches('\n');
            return quote!(#trimmed);
        }
        let mut pieces = Vec::new();
        for (i, part) in self.0.iter().enumerate() {
            if i > 0 {
                pieces.push(quote!("\n"));
            }
            pieces.push(match part {
                DocPart::Text(text) => quote!(#text),
                DocPart::Expr(expr) => quote!(#expr),
            });
        }
        quote!(::core::concat!(#(#pieces),*))
    }
}

/// `/// text` arrives as `" text"`: drop that one space on every line, keeping deeper
/// indentation (code blocks, lists) intact.
fn strip_leading_space(text: &str) -> String {
    text.split('\n')
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn command(attr: Attribute) -> syn::Result<CommandArgs> {
        CommandArgs::parse(&attr)
    }

    fn error(result: syn::Result<impl Sized>) -> String {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn plugin_args_need_a_valid_name() {
        let args = PluginArgs::parse(quote!(name = "core", doc = "The core")).unwrap();
        assert_eq!(args.name, "core");
        assert_eq!(args.doc.map(|d| d.value()).as_deref(), Some("The core"));
        assert!(error(PluginArgs::parse(quote!())).contains("needs a name"));
        assert!(error(PluginArgs::parse(quote!(name = "a.b"))).contains("dots"));
        assert!(error(PluginArgs::parse(quote!(name = ""))).contains("empty"));
        assert!(error(PluginArgs::parse(quote!(name = "9x"))).contains("identifier-like"));
        assert!(error(PluginArgs::parse(quote!(name = core))).contains("expected string"));
        assert!(error(PluginArgs::parse(quote!(nom = "x"))).contains("unknown #[plugin]"));
        assert!(error(PluginArgs::parse(quote!(name = "a", name = "b"))).contains("twice"));
    }

    #[test]
    fn command_args_are_parsed_and_checked() {
        let args = command(parse_quote!(#[command])).unwrap();
        assert_eq!(args.call_type, CallTypeArg::Normal);
        assert!(args.name.is_none() && args.timeout_ms.is_none() && args.right.is_none());
        let args = command(parse_quote!(#[command(
            call_type = "Cumulative", timeout = 10, right = "x", name = "other"
        )]))
        .unwrap();
        assert_eq!(args.call_type, CallTypeArg::Cumulative);
        assert_eq!(args.timeout_ms, Some(10_000));
        assert_eq!(args.right.as_deref(), Some("x"));
        assert_eq!(args.name.map(|n| n.value()).as_deref(), Some("other"));
        let args = command(parse_quote!(#[command(timeout = 2.5, call_type = "firstresult")]));
        let args = args.unwrap();
        assert_eq!(args.timeout_ms, Some(2_500));
        assert_eq!(args.call_type, CallTypeArg::FirstResult);

        assert!(
            error(command(parse_quote!(#[command(call_type = "sometimes")])))
                .contains("unknown call type `sometimes`")
        );
        assert!(error(command(parse_quote!(#[command(timeout = 0)]))).contains("positive"));
        assert!(error(command(parse_quote!(#[command(timeout = -1)]))).contains("positive"));
        assert!(error(command(parse_quote!(#[command(timeout = 0.0001)]))).contains("millisecond"));
        assert!(error(command(parse_quote!(#[command(timeout = "10")]))).contains("seconds"));
        assert!(error(command(parse_quote!(#[command(right = "q")]))).contains("unknown right"));
        assert!(error(command(parse_quote!(#[command(name = "a.b")]))).contains("dots"));
        assert!(error(command(parse_quote!(#[command(colour = 1)]))).contains("unknown #[command]"));
        assert!(error(command(parse_quote!(#[command = "x"]))).contains("#[command("));
    }

    #[test]
    fn arg_args_take_a_default() {
        let args = ArgArgs::parse(&parse_quote!(#[arg(default = 3 + 4)])).unwrap();
        assert!(args.default.is_some());
        assert!(error(ArgArgs::parse(&parse_quote!(#[arg(dflt = 1)]))).contains("unknown #[arg]"));
        assert!(error(ArgArgs::parse(&parse_quote!(#[arg]))).contains("default = EXPR"));
    }

    #[test]
    fn doc_lines_lose_one_leading_space_and_are_joined() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = " First line."]),
            parse_quote!(#[doc = ""]),
            parse_quote!(#[doc = "     indented code"]),
            parse_quote!(#[doc(hidden)]),
        ];
        let tokens = Doc::from_attrs(&attrs).tokens().to_string();
        let lit: LitStr = syn::parse_str(&tokens).unwrap();
        assert_eq!(lit.value(), "First line.\n\n    indented code");
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = " a"]),
            parse_quote!(#[doc = include_str!("x.md")]),
        ];
        let tokens = Doc::from_attrs(&attrs).tokens().to_string();
        assert!(
            tokens.contains("concat") && tokens.contains("include_str"),
            "{tokens}"
        );
    }
}
