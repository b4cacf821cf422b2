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

mod http;
mod work;

use http::*;
use work::*;

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
