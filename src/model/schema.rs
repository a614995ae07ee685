//! The `schema!` macro: declares a model block once, giving its Rust fields, HCL keys and
//! Nomad API (Go) field names together.

/// Whether a field is left out of API JSON: unset options, empty lists and maps.
pub(crate) trait Unset {
    fn is_unset(&self) -> bool;
}

impl<T> Unset for Option<T> {
    fn is_unset(&self) -> bool {
        self.is_none()
    }
}

impl<T> Unset for Vec<T> {
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

impl<V> Unset for super::Map<V> {
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

pub(crate) fn is_unset<T: Unset>(value: &T) -> bool {
    value.is_unset()
}

/// The Rust type of a field of each kind.
macro_rules! field_type {
    (Blocks, $t:ty) => { Vec<$crate::span::Spanned<$t>> };
    (Constraints, $t:ty) => { Vec<$crate::span::Spanned<$t>> };
    (Affinities, $t:ty) => { Vec<$crate::span::Spanned<$t>> };
    (TaskScaling, $t:ty) => { Vec<$crate::span::Spanned<$t>> };
    (Labelled, $t:ty) => { $crate::model::Map<$t> };
    (MapBlk, $t:ty) => { Option<$crate::span::Spanned<$crate::model::Map<$t>>> };
    (MapAttr, $t:ty) => { Option<$crate::span::Spanned<$crate::model::Map<$t>>> };
    (Api, $t:ty) => { $t };
    (Reserved, $t:ty) => { Vec<$crate::span::Spanned<$t>> };
    ($kind:ident, $t:ty) => { Option<$crate::span::Spanned<$t>> };
}

/// The HCL key of a field: its name, or the name given with `= "key"`.
macro_rules! hcl_key {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident $key:literal) => {
        $key
    };
}

/// Declares a model block.
///
/// ```text
/// schema! {
///     /// An upstream.
///     pub struct Upstream label "name" {
///         /// Doc.
///         destination_name: Attr "DestinationName" String,
///         kind = "type": Attr "Type" String,
///     }
///     deprecated { "key" => "advice" }
/// }
/// ```
///
/// Each field names its kind (see `lower::kind`), its Go field name and its value type.
macro_rules! schema {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(label $label:literal)? {
            $(
                $(#[$fmeta:meta])*
                $field:ident $(= $key:literal)? : $kind:ident $go:literal $ty:ty
            ),* $(,)?
        }
        $(deprecated { $($dkey:literal => $dmsg:literal),* $(,)? })?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        $vis struct $name {
            $(
                $(#[$fmeta])*
                #[serde(
                    rename = $go,
                    default,
                    skip_serializing_if = "crate::model::schema::is_unset"
                )]
                $vis $field: field_type!($kind, $ty),
            )*
        }

        impl $crate::lower::Block for $name {
            const KEYS: &'static [&'static str] = &{
                const ALL: &[(&str, bool)] = &[$(
                    (hcl_key!($field $($key)?), <$crate::lower::kind::$kind as $crate::lower::kind::KindInfo>::IN_HCL)
                ),*];
                const N: usize = {
                    let mut n = 0;
                    let mut i = 0;
                    while i < ALL.len() {
                        if ALL[i].1 { n += 1; }
                        i += 1;
                    }
                    n
                };
                let mut out = [""; N];
                let mut n = 0;
                let mut i = 0;
                while i < ALL.len() {
                    if ALL[i].1 {
                        out[n] = ALL[i].0;
                        n += 1;
                    }
                    i += 1;
                }
                out
            };
            const LABEL: Option<&'static str> = {
                #[allow(unused_mut, unused_assignments)]
                let mut label = None;
                $(label = Some($label);)?
                label
            };
            const DEPRECATED: &'static [(&'static str, &'static str)] = &[$($(($dkey, $dmsg)),*)?];

            fn block_labels(key: &str) -> Option<usize> {
                $(
                    if <$crate::lower::kind::$kind as $crate::lower::kind::KindInfo>::IN_HCL
                        && key == hcl_key!($field $($key)?)
                    {
                        return <$crate::lower::kind::$kind as $crate::lower::kind::Kind<field_type!($kind, $ty)>>::BLOCK_LABELS;
                    }
                )*
                let _ = key;
                None
            }

            #[allow(unused_variables)]
            fn attr(
                &mut self,
                cx: &mut $crate::lower::Lowerer<'_>,
                key: &str,
                attr: $crate::lower::AttrIn,
            ) -> Result<(), Box<$crate::lower::AttrIn>> {
                $(
                    if <$crate::lower::kind::$kind as $crate::lower::kind::KindInfo>::IN_HCL
                        && key == hcl_key!($field $($key)?)
                    {
                        <$crate::lower::kind::$kind as $crate::lower::kind::Kind<_>>::attr(
                            cx, key, &mut self.$field, attr,
                        );
                        return Ok(());
                    }
                )*
                Err(Box::new(attr))
            }

            #[allow(unused_variables)]
            fn block(
                &mut self,
                cx: &mut $crate::lower::Lowerer<'_>,
                key: &str,
                block: $crate::lower::BlockIn,
            ) -> Result<(), Box<$crate::lower::BlockIn>> {
                $(
                    if <$crate::lower::kind::$kind as $crate::lower::kind::KindInfo>::IN_HCL
                        && key == hcl_key!($field $($key)?)
                    {
                        <$crate::lower::kind::$kind as $crate::lower::kind::Kind<_>>::block(
                            cx, key, &mut self.$field, block,
                        );
                        return Ok(());
                    }
                )*
                Err(Box::new(block))
            }

            #[allow(unused_variables)]
            fn set_label(&mut self, label: &$crate::span::Spanned<String>) {
                $(
                    <$crate::lower::kind::$kind as $crate::lower::kind::Kind<_>>::set_label(
                        &mut self.$field, label,
                    );
                )*
            }

            #[allow(unused_variables)]
            fn finish(&self, cx: &mut $crate::lower::Lowerer<'_>, ident: $crate::span::Span) {
                $(
                    <$crate::lower::kind::$kind as $crate::lower::kind::Kind<_>>::finish(
                        cx, hcl_key!($field $($key)?), &self.$field, ident,
                    );
                )*
            }
        }

        impl $crate::write::hcl::WriteBlock for $name {
            fn label(&self) -> Option<&str> {
                $(
                    if let Some(label) = <$crate::lower::kind::$kind as $crate::write::hcl::WriteKind<field_type!($kind, $ty)>>::label(&self.$field) {
                        return Some(label);
                    }
                )*
                None
            }

            #[allow(unused_variables)]
            fn write_body(&self, w: &mut $crate::write::hcl::Writer<'_>) {
                $(
                    <$crate::lower::kind::$kind as $crate::write::hcl::WriteKind<field_type!($kind, $ty)>>::write(
                        w, hcl_key!($field $($key)?), $go, &self.$field,
                    );
                )*
            }
        }
    };
}
