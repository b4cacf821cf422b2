//! A busy office against a running kehu, on loopback: many clients at once, for a while; then
//! every kind's requests, errors, rate and latency. Run by `server/benches/load/run.sh` (see
//! server/benches/README.md, "Under load").
//!
//! Kinds: the customer list (a manager's and customer managers' pages, filters, searches), a
//! customer's page (the whole HTML), field edits (customer managers on their own customers, each
//! with the record version it read), change requests, visits logged, complaints filed, and
//! signing in and out. An error is an answer other than 2xx/3xx, a refused request or a
//! transport failure; an edit whose record moved on meanwhile ("stale", re-read and counted on
//! its own) is the answer a busy office should get, not an error.
//!
//! Two ways to load: without `--rate` each client works back to back with no pause (a closed
//! loop: it measures the most the server answers, and each latency is mostly the queue of the
//! other clients in front of it); with `--rate R` the clients together send R requests a second
//! on a fixed timetable, as people at their desks do, whatever the server's answers take (an
//! open loop). Each latency is then measured from when its request was due, not when it could be
//! sent, so a server that falls behind shows it in every request it delays.

use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Mixed load against a running kehu (see server/benches/load/run.sh)")]
struct Args {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    base: String,
    /// Clients working at once.
    #[arg(long, default_value_t = 200)]
    clients: usize,
    /// How long the measured run lasts.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The demo password of every account.
    #[arg(long, default_value = "kehu-demo")]
    password: String,
    /// How many customer managers (cm01, cm02, …) the clients spread over.
    #[arg(long, default_value_t = 100)]
    managers: usize,
    /// Only these kinds, comma-separated (list, page, edit, request, visit, complaint, signin);
    /// the clients are shared among them in the usual proportions.
    #[arg(long, default_value = "")]
    kinds: String,
    /// Requests a second of all the clients together, on a timetable (open loop), shared among
    /// the kinds as an office's are (see `Kind::rate_share`), besides the sign-ins; without it
    /// every client works back to back.
    #[arg(long)]
    rate: Option<f64>,
    /// With `--rate`: sign-ins (with their sign-out) a second.
    #[arg(long, default_value_t = 5.0)]
    sign_ins: f64,
    /// Seconds of load before the measured run (the server's caches and connections warm up).
    #[arg(long, default_value_t = 5)]
    warmup: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    List,
    CustomerPage,
    Edit,
    Request,
    Visit,
    Complaint,
    SignIn,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::List,
        Kind::CustomerPage,
        Kind::Edit,
        Kind::Request,
        Kind::Visit,
        Kind::Complaint,
        Kind::SignIn,
    ];

    fn key(self) -> &'static str {
        match self {
            Kind::List => "list",
            Kind::CustomerPage => "page",
            Kind::Edit => "edit",
            Kind::Request => "request",
            Kind::Visit => "visit",
            Kind::Complaint => "complaint",
            Kind::SignIn => "signin",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::List => "customer list (read)",
            Kind::CustomerPage => "customer page (read)",
            Kind::Edit => "field edit",
            Kind::Request => "change request",
            Kind::Visit => "visit logged",
            Kind::Complaint => "complaint filed",
            Kind::SignIn => "sign-in + sign-out",
        }
    }

    /// Share of the clients, in percent: reads are most of an office's traffic.
    fn share(self) -> usize {
        match self {
            Kind::List => 40,
            Kind::CustomerPage => 20,
            Kind::Edit => 10,
            Kind::Request => 10,
            Kind::Visit => 8,
            Kind::Complaint => 6,
            Kind::SignIn => 6,
        }
    }

    /// With `--rate`, share of the requests in percent: an office's screens read far more than
    /// they write (a fifth of the requests are writes here, more than any office makes), and
    /// sign-ins come at their own rate (`--sign-ins`): a session lasts the working day.
    fn rate_share(self) -> usize {
        match self {
            Kind::List => 53,
            Kind::CustomerPage => 27,
            Kind::Edit => 6,
            Kind::Request => 5,
            Kind::Visit => 6,
            Kind::Complaint => 3,
            Kind::SignIn => 0,
        }
    }
}

type Http = Client<HttpConnector, Full<Bytes>>;

struct Answer {
    status: StatusCode,
    body: Bytes,
    cookie: Option<String>,
}

/// One request; the session cookie of a sign-in is picked out of the answer.
async fn send(
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

fn enc(s: &str) -> String {
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

async fn sign_in(http: &Http, base: &str, user: &str, password: &str) -> Result<String, String> {
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
async fn customers_of(http: &Http, base: &str, cookie: &str) -> Result<Vec<(i64, String)>, String> {
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

/// One client's identity and what it works on.
struct Worker {
    kind: Kind,
    user: String,
    cookie: String,
    customers: Vec<(i64, String)>,
    /// Record versions of the customers it edits, as last read.
    versions: std::collections::HashMap<i64, i64>,
    n: u64,
}

/// What one request of `w` came to: `Ok(true)` done, `Ok(false)` done but stale, `Err` an error.
async fn one(
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
                enc("例行拜访")
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
fn today() -> String {
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

#[derive(Default)]
struct Tally {
    micros: Vec<u32>,
    stale: u64,
    errors: u64,
    first_errors: Vec<String>,
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let base = args.base.trim_end_matches('/').to_string();
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let http: Http = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(args.clients * 2)
        .build(connector);

    // Who does what: clients per kind by share, spread over the customer managers.
    let wanted: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| args.kinds.is_empty() || args.kinds.split(',').any(|w| w.trim() == k.key()))
        .collect();
    if wanted.is_empty() {
        return Err(format!("--kinds: none of \"{}\" is a kind", args.kinds));
    }
    let shares: usize = wanted.iter().map(|k| k.share()).sum();
    let mut kinds = Vec::with_capacity(args.clients);
    for &k in &wanted {
        kinds.extend(std::iter::repeat_n(
            k,
            (args.clients * k.share() / shares).max(1),
        ));
    }
    // With a rate, each kind's requests a second, shared evenly by its clients.
    let rate_shares: usize = wanted.iter().map(|k| k.rate_share()).sum();
    let rate_of = |k: Kind| -> Option<f64> {
        let r = args.rate?;
        Some(match k {
            Kind::SignIn => args.sign_ins,
            _ if rate_shares == 0 => 0.0,
            _ => r * k.rate_share() as f64 / rate_shares as f64,
        })
    };
    if let Some(r) = args.rate
        && !(r.is_finite() && r > 0.0 && args.sign_ins.is_finite() && args.sign_ins >= 0.0)
    {
        return Err(format!(
            "--rate {r} --sign-ins {}: both must be positive numbers",
            args.sign_ins
        ));
    }
    while kinds.len() < args.clients {
        kinds.push(wanted[0]);
    }
    kinds.truncate(args.clients.max(wanted.len()));
    let manager = sign_in(&http, &base, "manager", &args.password).await?;
    let total: i64 = {
        let a = send(
            &http,
            Method::POST,
            &format!("{base}/api/customers"),
            Some(&manager),
            Some("query[page]=1".into()),
            false,
        )
        .await?;
        let v: serde_json::Value = serde_json::from_slice(&a.body).map_err(|e| e.to_string())?;
        v["total"].as_i64().unwrap_or(1)
    };
    // Each customer manager: user name, session cookie, their customers.
    type Manager = (String, String, Vec<(i64, String)>);
    let mut cms: Vec<Manager> = Vec::new();
    for m in 1..=args.managers {
        let user = format!("cm{m:02}");
        let cookie = sign_in(&http, &base, &user, &args.password).await?;
        let customers = customers_of(&http, &base, &cookie).await?;
        if !customers.is_empty() {
            cms.push((user, cookie, customers));
        }
    }
    if cms.is_empty() {
        return Err("no customer manager with customers: run `kehu demo` first".into());
    }
    eprintln!(
        "{} customers; {} clients for {} s on {base} ({} customer managers){}",
        total,
        args.clients,
        args.seconds,
        cms.len(),
        match args.rate {
            Some(r) => format!(", {r} requests a second and {} sign-ins", args.sign_ins),
            None => String::new(),
        }
    );
    // Requests due before this are the warm-up's, not counted.
    let measured_from = Instant::now() + Duration::from_secs(args.warmup);
    let measured_until = measured_from + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for (i, kind) in kinds.iter().copied().enumerate() {
        let (user, cookie, customers) = cms[i % cms.len()].clone();
        // Half the list readers are the manager (everyone in scope), half customer managers.
        let (user, cookie) = match kind {
            Kind::CustomerPage => ("manager".to_string(), manager.clone()),
            Kind::List if i % 2 == 0 => ("manager".to_string(), manager.clone()),
            _ => (user, cookie),
        };
        let mut w = Worker {
            kind,
            user,
            cookie,
            customers,
            versions: Default::default(),
            n: i as u64 * 1_000_003,
        };
        let (http, base, password) = (http.clone(), base.clone(), args.password.clone());
        // This client's time between requests, with a rate; its first is due at a point of the
        // first interval spread over the clients of the kind, so that they do not send at once.
        let clients_of_kind = kinds.iter().filter(|k| **k == kind).count();
        let interval = rate_of(kind)
            .and_then(|r| (r > 0.0).then(|| Duration::from_secs_f64(clients_of_kind as f64 / r)));
        let nth = kinds[..i].iter().filter(|k| **k == kind).count();
        let first = Instant::now()
            + interval.map_or(Duration::ZERO, |d| {
                d.mul_f64(nth as f64 / clients_of_kind as f64)
            });
        if rate_of(kind) == Some(0.0) {
            continue;
        }
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            let mut due = first;
            loop {
                // Closed loop: due now; open loop: due on the timetable, however late it is sent.
                let at = match interval {
                    Some(_) => due,
                    None => Instant::now(),
                };
                if at >= measured_until {
                    break;
                }
                if interval.is_some() {
                    tokio::time::sleep_until(due.into()).await;
                }
                let r = one(&http, &base, &password, &mut w, total).await;
                let us = at.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                if let Some(every) = interval {
                    due += every;
                }
                if at < measured_from {
                    continue;
                }
                t.micros.push(us);
                match r {
                    Ok(true) => {}
                    Ok(false) => t.stale += 1,
                    Err(e) => {
                        t.errors += 1;
                        if t.first_errors.len() < 3 {
                            t.first_errors.push(e);
                        }
                    }
                }
            }
            (kind, t)
        }));
    }
    let elapsed = args.seconds as f64;
    let mut by_kind: Vec<(Kind, usize, Tally)> = Kind::ALL
        .iter()
        .map(|k| (*k, 0, Tally::default()))
        .collect();
    for t in tasks {
        let (kind, tally) = t.await.map_err(|e| e.to_string())?;
        let slot = by_kind
            .iter_mut()
            .find(|(k, _, _)| *k == kind)
            .expect("every kind");
        slot.1 += 1;
        slot.2.micros.extend(tally.micros);
        slot.2.stale += tally.stale;
        slot.2.errors += tally.errors;
        for e in tally.first_errors {
            if slot.2.first_errors.len() < 3 {
                slot.2.first_errors.push(e);
            }
        }
    }
    println!("| kind | clients | requests | req/s | p50 ms | p99 ms | max ms | stale | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let (mut all, mut errors, mut reads) = (0usize, 0u64, 0usize);
    for (kind, clients, mut t) in by_kind {
        t.micros.sort_unstable();
        let n = t.micros.len();
        all += n;
        errors += t.errors;
        if matches!(kind, Kind::List | Kind::CustomerPage) {
            reads += n;
        }
        println!(
            "| {} | {clients} | {n} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} |",
            kind.name(),
            n as f64 / elapsed,
            pct(&t.micros, 0.50),
            pct(&t.micros, 0.99),
            pct(&t.micros, 1.0),
            t.stale,
            t.errors
        );
        for e in &t.first_errors {
            eprintln!("  {}: {e}", kind.name());
        }
    }
    println!(
        "\n{all} requests in {elapsed:.0} s: {:.0} req/s, {:.0} page reads/s, {errors} errors",
        all as f64 / elapsed,
        reads as f64 / elapsed
    );
    if errors > 0 {
        return Err(format!("{errors} errors"));
    }
    Ok(())
}
