//! Complaints (domain §9): the handling steps, the attitudes, a complaint, its filters and actions.

use super::*;

/// The seven handling steps of a complaint (domain §9), in order.
pub const COMPLAINT_STEPS: [&str; 7] = [
    "listen",
    "accept",
    "apologise",
    "learn_need",
    "find_solution",
    "explain",
    "follow_up",
];

/// The customer's attitude when complaining (domain §9, seed): each has its handling guidance.
pub const COMPLAINT_ATTITUDES: [&str; 4] = ["insistent", "hesitant", "friendly", "angry"];

/// The steps up to "explain" are done before a complaint is closed; the follow-up visit may
/// come after.
pub const STEPS_BEFORE_CLOSING: usize = 6;

/// One handling step done: when (local time), by whom, with a note (staff only), and whether
/// it was done after the complaint's deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintStep {
    pub key: String,
    pub at: Shown,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub late: bool,
}

/// A complaint and how far its handling has come. Customers see their own without the staff's
/// fields (attitude, notes, who did what).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub subject: String,
    pub description: String,
    /// `general` or `major`.
    pub severity: String,
    /// `open` or `closed`.
    pub status: String,
    /// Local time of the service desk (`2026-11-23 16:00`), as deadlines are counted.
    pub filed_at: Shown,
    pub due_at: Shown,
    pub closed_at: Option<Shown>,
    /// Open past its deadline, or closed after it.
    pub overdue: bool,
    /// Steps done, in the seed's order.
    pub steps: Vec<ComplaintStep>,
    /// Staff only: one of [`COMPLAINT_ATTITUDES`].
    #[serde(default)]
    pub attitude: Option<String>,
    /// A major complaint is confirmed by then (local time).
    #[serde(default)]
    pub confirm_due_at: Option<Shown>,
    /// When it was confirmed, and whether it was found substantiated (then it went to the
    /// working group).
    #[serde(default)]
    pub confirmed: Option<(Shown, bool)>,
    /// A major complaint not confirmed by its confirmation deadline (or confirmed after it).
    #[serde(default)]
    pub confirm_overdue: bool,
    #[serde(default)]
    pub resolution: String,
    /// The customer's customer manager (staff view).
    #[serde(default)]
    pub handler: String,
    /// Record version: a change based on an older one is refused.
    #[serde(default)]
    pub version: i64,
}

impl Complaint {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }

    pub fn escalated(&self) -> bool {
        matches!(self.confirmed, Some((_, true)))
    }

    pub fn step(&self, key: &str) -> Option<&ComplaintStep> {
        self.steps.iter().find(|s| s.key == key)
    }
}

/// Which complaints a staff list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFilter {
    /// `open`, `closed`, or empty for both.
    #[serde(default)]
    pub status: String,
    /// `general`, `major`, or empty for both.
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub overdue_only: bool,
    /// 1-based page of [`COMPLAINT_PAGE_SIZE`] (0 is the first).
    #[serde(default)]
    pub page: u32,
}

/// Complaints a page of the staff list shows.
pub const COMPLAINT_PAGE_SIZE: u32 = 20;

/// A page of complaints and how many match the filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintPage {
    pub rows: Vec<Complaint>,
    pub total: u64,
    pub page: u32,
    pub pages: u32,
}

/// What a member of staff does to a complaint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintAction {
    /// Records the customer's attitude (one of [`COMPLAINT_ATTITUDES`]).
    Attitude(String),
    /// Makes a general complaint major: its deadlines become the major ones, counted from
    /// when it was filed.
    MakeMajor,
    /// Marks a handling step done, with a note. `entry` is the phone's own key for the tick
    /// ([`entry_key_ok`], empty for none): a tick kept on a phone without signal and sent
    /// later finds what it did when sent again, is not tied to the version the phone saw
    /// (ticking adds, it overwrites nothing), and is refused when the step was recorded
    /// meanwhile.
    Step {
        key: String,
        note: String,
        #[serde(default)]
        entry: String,
    },
    /// Takes back a step ticked by mistake: by whoever ticked it, within
    /// [`STEP_UNDO_MINUTES`], while the step could still be ticked.
    Undo { key: String },
    /// Confirms a major complaint: substantiated ones go to the working group.
    Confirm { substantiated: bool, note: String },
    /// Closes it with the resolution told to the customer.
    Close { resolution: String },
}

/// The outcome of a complaint action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintResult {
    Done(Complaint),
    /// Someone changed it since `version`: here it is as it stands.
    Stale(Complaint),
    /// Refused: the action does not fit the complaint as it stands.
    Refused(ComplaintRefusal),
}

/// Why a complaint action was refused (each shown as a sentence in the user's language).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintRefusal {
    /// It is closed already.
    Closed,
    /// Closing needs these steps done first.
    StepsMissing(Vec<String>),
    /// A resolution is needed to close it.
    NoResolution,
    /// Only a major complaint is confirmed; this one is confirmed already or general.
    NotToConfirm,
    /// A major complaint is confirmed before it is closed.
    NotConfirmed,
    /// Unknown step or attitude, or a text over its length.
    BadValue,
    /// The step is not this user's to undo, or was ticked too long ago (or is not done).
    CannotUndo,
    /// A tick sent late (kept on a phone without signal): the step was recorded meanwhile.
    AlreadyDone,
}

/// A complaint to file for a customer: by staff on their behalf, or by the customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewComplaint {
    pub customer: i64,
    pub subject: String,
    pub description: String,
    pub major: bool,
    /// One of [`COMPLAINT_ATTITUDES`] (anything else is left out).
    pub attitude: Option<String>,
    /// The phone's own key for this complaint ([`entry_key_ok`]), empty for none: sent again,
    /// it finds the complaint filed the first time instead of filing a second.
    #[serde(default)]
    pub key: String,
}

/// How long a ticked complaint step can be taken back by whoever ticked it.
pub const STEP_UNDO_MINUTES: i64 = 10;

/// The longest complaint text, subject and rating comment.
pub const MAX_COMPLAINT_CHARS: usize = 2_000;
pub const MAX_SUBJECT_CHARS: usize = 100;
pub const MAX_COMMENT_CHARS: usize = 500;
