//! The `kehu` command line: serve the app (default), generate demo data, migrate, classify.

use clap::{Parser, Subcommand};
use server::http::{auth, web};
use server::{classify_cli, db, demo};
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// kehu (客户) — retail customer tiering and service management.
///
/// Keeps the customer archive in one SQLite file, classifies every customer by a versioned
/// policy, and serves the web app (managers, customer managers, customers).
#[derive(Parser)]
#[command(name = "kehu", version, about, long_about)]
struct Cli {
    /// SQLite database file (created with its folder if missing).
    #[arg(long, env = "KEHU_DB", default_value = "./data/kehu.db", global = true)]
    db: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:3000 (default: LEPTOS_SITE_ADDR or 127.0.0.1:3000).
    #[arg(long, env = "KEHU_ADDR", global = true)]
    addr: Option<std::net::SocketAddr>,
    /// Reverse proxies in front of kehu whose X-Forwarded-For and X-Forwarded-Proto headers are
    /// believed: addresses or networks, comma-separated (default: none, so nobody can pick the
    /// address that sign-in throttling counts them by).
    #[arg(long, env = "KEHU_TRUSTED_PROXY", global = true, default_value = "")]
    trusted_proxy: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default). On an empty database, generates demo data first.
    Serve {
        /// Do not generate demo data into an empty database.
        #[arg(long, env = "KEHU_NO_DEMO")]
        no_demo: bool,
    },
    /// Replace ALL customers, staff, routes and policies with a generated demo population.
    Demo {
        /// Number of customers to generate.
        #[arg(long, default_value_t = demo::DEFAULT_CUSTOMERS)]
        customers: usize,
        /// Random seed: the same seed gives the same population.
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        /// Last month of purchase history (YYYY-MM); twelve months end here.
        #[arg(long, default_value = demo::DEFAULT_END_MONTH)]
        end_month: String,
    },
    /// Create or update the database schema, then exit.
    Migrate,
    /// Classify customers from a CSV file with a policy (see server/README.md, "kehu classify").
    ///
    /// Required columns: customer_id, monthly_volume_cases, avg_price_per_carton, contribution,
    /// support, credit, growth, influence. Optional: business_format, market_type,
    /// business_area_m2, violations_12m, monitored, current_band, current_tier,
    /// monthly_amount_yuan, expectation, experience, customer_manager. A bad row stops with exit
    /// code 2 and "line N, column X: reason", leaving no output file.
    Classify {
        /// Customers CSV (UTF-8, header row; columns in any order, extra columns ignored).
        #[arg(long)]
        input: PathBuf,
        /// Policy JSON file (default: the built-in default policy).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Output CSV (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Print or check policy files.
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Import customers or monthly purchases from CSV: every row is checked first, and the file
    /// is written all or nothing (UTF-8 with or without BOM, or GB18030).
    ///
    /// customers: a header of field keys (as `/export/customers.csv` writes it); `code` required;
    /// known codes update the non-empty cells, new codes need shop_name, business_format and
    /// market_type. purchases: customer_code, month (YYYY-MM), cartons, amount_yuan; a stored
    /// month is replaced. Bad rows are listed as "line N, column X: reason" (exit code 2).
    Import {
        /// customers or purchases.
        kind: String,
        /// The CSV file.
        file: PathBuf,
        /// Check every row and report, but write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy the archive into FILE (a new file) as one consistent state, while the server runs
    /// and writes go on. Sessions are not copied.
    Backup {
        /// Where the copy goes (must not exist yet).
        file: PathBuf,
    },
    /// Replace the archive with the backup FILE: refused while a server or command uses the
    /// database; the backup is checked (integrity, links between records, schema) first, and
    /// the replaced file is kept beside it. Everyone signs in again.
    Restore {
        /// The backup to restore.
        file: PathBuf,
    },
    /// Manage accounts: add a user, reset a password (both print a one-time password).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account with a one-time password, printed once; it must be changed at first
    /// sign-in.
    Add {
        /// The name to sign in with.
        username: String,
        /// admin, manager, customer_manager, licence_officer or customer.
        #[arg(long)]
        role: String,
        /// The name shown in kehu (default: the user name).
        #[arg(long, default_value = "")]
        name: String,
        /// For a customer account: the customer's code (e.g. C000001).
        #[arg(long)]
        customer: Option<String>,
    },
    /// Give a user a new one-time password (printed once) and sign them out everywhere.
    ResetPassword {
        /// The user's sign-in name.
        username: String,
    },
}

#[derive(Subcommand)]
enum PolicyAction {
    /// Print the default policy as JSON (the seed's numbers plus documented defaults).
    Default {
        /// Print the key-account preset instead (special/A/B/C tiers by monthly order amount).
        #[arg(long)]
        key_accounts: bool,
    },
    /// Validate a policy JSON file; lists every problem with the field's path (exit code 2 if invalid).
    Check {
        /// The policy file.
        file: PathBuf,
    },
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Classify {
            input,
            policy,
            output,
        }) => match classify_cli::run(&input, policy.as_deref(), output.as_deref()) {
            Ok((summary, timings)) => {
                eprint!("{}", classify_cli::summary_text(&summary, timings));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {}", e.message);
                ExitCode::from(e.code as u8)
            }
        },
        Some(Command::Policy {
            action: PolicyAction::Default { key_accounts },
        }) => {
            let p = if key_accounts {
                kehu_engine::Policy::key_account_preset()
            } else {
                kehu_engine::Policy::default()
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&p).expect("policy serialises")
            );
            ExitCode::SUCCESS
        }
        Some(Command::Policy {
            action: PolicyAction::Check { file },
        }) => match classify_cli::load_policy(Some(&file)) {
            Ok(p) => {
                println!("{}: valid policy \"{}\"", file.display(), p.name);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}", e.message);
                ExitCode::from(e.code as u8)
            }
        },
        command => {
            init_tracing();
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let proxies = match server::client::TrustedProxies::parse(&cli.trusted_proxy) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match runtime.block_on(run_async(cli.db, cli.addr, proxies, command)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn run_async(
    db_path: PathBuf,
    addr: Option<std::net::SocketAddr>,
    proxies: server::client::TrustedProxies,
    command: Option<Command>,
) -> anyhow::Result<()> {
    if let Some(Command::Restore { file }) = &command {
        let kept = db::restore(&db_path, file).await?;
        println!("restored {} from {}", db_path.display(), file.display());
        if let Some(k) = kept {
            println!("the replaced database is kept as {}", k.display());
        }
        return Ok(());
    }
    let databases = db::open(&db_path).await?;
    let pool = databases.archive.clone();
    match command.unwrap_or(Command::Serve { no_demo: false }) {
        Command::Backup { file } => {
            let started = std::time::Instant::now();
            db::backup(&pool, &file).await?;
            println!(
                "backup of {} written to {} ({:.1} s)",
                db_path.display(),
                file.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { .. } => unreachable!("handled before the database is opened"),
        Command::Migrate => {
            println!("database {} is up to date", db_path.display());
            Ok(())
        }
        Command::Demo {
            customers,
            seed,
            end_month,
        } => {
            anyhow::ensure!(customers > 0, "--customers must be at least 1");
            let started = std::time::Instant::now();
            let r = demo::generate_into(
                &pool,
                &demo::DemoOptions {
                    customers,
                    seed,
                    end_month,
                },
            )
            .await?;
            println!(
                "demo data: {} customers, {} routes, {} monthly purchase rows, {} visits, default policy published ({:.1} s)",
                r.customers,
                r.routes,
                r.purchases,
                r.visits,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Serve { no_demo } => serve(databases, db_path, addr, proxies, no_demo).await,
        Command::User { action } => user(&databases, action).await,
        Command::Import {
            kind,
            file,
            dry_run,
        } => {
            let kind = server::import::Kind::from_key(&kind).ok_or_else(|| {
                anyhow::anyhow!("import what? \"customers\" or \"purchases\", got \"{kind}\"")
            })?;
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let started = std::time::Instant::now();
            let r = server::import::run(&pool, kind, bytes, dry_run, None).await?;
            for e in &r.errors {
                if e.column.is_empty() {
                    eprintln!("line {}: {}", e.line, e.reason);
                } else {
                    eprintln!("line {}, column {}: {}", e.line, e.column, e.reason);
                }
            }
            if r.error_count > 0 {
                if r.error_count > r.errors.len() as u64 {
                    eprintln!("… {} bad rows in all", r.error_count);
                }
                eprintln!("nothing was imported: fix the rows above and run again");
                std::process::exit(2);
            }
            if !r.ignored_columns.is_empty() {
                eprintln!("ignored columns: {}", r.ignored_columns.join(", "));
            }
            println!(
                "{}{} rows: {} new, {} updated ({:.2} s)",
                if dry_run {
                    "dry run, nothing written — "
                } else {
                    ""
                },
                r.rows,
                r.inserted,
                r.updated,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Classify { .. } | Command::Policy { .. } => {
            unreachable!("handled without a database")
        }
    }
}

async fn user(databases: &db::Databases, action: UserAction) -> anyhow::Result<()> {
    let pool = &databases.archive;
    match action {
        UserAction::Add {
            username,
            role,
            name,
            customer,
        } => {
            let role = app::wire::Role::from_key(&role).ok_or_else(|| {
                anyhow::anyhow!(
                    "--role must be admin, manager, customer_manager, licence_officer or customer, got \"{role}\""
                )
            })?;
            let customer_id = match customer {
                None => None,
                Some(code) => Some(
                    sqlx::query_scalar::<_, i64>("SELECT id FROM customers WHERE code = ?")
                        .bind(&code)
                        .fetch_optional(pool)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no customer with code \"{code}\""))?,
                ),
            };
            let password = auth::add_user(pool, &username, &name, role, customer_id).await?;
            println!(
                "created {username} ({}); one-time password: {password}",
                role.key()
            );
        }
        UserAction::ResetPassword { username } => {
            let password = auth::reset_password(pool, &databases.sessions, &username).await?;
            println!("{username}: new one-time password: {password}");
        }
    }
    Ok(())
}

async fn serve(
    databases: db::Databases,
    db_path: PathBuf,
    addr: Option<std::net::SocketAddr>,
    proxies: server::client::TrustedProxies,
    no_demo: bool,
) -> anyhow::Result<()> {
    let pool = databases.archive.clone();
    let customers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers")
        .fetch_one(&pool)
        .await?;
    if customers == 0 && !no_demo {
        let options = demo::DemoOptions::default();
        tracing::info!(
            customers = options.customers,
            "empty database: generating demo data"
        );
        let r = demo::generate_into(&pool, &options).await?;
        tracing::info!(
            customers = r.customers,
            routes = r.routes,
            "demo data ready"
        );
    }
    if let Some(password) = auth::ensure_admin(&pool, &databases.sessions).await? {
        // Printed once, on purpose: the only way in to a new installation.
        eprintln!(
            "\nNo administrator yet: created user \"admin\" with the one-time password\n\n    {password}\n\nSign in and choose a new one (or run `kehu user reset-password admin`).\n"
        );
    }
    let conf = leptos::prelude::get_configuration(None)?;
    let mut leptos_options = conf.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "kehu".into();
    }
    if let Some(a) = addr {
        leptos_options.site_addr = a;
    }
    let bind = leptos_options.site_addr;
    let mut state = server::http::state::AppState::new(leptos_options, &databases);
    state.proxies = proxies;
    keep_facts(pool.clone(), state.store.facts.clone());
    let app = web::router(state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
    tracing::info!(db = %db_path.display(), "kehu listening on http://{bind}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    Ok(())
}

/// Loads every customer's facts under the published policy once at start (so that the first
/// page that classifies everyone finds them in memory), then each hour forgets the changes
/// every kept population has read.
fn keep_facts(pool: sqlx::SqlitePool, facts: server::facts::KeptFacts) {
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let policy = match server::db::policy::current_policy(&pool).await {
            Ok(Some((_, p))) => p,
            Ok(None) => kehu_engine::Policy::default(),
            Err(e) => {
                tracing::warn!(error = %e, "facts not loaded at start");
                return;
            }
        };
        match facts.load(&pool, &policy).await {
            Ok(loaded) => tracing::info!(
                customers = loaded.ids.len(),
                ms = started.elapsed().as_millis() as u64,
                "facts loaded"
            ),
            Err(e) => tracing::warn!(error = %e, "facts not loaded at start"),
        }
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3_600));
        loop {
            hourly.tick().await;
            if let Err(e) = server::facts::purge_changes(&pool).await {
                tracing::warn!(error = %e, "old fact changes not purged");
            }
        }
    });
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}
