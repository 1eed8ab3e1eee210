// SPDX-License-Identifier: GPL-2.0

//! The on-media info block: encode, decode and validate (pure logic, no
//! kernel dependencies: also built, tested and fuzzed on the host).
//!
//! 4 KiB at namespace offset 4 KiB, little-endian. The format is specified
//! in Documentation/driver-api/dpmem.rst; field offsets are the `OFF_*`
//! constants below. The checksum is libnvdimm's fletcher64 (as in
//! `nd_sb_checksum()`) over the whole block with the checksum field zeroed.

pub use super::foreign::{identify, identify_info, Foreign, HEAD_SIZE};
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
/// flags, [`FLAG_GROUPED`], [`FLAG_RAM`], [`FLAG_BLOCK_ONLY`]; 3 ram's
/// unit size, which a 1.2 driver ignores and builds 2 MiB units instead:
/// the media layout is the same).
pub const VERSION_MINOR: u16 = 3;
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
const OFF_RAM_UNIT: usize = 0x084;
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
        Ok(Self::for_layout(
            Layout::compute(placement, start, size)?,
            start,
            uuid,
            parent_uuid,
        ))
    }

    /// A new info block for `layout` of a namespace at `start`.
    pub fn for_layout(layout: Layout, start: u64, uuid: [u8; 16], parent_uuid: [u8; 16]) -> Self {
        InfoBlock {
            version_minor: VERSION_MINOR,
            uuid,
            parent_uuid,
            namespace_start: start,
            layout,
        }
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

    /// The on-media ram unit in 2 MiB blocks: recorded for ram placement
    /// only (0, reserved, otherwise; at most `MAX_RAM_UNIT / ALIGN`).
    fn ram_unit_field(l: &Layout) -> u32 {
        (l.ram_unit / ALIGN) as u32
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
        put(b, OFF_RAM_UNIT, &Self::ram_unit_field(l).to_le_bytes());
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
        // A 1.2 block left ram's unit zero: 2 MiB.
        let ram_blocks = u64::from(get_u32(b, OFF_RAM_UNIT).max(1));
        let layout = match placement {
            Placement::Grouped => Layout::compute_grouped(start, size, unit_sections),
            Placement::Ram => Layout::compute_ram(start, size, ram_blocks * ALIGN),
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
            // Ram's unit made its layout above (0 and 1 both mean 2 MiB);
            // on every other placement the field is reserved: zero.
            (
                "ram unit",
                get_u32(b, OFF_RAM_UNIT),
                match placement {
                    Placement::Ram => get_u32(b, OFF_RAM_UNIT),
                    _ => 0,
                },
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
