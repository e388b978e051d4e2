//! The `carbon-pilots` binary: see `api::cli`.

/// mimalloc instead of glibc's allocator for the server's own allocations: a GraphQL response
/// is thousands of small, short-lived allocations, and glibc's spent a quarter of a list page's
/// CPU in malloc, free and their consolidation (perf, Q1 on SQLite). The bundled SQLite keeps
/// glibc's: under mimalloc (its `override` feature) the statistics workload peaked at 196 MiB
/// instead of 116–127, for no measurable gain.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// glibc arenas for the allocations of C code (the bundled SQLite) unless `MALLOC_ARENA_MAX`
/// says otherwise. Each SQLite connection runs on a thread of its own, and glibc gives each
/// thread an arena of its own (up to eight a core) that keeps what it freed: with fifteen
/// connections the bench's sequence (Q1, Q2, Q3, Q4, Q1 on one server) peaked at 177 MiB,
/// with two arenas at 120 MiB, at the same speed within the machine's noise.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const C_ALLOCATOR_ARENAS: libc::c_int = 2;

fn main() -> anyhow::Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // The workspace's only unsafe code: the standard library has no way to set a glibc
        // tunable, and the environment variable is read before `main` runs.
        // SAFETY: called before any other thread exists; mallopt only sets a tunable.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, C_ALLOCATOR_ARENAS)
        };
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(api::cli::run(api::cli::Cli::from_args()))
}
