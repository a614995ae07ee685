//! Blocks Nomad's parser decodes by hand (`jobspec2/hcl_conversions.go`): constraint and
//! affinity shorthands, and the group and task `scaling` blocks.

use super::kind::{Kind, KindInfo, expected_block};
use super::{AttrIn, BlockIn, Lowerer};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Affinity, Constraint, ScalingPolicy};
use crate::span::{Span, Spanned};

/// `constraint` blocks, with their shorthands.
pub(crate) struct Constraints;
/// `affinity` blocks, with their shorthands.
pub(crate) struct Affinities;
/// The group's `scaling` block: horizontal, `max` required.
pub(crate) struct GroupScaling;
/// A task's `scaling "cpu"` and `scaling "mem"` blocks.
pub(crate) struct TaskScaling;

impl KindInfo for Constraints {}
impl KindInfo for Affinities {}
impl KindInfo for GroupScaling {}
impl KindInfo for TaskScaling {}

#[allow(unreachable_pub)]
mod raw {
    use crate::span::Spanned;

    schema! {
        /// A `constraint` block as written.
        pub(crate) struct RawConstraint {
            attribute: Attr "attribute" String,
            value: Attr "value" String,
            operator: Attr "operator" String,
            distinct_property: Attr "distinct_property" String,
            distinct_hosts: Attr "distinct_hosts" bool,
            regexp: Attr "regexp" String,
            version: Attr "version" String,
            semver: Attr "semver" String,
            set_contains: Attr "set_contains" String,
            set_contains_all: Attr "set_contains_all" String,
            set_contains_any: Attr "set_contains_any" String,
            is_set: Attr "is_set" String,
            is_not_set: Attr "is_not_set" String,
        }
    }

    schema! {
        /// An `affinity` block as written.
        pub(crate) struct RawAffinity {
            attribute: Attr "attribute" String,
            value: Attr "value" String,
            operator: Attr "operator" String,
            weight: Attr "weight" i8,
            version: Attr "version" String,
            semver: Attr "semver" String,
            regexp: Attr "regexp" String,
            set_contains: Attr "set_contains" String,
            set_contains_all: Attr "set_contains_all" String,
            set_contains_any: Attr "set_contains_any" String,
        }
    }

    /// Forces `Spanned` to count as used in the macro-generated field types.
    pub(crate) type _S = Spanned<()>;
}

use raw::{RawAffinity, RawConstraint};

/// Applies a shorthand (`version = "..."`) when it is set and not empty.
fn shorthand(
    operand: &mut Option<Spanned<String>>,
    rtarget: &mut Option<Spanned<String>>,
    name: &str,
    value: Option<Spanned<String>>,
) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        *operand = Some(Spanned::new(name.to_owned(), value.span));
        *rtarget = Some(value);
    }
}

/// Warns about shorthands Nomad's parser accepts but never applies.
fn ignored(cx: &mut Lowerer<'_>, name: &str, value: Option<&Spanned<String>>) {
    if let Some(value) = value {
        cx.push(
            Diagnostic::new(
                Code::IgnoredAttribute,
                value.span,
                format!("Nomad's parser accepts `{name}` here but ignores it"),
            )
            .with_label("has no effect")
            .with_help(format!(
                "write `operator = \"{name}\"` and `value = {:?}`",
                value.inner
            )),
        );
    }
}

impl Kind<Vec<Spanned<Constraint>>> for Constraints {
    const BLOCK_LABELS: Option<usize> = Some(0);
    fn attr(cx: &mut Lowerer<'_>, key: &str, _: &mut Vec<Spanned<Constraint>>, attr: AttrIn) {
        expected_block(cx, key, &attr);
    }

    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut Vec<Spanned<Constraint>>, block: BlockIn) {
        let ident = block.ident_span;
        let raw: Spanned<RawConstraint> = cx.lower_block(key, block);
        let span = raw.span;
        let raw = raw.inner;
        ignored(cx, "set_contains_all", raw.set_contains_all.as_ref());
        ignored(cx, "set_contains_any", raw.set_contains_any.as_ref());
        ignored(cx, "is_set", raw.is_set.as_ref());
        ignored(cx, "is_not_set", raw.is_not_set.as_ref());
        let mut c = Constraint {
            ltarget: raw.attribute,
            rtarget: raw.value,
            operand: raw.operator,
        };
        shorthand(&mut c.operand, &mut c.rtarget, "version", raw.version);
        shorthand(&mut c.operand, &mut c.rtarget, "semver", raw.semver);
        shorthand(&mut c.operand, &mut c.rtarget, "regexp", raw.regexp);
        shorthand(
            &mut c.operand,
            &mut c.rtarget,
            "set_contains",
            raw.set_contains,
        );
        if let Some(hosts) = raw.distinct_hosts {
            c.operand = Some(Spanned::new("distinct_hosts".to_owned(), hosts.span));
            c.rtarget = Some(hosts.map(|b| b.to_string()));
        }
        if let Some(property) = raw.distinct_property {
            c.operand = Some(Spanned::new("distinct_property".to_owned(), property.span));
            c.ltarget = Some(property);
        }
        default_operand(&mut c.operand, ident);
        slot.push(Spanned::new(c, span));
    }
}

fn default_operand(operand: &mut Option<Spanned<String>>, ident: Span) {
    if operand.as_ref().is_none_or(|o| o.is_empty()) {
        *operand = Some(Spanned::new("=".to_owned(), ident));
    }
}

impl Kind<Vec<Spanned<Affinity>>> for Affinities {
    const BLOCK_LABELS: Option<usize> = Some(0);
    fn attr(cx: &mut Lowerer<'_>, key: &str, _: &mut Vec<Spanned<Affinity>>, attr: AttrIn) {
        expected_block(cx, key, &attr);
    }

    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut Vec<Spanned<Affinity>>, block: BlockIn) {
        let ident = block.ident_span;
        let raw: Spanned<RawAffinity> = cx.lower_block(key, block);
        let span = raw.span;
        let raw = raw.inner;
        let mut a = Affinity {
            ltarget: raw.attribute,
            rtarget: raw.value,
            operand: raw.operator,
            weight: raw.weight,
        };
        shorthand(&mut a.operand, &mut a.rtarget, "version", raw.version);
        shorthand(&mut a.operand, &mut a.rtarget, "semver", raw.semver);
        shorthand(&mut a.operand, &mut a.rtarget, "regexp", raw.regexp);
        shorthand(
            &mut a.operand,
            &mut a.rtarget,
            "set_contains_any",
            raw.set_contains_any,
        );
        shorthand(
            &mut a.operand,
            &mut a.rtarget,
            "set_contains_all",
            raw.set_contains_all,
        );
        shorthand(
            &mut a.operand,
            &mut a.rtarget,
            "set_contains",
            raw.set_contains,
        );
        default_operand(&mut a.operand, ident);
        slot.push(Spanned::new(a, span));
    }
}

impl Kind<Option<Spanned<ScalingPolicy>>> for GroupScaling {
    const BLOCK_LABELS: Option<usize> = Some(0);
    fn attr(cx: &mut Lowerer<'_>, key: &str, _: &mut Option<Spanned<ScalingPolicy>>, attr: AttrIn) {
        expected_block(cx, key, &attr);
    }

    fn block(
        cx: &mut Lowerer<'_>,
        key: &str,
        slot: &mut Option<Spanned<ScalingPolicy>>,
        block: BlockIn,
    ) {
        if let Some(first) = slot {
            let first = first.span;
            cx.duplicate_block(key, block.ident_span, first);
            return;
        }
        let ident = block.ident_span;
        let mut policy: Spanned<ScalingPolicy> = cx.lower_block(key, block);
        match &policy.r#type {
            Some(t) if t.as_str() != "horizontal" => {
                let span = t.span;
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        span,
                        format!("a group scaling policy must be horizontal, not {:?}", t.inner),
                    )
                    .with_label("invalid scaling type")
                    .with_help("remove `type`, or write `type = \"horizontal\"`; vertical policies go in a task's `scaling \"cpu\"` or `scaling \"mem\"` block"),
                );
            }
            Some(_) => {}
            None => policy.r#type = Some(Spanned::new("horizontal".to_owned(), ident)),
        }
        if policy.max.is_none() {
            cx.push(
                Diagnostic::new(
                    Code::MissingAttribute,
                    ident,
                    "the required attribute `max` is missing",
                )
                .with_label("this block needs `max`")
                .with_help("add `max = <count>`: the most allocations the autoscaler may run"),
            );
        }
        *slot = Some(policy);
    }
}

impl Kind<Vec<Spanned<ScalingPolicy>>> for TaskScaling {
    const BLOCK_LABELS: Option<usize> = Some(1);
    fn attr(cx: &mut Lowerer<'_>, key: &str, _: &mut Vec<Spanned<ScalingPolicy>>, attr: AttrIn) {
        expected_block(cx, key, &attr);
    }

    fn block(
        cx: &mut Lowerer<'_>,
        key: &str,
        slot: &mut Vec<Spanned<ScalingPolicy>>,
        mut block: BlockIn,
    ) {
        let labels = std::mem::take(&mut block.labels);
        let ident = block.ident_span;
        let mut policy: Spanned<ScalingPolicy> = cx.lower_block(key, block);
        let Some(label) = labels.first() else {
            cx.push(
                Diagnostic::new(
                    Code::MissingLabel,
                    ident,
                    "a task `scaling` block needs a label: `cpu` or `mem`",
                )
                .with_label("missing the resource")
                .with_help("write `scaling \"cpu\" { ... }` or `scaling \"mem\" { ... }`"),
            );
            return;
        };
        if let Some(extra) = labels.get(1) {
            cx.push(
                Diagnostic::new(Code::ExtraLabel, extra.span, "a task `scaling` block takes one label")
                    .with_label("unexpected label")
                    .with_help("write one block per resource: `scaling \"cpu\" { ... }`, `scaling \"mem\" { ... }`"),
            );
            return;
        }
        let resource = label.to_lowercase();
        let default_type = match resource.as_str() {
            "cpu" => "vertical_cpu",
            "mem" => "vertical_mem",
            _ => {
                cx.push(
                    Diagnostic::new(
                        Code::InvalidLabel,
                        label.span,
                        format!(
                            "scaling policy name must be \"cpu\" or \"mem\", not {:?}",
                            label.inner
                        ),
                    )
                    .with_label("not a scalable resource")
                    .with_help("write `scaling \"cpu\"` or `scaling \"mem\"`"),
                );
                return;
            }
        };
        if let Some(first) = slot
            .iter()
            .find(|p| p.r#type.as_deref().map(String::as_str) == Some(default_type))
        {
            let first = first.span;
            cx.duplicate_block(&format!("scaling \"{resource}\""), label.span, first);
            return;
        }
        match &policy.r#type {
            Some(t) if t.as_str() != default_type => {
                let span = t.span;
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        span,
                        format!("a `scaling \"{resource}\"` policy must have type {default_type:?}, not {:?}", t.inner),
                    )
                    .with_label("invalid policy type")
                    .with_help(format!("remove `type`; `scaling \"{resource}\"` is always {default_type:?}")),
                );
                return;
            }
            Some(_) => {}
            None => policy.r#type = Some(Spanned::new(default_type.to_owned(), label.span)),
        }
        slot.push(policy);
    }
}
