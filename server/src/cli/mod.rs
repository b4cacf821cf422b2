//! The `kehu` command line: its arguments, and running what they name — serving the app (the
//! default), demo data, imports, backups, accounts, and classifying a CSV file offline.

pub mod classify;
mod run;
mod serve;

use crate::config::{self, Settings};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// kehu (客户) — retail customer tiering and service management.
///
/// Keeps the customer archive in one SQLite file, classifies every customer by a versioned
/// policy, and serves the web app (managers, customer managers, customers).
#[derive(Parser)]
#[command(name = "kehu", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web server (the default). On an empty database, generates demo data first.
    Serve {
        /// Do not generate demo data into an empty database.
        #[arg(long, env = "KEHU_NO_DEMO")]
        no_demo: bool,
    },
    /// Replace ALL customers, staff, routes and policies with a generated demo population.
    Demo {
        /// Number of customers to generate.
        #[arg(long, default_value_t = config::DEMO_CUSTOMERS)]
        customers: usize,
        /// Random seed: the same seed gives the same population.
        #[arg(long, default_value_t = config::DEMO_SEED)]
        seed: u64,
        /// Last month of purchase history (YYYY-MM); twelve months end here.
        #[arg(long, default_value = config::DEMO_END_MONTH)]
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
pub enum UserAction {
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
pub enum PolicyAction {
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

/// Runs the command the arguments name (serving the app when they name none).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Classify {
            input,
            policy,
            output,
        }) => match classify::run(&input, policy.as_deref(), output.as_deref()) {
            Ok((summary, timings)) => {
                eprint!("{}", classify::summary_text(&summary, timings));
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
        }) => match classify::load_policy(Some(&file)) {
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
            let proxies = match crate::client::TrustedProxies::parse(&cli.settings.trusted_proxy) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match runtime.block_on(run::run(
                cli.settings.db,
                cli.settings.addr,
                proxies,
                command,
            )) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
