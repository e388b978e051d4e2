//! Parsed documents by their text, so a client that sends the same query again (a list page
//! polled, a detail view opened for pilot after pilot) does not pay for parsing it again.
//! Each request still gets its own copy, checked by every limit as if it had just been
//! parsed; only the parse is shared.

use async_graphql::ServerError;
use async_graphql::parser::{parse_query, types::ExecutableDocument};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// Documents kept, the least recently used dropped first.
const KEPT: NonZeroUsize = NonZeroUsize::new(128).expect("not zero");
/// Longer texts are parsed every time, so the cache stays small whatever clients send.
const LONGEST_KEPT: usize = 8 * 1024;

/// The recently parsed documents of a process.
pub struct Documents(Mutex<LruCache<String, Arc<ExecutableDocument>>>);

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.0.lock().map_or(0, |c| c.len());
        f.debug_struct("Documents").field("kept", &kept).finish()
    }
}

impl Default for Documents {
    fn default() -> Self {
        Documents(Mutex::new(LruCache::new(KEPT)))
    }
}

impl Documents {
    /// The document `text` parses to; a text that does not parse is not kept.
    pub fn parse(&self, text: &str) -> Result<ExecutableDocument, ServerError> {
        if text.len() > LONGEST_KEPT {
            return Ok(parse_query(text)?);
        }
        let lock = || self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(doc) = lock().get(text).cloned() {
            return Ok(ExecutableDocument::clone(&doc));
        }
        let doc = parse_query(text)?;
        lock().put(text.to_owned(), Arc::new(doc.clone()));
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_parsed_again_gives_the_same_document_and_errors_are_not_kept() {
        let docs = Documents::default();
        let text = "query A { me { sub } }";
        let first = docs.parse(text).expect("parses");
        let again = docs.parse(text).expect("parses");
        assert_eq!(format!("{first:?}"), format!("{again:?}"));
        assert_eq!(docs.0.lock().expect("lock").len(), 1);
        assert!(docs.parse("query {").is_err());
        assert_eq!(docs.0.lock().expect("lock").len(), 1);
    }

    #[test]
    fn long_texts_and_old_documents_are_not_kept() {
        let docs = Documents::default();
        let long = format!("{{ me {{ sub }} }} #{}", "x".repeat(LONGEST_KEPT));
        docs.parse(&long).expect("parses");
        assert_eq!(docs.0.lock().expect("lock").len(), 0);
        for i in 0..KEPT.get() + 10 {
            docs.parse(&format!("{{ me {{ sub }} }} # {i}"))
                .expect("parses");
        }
        assert_eq!(docs.0.lock().expect("lock").len(), KEPT.get());
        assert!(!docs.0.lock().expect("lock").contains("{ me { sub } } # 0"));
    }
}
