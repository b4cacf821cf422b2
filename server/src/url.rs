//! URLs kehu writes: percent-encoding, the pages it sends a browser on to, and redirects that
//! carry what a person typed back to their form.
//!
//! Everything that ends up in a `Location` header goes through here, so none of it can send a
//! browser to another site (`next=/%09/evil.example` is a path only once the browser drops the
//! tab), break the header (a line feed answered 500), or grow it without bound (a megabyte of
//! form text came back inside `Location`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `s` percent-encoded for a query string.
pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// At most `max` characters of what someone typed, percent-encoded, to give it back to their
/// form after a redirect (the rest is dropped: the form refuses values that long anyway).
pub fn echo(s: &str, max: usize) -> String {
    let cut = s.char_indices().nth(max).map_or(s.len(), |(i, _)| i);
    encode(&s[..cut])
}

/// The longest path kehu follows after signing in or switching language.
const MAX_NEXT: usize = 2_000;

/// A same-site path to go on to after signing in or switching language: `next` when it is an
/// absolute path of this site without control characters or backslashes, else `/`. Characters
/// that may not stand in a header as they are (non-ASCII text of a search, spaces) come back
/// percent-encoded.
pub fn safe_next(next: &str) -> String {
    let b = next.as_bytes();
    let local = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && next.len() <= MAX_NEXT
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if !local {
        return "/".into();
    }
    let mut out = String::with_capacity(next.len());
    for c in next.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// `303 See Other` to `location` (a path kehu built); `/` if it could not stand in a header.
pub fn see_other(location: &str) -> Response {
    let value = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_are_followed() {
        assert_eq!(safe_next("/customers?band=2"), "/customers?band=2");
        for evil in [
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/ok\\..\\x",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_next(evil), "/", "{evil:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(3000))), "/");
    }

    #[test]
    fn paths_with_text_stay_valid_headers() {
        let next = safe_next("/customers?q=王记 烟酒");
        assert_eq!(next, "/customers?q=%E7%8E%8B%E8%AE%B0%20%E7%83%9F%E9%85%92");
        assert!(HeaderValue::from_str(&next).is_ok());
        assert_eq!(
            see_other("/x\ny").headers()[header::LOCATION],
            HeaderValue::from_static("/")
        );
    }

    #[test]
    fn echoed_text_is_bounded() {
        assert_eq!(echo("王记烟酒", 2), encode("王记"));
        assert_eq!(echo(&"x".repeat(1_000_000), 64).len(), 64);
    }
}
