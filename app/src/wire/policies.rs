//! Policies on the wire: a published version's identity, drafts and the server's preview of a draft.

use super::*;

/// The server's own classification of a draft policy over the stored data (the same engine as
/// the browser): what publishing it would do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyPreview {
    pub customers: u32,
    pub band_counts: Vec<u32>,
    pub tier_counts: Vec<u32>,
    pub movers: u32,
    /// The published version whose settings the draft repeats (its name aside), if it does:
    /// publishing it would change nobody's classification unless the data changed.
    pub same_as: Option<i64>,
}

/// What a publish did: published as the next version (how many moved), or refused because the
/// settings are those of the version in force and nobody would move.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Publication {
    Published { policy: PolicyRef, movers: u32 },
    Unchanged { version: i64 },
}

/// A published policy's identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub id: i64,
    pub version: i64,
    pub name: String,
}

/// A saved policy: a draft (editable, by revision) or a published version (locked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    pub id: i64,
    pub name: String,
    /// Set for a published policy.
    pub version: Option<i64>,
    /// Drafts: the revision the next change must name.
    pub revision: i64,
    pub updated_at: Shown,
    pub author: String,
}

impl PolicyInfo {
    pub fn is_draft(&self) -> bool {
        self.version.is_none()
    }
}

/// What became of saving, renaming or deleting a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DraftResult {
    /// Stored (or deleted): the draft and its new revision.
    Saved { id: i64, revision: i64 },
    /// Someone changed the draft since it was opened (now at `revision`); nothing was stored.
    Stale { revision: i64 },
    /// The policy is not valid (every problem, in English for the log; the lab shows its own).
    Invalid(String),
    /// No such draft (deleted, or a published policy, which is locked).
    Gone,
}
