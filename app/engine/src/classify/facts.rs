//! What the engine knows of one customer: volume, price, format, market, area, the five value
//! indicators, red flags and the service inputs.

use super::*;

/// Five value indicators, each 0–100 points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Indicators {
    pub contribution: Cents,
    pub support: Cents,
    pub credit: Cents,
    pub growth: Cents,
    pub influence: Cents,
}

impl Indicators {
    pub fn as_array(&self) -> [Cents; 5] {
        [
            self.contribution,
            self.support,
            self.credit,
            self.growth,
            self.influence,
        ]
    }

    pub fn from_array(a: [Cents; 5]) -> Self {
        Self {
            contribution: a[0],
            support: a[1],
            credit: a[2],
            growth: a[3],
            influence: a[4],
        }
    }
}

/// Expectation drivers (6) and experience measures (5), each 0–100 or `None` when nothing was
/// recorded for it, in the policy's weight order. A score weighs the recorded ones only, their
/// weights scaled up to a whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInputs {
    pub expectation: [Option<Cents>; 6],
    pub experience: [Option<Cents>; 5],
}

impl ServiceInputs {
    /// Every driver and measure recorded.
    pub fn all(expectation: [Cents; 6], experience: [Cents; 5]) -> Self {
        Self {
            expectation: expectation.map(Some),
            experience: experience.map(Some),
        }
    }
}

/// What the engine needs to know about one customer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerFacts {
    pub format: BusinessFormat,
    pub market: MarketType,
    pub business_area_m2: Cents,
    /// Monthly average volume over the assessment window, cases.
    pub monthly_volume: Cases,
    /// Average price per carton (yuan); `None` when nothing was bought.
    pub avg_price: Option<Cents>,
    /// Monthly order amount (yuan); `None` derives it from volume × cartons per case × price.
    pub monthly_amount: Option<Cents>,
    pub indicators: Indicators,
    pub violations_12m: u16,
    pub monitored: bool,
    /// Expectation and experience inputs; `None` when no service records exist yet.
    pub service: Option<ServiceInputs>,
}

impl Default for CustomerFacts {
    fn default() -> Self {
        Self {
            format: BusinessFormat::Grocery,
            market: MarketType::Urban,
            business_area_m2: Cents::ZERO,
            monthly_volume: Cases::ZERO,
            avg_price: None,
            monthly_amount: None,
            indicators: Indicators::default(),
            violations_12m: 0,
            monitored: false,
            service: None,
        }
    }
}
