//! What can be wrong with a policy, each problem with the field path it concerns.

use super::*;

/// One problem in a policy, at the path of the field (e.g. `bands.lower_bounds[2]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyIssue {
    pub path: String,
    pub problem: Problem,
}

/// What is wrong, with the numbers involved, so the UI can say it in the manager's language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    WrongLength {
        expected: usize,
        found: usize,
    },
    OutOfRange {
        value: String,
        min: String,
        max: String,
    },
    NotDecreasing {
        value: String,
        previous: String,
    },
    SumNotOne {
        sum: String,
    },
    GradeWorseWithMoreVolume {
        band: u8,
        price_class: u8,
        grade: u8,
        better_band_grade: u8,
    },
    GradeWorseWithHigherPrice {
        band: u8,
        price_class: u8,
        grade: u8,
        better_price_grade: u8,
    },
    MediumAboveLarge {
        medium: String,
        large: String,
    },
    Empty,
    /// A text longer than it may be.
    TooLong {
        max: usize,
    },
    UnsupportedFormat {
        found: u32,
    },
    /// The file is not valid policy JSON (serde's message).
    Syntax {
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { expected, found } => {
                write!(f, "needs {expected} entries, has {found}")
            }
            Self::OutOfRange { value, min, max } => {
                write!(f, "{value} is outside the allowed range {min} to {max}")
            }
            Self::NotDecreasing { value, previous } => write!(
                f,
                "{value} must be lower than the value before it ({previous}): bands and classes run from best to worst"
            ),
            Self::SumNotOne { sum } => write!(f, "must add up to 1, but add up to {sum}"),
            Self::GradeWorseWithMoreVolume {
                band,
                price_class,
                grade,
                better_band_grade,
            } => write!(
                f,
                "band {band}, price class {price_class} gives grade {grade}, but the lower-volume band {} gives a better grade {better_band_grade}: more volume must never give a worse grade",
                band + 1
            ),
            Self::GradeWorseWithHigherPrice {
                band,
                price_class,
                grade,
                better_price_grade,
            } => write!(
                f,
                "band {band}, price class {price_class} gives grade {grade}, but the cheaper price class {} gives a better grade {better_price_grade}: a higher price must never give a worse grade",
                price_class + 1
            ),
            Self::MediumAboveLarge { medium, large } => write!(
                f,
                "the medium threshold {medium} m² must not be above the large threshold {large} m²"
            ),
            Self::Empty => write!(f, "must not be empty"),
            Self::TooLong { max } => write!(f, "at most {max} characters"),
            Self::Syntax { message } => write!(f, "{message}"),
            Self::UnsupportedFormat { found } => {
                write!(
                    f,
                    "policy format {found} is not supported (expected {FORMAT})"
                )
            }
        }
    }
}

impl fmt::Display for PolicyIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}
