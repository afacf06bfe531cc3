//! The command line: serving is the default; `create-user` makes the first administrator
//! (or any account) in scripted set-ups.
use crate::config::Settings;
use clap::{Parser, Subcommand};
use ecmo_referral_app::domain::account::Role;
use ecmo_referral_app::domain::i18n::Lang;
use ecmo_referral_app::error::AppError;
use ecmo_referral_app::ssr::accounts::service::create_user_directly;
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "ecmo-referral-server",
    version,
    about = "ECMO Referral: referrals to an adult ECMO centre"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the application (the default).
    Serve,
    /// Create an active account. The password is read from standard input, so that it
    /// never lands in the shell history: `printf '%s\n' "$PW" | ecmo-referral-server create-user …`
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// referrer, ecmo_clinician or admin; repeat or separate with commas for several.
        #[arg(long, required = true, value_delimiter = ',', value_parser = ["referrer", "ecmo_clinician", "admin"])]
        role: Vec<String>,
        /// The referrer's hospital: its id or its exact name.
        #[arg(long)]
        hospital: Option<String>,
    },
    /// Copy the SQLite database, while the server runs, to a new file (checked before it
    /// is named). PostgreSQL: use pg_dump.
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Replace the SQLite database with a checked backup. Refused while a server uses it;
    /// the replaced file is kept as `<database>.before-restore`.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
}

/// `backup --to FILE` and `restore --from FILE`.
pub async fn backup_or_restore(command: &Command) -> ExitCode {
    let database_url = match Settings::database_url_from_env() {
        Ok(url) => url,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let url = database_url.expose_secret();
    let (done, result) = match command {
        Command::Backup { to } => (
            "backup written to",
            crate::backup::backup(url, to).await.map(|s| (s, to)),
        ),
        Command::Restore { from } => (
            "database restored from",
            crate::backup::restore(url, from).await.map(|s| (s, from)),
        ),
        _ => return ExitCode::from(2),
    };
    match result {
        Ok((summary, file)) => {
            println!(
                "{done} {}: {} bytes, schema {}, {} referrals, {} accounts, integrity ok",
                file.display(),
                summary.bytes,
                summary.schema_version,
                summary.referrals,
                summary.users
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

pub async fn create_user(
    email: &str,
    name: &str,
    roles: &[String],
    hospital: Option<&str>,
) -> ExitCode {
    let database_url = match Settings::database_url_from_env() {
        Ok(url) => url,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let password = match read_password() {
        Ok(password) => password,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let db = match crate::db::open(database_url.expose_secret()).await {
        Ok(db) => db,
        Err(error) => {
            eprintln!("error: cannot open the database: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let roles: Vec<Role> = roles.iter().filter_map(|r| Role::parse(r)).collect();
    match create_user_directly(&db, email, name, &roles, hospital, password).await {
        Ok(id) => {
            println!("created account {id} for {}", email.trim().to_lowercase());
            ExitCode::SUCCESS
        }
        Err(AppError::Invalid(errors)) => {
            for (field, messages) in errors.messages(Lang::En) {
                for message in messages {
                    eprintln!("error: {field}: {message}");
                }
            }
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {}", error.message(Lang::En));
            ExitCode::FAILURE
        }
    }
}

fn read_password() -> Result<SecretString, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (input is shown; pipe it in to hide it): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|_| "could not read the password from standard input".to_owned())?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err("no password on standard input: pipe one in, e.g. printf '%s\\n' \"$PW\" | … create-user …".into());
    }
    Ok(SecretString::from(password))
}
