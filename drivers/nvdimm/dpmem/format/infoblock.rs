// SPDX-License-Identifier: GPL-2.0

//! The on-media info block: encode, decode and validate (pure logic, no
//! kernel dependencies: also built, tested and fuzzed on the host).
//!
//! 4 KiB at namespace offset 4 KiB, little-endian. The format is specified
//! in Documentation/driver-api/dpmem.rst; field offsets are the `OFF_*`
//! constants below. The checksum is libnvdimm's fletcher64 (as in
//! `nd_sb_checksum()`) over the whole block with the checksum field zeroed.

use super::layout::{
    Layout, LayoutError, Placement, ALIGN, CHUNK_SIZE, DESC_SIZE, INFO_SIZE, PAGE_SIZE,
    SECTION_SIZE,
};

/// Signature at offset 0 of a dpmem info block.
pub const SIGNATURE: [u8; 16] = *b"DPMEM_INFO_BLK\0\0";
/// Major version this code writes and reads; another major is refused.
pub const VERSION_MAJOR: u16 = 1;
/// Minor version this code writes; newer minors are compatible additions
/// (1 added grouped placement and its sections per unit, 2 ram and none
/// placement, which older drivers refuse by their incompatible feature
/// flags, [`FLAG_GROUPED`], [`FLAG_RAM`], [`FLAG_BLOCK_ONLY`]).
pub const VERSION_MINOR: u16 = 2;
/// Incompatible feature flag: grouped placement. Drivers that read 1.0
/// refuse a block with it ("unknown feature flags") rather than misread
/// its layout; this one requires it exactly on grouped blocks.
pub const FLAG_GROUPED: u32 = 1 << 0;
/// Incompatible feature flag: ram placement (version 1.2).
pub const FLAG_RAM: u32 = 1 << 1;
/// Incompatible feature flag: none placement (version 1.2).
pub const FLAG_BLOCK_ONLY: u32 = 1 << 2;
/// Incompatible feature flags this driver knows.
const KNOWN_FLAGS: u32 = FLAG_GROUPED | FLAG_RAM | FLAG_BLOCK_ONLY;
/// Size of an encoded block.
pub const BLOCK_SIZE: usize = INFO_SIZE as usize;

const OFF_SIGNATURE: usize = 0x000;
const OFF_MAJOR: usize = 0x010;
const OFF_MINOR: usize = 0x012;
const OFF_FLAGS: usize = 0x014;
const OFF_UUID: usize = 0x018;
const OFF_PARENT_UUID: usize = 0x028;
const OFF_NS_SIZE: usize = 0x038;
const OFF_NS_START: usize = 0x040;
const OFF_DATA_OFFSET: usize = 0x048;
const OFF_DATA_SIZE: usize = 0x050;
const OFF_DESC_OFFSET: usize = 0x058;
const OFF_DESC_SIZE: usize = 0x060;
const OFF_PAGE_SIZE: usize = 0x068;
const OFF_DESC_BYTES: usize = 0x06c;
const OFF_CHUNK_SIZE: usize = 0x070;
const OFF_PLACEMENT: usize = 0x074;
const OFF_ALIGN: usize = 0x078;
const OFF_SECTION_SIZE: usize = 0x07c;
const OFF_UNIT_SECTIONS: usize = 0x080;
const OFF_CHECKSUM: usize = BLOCK_SIZE - 8;

/// Decoded contents of a valid info block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InfoBlock {
    /// Minor version found on media.
    pub version_minor: u16,
    /// This dpmem instance's uuid, made at format time.
    pub uuid: [u8; 16],
    /// The namespace's uuid at format time (zero for label-less namespaces).
    pub parent_uuid: [u8; 16],
    /// Physical start of the namespace at format time.
    pub namespace_start: u64,
    /// The layout (placement, namespace size, data area).
    pub layout: Layout,
}

/// Why bytes are not a usable info block. Each names what is wrong so the
/// driver can say it in the kernel log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// No dpmem signature; carries what the bytes look like instead.
    NotDpmem(Foreign),
    /// Signature right, checksum wrong.
    BadChecksum {
        /// Checksum stored in the block.
        stored: u64,
        /// Checksum computed over the block.
        computed: u64,
    },
    /// A major version this driver does not know.
    UnsupportedVersion {
        /// Major version on media.
        major: u16,
        /// Minor version on media.
        minor: u16,
    },
    /// Incompatible feature flags this driver does not know.
    UnknownFlags(u32),
    /// A fixed geometry constant (page, descriptor, chunk, align, section
    /// size) with another value.
    BadConstant {
        /// Which field.
        field: &'static str,
        /// Value found.
        found: u64,
        /// Value required.
        expected: u64,
    },
    /// Placement value not known.
    UnknownPlacement(u32),
    /// The namespace changed size since it was formatted.
    Resized {
        /// Size recorded at format time.
        recorded: u64,
        /// Size now.
        actual: u64,
    },
    /// The namespace moved since it was formatted.
    Moved {
        /// Start recorded at format time.
        recorded: u64,
        /// Start now.
        actual: u64,
    },
    /// The namespace cannot hold the recorded layout (misaligned, too
    /// small, placement not supported).
    Layout(LayoutError),
    /// A recorded layout field differs from the layout the geometry implies.
    LayoutMismatch {
        /// Which field.
        field: &'static str,
        /// Value found.
        found: u64,
        /// Value the geometry implies.
        expected: u64,
    },
    /// The namespace's uuid is not the one recorded at format time: it was
    /// destroyed and another created in its place, over the old data
    /// (labelled namespaces; label-less ones have none, recorded as zero).
    Recreated {
        /// The namespace uuid recorded at format time.
        recorded: [u8; 16],
        /// The namespace's uuid now.
        actual: [u8; 16],
    },
}

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

/// libnvdimm's fletcher64 over little-endian 32-bit words
/// (`nd_fletcher64(addr, len, true)`).
pub fn fletcher64(buf: &[u8]) -> u64 {
    let mut lo: u32 = 0;
    let mut hi: u64 = 0;
    for w in buf.chunks_exact(4) {
        lo = lo.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        hi = hi.wrapping_add(u64::from(lo));
    }
    (hi << 32) | u64::from(lo)
}

/// Checksum of a block as if its checksum field were zero (no copy: this
/// runs on the kernel stack).
fn block_checksum(block: &[u8; BLOCK_SIZE]) -> u64 {
    let mut lo: u32 = 0;
    let mut hi: u64 = 0;
    for (i, w) in block.chunks_exact(4).enumerate() {
        let word = if i * 4 >= OFF_CHECKSUM {
            0
        } else {
            u32::from_le_bytes([w[0], w[1], w[2], w[3]])
        };
        lo = lo.wrapping_add(word);
        hi = hi.wrapping_add(u64::from(lo));
    }
    (hi << 32) | u64::from(lo)
}

fn get_u16(b: &[u8; BLOCK_SIZE], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn get_u32(b: &[u8; BLOCK_SIZE], off: usize) -> u32 {
    let mut v = [0u8; 4];
    v.copy_from_slice(&b[off..off + 4]);
    u32::from_le_bytes(v)
}

fn get_u64(b: &[u8; BLOCK_SIZE], off: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(v)
}

fn get_16(b: &[u8; BLOCK_SIZE], off: usize) -> [u8; 16] {
    let mut v = [0u8; 16];
    v.copy_from_slice(&b[off..off + 16]);
    v
}

fn put(b: &mut [u8; BLOCK_SIZE], off: usize, v: &[u8]) {
    b[off..off + v.len()].copy_from_slice(v);
}

impl InfoBlock {
    /// A new info block for a namespace at `start` of `size` bytes.
    pub fn new(
        placement: Placement,
        start: u64,
        size: u64,
        uuid: [u8; 16],
        parent_uuid: [u8; 16],
    ) -> Result<Self, LayoutError> {
        Ok(InfoBlock {
            version_minor: VERSION_MINOR,
            uuid,
            parent_uuid,
            namespace_start: start,
            layout: Layout::compute(placement, start, size)?,
        })
    }

    /// The on-media incompatible feature flags of a layout.
    fn flags_field(l: &Layout) -> u32 {
        match l.placement {
            Placement::Head | Placement::Sectioned => 0,
            Placement::Grouped => FLAG_GROUPED,
            Placement::Ram => FLAG_RAM,
            Placement::BlockOnly => FLAG_BLOCK_ONLY,
        }
    }

    /// The on-media sections per unit: recorded for grouped placement only
    /// (0, reserved, otherwise; at most `MAX_GROUP_SECTIONS`, a u32).
    fn unit_sections_field(l: &Layout) -> u32 {
        match l.placement {
            Placement::Grouped => l.unit_sections as u32,
            _ => 0,
        }
    }

    /// Encodes the block with its checksum into `b` (every byte written).
    pub fn encode_into(&self, b: &mut [u8; BLOCK_SIZE]) {
        b.fill(0);
        let l = &self.layout;
        put(b, OFF_SIGNATURE, &SIGNATURE);
        put(b, OFF_MAJOR, &VERSION_MAJOR.to_le_bytes());
        put(b, OFF_MINOR, &self.version_minor.to_le_bytes());
        put(b, OFF_FLAGS, &Self::flags_field(l).to_le_bytes());
        put(b, OFF_UUID, &self.uuid);
        put(b, OFF_PARENT_UUID, &self.parent_uuid);
        put(b, OFF_NS_SIZE, &l.namespace_size.to_le_bytes());
        put(b, OFF_NS_START, &self.namespace_start.to_le_bytes());
        put(b, OFF_DATA_OFFSET, &l.data_offset.to_le_bytes());
        put(b, OFF_DATA_SIZE, &l.data_size.to_le_bytes());
        put(b, OFF_DESC_OFFSET, &l.desc_offset().to_le_bytes());
        put(b, OFF_DESC_SIZE, &l.desc_size().to_le_bytes());
        put(b, OFF_PAGE_SIZE, &(PAGE_SIZE as u32).to_le_bytes());
        put(b, OFF_DESC_BYTES, &(DESC_SIZE as u32).to_le_bytes());
        put(b, OFF_CHUNK_SIZE, &(CHUNK_SIZE as u32).to_le_bytes());
        put(b, OFF_PLACEMENT, &l.placement.to_raw().to_le_bytes());
        put(b, OFF_ALIGN, &(ALIGN as u32).to_le_bytes());
        put(b, OFF_SECTION_SIZE, &(SECTION_SIZE as u32).to_le_bytes());
        put(
            b,
            OFF_UNIT_SECTIONS,
            &Self::unit_sections_field(l).to_le_bytes(),
        );
        let sum = block_checksum(b);
        put(b, OFF_CHECKSUM, &sum.to_le_bytes());
    }

    /// Checks that the block was written for the namespace whose uuid is
    /// `actual` (as `nd_pfn_validate()` checks its parent uuid).
    pub fn check_namespace_uuid(&self, actual: &[u8; 16]) -> Result<(), DecodeError> {
        if self.parent_uuid == *actual {
            Ok(())
        } else {
            Err(DecodeError::Recreated {
                recorded: self.parent_uuid,
                actual: *actual,
            })
        }
    }

    /// Decodes and validates a block read from a namespace that now sits at
    /// `start` with `size` bytes. Every field is checked against the layout
    /// the geometry implies; nothing is trusted.
    pub fn decode(b: &[u8; BLOCK_SIZE], start: u64, size: u64) -> Result<Self, DecodeError> {
        let sig = get_16(b, OFF_SIGNATURE);
        if sig != SIGNATURE {
            return Err(DecodeError::NotDpmem(identify_info(&sig)));
        }
        let stored = get_u64(b, OFF_CHECKSUM);
        let computed = block_checksum(b);
        if stored != computed {
            return Err(DecodeError::BadChecksum { stored, computed });
        }
        let (major, minor) = (get_u16(b, OFF_MAJOR), get_u16(b, OFF_MINOR));
        if major != VERSION_MAJOR {
            return Err(DecodeError::UnsupportedVersion { major, minor });
        }
        let flags = get_u32(b, OFF_FLAGS);
        if flags & !KNOWN_FLAGS != 0 {
            return Err(DecodeError::UnknownFlags(flags));
        }
        for (field, off, expected) in [
            ("page size", OFF_PAGE_SIZE, PAGE_SIZE),
            ("descriptor size", OFF_DESC_BYTES, DESC_SIZE),
            ("chunk size", OFF_CHUNK_SIZE, CHUNK_SIZE),
            ("alignment", OFF_ALIGN, ALIGN),
            ("section size", OFF_SECTION_SIZE, SECTION_SIZE),
        ] {
            let found = u64::from(get_u32(b, off));
            if found != expected {
                return Err(DecodeError::BadConstant {
                    field,
                    found,
                    expected,
                });
            }
        }
        let raw_placement = get_u32(b, OFF_PLACEMENT);
        let placement = Placement::from_raw(raw_placement)
            .ok_or(DecodeError::UnknownPlacement(raw_placement))?;
        let recorded_size = get_u64(b, OFF_NS_SIZE);
        if recorded_size != size {
            return Err(DecodeError::Resized {
                recorded: recorded_size,
                actual: size,
            });
        }
        let recorded_start = get_u64(b, OFF_NS_START);
        if recorded_start != start {
            return Err(DecodeError::Moved {
                recorded: recorded_start,
                actual: start,
            });
        }
        let unit_sections = u64::from(get_u32(b, OFF_UNIT_SECTIONS));
        let layout = match placement {
            Placement::Grouped => Layout::compute_grouped(start, size, unit_sections),
            _ => Layout::compute(placement, start, size),
        }
        .map_err(DecodeError::Layout)?;
        for (field, off, expected) in [
            ("data offset", OFF_DATA_OFFSET, layout.data_offset),
            ("data size", OFF_DATA_SIZE, layout.data_size),
            ("descriptor offset", OFF_DESC_OFFSET, layout.desc_offset()),
            ("descriptor area size", OFF_DESC_SIZE, layout.desc_size()),
        ] {
            let found = get_u64(b, off);
            if found != expected {
                return Err(DecodeError::LayoutMismatch {
                    field,
                    found,
                    expected,
                });
            }
        }
        for (field, found, expected) in [
            ("feature flags", flags, Self::flags_field(&layout)),
            (
                "sections per unit",
                get_u32(b, OFF_UNIT_SECTIONS),
                Self::unit_sections_field(&layout),
            ),
        ] {
            if found != expected {
                return Err(DecodeError::LayoutMismatch {
                    field,
                    found: found.into(),
                    expected: expected.into(),
                });
            }
        }
        Ok(InfoBlock {
            version_minor: minor,
            uuid: get_16(b, OFF_UUID),
            parent_uuid: get_16(b, OFF_PARENT_UUID),
            namespace_start: recorded_start,
            layout,
        })
    }
}
