// SPDX-License-Identifier: GPL-2.0

//! libnvdimm (the nd bus): the namespace driver and its registration
//! ([`bus`]), the namespace device ([`namespace`]) and its region
//! ([`region`]).

pub mod bus;
pub mod namespace;
pub mod region;

pub use bus::{Driver, DriverHandle, Registration};
pub use namespace::{Level, Metadata, Namespace, NamespaceGuard, NamespaceRef, NamespaceResource};
pub use region::{Flushed, Region};
