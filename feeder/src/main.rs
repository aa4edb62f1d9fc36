//! `dms-feeder`: build and deliver data sets for ЄДДР (`run-once`, `schedule`), run any of its
//! scheduled jobs once (`jobs`, `run-job`), verify delivered data sets offline (`verify`), and
//! show its configuration (`config show`).

use clap::{Parser, Subcommand};
use dms_config::Layers;
use dms_feeder::config::{Needs, RunFlags, ScheduleFlags};
use dms_feeder::jobs::{self, BuildDatasets};
use dms_feeder::Settings;
use dms_service::jobs::Job as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "dms-feeder",
    version,
    about = "Data sets for the Unified State Demographic Register (ЄДДР)"
)]
struct Cli {
    /// Configuration file (TOML; see ops/dms.example.toml); default /etc/dms/dms.toml when it
    /// exists.
    #[arg(long, global = true, env = "DMS_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build and deliver whatever is due, then exit (one run of the build-datasets job).
    RunOnce(RunFlags),
    /// Run every job on its schedule (cron in UTC) until interrupted.
    Schedule {
        #[command(flatten)]
        flags: RunFlags,
        #[command(flatten)]
        schedule: ScheduleFlags,
    },
    /// List the scheduled jobs and when they run.
    Jobs {
        #[command(flatten)]
        schedule: ScheduleFlags,
    },
    /// Run one scheduled job once, by name (see `jobs`).
    RunJob {
        #[command(flatten)]
        flags: RunFlags,
        name: String,
    },
    /// Verify data-set directories offline; exits non-zero on any problem.
    Verify {
        /// A JWKS file, or a key directory [env DMS_KEYS_DIR; file: keys_dir; default
        /// .local/keys]
        #[arg(long)]
        keys: Option<PathBuf>,
        dirs: Vec<PathBuf>,
    },
    /// The configuration: `config show` (what is in force, and where from), `config example`.
    Config {
        #[command(subcommand)]
        action: ConfigCommand,
    },
}

// Parsed once per process: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (TOML, secrets redacted) with the source of each
    /// value, then any problems; exits non-zero when there are problems.
    Show {
        #[command(flatten)]
        flags: RunFlags,
        #[command(flatten)]
        schedule: ScheduleFlags,
    },
    /// Print a configuration file with every key commented out at its default.
    Example,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    dms_db::logging::init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::RunOnce(flags) => {
            let settings = Settings::load(config, flags.to_layer(), Needs::Database)?;
            println!("{}", BuildDatasets::new(settings).run()?);
        }
        Command::Schedule { flags, schedule } => {
            let settings =
                Settings::load(config, schedule.add_to(flags.to_layer()), Needs::Database)?;
            tokio::runtime::Runtime::new()?.block_on(async {
                let mut sched = jobs::start(jobs::all(&settings)).await?;
                tracing::info!("feeder scheduled");
                tokio::signal::ctrl_c().await?;
                sched.shutdown().await?;
                anyhow::Ok(())
            })?;
        }
        Command::Jobs { schedule } => {
            let settings = Settings::load(
                config,
                schedule.add_to(RunFlags::default().to_layer()),
                Needs::Nothing,
            )?;
            for job in jobs::all(&settings) {
                println!("{}\t{}", job.name(), job.schedule());
            }
        }
        Command::RunJob { flags, name } => {
            let settings = Settings::load(config, flags.to_layer(), Needs::Database)?;
            let Some(job) = jobs::by_name(&settings, &name) else {
                let names: Vec<&str> = jobs::all(&settings).iter().map(|j| j.name()).collect();
                anyhow::bail!("no job {name}; the jobs are {}", names.join(", "));
            };
            println!("{}", job.run()?);
        }
        Command::Verify { keys, dirs } => {
            let flags = RunFlags {
                keys_dir: keys,
                ..RunFlags::default()
            };
            let keys = Settings::load(config, flags.to_layer(), Needs::Nothing)?.keys_dir;
            let jwks = if keys.is_file() {
                serde_json::from_slice(&std::fs::read(&keys)?)?
            } else {
                dms_crypto::KeyRing::load_verifying(&keys)?.jwks()
            };
            let problems = dms_feeder::verify::verify(&dirs, &jwks);
            if !problems.is_empty() {
                for p in &problems {
                    eprintln!("{p}");
                }
                return Ok(ExitCode::FAILURE);
            }
            println!("{} data set(s) verified", dirs.len());
        }
        Command::Config {
            action: ConfigCommand::Show { flags, schedule },
        } => {
            let layers = Layers::load(config, schedule.add_to(flags.to_layer()));
            let (_, layers) = Settings::layered(layers, Needs::Nothing);
            if !layers.print_show("dms-feeder") {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Config {
            action: ConfigCommand::Example,
        } => {
            let _ = write!(std::io::stdout().lock(), "{}", dms_config::example());
        }
    }
    Ok(ExitCode::SUCCESS)
}
