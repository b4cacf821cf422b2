//! The commands that work on the database: backup and restore, migrate, demo data, imports,
//! accounts, and serving.

use super::{Command, UserAction, serve};
use crate::{db, demo};
use std::path::PathBuf;

/// The commands that open the database.
pub(super) async fn run(
    db_path: PathBuf,
    addr: Option<std::net::SocketAddr>,
    proxies: crate::client::TrustedProxies,
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
        Command::Serve { no_demo } => {
            serve::serve(databases, db_path, addr, proxies, no_demo).await
        }
        Command::User { action } => user(&databases, action).await,
        Command::Import {
            kind,
            file,
            dry_run,
        } => {
            let kind = crate::import::Kind::from_key(&kind).ok_or_else(|| {
                anyhow::anyhow!("import what? \"customers\" or \"purchases\", got \"{kind}\"")
            })?;
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let started = std::time::Instant::now();
            let r = crate::import::run(&pool, kind, bytes, dry_run, None).await?;
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
                    db::customers::id_of(pool, &code)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no customer with code \"{code}\""))?,
                ),
            };
            let password =
                crate::accounts::add_user(pool, &username, &name, role, customer_id).await?;
            println!(
                "created {username} ({}); one-time password: {password}",
                role.key()
            );
        }
        UserAction::ResetPassword { username } => {
            let password =
                crate::accounts::reset_password(pool, &databases.sessions, &username).await?;
            println!("{username}: new one-time password: {password}");
        }
    }
    Ok(())
}
