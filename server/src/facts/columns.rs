//! Columns of the kept facts that a patch copies in chunks (`Chunked`) and the search text
//! of every customer, read in chunks (`SearchColumn`).

use super::*;

/// A column whose values sit in shared chunks of [`CHUNK`]: a copy shares every chunk, and
/// setting a value copies its chunk only. Every patch of the kept facts copies them while
/// readers hold the previous copy; a column of pointers (each customer's visits, search text)
/// copied whole would touch every customer's allocation to count it shared, and again to drop
/// it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chunked<T> {
    pub(crate) chunks: Vec<std::sync::Arc<Vec<T>>>,
    pub(crate) len: usize,
}

/// Values in a chunk of a [`Chunked`] column.
pub(crate) const CHUNK: usize = 1024;

impl<T: Clone> Chunked<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets value `i` (copying its chunk when it is shared).
    pub fn set(&mut self, i: usize, value: T) {
        assert!(
            i < self.len,
            "index {i} past the column's {} values",
            self.len
        );
        std::sync::Arc::make_mut(&mut self.chunks[i / CHUNK])[i % CHUNK] = value;
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Appends a value (copying the last chunk when it is shared and not full).
    pub fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => std::sync::Arc::make_mut(last).push(value),
            _ => self.chunks.push(std::sync::Arc::new(vec![value])),
        }
        self.len += 1;
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

/// `values` cut into chunks of [`CHUNK`], each made into `C` by `make`, and how many there were.
fn chunks_of<T, C>(
    values: impl IntoIterator<Item = T>,
    make: impl Fn(Vec<T>) -> C,
) -> (Vec<std::sync::Arc<C>>, usize) {
    let mut chunks = Vec::new();
    let mut len = 0;
    let mut chunk = Vec::with_capacity(CHUNK);
    for v in values {
        chunk.push(v);
        len += 1;
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            chunks.push(std::sync::Arc::new(make(full)));
        }
    }
    if !chunk.is_empty() {
        chunks.push(std::sync::Arc::new(make(chunk)));
    }
    (chunks, len)
}

impl<T> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let (chunks, len) = chunks_of(values, |chunk| chunk);
        Chunked { chunks, len }
    }
}

/// Ends each searched field in [`LoadedPopulation::search`].
pub const SEARCH_SEPARATOR: char = '\u{1f}';

/// The searched text of one customer, see [`LoadedPopulation::search`].
pub(crate) fn search_text(fields: [&str; 4]) -> String {
    let mut out = String::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
    for f in fields {
        out.push_str(&f.to_ascii_lowercase());
        out.push(SEARCH_SEPARATOR);
    }
    out
}

impl Row {
    pub(crate) fn search(&self) -> String {
        search_text([&self.shop_name, &self.code, &self.licence_no, &self.phone])
    }
}

/// Every customer's searched text (see [`LoadedPopulation::search`]) in shared chunks of
/// [`CHUNK`] customers, each one text with where each customer's ends: a search reads a chunk
/// at a time instead of 100,000 small strings, and setting one customer's copies its chunk
/// only (as [`Chunked`] does).
#[derive(Clone, Debug, Default)]
pub struct SearchColumn {
    pub(crate) chunks: Vec<std::sync::Arc<SearchChunk>>,
    pub(crate) len: usize,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct SearchChunk {
    pub(crate) text: String,
    /// Where each customer's text ends in `text` (exclusive).
    pub(crate) ends: Vec<u32>,
}

impl SearchChunk {
    pub(crate) fn get(&self, j: usize) -> &str {
        let from = if j == 0 { 0 } else { self.ends[j - 1] as usize };
        &self.text[from..self.ends[j] as usize]
    }
}

impl SearchColumn {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Customer `i`'s text.
    pub fn get(&self, i: usize) -> &str {
        self.chunks[i / CHUNK].get(i % CHUNK)
    }

    /// Sets customer `i`'s text (copying its chunk when it is shared).
    pub fn set(&mut self, i: usize, text: &str) {
        assert!(
            i < self.len,
            "index {i} past the column's {} values",
            self.len
        );
        let chunk = &mut self.chunks[i / CHUNK];
        let texts: Vec<String> = (0..chunk.ends.len())
            .map(|j| match j == i % CHUNK {
                true => text.to_string(),
                false => chunk.get(j).to_string(),
            })
            .collect();
        *chunk = std::sync::Arc::new(SearchChunk::of(texts));
    }

    /// Appends a customer's text (copying the last chunk when it is not full).
    pub fn push(&mut self, text: &str) {
        match self.chunks.last_mut() {
            Some(last) if last.ends.len() < CHUNK => {
                let mut texts: Vec<String> = (0..last.ends.len())
                    .map(|j| last.get(j).to_string())
                    .collect();
                texts.push(text.to_string());
                *last = std::sync::Arc::new(SearchChunk::of(texts));
            }
            _ => self
                .chunks
                .push(std::sync::Arc::new(SearchChunk::of(vec![text.to_string()]))),
        }
        self.len += 1;
    }

    /// Calls `hit` with every customer whose text contains `finder`'s needle (not empty), in
    /// order, once each.
    pub fn matching(&self, finder: &memchr::memmem::Finder<'_>, mut hit: impl FnMut(usize)) {
        for (c, chunk) in self.chunks.iter().enumerate() {
            let text = chunk.text.as_bytes();
            let mut from = 0;
            // Hits come in order: the customer of each is found by stepping on from the last
            // one's (a short needle hits most customers, where a binary search each was half
            // of the time).
            let mut j = 0;
            while let Some(off) = finder.find(&text[from..]) {
                let at = from + off;
                while chunk.ends[j] as usize <= at {
                    j += 1;
                }
                hit(c * CHUNK + j);
                // The rest of this customer's text cannot add a match.
                from = chunk.ends[j] as usize;
                j += 1;
            }
        }
    }
}

impl SearchChunk {
    pub(crate) fn of(texts: Vec<String>) -> Self {
        let mut chunk = SearchChunk {
            text: String::with_capacity(texts.iter().map(String::len).sum()),
            ends: Vec::with_capacity(texts.len()),
        };
        for t in texts {
            chunk.text.push_str(&t);
            chunk.ends.push(chunk.text.len() as u32);
        }
        chunk
    }
}

impl FromIterator<String> for SearchColumn {
    fn from_iter<I: IntoIterator<Item = String>>(values: I) -> Self {
        let (chunks, len) = chunks_of(values, SearchChunk::of);
        SearchColumn { chunks, len }
    }
}
