//! The `carbon-pilots` binary: see `api::cli`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    api::cli::run(api::cli::Cli::from_args()).await
}
