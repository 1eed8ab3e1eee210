// SPDX-License-Identifier: GPL-2.0

//! Range lists ("0,3-5") of ascending numbers, written into a buffer of
//! fixed size (a sysfs page) without ever cutting a number: a list that
//! does not fit ends with ",..." after the last range that does.

/// What ends a list that did not fit (after a range, so after a number).
pub const MORE: &[u8] = b",...";

/// Builds a range list in `buf`; [`RangeList::finish`] adds the newline.
pub struct RangeList<'a> {
    buf: &'a mut [u8],
    len: usize,
    cur: Option<(u64, u64)>,
    full: bool,
}

/// The decimal digits of `n`, right-aligned in a 20-byte array, and how
/// many there are.
fn digits(mut n: u64) -> ([u8; 20], usize) {
    let mut d = [0u8; 20];
    let mut i = d.len();
    loop {
        i -= 1;
        d[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return (d, d.len() - i);
        }
    }
}

impl<'a> RangeList<'a> {
    /// An empty list writing into `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            cur: None,
            full: false,
        }
    }

    /// Adds `n`, which is larger than every number added before.
    pub fn push(&mut self, n: u64) {
        match self.cur {
            Some((lo, hi)) if hi.checked_add(1) == Some(n) => self.cur = Some((lo, n)),
            Some(range) => {
                self.emit(range);
                self.cur = Some((n, n));
            }
            None => self.cur = Some((n, n)),
        }
    }

    /// Bytes of `bytes` appended if they fit whole, else none.
    fn put(&mut self, bytes: &[u8]) -> bool {
        let Some(dst) = self.buf.get_mut(self.len..self.len + bytes.len()) else {
            return false;
        };
        dst.copy_from_slice(bytes);
        self.len += bytes.len();
        true
    }

    /// Writes one range, with its separator, if it fits with room left
    /// for [`MORE`] and the newline; otherwise writes [`MORE`] and stops.
    fn emit(&mut self, (lo, hi): (u64, u64)) {
        if self.full {
            return;
        }
        let (a, an) = digits(lo);
        let (b, bn) = digits(hi);
        let sep = usize::from(self.len > 0);
        let need = sep + an + if lo == hi { 0 } else { 1 + bn };
        if self.len + need + MORE.len() + 1 > self.buf.len() {
            self.full = true;
            // Nothing before it: no separator.
            let more = if self.len == 0 { &MORE[1..] } else { MORE };
            self.put(more);
            return;
        }
        if sep > 0 {
            self.put(b",");
        }
        self.put(&a[a.len() - an..]);
        if lo != hi {
            self.put(b"-");
            self.put(&b[b.len() - bn..]);
        }
    }

    /// Ends the list with a newline; returns the bytes written.
    pub fn finish(mut self) -> usize {
        if let Some(range) = self.cur.take() {
            self.emit(range);
        }
        self.put(b"\n");
        self.len
    }
}
