use clap::Parser;
use ecmo_referral_server::cli::{self, Cli, Command};
use ecmo_referral_server::{config::Settings, startup, telemetry};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(startup::WORKER_STACK_BYTES)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(serve()),
        Err(error) => {
            eprintln!("could not start the async runtime: {error}");
            ExitCode::from(1)
        }
    }
}

async fn serve() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::CreateUser {
        email,
        name,
        role,
        hospital,
    }) = &cli.command
    {
        return cli::create_user(email, name, role, hospital.as_deref()).await;
    }
    if let Some(command @ (Command::Backup { .. } | Command::Restore { .. })) = &cli.command {
        return cli::backup_or_restore(command).await;
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let app = match startup::Application::build(settings).await {
        Ok(app) => app,
        Err(error) => {
            eprintln!("start-up failed: {error:#}");
            return ExitCode::from(1);
        }
    };
    tokio::spawn(startup::shutdown_on_signal(app.shutdown_token()));
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("server stopped with an error: {error:#}");
            ExitCode::from(1)
        }
    }
}
