//! How each kind of model field takes its attribute or block: the field kinds the `schema!`
//! macro in `model` names (`Attr`, `Block`, `Blocks`, `Map`, ...).

pub(crate) use super::special::{Affinities, Constraints, GroupScaling, TaskScaling};
use super::{AttrIn, Block, BlockIn, FromValue, Lowerer};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Map, Value};
use crate::span::{Span, Spanned};

/// Facts about a field kind that do not depend on the field's type.
pub(crate) trait KindInfo {
    /// Whether the field has an HCL key (labels and API-only fields have none).
    const IN_HCL: bool = true;
}

/// How a field kind lowers into a field of type `F`.
pub(crate) trait Kind<F> {
    /// For block kinds, how many labels the block takes; `None` for attributes.
    const BLOCK_LABELS: Option<usize> = None;
    /// Lowers an attribute written for the field.
    fn attr(cx: &mut Lowerer<'_>, key: &str, slot: &mut F, attr: AttrIn);
    /// Lowers a block written for the field.
    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut F, block: BlockIn);
    /// Takes the enclosing block's label.
    fn set_label(_slot: &mut F, _label: &Spanned<String>) {}
    /// Checks the field once the enclosing body is read.
    fn finish(_cx: &mut Lowerer<'_>, _key: &str, _slot: &F, _ident: Span) {}
}

/// The block's label (`task "web"`); not an HCL key.
pub(crate) struct Label;
/// The block's label, which an attribute of the same name may override (`job "x" { name = "y" }`).
pub(crate) struct LabelAttr;
/// An optional attribute.
pub(crate) struct Attr;
/// A required attribute.
pub(crate) struct Req;
/// A nested block that may appear at most once.
pub(crate) struct Blk;
/// A nested block that may repeat.
pub(crate) struct Blocks;
/// Labelled blocks collected into a map keyed by label (`volume "data" { ... }`).
pub(crate) struct Labelled;
/// A map written as a block (`meta { k = "v" }`).
pub(crate) struct MapBlk;
/// A map written as a block or as an attribute (`meta = { "a.b" = "v" }`).
pub(crate) struct MapAttr;
/// A field of the API form only, with no HCL key.
pub(crate) struct Api;
/// A field the parser computes (the periodic `SpecType`): no HCL key, nothing to write.
pub(crate) struct Derived;
/// Static ports (`ReservedPorts`): lowered as `Blocks`, written back as `port` blocks, from
/// which the parser sorts them out.
pub(crate) struct Reserved;
/// A field the parser fills from another key (the task's default `identity`): no HCL key of
/// its own, written back under that key.
pub(crate) struct Moved;

impl KindInfo for Label {
    const IN_HCL: bool = false;
}
impl KindInfo for LabelAttr {}
impl KindInfo for Attr {}
impl KindInfo for Req {}
impl KindInfo for Blk {}
impl KindInfo for Blocks {}
impl KindInfo for Labelled {}
impl KindInfo for MapBlk {}
impl KindInfo for MapAttr {}
impl KindInfo for Api {
    const IN_HCL: bool = false;
}
impl KindInfo for Derived {
    const IN_HCL: bool = false;
}
impl KindInfo for Reserved {}
impl KindInfo for Moved {
    const IN_HCL: bool = false;
}

fn expected_attribute(cx: &mut Lowerer<'_>, key: &str, block: &BlockIn) {
    cx.push(
        Diagnostic::new(
            Code::ExpectedAttribute,
            block.ident_span,
            format!("`{key}` is an attribute, not a block"),
        )
        .with_label("written as a block")
        .with_help(format!("write `{key} = <value>`")),
    );
}

pub(super) fn expected_block(cx: &mut Lowerer<'_>, key: &str, attr: &AttrIn) {
    cx.push(
        Diagnostic::new(
            Code::ExpectedBlock,
            attr.key_span,
            format!("`{key}` is a block, not an attribute"),
        )
        .with_label("written as an attribute")
        .with_help(format!("write `{key} {{ ... }}` without `=`")),
    );
}

fn lower_attr<T: FromValue>(cx: &mut Lowerer<'_>, slot: &mut Option<Spanned<T>>, attr: AttrIn) {
    if let Some(value) = cx.eval_owned(attr.value) {
        if let Some(v) = T::convert(cx, value) {
            *slot = Some(v);
        }
    }
}

impl Kind<Option<Spanned<String>>> for Label {
    fn attr(_: &mut Lowerer<'_>, _: &str, _: &mut Option<Spanned<String>>, _: AttrIn) {}
    fn block(_: &mut Lowerer<'_>, _: &str, _: &mut Option<Spanned<String>>, _: BlockIn) {}
    fn set_label(slot: &mut Option<Spanned<String>>, label: &Spanned<String>) {
        *slot = Some(label.clone());
    }
}

impl Kind<Option<Spanned<String>>> for LabelAttr {
    fn attr(cx: &mut Lowerer<'_>, _: &str, slot: &mut Option<Spanned<String>>, attr: AttrIn) {
        lower_attr(cx, slot, attr);
    }
    fn block(cx: &mut Lowerer<'_>, key: &str, _: &mut Option<Spanned<String>>, block: BlockIn) {
        expected_attribute(cx, key, &block);
    }
    fn set_label(slot: &mut Option<Spanned<String>>, label: &Spanned<String>) {
        *slot = Some(label.clone());
    }
}

impl<T: FromValue> Kind<Option<Spanned<T>>> for Attr {
    fn attr(cx: &mut Lowerer<'_>, _: &str, slot: &mut Option<Spanned<T>>, attr: AttrIn) {
        lower_attr(cx, slot, attr);
    }
    fn block(cx: &mut Lowerer<'_>, key: &str, _: &mut Option<Spanned<T>>, block: BlockIn) {
        expected_attribute(cx, key, &block);
    }
}

impl<T: FromValue> Kind<Option<Spanned<T>>> for Req {
    fn attr(cx: &mut Lowerer<'_>, key: &str, slot: &mut Option<Spanned<T>>, attr: AttrIn) {
        Attr::attr(cx, key, slot, attr);
    }
    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut Option<Spanned<T>>, block: BlockIn) {
        Attr::block(cx, key, slot, block);
    }
    fn finish(cx: &mut Lowerer<'_>, key: &str, slot: &Option<Spanned<T>>, ident: Span) {
        if slot.is_none() {
            cx.push(
                Diagnostic::new(
                    Code::MissingAttribute,
                    ident,
                    format!("the required attribute `{key}` is missing"),
                )
                .with_label(format!("this block needs `{key}`"))
                .with_help(format!("add `{key} = <value>` to the block")),
            );
        }
    }
}

impl<B: Block> Kind<Option<Spanned<B>>> for Blk {
    const BLOCK_LABELS: Option<usize> = Some(B::LABEL.is_some() as usize);
    fn attr(cx: &mut Lowerer<'_>, key: &str, _: &mut Option<Spanned<B>>, attr: AttrIn) {
        expected_block(cx, key, &attr);
    }
    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut Option<Spanned<B>>, block: BlockIn) {
        match slot {
            Some(first) => {
                let first = first.span;
                cx.duplicate_block(key, block.ident_span, first);
            }
            None => *slot = Some(cx.lower_block(key, block)),
        }
    }
}

impl<B: Block> Kind<Vec<Spanned<B>>> for Blocks {
    const BLOCK_LABELS: Option<usize> = Some(B::LABEL.is_some() as usize);
    fn attr(cx: &mut Lowerer<'_>, key: &str, _: &mut Vec<Spanned<B>>, attr: AttrIn) {
        expected_block(cx, key, &attr);
    }
    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut Vec<Spanned<B>>, block: BlockIn) {
        slot.push(cx.lower_block(key, block));
    }
}

impl<B: Block> Kind<Vec<Spanned<B>>> for Reserved {
    const BLOCK_LABELS: Option<usize> = Some(B::LABEL.is_some() as usize);
    fn attr(cx: &mut Lowerer<'_>, key: &str, slot: &mut Vec<Spanned<B>>, attr: AttrIn) {
        Blocks::attr(cx, key, slot, attr);
    }
    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut Vec<Spanned<B>>, block: BlockIn) {
        Blocks::block(cx, key, slot, block);
    }
}

impl<B: Block> Kind<Map<B>> for Labelled {
    const BLOCK_LABELS: Option<usize> = Some(1);
    fn attr(cx: &mut Lowerer<'_>, key: &str, _: &mut Map<B>, attr: AttrIn) {
        expected_block(cx, key, &attr);
    }
    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut Map<B>, block: BlockIn) {
        let label = block.labels.first().cloned();
        let lowered = cx.lower_block::<B>(key, block);
        let Some(label) = label else { return };
        if let Some((first, _)) = slot.get_entry(&label) {
            let first = first.span;
            cx.push(
                Diagnostic::new(
                    Code::DuplicateKey,
                    label.span,
                    format!(
                        "a `{key}` block labelled {:?} is already defined",
                        label.inner
                    ),
                )
                .with_label("second definition")
                .with_related(first, "first defined here")
                .with_help(format!("give each `{key}` block a different label")),
            );
            return;
        }
        slot.insert(label, lowered);
    }
}

fn lower_map_block<V: FromValue>(
    cx: &mut Lowerer<'_>,
    key: &str,
    slot: &mut Option<Spanned<Map<V>>>,
    block: BlockIn,
) {
    if let Some(first) = slot {
        let first = first.span;
        cx.duplicate_block(key, block.ident_span, first);
        return;
    }
    for label in &block.labels {
        cx.push(
            Diagnostic::new(
                Code::ExtraLabel,
                label.span,
                format!("the `{key}` block takes no label"),
            )
            .with_label("unexpected label")
            .with_help(format!("remove the label from `{key}`")),
        );
    }
    let map = cx.body_to_map(block.body);
    *slot = Some(Spanned::new(convert_map(cx, map), block.span));
}

fn convert_map<V: FromValue>(cx: &mut Lowerer<'_>, map: Map<Value>) -> Map<V> {
    map.into_iter()
        .filter_map(|(k, v)| V::convert(cx, v).map(|v| (k, v)))
        .collect()
}

impl<V: FromValue> Kind<Option<Spanned<Map<V>>>> for MapBlk {
    const BLOCK_LABELS: Option<usize> = Some(0);
    fn attr(cx: &mut Lowerer<'_>, key: &str, _: &mut Option<Spanned<Map<V>>>, attr: AttrIn) {
        expected_block(cx, key, &attr);
    }
    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut Option<Spanned<Map<V>>>, block: BlockIn) {
        lower_map_block(cx, key, slot, block);
    }
}

impl<V: FromValue> Kind<Option<Spanned<Map<V>>>> for MapAttr {
    fn attr(cx: &mut Lowerer<'_>, key: &str, slot: &mut Option<Spanned<Map<V>>>, attr: AttrIn) {
        if let Some(first) = slot {
            let first = first.span;
            cx.duplicate_block(key, attr.key_span, first);
            return;
        }
        let span = attr.span;
        let mut value = None;
        lower_attr::<Map<V>>(cx, &mut value, attr);
        *slot = value.map(|v| Spanned::new(v.inner, span));
    }
    fn block(cx: &mut Lowerer<'_>, key: &str, slot: &mut Option<Spanned<Map<V>>>, block: BlockIn) {
        lower_map_block(cx, key, slot, block);
    }
}

impl<F> Kind<F> for Api {
    fn attr(_: &mut Lowerer<'_>, _: &str, _: &mut F, _: AttrIn) {}
    fn block(_: &mut Lowerer<'_>, _: &str, _: &mut F, _: BlockIn) {}
}

impl<F> Kind<F> for Derived {
    fn attr(_: &mut Lowerer<'_>, _: &str, _: &mut F, _: AttrIn) {}
    fn block(_: &mut Lowerer<'_>, _: &str, _: &mut F, _: BlockIn) {}
}

impl<F> Kind<F> for Moved {
    fn attr(_: &mut Lowerer<'_>, _: &str, _: &mut F, _: AttrIn) {}
    fn block(_: &mut Lowerer<'_>, _: &str, _: &mut F, _: BlockIn) {}
}
