//! The `carbon-pilots` binary: see `api::cli`.

/// mimalloc instead of glibc's allocator, for Rust and (with its `override` feature) for the
/// bundled SQLite too: a GraphQL response is thousands of small, short-lived allocations, and
/// glibc's spent a quarter of a list page's CPU in malloc, free and their consolidation (perf,
/// Q1 on SQLite).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    api::cli::run(api::cli::Cli::from_args()).await
}
