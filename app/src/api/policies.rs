//! Policies: the server's preview of a draft, publishing, and the lab's saved drafts.

use super::*;

/// Parses and validates a draft policy sent by the lab; every problem, with its field path.
#[cfg(feature = "ssr")]
fn checked_policy(policy_json: &str) -> Result<kehu_engine::Policy, ApiError> {
    kehu_engine::Policy::from_json(policy_json).map_err(|issues| {
        let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
        ssr::invalid(&format!("the policy is invalid: {}", text.join("; ")))
    })
}

/// What publishing `policy_json` would do, computed by the server over the stored data.
#[server(endpoint = "preview_policy")]
pub async fn preview_policy(policy_json: String) -> Result<PolicyPreview, ApiError> {
    ssr::lab_user()?;
    let policy = checked_policy(&policy_json)?;
    ssr::store()?.preview(&policy).await.map_err(ssr::internal)
}

/// Publishes a draft: the server validates it again, recomputes every customer with the same
/// engine and stores the assignments under the new version in one transaction.
#[server(endpoint = "publish_policy")]
pub async fn publish_policy(policy_json: String) -> Result<Publication, ApiError> {
    let me = ssr::lab_user()?;
    let policy = checked_policy(&policy_json)?;
    ssr::store()?
        .publish(&policy, me.id)
        .await
        .map_err(ssr::internal)
}

/// Drafts and published versions (managers and admins).
#[server(endpoint = "policies")]
pub async fn list_policies() -> Result<Vec<PolicyInfo>, ApiError> {
    ssr::lab_user()?;
    ssr::store()?.policies().await.map_err(ssr::internal)
}

/// One saved policy's JSON.
#[server(endpoint = "policy")]
pub async fn load_policy(id: i64) -> Result<(PolicyInfo, String), ApiError> {
    ssr::lab_user()?;
    ssr::store()?
        .policy(crate::wire::PolicyId(id))
        .await
        .map_err(ssr::internal)?
        .ok_or_else(|| ssr::refuse(http::StatusCode::NOT_FOUND, "no such policy"))
}

/// Saves the lab's draft: a new one (`id` None), or over draft `id` if nobody changed it since
/// `revision`. Invalid or unnamed policies are refused.
#[server(endpoint = "save_draft")]
pub async fn save_draft(
    id: Option<i64>,
    revision: i64,
    policy_json: String,
) -> Result<DraftResult, ApiError> {
    let me = ssr::lab_user()?;
    let policy = match kehu_engine::Policy::from_json(&policy_json) {
        Ok(p) => p,
        Err(issues) => {
            let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
            return Ok(DraftResult::Invalid(text.join("; ")));
        }
    };
    ssr::store()?
        .save_draft(me.id, id.map(crate::wire::PolicyId), revision, &policy)
        .await
        .map_err(ssr::internal)
}

#[server(endpoint = "rename_draft")]
pub async fn rename_draft(id: i64, revision: i64, name: String) -> Result<DraftResult, ApiError> {
    let me = ssr::lab_user()?;
    ssr::store()?
        .rename_draft(me.id, crate::wire::PolicyId(id), revision, &name)
        .await
        .map_err(ssr::internal)
}

#[server(endpoint = "delete_draft")]
pub async fn delete_draft(id: i64, revision: i64) -> Result<DraftResult, ApiError> {
    ssr::lab_user()?;
    ssr::store()?
        .delete_draft(crate::wire::PolicyId(id), revision)
        .await
        .map_err(ssr::internal)
}

/// A new draft named `name` with the settings of a saved policy (draft or published).
#[server(endpoint = "duplicate_policy")]
pub async fn duplicate_policy(id: i64, name: String) -> Result<DraftResult, ApiError> {
    let me = ssr::lab_user()?;
    ssr::store()?
        .duplicate_policy(me.id, crate::wire::PolicyId(id), &name)
        .await
        .map_err(ssr::internal)
}
