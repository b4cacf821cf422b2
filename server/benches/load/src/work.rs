//! One client's work of each kind: what it asks, with which record version, and what counts as an error.

use crate::*;

/// One client's identity and what it works on.
pub(crate) struct Worker {
    pub(crate) kind: Kind,
    pub(crate) user: String,
    pub(crate) cookie: String,
    pub(crate) customers: Vec<(i64, String)>,
    /// Record versions of the customers it edits, as last read.
    pub(crate) versions: std::collections::HashMap<i64, i64>,
    pub(crate) n: u64,
}

/// What one request of `w` came to: `Ok(true)` done, `Ok(false)` done but stale, `Err` an error.
pub(crate) async fn one(
    http: &Http,
    base: &str,
    password: &str,
    w: &mut Worker,
    total: i64,
) -> Result<bool, String> {
    w.n += 1;
    let n = w.n;
    let ok = |a: &Answer| a.status.is_success() || a.status.is_redirection();
    let pick = |w: &Worker| w.customers[(n as usize) % w.customers.len()].clone();
    match w.kind {
        Kind::List => {
            let page = 1 + n % 40;
            let query = match n % 4 {
                0 => format!("query[page]={page}"),
                1 => format!("query[page]={}&query[band]={}", 1 + n % 3, 1 + n % 8),
                2 => format!("query[q]={}&query[page]=1", enc(&format!("{}", n % 97))),
                _ => format!("query[page]={page}&query[market]=rural"),
            };
            let a = send(
                http,
                Method::POST,
                &format!("{base}/api/customers"),
                Some(&w.cookie),
                Some(query),
                false,
            )
            .await?;
            if ok(&a) {
                Ok(true)
            } else {
                Err(format!("list {}", a.status))
            }
        }
        Kind::CustomerPage => {
            let id = 1 + (n as i64 * 7919) % total.max(1);
            let a = send(
                http,
                Method::GET,
                &format!("{base}/customers/{id}"),
                Some(&w.cookie),
                None,
                true,
            )
            .await?;
            if ok(&a) {
                Ok(true)
            } else {
                Err(format!("customer page {}", a.status))
            }
        }
        Kind::Edit => {
            let (id, _) = pick(w);
            let version = match w.versions.get(&id) {
                Some(v) => *v,
                None => {
                    let a = send(
                        http,
                        Method::POST,
                        &format!("{base}/api/customer"),
                        Some(&w.cookie),
                        Some(format!("id={id}")),
                        false,
                    )
                    .await?;
                    let v: serde_json::Value =
                        serde_json::from_slice(&a.body).map_err(|e| format!("customer: {e}"))?;
                    v["version"].as_i64().ok_or("customer: no version")?
                }
            };
            let form = format!(
                "id={id}&key=phone&value=139{:08}&version={version}",
                n % 100_000_000
            );
            let a = send(
                http,
                Method::POST,
                &format!("{base}/api/edit_customer_field"),
                Some(&w.cookie),
                Some(form),
                false,
            )
            .await?;
            if !ok(&a) {
                return Err(format!("edit {}", a.status));
            }
            let v: serde_json::Value =
                serde_json::from_slice(&a.body).map_err(|e| format!("edit: {e}"))?;
            if let Some(new) = v["Saved"]["version"].as_i64() {
                w.versions.insert(id, new);
                Ok(true)
            } else if let Some(now) = v["Stale"]["version"].as_i64() {
                w.versions.insert(id, now);
                Ok(false)
            } else {
                Err(format!("edit answered {v}"))
            }
        }
        Kind::Request => {
            let (id, _) = pick(w);
            let form = format!(
                "id={id}&key=shop_name&value={}&reason={}",
                enc(&format!("新店招 {n}")),
                enc("门头更换")
            );
            let a = send(
                http,
                Method::POST,
                &format!("{base}/api/request_change"),
                Some(&w.cookie),
                Some(form),
                false,
            )
            .await?;
            if !ok(&a) {
                return Err(format!("request {}", a.status));
            }
            let v: serde_json::Value =
                serde_json::from_slice(&a.body).map_err(|e| format!("request: {e}"))?;
            if v.get("Filed").is_some() {
                Ok(true)
            } else {
                Err(format!("request answered {v}"))
            }
        }
        Kind::Visit => {
            let (id, _) = pick(w);
            let today = today();
            let form = format!(
                "visit[customer]={id}&visit[date]={today}&visit[purpose]={}&visit[findings]=&visit[duration_min]=20&visit[promise]=",
                enc("例行走访")
            );
            let a = send(
                http,
                Method::POST,
                &format!("{base}/api/log_visit"),
                Some(&w.cookie),
                Some(form),
                false,
            )
            .await?;
            if !ok(&a) {
                return Err(format!("visit {}", a.status));
            }
            let v: serde_json::Value =
                serde_json::from_slice(&a.body).map_err(|e| format!("visit: {e}"))?;
            if v.get("Ok").is_some() {
                Ok(true)
            } else {
                Err(format!("visit answered {v}"))
            }
        }
        Kind::Complaint => {
            let (_, code) = pick(w);
            let form = format!(
                "customer_code={}&subject={}&description={}&major=false&attitude=friendly",
                enc(&code),
                enc("送货晚了"),
                enc("上午订的货下午才到")
            );
            let a = send(
                http,
                Method::POST,
                &format!("{base}/api/file_staff_complaint"),
                Some(&w.cookie),
                Some(form),
                false,
            )
            .await?;
            if ok(&a) {
                Ok(true)
            } else {
                Err(format!("complaint {}", a.status))
            }
        }
        Kind::SignIn => {
            let cookie = sign_in(http, base, &w.user, password).await?;
            let a = send(
                http,
                Method::POST,
                &format!("{base}/auth/logout"),
                Some(&cookie),
                Some(String::new()),
                true,
            )
            .await?;
            if ok(&a) {
                Ok(true)
            } else {
                Err(format!("sign-out {}", a.status))
            }
        }
    }
}

/// Today as the server's visit log takes it (UTC+8, the service desk's day).
pub(crate) fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + 8 * 3600;
    let days = (secs / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
