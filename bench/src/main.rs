//! `bench`: measures Herald on this machine and, in the same run, the ceilings the machine
//! allows, so each figure reads as a ratio that holds on a noisy machine.
//!
//! Herald runs as its own release process (`--herald`); load comes from this process. Ceilings:
//! the same HTTP stack answering a no-op handler that parses the same JSON (a child process of
//! this binary), raw inserts of the same rows through Herald's own store functions on the same
//! engine (SQLite, or PostgreSQL with `--database postgres`), and the SMTP sink alone.

mod audience;
mod database;
mod delivery;
mod diy;
mod herald_process;
mod load;
mod noop_server;
mod providers;
mod record;
mod report;
mod reports;
mod retention;
mod smtp_sink;
mod store_ceiling;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Herald's benchmark")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Make this run's figures the recorded ones (docs/bench-record.json) that later runs of
    /// the same subcommand and engine are compared with (`delivery` and `providers`).
    #[arg(long, global = true)]
    record: bool,
}

/// The engine Herald runs on, for every subcommand that starts it.
#[derive(Args)]
struct DatabaseArgs {
    /// sqlite, or postgres (a fresh database per run on the server at --postgres-url).
    #[arg(long, default_value = "sqlite")]
    database: String,
    /// The PostgreSQL server for `--database postgres`.
    #[arg(
        long,
        env = "HERALD_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
}

impl DatabaseArgs {
    fn engine(self) -> anyhow::Result<database::Engine> {
        Ok(match self.database.as_str() {
            "sqlite" => database::Engine::Sqlite,
            "postgres" => database::Engine::Postgres(self.postgres_url),
            other => anyhow::bail!("--database must be sqlite or postgres, not {other}"),
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the benchmark and print the table (on PostgreSQL, with a row for two nodes).
    Run {
        /// The herald binary to measure (a release build).
        #[arg(long)]
        herald: PathBuf,
        /// A few seconds in all, to check that the harness works (CI); the figures mean nothing.
        #[arg(long)]
        smoke: bool,
        /// Seconds per load phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Seed a database with messages and their report counters, then time the report views
    /// of the release binary on it.
    Reports {
        /// The herald binary to measure (a release build).
        #[arg(long)]
        herald: PathBuf,
        /// Messages to seed.
        #[arg(long, default_value_t = 10_000_000)]
        messages: u64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Seed messages past their retention, then measure acceptance without and during the
    /// sweep that deletes them.
    Retention {
        /// The herald binary to measure (a release build).
        #[arg(long)]
        herald: PathBuf,
        /// Messages to seed.
        #[arg(long, default_value_t = 1_000_000)]
        messages: u64,
        /// Seconds per phase.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Seed profiles, then time the release binary queueing an audience send to all of them,
    /// with its peak memory.
    Audience {
        /// The herald binary to measure (a release build).
        #[arg(long)]
        herald: PathBuf,
        /// Profiles to seed (every one a member).
        #[arg(long, default_value_t = 1_000_000)]
        profiles: u64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// The SMTP sink's ceiling and end-to-end delivery only: calls of 20 recipients sent as fast
    /// as they are accepted, timed until the sink has every email.
    Delivery {
        /// The herald binary to measure (a release build).
        #[arg(long)]
        herald: PathBuf,
        /// Calls of 20 recipients.
        #[arg(long, default_value_t = 5_000)]
        calls: usize,
        /// Seconds of the open-loop phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// SMS and push: messages queued with delivery off, then drained after a restart into
    /// local stand-ins of a Twilio-compatible API (HTTP/1.1) and APNs (HTTP/2), each next to
    /// its ceiling.
    Providers {
        /// The herald binary to measure (a release build).
        #[arg(long)]
        herald: PathBuf,
        /// Messages per provider.
        #[arg(long, default_value_t = 50_000)]
        messages: u64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Herald on PostgreSQL next to the do-it-yourself stack (Node, graphile-worker,
    /// nodemailer; `bench/diy`) in the same run: accepted calls/s and delivered emails/s.
    Diy {
        /// The herald binary to measure (a release build).
        #[arg(long)]
        herald: PathBuf,
        /// Seconds of each acceptance phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Calls of 20 recipients in each delivery phase.
        #[arg(long, default_value_t = 2_000)]
        calls: usize,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Internal: the no-op ceiling server (prints its port).
    NoopServer,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match cli.command {
        Command::NoopServer => runtime.block_on(noop_server::serve()),
        Command::Run {
            herald,
            smoke,
            seconds,
            database,
        } => {
            let engine = database.engine()?;
            let plan = report::Plan::new(smoke, seconds);
            runtime.block_on(report::run(herald, plan, engine))
        }
        Command::Reports {
            herald,
            messages,
            database,
        } => {
            let engine = database.engine()?;
            runtime.block_on(reports::run(&herald, messages, engine))
        }
        Command::Audience {
            herald,
            profiles,
            database,
        } => {
            let engine = database.engine()?;
            runtime.block_on(audience::run(&herald, profiles, engine))
        }
        Command::Delivery {
            herald,
            calls,
            seconds,
            database,
        } => {
            let engine = database.engine()?;
            runtime.block_on(delivery::run(herald, calls, seconds, engine, cli.record))
        }
        Command::Providers {
            herald,
            messages,
            database,
        } => {
            let engine = database.engine()?;
            runtime.block_on(providers::run(&herald, messages, engine, cli.record))
        }
        Command::Diy {
            herald,
            seconds,
            calls,
            database,
        } => {
            let engine = database.engine()?;
            runtime.block_on(diy::run(&herald, seconds, calls, engine))
        }
        Command::Retention {
            herald,
            messages,
            seconds,
            database,
        } => {
            let engine = database.engine()?;
            runtime.block_on(retention::run(&herald, messages, seconds, engine))
        }
    }
}
