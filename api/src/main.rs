//! The `carbon-pilots` binary: see `api::cli`.

/// mimalloc instead of glibc's allocator for the server's own allocations: a GraphQL response
/// is thousands of small, short-lived allocations, and glibc's spent a quarter of a list page's
/// CPU in malloc, free and their consolidation (perf, Q1 on SQLite). The bundled SQLite keeps
/// glibc's: under mimalloc (its `override` feature) the statistics workload peaked at 196 MiB
/// instead of 116–127, for no measurable gain.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    api::cli::run(api::cli::Cli::from_args()).await
}
