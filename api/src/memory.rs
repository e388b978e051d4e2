//! How the process allocates. The binary's global allocator is mimalloc (`main.rs`); this
//! module hands the bundled SQLite the same allocator and sets how soon mimalloc gives freed
//! memory back to the operating system.
//!
//! On SQLite, a list page copies every column of every row out of SQLite
//! (`sqlite3_value_dup`) on the connection's thread, and the request frees the copies on a
//! worker thread. Under glibc's allocator that malloc, free and their consolidation were a
//! seventh of a Q1 page's CPU (perf); under mimalloc the page is 10–13% faster (A/B on the
//! bench's data, one binary: 857–908 → 986–1,021 req/s). mimalloc keeps freed pages for a
//! purge delay before returning them (a second by default), which on the bench's sequence
//! (Q1, Q2, Q3, Q4, Q1 on one server) held the peak at 148 MiB; ten milliseconds held it at
//! 131 MiB, at the same speed on both databases, and SQLite's heap in an arena of its own
//! ([`SQLITE_HEAP`]) at 117 MiB (sequence Q1, Q2, Q3, Q3b, Q4, Q1, Q1).

#![allow(unsafe_code)]

use libmimalloc_sys as mi;
use libsqlite3_sys as sqlite;
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicPtr, Ordering};

/// mimalloc's `mi_option_purge_delay` (mimalloc v3's numbering, which `libmimalloc-sys`
/// does not name): milliseconds a freed page is kept before it is returned.
const MI_OPTION_PURGE_DELAY: mi::mi_option_t = 15;
/// The purge delay the server runs with unless `MIMALLOC_PURGE_DELAY` says otherwise.
const PURGE_DELAY_MS: std::ffi::c_long = 10;
/// Address space reserved for SQLite's arena (committed only as used).
const SQLITE_ARENA_BYTES: usize = 8 << 30;

/// The heap SQLite allocates from: a mimalloc heap in an arena of its own without
/// transparent huge pages. SQLite's memory (page caches, statements, each connection on a
/// thread of its own) is long-lived and scattered across threads; in huge-page-backed memory
/// it kept whole 2 MiB pages resident (the bench's SQLite server reached 152 MiB), while the
/// request's own short-lived allocations keep the huge pages they are faster with.
static SQLITE_HEAP: AtomicPtr<mi::mi_heap_t> = AtomicPtr::new(std::ptr::null_mut());

/// Why SQLite could not be given mimalloc: the result code of `sqlite3_config`
/// (`SQLITE_MISUSE` once SQLite has initialised, i.e. after a connection opened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteAlreadyStarted(pub c_int);

impl std::fmt::Display for SqliteAlreadyStarted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SQLite had already started (sqlite3_config returned {}); it keeps its own allocator",
            self.0
        )
    }
}

impl std::error::Error for SqliteAlreadyStarted {}

/// Gives the bundled SQLite a mimalloc heap of its own ([`SQLITE_HEAP`], made when SQLite
/// starts; if mimalloc cannot reserve it, SQLite's start fails as out of memory) and sets
/// mimalloc's purge delay. Call it before any SQLite connection opens and before other
/// threads exist: `sqlite3_config` is not thread-safe and refuses once SQLite has initialised.
pub fn configure() -> Result<(), SqliteAlreadyStarted> {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option; mimalloc reads options with relaxed loads.
        unsafe { mi::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
    let methods = sqlite::sqlite3_mem_methods {
        xMalloc: Some(malloc),
        xFree: Some(free),
        xRealloc: Some(realloc),
        xSize: Some(size),
        xRoundup: Some(roundup),
        xInit: Some(init),
        xShutdown: Some(shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: SQLite copies the methods before returning; the caller guarantees no other
    // thread is using SQLite, and SQLite refuses (SQLITE_MISUSE) once it has initialised.
    let rc = unsafe { sqlite::sqlite3_config(sqlite::SQLITE_CONFIG_MALLOC, &raw const methods) };
    if rc == sqlite::SQLITE_OK {
        Ok(())
    } else {
        Err(SqliteAlreadyStarted(rc))
    }
}

// SQLite asks for sizes as non-negative `int`s and needs 8-byte alignment; mimalloc's blocks
// are 16-byte aligned.

fn heap() -> *mut mi::mi_heap_t {
    SQLITE_HEAP.load(Ordering::Acquire)
}

unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
    // SAFETY: SQLite allocates only after its start, where `init` made the heap.
    unsafe { mi::mi_heap_malloc(heap(), usize::try_from(n).unwrap_or(0)) }
}

unsafe extern "C" fn free(p: *mut c_void) {
    // SAFETY: SQLite frees only what `malloc`/`realloc` above returned.
    unsafe { mi::mi_free(p) }
}

unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: as for `free`, in the heap as for `malloc`.
    unsafe { mi::mi_heap_realloc(heap(), p, usize::try_from(n).unwrap_or(0)) }
}

unsafe extern "C" fn size(p: *mut c_void) -> c_int {
    // SAFETY: as for `free`.
    let n = unsafe { mi::mi_usable_size(p) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn roundup(n: c_int) -> c_int {
    // SAFETY: a pure function of the size.
    let n = unsafe { mi::mi_good_size(usize::try_from(n).unwrap_or(0)) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// SQLite's start: reserves its arena and makes the heap in it.
unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    if !heap().is_null() {
        return sqlite::SQLITE_OK;
    }
    let mut arena: mi::mi_arena_id_t = std::ptr::null_mut();
    // SAFETY: reserves address space only (not committed, no large pages, exclusive);
    // `arena` is written on success.
    let reserved = unsafe {
        mi::mi_reserve_os_memory_ex(SQLITE_ARENA_BYTES, false, false, true, &raw mut arena)
    };
    if reserved != 0 {
        return sqlite::SQLITE_NOMEM;
    }
    // SAFETY: a heap in the arena just reserved, kept for the life of the process.
    let heap = unsafe { mi::mi_heap_new_in_arena(arena) };
    if heap.is_null() {
        return sqlite::SQLITE_NOMEM;
    }
    SQLITE_HEAP.store(heap, Ordering::Release);
    sqlite::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

/// The purge delay mimalloc runs with, in milliseconds.
pub fn purge_delay_ms() -> std::ffi::c_long {
    // SAFETY: reads one option.
    unsafe { mi::mi_option_get(MI_OPTION_PURGE_DELAY) }
}
