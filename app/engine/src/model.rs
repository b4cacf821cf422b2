//! The classification vocabulary of domain §4–§5, shared by policy, facts and results.

use serde::{Deserialize, Serialize};

macro_rules! indexed_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $key:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[repr(u8)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub const COUNT: usize = [$($key),+].len();

            /// Position in `ALL`, also the value stored in population columns.
            pub const fn index(self) -> usize { self as usize }

            pub fn from_index(i: usize) -> Option<Self> { Self::ALL.get(i).copied() }

            /// The stable key used in JSON, CSV, the database and UI message ids.
            pub const fn key(self) -> &'static str {
                match self { $($name::$v => $key),+ }
            }

            pub fn from_key(key: &str) -> Option<Self> {
                let k = key.trim();
                Self::ALL.iter().copied().find(|v| v.key().eq_ignore_ascii_case(k))
            }
        }
    };
}

indexed_enum!(
    /// The seven usual business formats (业态).
    BusinessFormat {
        /// 食杂店
        Grocery = "grocery",
        /// 便利店
        Convenience = "convenience",
        /// 超市
        Supermarket = "supermarket",
        /// 商场
        DepartmentStore = "department_store",
        /// 烟酒商店
        TobaccoLiquor = "tobacco_liquor",
        /// 娱乐服务类
        Entertainment = "entertainment",
        /// 其他
        Other = "other",
    }
);

indexed_enum!(
    /// Market type (市场类型): urban 城镇 or rural 乡村.
    MarketType {
        Urban = "urban",
        Rural = "rural",
    }
);

indexed_enum!(
    /// Outlet scale from the policy's per-format area thresholds.
    Scale {
        Large = "large",
        Medium = "medium",
        Small = "small",
    }
);

indexed_enum!(
    /// Value class from the weighted score (价值 / 次价值 / 潜在价值 / 低价值).
    ValueClass {
        Value = "value",
        Secondary = "secondary",
        Potential = "potential",
        Low = "low",
    }
);

indexed_enum!(
    /// Working tier (核心 / 一般 / 问题), best first.
    Tier {
        Core = "core",
        General = "general",
        Problem = "problem",
    }
);

indexed_enum!(
    /// Key-account tier (特级 / A / B / C), or none.
    KeyAccountTier {
        Special = "special",
        A = "a",
        B = "b",
        C = "c",
        None = "none",
    }
);

indexed_enum!(
    /// Satisfaction gap class: experience − expectation.
    GapClass {
        UnderServed = "under_served",
        Balanced = "balanced",
        OverServed = "over_served",
        Unknown = "unknown",
    }
);

/// Number of volume bands (分档).
pub const BANDS: usize = 8;
/// Number of price classes used by the grade table.
pub const PRICE_CLASSES: usize = 5;
/// Number of grades (分级), 1 best.
pub const GRADES: usize = 10;
/// 7 formats × 2 markets × 3 scales.
pub const CHARACTERISTIC_CLASSES: usize = 42;

impl BusinessFormat {
    /// Three-letter code used in the characteristic class code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Grocery => "GRO",
            Self::Convenience => "CVS",
            Self::Supermarket => "SUP",
            Self::DepartmentStore => "DEP",
            Self::TobaccoLiquor => "TBL",
            Self::Entertainment => "ENT",
            Self::Other => "OTH",
        }
    }
}

/// One of the 42 characteristic classes (format × market × scale).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CharacteristicClass {
    pub format: BusinessFormat,
    pub market: MarketType,
    pub scale: Scale,
}

impl CharacteristicClass {
    /// 1..=42, format-major.
    pub const fn number(self) -> u8 {
        (self.format.index() * 6 + self.market.index() * 3 + self.scale.index() + 1) as u8
    }

    pub fn from_number(n: u8) -> Option<Self> {
        let i = usize::from(n).checked_sub(1)?;
        if i >= CHARACTERISTIC_CLASSES {
            return None;
        }
        Some(Self {
            format: BusinessFormat::from_index(i / 6)?,
            market: MarketType::from_index((i % 6) / 3)?,
            scale: Scale::from_index(i % 3)?,
        })
    }

    /// e.g. `CVS-U-M` (convenience, urban, medium).
    pub fn code(self) -> String {
        let m = match self.market {
            MarketType::Urban => 'U',
            MarketType::Rural => 'R',
        };
        let s = match self.scale {
            Scale::Large => 'L',
            Scale::Medium => 'M',
            Scale::Small => 'S',
        };
        format!("{}-{m}-{s}", self.format.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characteristic_classes_number_one_to_42_both_ways() {
        let mut seen = [false; CHARACTERISTIC_CLASSES];
        for &format in BusinessFormat::ALL {
            for &market in MarketType::ALL {
                for &scale in Scale::ALL {
                    let c = CharacteristicClass {
                        format,
                        market,
                        scale,
                    };
                    let n = c.number();
                    assert!((1..=42).contains(&n));
                    assert!(!seen[usize::from(n - 1)]);
                    seen[usize::from(n - 1)] = true;
                    assert_eq!(CharacteristicClass::from_number(n), Some(c));
                }
            }
        }
        assert_eq!(CharacteristicClass::from_number(0), None);
        assert_eq!(CharacteristicClass::from_number(43), None);
        let c = CharacteristicClass::from_number(1).unwrap();
        assert_eq!(c.code(), "GRO-U-L");
    }

    #[test]
    fn keys_round_trip() {
        for &f in BusinessFormat::ALL {
            assert_eq!(BusinessFormat::from_key(f.key()), Some(f));
        }
        assert_eq!(Tier::from_key("CORE"), Some(Tier::Core));
        assert_eq!(KeyAccountTier::from_key("a"), Some(KeyAccountTier::A));
    }
}
