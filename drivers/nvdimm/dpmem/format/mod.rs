// SPDX-License-Identifier: GPL-2.0

//! The pure logic of dpmem: what is on the media and what an administrator
//! asks for. No kernel dependencies and no `unsafe`: the same files are
//! built into the module and, by `tests/host`, into host tests and fuzzers.
//!
//! - [`layout`]: where the info block, the descriptor chunks and the data
//!   live for each placement;
//! - [`placement`]: where the struct pages live, per namespace;
//! - [`locate`]: where a device byte is on the media;
//! - [`units`]: the units of lazy initialisation and their page maps;
//! - [`infoblock`]: the on-media info block, encoded, decoded, validated;
//! - [`foreign`]: what else a namespace's head may hold;
//! - [`poison`]: known media poison, as bad sectors of the block device;
//! - [`command`]: the format request written to the driver's `format` file;
//! - [`naming`]: disk names from namespace names;
//! - [`rangelist`]: "0,3-5" lists that fit a sysfs page;
//! - [`uuid`]: how uuids are shown.

#![forbid(unsafe_code)]

pub mod command;
pub mod foreign;
pub mod infoblock;
pub mod layout;
pub mod locate;
pub mod naming;
pub mod placement;
pub mod poison;
pub mod rangelist;
pub mod units;
pub mod uuid;
