// SPDX-License-Identifier: GPL-2.0

//! What occupies the head of a namespace (pure logic, no kernel
//! dependencies: also built and tested on the host): dpmem's info block,
//! libnvdimm's (fsdax, devdax, BTT), a filesystem or a partition table.
//! Formatting refuses to overwrite any of them unless forced, and a bind
//! names what it found instead of an info block.

use super::infoblock::{BLOCK_SIZE, SIGNATURE};

/// What occupies the head of a namespace, from its first 8 KiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Foreign {
    /// Nothing recognised.
    Nothing,
    /// A dpmem info block (possibly damaged).
    Dpmem,
    /// nd_pfn info block (fsdax).
    PfnInfo,
    /// device-dax info block.
    DaxInfo,
    /// BTT arena info block.
    Btt,
    /// ext2/3/4 superblock.
    Ext,
    /// XFS superblock.
    Xfs,
    /// Linux swap signature.
    Swap,
    /// GPT partition table header.
    Gpt,
    /// MBR boot signature (partition table or boot sector).
    Mbr,
}

impl Foreign {
    /// Human-readable name for the kernel log.
    pub fn name(self) -> &'static str {
        match self {
            Foreign::Nothing => "nothing recognised",
            Foreign::Dpmem => "a dpmem info block",
            Foreign::PfnInfo => "an fsdax (nd_pfn) info block",
            Foreign::DaxInfo => "a device-dax info block",
            Foreign::Btt => "a BTT info block",
            Foreign::Ext => "an ext2/3/4 filesystem",
            Foreign::Xfs => "an XFS filesystem",
            Foreign::Swap => "a swap signature",
            Foreign::Gpt => "a GPT partition table",
            Foreign::Mbr => "an MBR boot sector",
        }
    }
}

/// Size of the namespace head [`identify`] looks at.
pub const HEAD_SIZE: usize = 8192;

/// Recognises what the first 8 KiB of a namespace hold. Formatting refuses
/// anything but [`Foreign::Nothing`] unless forced.
pub fn identify(head: &[u8; HEAD_SIZE]) -> Foreign {
    let mut info = [0u8; 16];
    info.copy_from_slice(&head[BLOCK_SIZE..BLOCK_SIZE + 16]);
    let at = |off: usize, sig: &[u8]| head.get(off..off + sig.len()) == Some(sig);
    let by_info = identify_info(&info);
    if by_info != Foreign::Nothing {
        by_info
    } else if at(0, b"XFSB") {
        Foreign::Xfs
    } else if at(1024 + 56, &[0x53, 0xef]) {
        Foreign::Ext
    } else if at(4096 - 10, b"SWAPSPACE2") || at(4096 - 10, b"SWAP-SPACE") {
        Foreign::Swap
    } else if at(512, b"EFI PART") {
        Foreign::Gpt
    } else if at(510, &[0x55, 0xaa]) {
        Foreign::Mbr
    } else {
        Foreign::Nothing
    }
}

/// Recognises the info blocks libnvdimm's personalities and dpmem keep at
/// namespace offset 4 KiB, from their first 16 bytes.
pub fn identify_info(sig: &[u8; 16]) -> Foreign {
    if *sig == SIGNATURE {
        Foreign::Dpmem
    } else if sig == b"NVDIMM_PFN_INFO\0" {
        Foreign::PfnInfo
    } else if sig == b"NVDIMM_DAX_INFO\0" {
        Foreign::DaxInfo
    } else if sig.starts_with(b"BTT_ARENA_INFO\0") {
        Foreign::Btt
    } else {
        Foreign::Nothing
    }
}
