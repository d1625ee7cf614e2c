//! Content models: particle trees compiled into deterministic automata.
//!
//! A complex type's `sequence`/`choice` structure, with `minOccurs`/`maxOccurs` on elements and
//! on groups, is expanded into a Thompson NFA and determinised once at load time (subset
//! construction), so validating children is one table look-up per child and the "expected
//! one of …" list for an error is simply the outgoing transitions of the current state. The
//! sizes are bounded (large finite `maxOccurs` values expand linearly); a model beyond the
//! bounds is a load error rather than a slow validator. `xs:all` (which XSD 1.0 allows only as
//! a whole content model, with each element at most once) is kept as a list checked with a
//! bitset instead, since determinising it would cost 2^n states.

use super::wildcard::Wildcard;

/// An element declaration's index in the schema model.
pub(crate) type ElemId = u32;
use std::collections::HashMap;

/// Upper bound on NFA states built for one content model.
const MAX_NFA_STATES: usize = 50_000;
/// Upper bound on DFA states for one content model.
const MAX_DFA_STATES: usize = 5_000;
/// Upper bound on elements in one `xs:all` (the bitset width).
pub(crate) const MAX_ALL_ITEMS: usize = 64;

/// One particle: a term with its occurrence range (`max: None` is unbounded).
#[derive(Debug, Clone)]
pub(crate) struct Particle {
    pub(crate) min: u32,
    pub(crate) max: Option<u32>,
    pub(crate) term: Term,
}

#[derive(Debug, Clone)]
pub(crate) enum Term {
    Element {
        id: ElemId,
        ns: Box<str>,
        local: Box<str>,
    },
    Any(Wildcard),
    Sequence(Vec<Particle>),
    Choice(Vec<Particle>),
    All(Vec<Particle>),
}

/// A compiled content model.
#[derive(Debug)]
pub(crate) enum ContentModel {
    Dfa(Dfa),
    All(AllModel),
}

/// What a child element matched.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Matched<'a> {
    Element(ElemId),
    Wildcard(&'a Wildcard),
}

/// A deterministic automaton over child element names.
#[derive(Debug)]
pub(crate) struct Dfa {
    states: Vec<DfaState>,
}

#[derive(Debug)]
struct DfaState {
    /// Sorted by (local, ns) for binary search.
    trans: Vec<Trans>,
    wild: Vec<(Wildcard, u32)>,
    accepting: bool,
}

#[derive(Debug)]
struct Trans {
    local: Box<str>,
    ns: Box<str>,
    target: u32,
    elem: ElemId,
}

impl Dfa {
    pub(crate) const START: u32 = 0;

    /// Follows the transition for a child; `None` if the child is not allowed here.
    pub(crate) fn step(&self, state: u32, ns: &str, local: &str) -> Option<(u32, Matched<'_>)> {
        let s = &self.states[state as usize];
        if let Ok(i) = s
            .trans
            .binary_search_by(|t| (&*t.local, &*t.ns).cmp(&(local, ns)))
        {
            let t = &s.trans[i];
            return Some((t.target, Matched::Element(t.elem)));
        }
        s.wild
            .iter()
            .find(|(w, _)| w.allows(ns))
            .map(|(w, target)| (*target, Matched::Wildcard(w)))
    }

    pub(crate) fn accepting(&self, state: u32) -> bool {
        self.states[state as usize].accepting
    }

    /// Element names allowed next: (namespace, local).
    pub(crate) fn expected(&self, state: u32) -> (Vec<(&str, &str)>, Vec<&Wildcard>) {
        let s = &self.states[state as usize];
        (
            s.trans.iter().map(|t| (&*t.ns, &*t.local)).collect(),
            s.wild.iter().map(|(w, _)| w).collect(),
        )
    }
}

/// `xs:all`: each item at most once, in any order.
#[derive(Debug)]
pub(crate) struct AllModel {
    pub(crate) items: Vec<AllItem>,
    /// The group itself has minOccurs="0": empty content is fine even with required items.
    pub(crate) optional: bool,
}

#[derive(Debug)]
pub(crate) struct AllItem {
    pub(crate) ns: Box<str>,
    pub(crate) local: Box<str>,
    pub(crate) elem: ElemId,
    pub(crate) required: bool,
}

impl AllModel {
    pub(crate) fn find(&self, ns: &str, local: &str) -> Option<(usize, &AllItem)> {
        self.items
            .iter()
            .enumerate()
            .find(|(_, i)| &*i.local == local && &*i.ns == ns)
    }
}

/// Compiles a top-level particle. `same_decl_type` answers whether two element declarations
/// have the same type, for the "Element Declarations Consistent" rule.
pub(crate) fn compile(
    particle: &Particle,
    same_decl_type: &dyn Fn(ElemId, ElemId) -> bool,
) -> Result<ContentModel, String> {
    if let Term::All(items) = &particle.term {
        return compile_all(particle, items).map(ContentModel::All);
    }
    let mut nfa = Nfa::default();
    let start = nfa.new_state()?;
    let end = nfa.particle(particle, start)?;
    determinise(&nfa, start, end, same_decl_type).map(ContentModel::Dfa)
}

fn compile_all(group: &Particle, items: &[Particle]) -> Result<AllModel, String> {
    if group.max != Some(1) || group.min > 1 {
        return Err("<xs:all> must have minOccurs 0 or 1 and maxOccurs 1".into());
    }
    if items.len() > MAX_ALL_ITEMS {
        return Err(format!(
            "<xs:all> with more than {MAX_ALL_ITEMS} elements is not supported"
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for p in items {
        let Term::Element { id, ns, local } = &p.term else {
            return Err("<xs:all> may contain only element declarations".into());
        };
        if p.max.is_none_or(|m| m > 1) {
            return Err(format!(
                "element <{local}> in <xs:all> must have maxOccurs 0 or 1"
            ));
        }
        if p.max == Some(0) {
            continue;
        }
        if out
            .iter()
            .any(|i: &AllItem| i.local == *local && i.ns == *ns)
        {
            return Err(format!("element <{local}> appears twice in <xs:all>"));
        }
        out.push(AllItem {
            ns: ns.clone(),
            local: local.clone(),
            elem: *id,
            required: p.min > 0,
        });
    }
    Ok(AllModel {
        items: out,
        optional: group.min == 0,
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Label {
    Element(ElemId),
    Any(usize),
}

#[derive(Default)]
struct Nfa {
    eps: Vec<Vec<u32>>,
    edges: Vec<Vec<(Label, u32)>>,
    names: HashMap<ElemId, (Box<str>, Box<str>)>,
    wildcards: Vec<Wildcard>,
}

impl Nfa {
    fn new_state(&mut self) -> Result<u32, String> {
        if self.eps.len() >= MAX_NFA_STATES {
            return Err(format!(
                "content model too large to compile (over {MAX_NFA_STATES} states; reduce large maxOccurs values)"
            ));
        }
        self.eps.push(Vec::new());
        self.edges.push(Vec::new());
        Ok((self.eps.len() - 1) as u32)
    }

    fn particle(&mut self, p: &Particle, start: u32) -> Result<u32, String> {
        let mut current = start;
        for _ in 0..p.min {
            current = self.term(&p.term, current)?;
        }
        match p.max {
            None => {
                let loop_state = self.new_state()?;
                self.eps[current as usize].push(loop_state);
                let body_end = self.term(&p.term, loop_state)?;
                self.eps[body_end as usize].push(loop_state);
                Ok(loop_state)
            }
            Some(max) => {
                let end = self.new_state()?;
                self.eps[current as usize].push(end);
                for _ in p.min..max {
                    current = self.term(&p.term, current)?;
                    self.eps[current as usize].push(end);
                }
                Ok(end)
            }
        }
    }

    fn term(&mut self, term: &Term, start: u32) -> Result<u32, String> {
        match term {
            Term::Element { id, ns, local } => {
                let end = self.new_state()?;
                self.names.insert(*id, (ns.clone(), local.clone()));
                self.edges[start as usize].push((Label::Element(*id), end));
                Ok(end)
            }
            Term::Any(w) => {
                let end = self.new_state()?;
                let index = match self.wildcards.iter().position(|x| x == w) {
                    Some(i) => i,
                    None => {
                        self.wildcards.push(w.clone());
                        self.wildcards.len() - 1
                    }
                };
                self.edges[start as usize].push((Label::Any(index), end));
                Ok(end)
            }
            Term::Sequence(items) => {
                let mut current = start;
                for p in items {
                    current = self.particle(p, current)?;
                }
                Ok(current)
            }
            Term::Choice(items) => {
                let end = self.new_state()?;
                for p in items {
                    let branch = self.new_state()?;
                    self.eps[start as usize].push(branch);
                    let branch_end = self.particle(p, branch)?;
                    self.eps[branch_end as usize].push(end);
                }
                Ok(end)
            }
            Term::All(_) => Err(
                "<xs:all> may only be the whole content model of a type (XSD 1.0), not nested"
                    .into(),
            ),
        }
    }

    fn closure(&self, seeds: impl IntoIterator<Item = u32>) -> Vec<u32> {
        let mut seen = vec![false; self.eps.len()];
        let mut stack: Vec<u32> = Vec::new();
        for s in seeds {
            if !seen[s as usize] {
                seen[s as usize] = true;
                stack.push(s);
            }
        }
        let mut out = Vec::new();
        while let Some(s) = stack.pop() {
            out.push(s);
            for &t in &self.eps[s as usize] {
                if !seen[t as usize] {
                    seen[t as usize] = true;
                    stack.push(t);
                }
            }
        }
        out.sort_unstable();
        out
    }
}

/// Outgoing edges of one DFA state for one child name: ((ns, local), first decl, targets).
type NameGroup = ((Box<str>, Box<str>), ElemId, Vec<u32>);

fn determinise(
    nfa: &Nfa,
    start: u32,
    end: u32,
    same_decl_type: &dyn Fn(ElemId, ElemId) -> bool,
) -> Result<Dfa, String> {
    let mut ids: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut sets: Vec<Vec<u32>> = Vec::new();
    let mut states: Vec<DfaState> = Vec::new();
    let first = nfa.closure([start]);
    ids.insert(first.clone(), 0);
    sets.push(first);
    let mut next = 0;
    while next < sets.len() {
        let set = sets[next].clone();
        next += 1;
        // Group outgoing edges by child name (and by wildcard).
        let mut by_name: Vec<NameGroup> = Vec::new();
        let mut by_wild: Vec<(usize, Vec<u32>)> = Vec::new();
        for &s in &set {
            for (label, target) in &nfa.edges[s as usize] {
                match label {
                    Label::Element(id) => {
                        let name = nfa.names.get(id).cloned().unwrap_or_default();
                        match by_name.iter_mut().find(|(n, _, _)| *n == name) {
                            Some((_, first_id, targets)) => {
                                if *first_id != *id && !same_decl_type(*first_id, *id) {
                                    return Err(format!(
                                        "element <{}> is declared twice in one content model with different types",
                                        name.1
                                    ));
                                }
                                targets.push(*target);
                            }
                            None => by_name.push((name, *id, vec![*target])),
                        }
                    }
                    Label::Any(w) => match by_wild.iter_mut().find(|(x, _)| x == w) {
                        Some((_, targets)) => targets.push(*target),
                        None => by_wild.push((*w, vec![*target])),
                    },
                }
            }
        }
        let intern = |targets: Vec<u32>,
                      sets: &mut Vec<Vec<u32>>,
                      ids: &mut HashMap<Vec<u32>, u32>|
         -> Result<u32, String> {
            let closed = nfa.closure(targets);
            if let Some(&id) = ids.get(&closed) {
                return Ok(id);
            }
            if sets.len() >= MAX_DFA_STATES {
                return Err(format!(
                    "content model too complex to compile (over {MAX_DFA_STATES} automaton states)"
                ));
            }
            let id = sets.len() as u32;
            ids.insert(closed.clone(), id);
            sets.push(closed);
            Ok(id)
        };
        let mut trans = Vec::with_capacity(by_name.len());
        for ((ns, local), elem, mut targets) in by_name {
            // A wildcard that also admits this name adds its continuations (no ambiguity
            // is introduced: the automaton tracks both possibilities).
            for (w, wt) in &by_wild {
                if nfa.wildcards[*w].allows(&ns) {
                    targets.extend(wt.iter().copied());
                }
            }
            let target = intern(targets, &mut sets, &mut ids)?;
            trans.push(Trans {
                local,
                ns,
                target,
                elem,
            });
        }
        trans.sort_by(|a, b| (&a.local, &a.ns).cmp(&(&b.local, &b.ns)));
        let mut wild = Vec::with_capacity(by_wild.len());
        for (w, targets) in by_wild {
            let target = intern(targets, &mut sets, &mut ids)?;
            wild.push((nfa.wildcards[w].clone(), target));
        }
        states.push(DfaState {
            trans,
            wild,
            accepting: set.binary_search(&end).is_ok(),
        });
    }
    Ok(Dfa { states })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::wildcard::{NsConstraint, Process};

    fn el(id: ElemId, name: &str, min: u32, max: Option<u32>) -> Particle {
        Particle {
            min,
            max,
            term: Term::Element {
                id,
                ns: "".into(),
                local: name.into(),
            },
        }
    }

    fn group(
        term: fn(Vec<Particle>) -> Term,
        items: Vec<Particle>,
        min: u32,
        max: Option<u32>,
    ) -> Particle {
        Particle {
            min,
            max,
            term: term(items),
        }
    }

    fn dfa(p: &Particle) -> Dfa {
        match compile(p, &|_, _| true).unwrap() {
            ContentModel::Dfa(d) => d,
            ContentModel::All(_) => panic!("expected a DFA"),
        }
    }

    fn accepts(d: &Dfa, children: &[&str]) -> bool {
        let mut state = Dfa::START;
        for c in children {
            match d.step(state, "", c) {
                Some((next, _)) => state = next,
                None => return false,
            }
        }
        d.accepting(state)
    }

    #[test]
    fn sequence_with_occurrences() {
        let p = group(
            Term::Sequence,
            vec![
                el(0, "a", 1, Some(1)),
                el(1, "b", 0, None),
                el(2, "c", 2, Some(3)),
            ],
            1,
            Some(1),
        );
        let d = dfa(&p);
        assert!(accepts(&d, &["a", "c", "c"]));
        assert!(accepts(&d, &["a", "b", "b", "c", "c", "c"]));
        assert!(!accepts(&d, &["a", "c"]));
        assert!(!accepts(&d, &["a", "c", "c", "c", "c"]));
        assert!(!accepts(&d, &["b", "c", "c"]));
    }

    #[test]
    fn occurrences_on_nested_groups() {
        // (a | (b, c)){2,3}
        let inner = group(
            Term::Sequence,
            vec![el(1, "b", 1, Some(1)), el(2, "c", 1, Some(1))],
            1,
            Some(1),
        );
        let p = group(
            Term::Choice,
            vec![el(0, "a", 1, Some(1)), inner],
            2,
            Some(3),
        );
        let d = dfa(&p);
        assert!(accepts(&d, &["a", "b", "c"]));
        assert!(accepts(&d, &["b", "c", "b", "c", "a"]));
        assert!(!accepts(&d, &["a"]));
        assert!(!accepts(&d, &["a", "b"]));
        assert!(!accepts(&d, &["a", "a", "a", "a"]));
    }

    #[test]
    fn expected_lists_the_next_names() {
        let p = group(
            Term::Choice,
            vec![el(0, "x", 1, Some(1)), el(1, "y", 1, Some(1))],
            1,
            Some(1),
        );
        let d = dfa(&p);
        let (names, _) = d.expected(Dfa::START);
        let locals: Vec<&str> = names.iter().map(|n| n.1).collect();
        assert_eq!(locals, ["x", "y"]);
        assert!(!d.accepting(Dfa::START));
    }

    #[test]
    fn wildcards_match_by_namespace() {
        let any = Particle {
            min: 0,
            max: None,
            term: Term::Any(Wildcard {
                namespaces: NsConstraint::Not(vec!["".into()]),
                process: Process::Lax,
            }),
        };
        let d = dfa(&group(
            Term::Sequence,
            vec![el(0, "a", 1, Some(1)), any],
            1,
            Some(1),
        ));
        let (s, _) = d.step(Dfa::START, "", "a").unwrap();
        assert!(d.step(s, "urn:x", "anything").is_some());
        assert!(d.step(s, "", "local").is_none());
    }

    #[test]
    fn refuses_models_that_would_explode() {
        let p = group(
            Term::Sequence,
            vec![el(0, "a", 0, Some(100_000))],
            1,
            Some(1),
        );
        let err = compile(&p, &|_, _| true).unwrap_err();
        assert!(err.contains("too large"), "{err}");
    }

    #[test]
    fn refuses_inconsistent_declarations() {
        let p = group(
            Term::Choice,
            vec![el(0, "a", 1, Some(1)), el(1, "a", 1, Some(1))],
            1,
            Some(1),
        );
        let err = compile(&p, &|a, b| a == b).unwrap_err();
        assert!(err.contains("different types"), "{err}");
    }

    #[test]
    fn all_groups_become_bitset_models() {
        let p = group(
            Term::All,
            vec![el(0, "a", 1, Some(1)), el(1, "b", 0, Some(1))],
            1,
            Some(1),
        );
        match compile(&p, &|_, _| true).unwrap() {
            ContentModel::All(m) => {
                assert_eq!(m.items.len(), 2);
                assert!(m.items[0].required && !m.items[1].required);
            }
            ContentModel::Dfa(_) => panic!("expected an all model"),
        }
        let bad = group(Term::All, vec![el(0, "a", 1, None)], 1, Some(1));
        assert!(compile(&bad, &|_, _| true).is_err());
    }
}
