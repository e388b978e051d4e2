//! The `carbon-pilots` binary: see `api::cli`.

/// mimalloc instead of glibc's allocator for the server's own allocations: a GraphQL response
/// is thousands of small, short-lived allocations, and glibc's spent a quarter of a list page's
/// CPU in malloc, free and their consolidation (perf, Q1 on SQLite). The bundled SQLite is
/// given the same allocator before it starts ([`api::memory::configure`]).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    // Before any thread or SQLite connection exists, as `configure` requires.
    api::memory::configure()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(api::cli::run(api::cli::Cli::from_args()))
}

#[cfg(test)]
mod tests {
    //! The only tests of this process, so nothing has started SQLite before them.

    use libmimalloc_sys as mi;
    use libsqlite3_sys as sqlite;

    /// Whether a block SQLite allocates lies in mimalloc's heap.
    #[allow(unsafe_code)]
    fn sqlite_allocates_from_mimalloc() -> bool {
        // SAFETY: a block from sqlite3_malloc, freed with sqlite3_free.
        unsafe {
            let p = sqlite::sqlite3_malloc(64);
            let ours = !p.is_null() && mi::mi_is_in_heap_region(p);
            sqlite::sqlite3_free(p);
            ours
        }
    }

    #[test]
    fn sqlite_allocates_from_mimalloc_once_configured_and_only_before_it_starts() {
        assert_eq!(
            api::memory::purge_delay_ms(),
            1000,
            "mimalloc v3's default purge delay: the option's index is the purge delay's"
        );
        api::memory::configure().expect("SQLite has not started");
        assert_eq!(api::memory::purge_delay_ms(), 10);
        assert!(sqlite_allocates_from_mimalloc());
        assert_eq!(
            api::memory::configure(),
            Err(api::memory::SqliteAlreadyStarted(sqlite::SQLITE_MISUSE)),
            "SQLite has started: its allocator can no longer change"
        );
        assert!(sqlite_allocates_from_mimalloc());
    }
}
