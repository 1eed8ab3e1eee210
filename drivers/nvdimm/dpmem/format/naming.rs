// SPDX-License-Identifier: GPL-2.0

//! Block device names from namespace names (pure logic, no kernel
//! dependencies: also built and tested on the host).
//!
//! dpmem follows nd_pmem's scheme (`nvdimm_namespace_disk_name()`): the
//! namespace `namespaceR.N` of region `R` gives `dpmemR` when `N` is 0 and
//! `dpmemR.N` otherwise.

use core::fmt::Write;

/// Longest disk name the block layer accepts, NUL included (`DISK_NAME_LEN`).
pub const DISK_NAME_LEN: usize = 32;

/// A disk name, NUL-terminated so it can be copied into `gendisk::disk_name`.
///
/// # Invariants
///
/// `buf[..len]` is ASCII, `len < DISK_NAME_LEN` and `buf[len] == 0`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DiskName {
    buf: [u8; DISK_NAME_LEN],
    len: usize,
}

impl DiskName {
    /// The name without its NUL terminator.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The name with its NUL terminator.
    pub fn as_bytes_with_nul(&self) -> &[u8] {
        &self.buf[..=self.len]
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        // INVARIANT: `buf[..len]` only ever receives ASCII from `write_str`
        // of formatted integers and literals, so this cannot fail.
        core::str::from_utf8(self.as_bytes()).unwrap_or("")
    }
}

impl Write for DiskName {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let bytes = s.as_bytes();
        // Keep room for the NUL terminator.
        if self.len + bytes.len() >= DISK_NAME_LEN || !s.is_ascii() {
            return Err(core::fmt::Error);
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
        Ok(())
    }
}

/// Region and namespace index of a namespace device name `namespaceR.N`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NamespaceId {
    /// The region's id (`R`).
    pub region: u32,
    /// The namespace's index within the region (`N`).
    pub index: u32,
}

/// Parses a decimal `u32` with no sign, no leading `+` and no leading zeros
/// (the kernel prints ids with `%d`, so `01` is not a name it makes).
fn parse_id(s: &str) -> Option<u32> {
    if s.is_empty() || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    let mut v: u32 = 0;
    for c in s.bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
    }
    Some(v)
}

/// Parses `namespaceR.N`; anything else gives `None`.
pub fn parse_namespace_name(name: &str) -> Option<NamespaceId> {
    let rest = name.strip_prefix("namespace")?;
    let (region, index) = rest.split_once('.')?;
    Some(NamespaceId {
        region: parse_id(region)?,
        index: parse_id(index)?,
    })
}

/// The dpmem disk name for a namespace name, or `None` if the name is not of
/// the form `namespaceR.N`.
pub fn disk_name_for(namespace: &str) -> Option<DiskName> {
    let id = parse_namespace_name(namespace)?;
    let mut name = DiskName {
        buf: [0; DISK_NAME_LEN],
        len: 0,
    };
    let res = if id.index == 0 {
        write!(name, "dpmem{}", id.region)
    } else {
        write!(name, "dpmem{}.{}", id.region, id.index)
    };
    // The longest possible name (`dpmem4294967295.4294967295`) fits, so this
    // only guards the invariant.
    res.ok()?;
    Some(name)
}
