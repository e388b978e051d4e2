//! The `carbon-pilots` binary: see `api::cli`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    api::cli::run(api::cli::Cli::parse()).await
}
