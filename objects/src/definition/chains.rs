//! Reading validators (condition chains) and filter chains: each condition and filter is
//! looked up by name and its parameters checked as it is read.

use super::elements::{kid, kid_text, kids};
use super::faults::Faults;
use super::unsupported::Feature;
use super::Backend;
use crate::conditions::{ConditionCall, ConditionExpr, ConditionKind};
use crate::error::ErrorKind;
use crate::filters::{FilterCall, FilterChain, FilterEntry, FilterKind, When};
use clacks_xml::document::Element;

/// A call's name and parameters (`Param` texts kept exactly, spaces included).
fn call_parts(el: Element<'_>) -> (String, Vec<String>) {
    let name = kid_text(el, "Name").unwrap_or_default();
    let params = kids(el, "Param").map(|p| p.text().to_string()).collect();
    (name, params)
}

fn condition(el: Element<'_>, faults: &mut Faults) -> Option<ConditionExpr> {
    let (name, params) = call_parts(el);
    let kind = faults.lookup(
        Feature::Condition,
        &name,
        el.line(),
        ConditionKind::from_name,
    )?;
    match ConditionCall::new(kind, params, el.line()) {
        Ok(c) => Some(ConditionExpr::Call(c)),
        Err(e) => {
            faults.fail(ErrorKind::Definition, el.line(), e);
            None
        }
    }
}

/// A `ConditionChain` or `Validators` element: one condition or an operator.
pub(super) fn condition_chain(el: Element<'_>, faults: &mut Faults) -> Option<ConditionExpr> {
    if let Some(c) = kid(el, "Condition") {
        return condition(c, faults);
    }
    let op = kid(el, "ConditionOperator")?;
    let left = kid(op, "LeftConditionChain").and_then(|l| condition_chain(l, faults));
    let right = kid(op, "RightConditionChain").and_then(|r| condition_chain(r, faults));
    let (Some(left), Some(right)) = (left, right) else {
        faults.fail(
            ErrorKind::Definition,
            op.line(),
            "a condition operator needs a condition on both sides",
        );
        return None;
    };
    let (left, right) = (Box::new(left), Box::new(right));
    Some(match kid_text(op, "Operator").as_deref() {
        Some("or") => ConditionExpr::Or(left, right),
        _ => ConditionExpr::And(left, right),
    })
}

fn filter(el: Element<'_>, faults: &mut Faults) -> Option<FilterCall> {
    let (name, mut params) = call_parts(el);
    let kind = faults.lookup(Feature::Filter, &name, el.line(), FilterKind::from_name)?;
    if kind.takes_backends() {
        for p in &mut params {
            match Backend::from_name(p.trim()) {
                Some(b) => *p = b.name().to_string(),
                None => {
                    faults.fail(
                        ErrorKind::Unknown,
                        el.line(),
                        format!("unknown backend '{p}' in filter '{name}'"),
                    );
                    return None;
                }
            }
        }
    }
    match FilterCall::new(kind, params, el.line()) {
        Ok(c) => Some(c),
        Err(e) => {
            faults.fail(ErrorKind::Definition, el.line(), e);
            None
        }
    }
}

pub(super) fn filter_chain(el: Element<'_>, faults: &mut Faults) -> FilterChain {
    let mut entries = Vec::new();
    for entry in kids(el, "FilterEntry") {
        if let Some(f) = kid(entry, "Filter") {
            if let Some(call) = filter(f, faults) {
                entries.push(FilterEntry::Filter(call));
            }
        } else if let Some(choice) = kid(entry, "Choice") {
            let whens = kids(choice, "When")
                .filter_map(|w| when(w, faults))
                .collect();
            entries.push(FilterEntry::Choice(whens));
        }
    }
    FilterChain { entries }
}

fn when(el: Element<'_>, faults: &mut Faults) -> Option<When> {
    let condition = kid(el, "ConditionChain").and_then(|c| condition_chain(c, faults));
    let then = kids(el, "FilterChain")
        .map(|c| filter_chain(c, faults))
        .collect();
    let otherwise = kid(el, "Else")
        .map(|e| {
            kids(e, "FilterChain")
                .map(|c| filter_chain(c, faults))
                .collect()
        })
        .unwrap_or_default();
    match condition {
        Some(condition) => Some(When {
            condition,
            then,
            otherwise,
        }),
        None => {
            faults.fail(
                ErrorKind::Definition,
                el.line(),
                "a choice needs a condition",
            );
            None
        }
    }
}
