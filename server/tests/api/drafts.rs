//! Server tests of the lab's saved drafts: life cycle, concurrent changes refused, published
//! policies locked, managers only.

use crate::common::*;
use app::wire::{DraftResult, PolicyInfo};
use axum::http::StatusCode;

fn policy_json(name: &str, band1: u32) -> String {
    let mut p = kehu_engine::Policy {
        name: name.into(),
        ..Default::default()
    };
    p.bands.lower_bounds[0] = kehu_engine::Cases::from_int(i64::from(band1));
    urlencode(&serde_json::to_string(&p).unwrap())
}

#[tokio::test]
async fn drafts_are_saved_renamed_duplicated_deleted_and_never_overwritten() {
    let (_dir, pool) = demo_db(50).await;
    let manager = app(pool.clone()).await;
    let save = |id: &str, revision: i64, json: String| {
        format!("id={id}&revision={revision}&policy_json={json}")
    };

    // A new draft, then a second save over it.
    let (status, r) = json::<DraftResult>(
        &manager,
        "/api/save_draft",
        &save("", 0, policy_json("Band 1 at 22", 22)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let Some(DraftResult::Saved { id, revision: 1 }) = r else {
        panic!("{r:?}")
    };
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/save_draft",
        &save(&id.to_string(), 1, policy_json("Band 1 at 23", 23)),
    )
    .await;
    assert_eq!(r, Some(DraftResult::Saved { id, revision: 2 }));

    // Another manager's save based on revision 1 is refused; the stored draft is untouched.
    let admin = app_as(pool.clone(), "admin").await;
    let (_, r) = json::<DraftResult>(
        &admin,
        "/api/save_draft",
        &save(&id.to_string(), 1, policy_json("Mine", 30)),
    )
    .await;
    assert_eq!(r, Some(DraftResult::Stale { revision: 2 }));
    let (_, loaded) =
        json::<(PolicyInfo, String)>(&manager, "/api/policy", &format!("id={id}")).await;
    let (info, body) = loaded.unwrap();
    assert_eq!((info.name.as_str(), info.revision), ("Band 1 at 23", 2));
    assert!(body.contains("\"Band 1 at 23\""));

    // Invalid and unnamed drafts are refused.
    let mut bad = kehu_engine::Policy {
        name: "bad".into(),
        ..Default::default()
    };
    bad.bands.lower_bounds[0] = kehu_engine::Cases::from_int(1);
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/save_draft",
        &save("", 0, urlencode(&serde_json::to_string(&bad).unwrap())),
    )
    .await;
    assert!(matches!(r, Some(DraftResult::Invalid(_))), "{r:?}");
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/save_draft",
        &save("", 0, policy_json(" ", 22)),
    )
    .await;
    assert!(matches!(r, Some(DraftResult::Invalid(_))), "{r:?}");

    // Rename, duplicate, delete.
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/rename_draft",
        &format!("id={id}&revision=2&name=Winter+proposal"),
    )
    .await;
    assert_eq!(r, Some(DraftResult::Saved { id, revision: 3 }));
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/duplicate_policy",
        &format!("id={id}&name=Winter+proposal+(copy)"),
    )
    .await;
    let Some(DraftResult::Saved { id: copy, .. }) = r else {
        panic!("{r:?}")
    };
    let (_, list) = json::<Vec<PolicyInfo>>(&manager, "/api/policies", "").await;
    let list = list.unwrap();
    let names: Vec<&str> = list
        .iter()
        .filter(|p| p.is_draft())
        .map(|p| p.name.as_str())
        .collect();
    assert!(
        names.contains(&"Winter proposal") && names.contains(&"Winter proposal (copy)"),
        "{names:?}"
    );
    assert!(
        list.iter().any(|p| p.version == Some(1)),
        "published versions are listed too"
    );
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/delete_draft",
        &format!("id={copy}&revision=0"),
    )
    .await;
    assert_eq!(
        r,
        Some(DraftResult::Stale { revision: 1 }),
        "a delete names the revision too"
    );
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/delete_draft",
        &format!("id={copy}&revision=1"),
    )
    .await;
    assert_eq!(
        r,
        Some(DraftResult::Saved {
            id: copy,
            revision: 1
        })
    );
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/delete_draft",
        &format!("id={copy}&revision=1"),
    )
    .await;
    assert_eq!(r, Some(DraftResult::Gone));

    // Published policies are locked: no save over them, no rename, no delete; a duplicate is a
    // new draft.
    let published = list.iter().find(|p| p.version == Some(1)).unwrap().id;
    for (uri, body) in [
        (
            "/api/save_draft",
            save(&published.to_string(), 1, policy_json("x", 22)),
        ),
        (
            "/api/rename_draft",
            format!("id={published}&revision=1&name=x"),
        ),
        ("/api/delete_draft", format!("id={published}&revision=1")),
    ] {
        let (_, r) = json::<DraftResult>(&manager, uri, &body).await;
        assert_eq!(r, Some(DraftResult::Gone), "{uri}");
    }
    let (_, r) = json::<DraftResult>(
        &manager,
        "/api/duplicate_policy",
        &format!("id={published}&name=From+v1"),
    )
    .await;
    assert!(matches!(r, Some(DraftResult::Saved { .. })));

    // Customer managers have no lab: no drafts either.
    let cm = app_as(pool.clone(), "cm01").await;
    let resp = cm.send(post_form("/api/policies", "")).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = cm
        .send(post_form(
            "/api/save_draft",
            &save("", 0, policy_json("x", 22)),
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
