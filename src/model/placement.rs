//! Placement: constraints, affinities and spreads.

use serde::{Deserialize, Serialize};

use crate::span::Spanned;

/// A placement constraint (`constraint`).
///
/// The shorthand attributes (`distinct_hosts = true`, `version = ">= 1.2"`, `regexp`,
/// `semver`, `set_contains`, `distinct_property`) set the operator and target as Nomad's
/// parser does; `operator` defaults to `=`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Constraint {
    /// The attribute (`attribute`), e.g. `${attr.kernel.name}`.
    #[serde(rename = "LTarget", default, skip_serializing_if = "Option::is_none")]
    pub ltarget: Option<Spanned<String>>,
    /// The value compared against (`value`).
    #[serde(rename = "RTarget", default, skip_serializing_if = "Option::is_none")]
    pub rtarget: Option<Spanned<String>>,
    /// The operator (`operator`): `=`, `!=`, `>`, `regexp`, `distinct_hosts`, ...
    #[serde(rename = "Operand", default, skip_serializing_if = "Option::is_none")]
    pub operand: Option<Spanned<String>>,
}

/// A placement preference (`affinity`).
///
/// The shorthand attributes `version`, `semver`, `regexp`, `set_contains`, `set_contains_any`
/// and `set_contains_all` set the operator and target; `operator` defaults to `=`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Affinity {
    /// The attribute (`attribute`).
    #[serde(rename = "LTarget", default, skip_serializing_if = "Option::is_none")]
    pub ltarget: Option<Spanned<String>>,
    /// The value compared against (`value`).
    #[serde(rename = "RTarget", default, skip_serializing_if = "Option::is_none")]
    pub rtarget: Option<Spanned<String>>,
    /// The operator (`operator`).
    #[serde(rename = "Operand", default, skip_serializing_if = "Option::is_none")]
    pub operand: Option<Spanned<String>>,
    /// How strongly to prefer (`weight`, -100 to 100; API default 50).
    #[serde(rename = "Weight", default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Spanned<i8>>,
}

schema! {
    /// Spreading of allocations over an attribute's values (`spread`).
    pub struct Spread {
        /// The attribute.
        attribute: Attr "Attribute" String,
        /// Relative weight (API default 50).
        weight: Attr "Weight" i8,
        /// Target percentages per value.
        spread_target = "target": Blocks "SpreadTarget" SpreadTarget,
    }
}

schema! {
    /// A spread target (`target "<value>"`).
    pub struct SpreadTarget label "value" {
        /// The attribute value.
        value: Label "Value" String,
        /// Share of allocations, in percent.
        percent: Attr "Percent" u8,
    }
}
