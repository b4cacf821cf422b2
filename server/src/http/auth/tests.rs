//! Passwords, tokens, cookies and throttling rules.

use super::*;

#[test]
fn passwords_hash_with_argon2id_and_verify() {
    let h = hash_password("correct horse").unwrap();
    assert!(h.starts_with("$argon2id$"));
    assert!(verify_password("correct horse", &h));
    assert!(!verify_password("correct hors", &h));
    assert!(!verify_password("x", "not a hash"));
}

#[test]
fn the_dummy_hash_is_well_formed_so_unknown_users_cost_a_full_check() {
    use argon2::password_hash::phc::PasswordHash;
    assert!(PasswordHash::new(&DUMMY_HASH).is_ok());
}

#[test]
fn password_rules_name_the_problem() {
    assert_eq!(
        password_problem(false, "longenough", "longenough"),
        Some("wrong_current")
    );
    assert_eq!(password_problem(true, "short", "short"), Some("too_short"));
    let long = "x".repeat(MAX_PASSWORD_CHARS + 1);
    assert_eq!(password_problem(true, &long, &long), Some("too_long"));
    assert_eq!(
        password_problem(true, "longenough", "longenougH"),
        Some("mismatch")
    );
    assert_eq!(
        password_problem(true, "长一点的密码好记吗", "长一点的密码好记吗"),
        None
    );
}

#[test]
fn random_passwords_differ_and_avoid_look_alikes() {
    let a = random_password().unwrap();
    let b = random_password().unwrap();
    assert_eq!(a.chars().count(), 16);
    assert_ne!(a, b);
    assert!(!a.contains(['l', '1', 'I', 'O', '0', 'o']));
}

#[test]
fn the_session_cookie_is_http_only_lax_and_secure_on_https() {
    let c = session_cookie("t".into(), true, false);
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
    assert!(!session_cookie("t".into(), false, false).contains("Secure"));
    let d = device_cookie("t".into(), false);
    assert!(d.contains("Path=/auth/") && d.contains("HttpOnly"));
}

#[test]
fn typed_names_are_kept_bounded() {
    assert_eq!(bounded("王记烟酒", 2), "王记");
    assert_eq!(bounded("ab", 64), "ab");
    assert_eq!(bounded(&"x".repeat(2_000_000), 64).len(), 64);
}

#[test]
fn a_one_time_password_still_reaches_the_account_page_and_nothing_else() {
    for ok in [
        "/account",
        "/auth/password",
        "/auth/logout",
        "/lang",
        "/pkg/kehu.css",
    ] {
        assert!(allowed_before_password_change(ok), "{ok}");
    }
    for no in [
        "/",
        "/api/customers",
        "/export/customers.csv",
        "/api/snapshot",
        "/import/customers",
        "/my",
        "/auth/invite",
    ] {
        assert!(!allowed_before_password_change(no), "{no}");
    }
}
