//! The HTTP side: one request with its latency and status, signing in, reading customers.

use crate::*;

pub(crate) type Http = Client<HttpConnector, Full<Bytes>>;

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) cookie: Option<String>,
}

/// One request; the session cookie of a sign-in is picked out of the answer.
pub(crate) async fn send(
    http: &Http,
    method: Method,
    url: &str,
    cookie: Option<&str>,
    form: Option<String>,
    html: bool,
) -> Result<Answer, String> {
    let mut req = Request::builder().method(method).uri(url);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    if html {
        req = req.header(header::ACCEPT, "text/html");
    }
    let body = match form {
        Some(f) => {
            req = req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin");
            Full::new(Bytes::from(f))
        }
        None => Full::new(Bytes::new()),
    };
    let resp = http
        .request(req.body(body).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let cookie = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kehu_session=") && !v.starts_with("kehu_session=;"))
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Answer {
        status,
        body,
        cookie,
    })
}

pub(crate) fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub(crate) async fn sign_in(
    http: &Http,
    base: &str,
    user: &str,
    password: &str,
) -> Result<String, String> {
    let a = send(
        http,
        Method::POST,
        &format!("{base}/auth/login"),
        None,
        Some(format!(
            "username={}&password={}&next=%2F",
            enc(user),
            enc(password)
        )),
        true,
    )
    .await?;
    a.cookie
        .ok_or_else(|| format!("{user} could not sign in ({})", a.status))
}

/// A customer manager's customers: (id, code), from the first page of their list.
pub(crate) async fn customers_of(
    http: &Http,
    base: &str,
    cookie: &str,
) -> Result<Vec<(i64, String)>, String> {
    let a = send(
        http,
        Method::POST,
        &format!("{base}/api/customers"),
        Some(cookie),
        Some("query[page]=1".into()),
        false,
    )
    .await?;
    let v: serde_json::Value = serde_json::from_slice(&a.body).map_err(|e| e.to_string())?;
    Ok(v["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| Some((r["id"].as_i64()?, r["code"].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default())
}
