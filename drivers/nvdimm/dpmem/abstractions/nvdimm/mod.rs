// SPDX-License-Identifier: GPL-2.0

//! libnvdimm (the nd bus): the namespace driver and its registration
//! ([`bus`], its sysfs attributes in [`bus_attrs`]), the claim that keeps
//! other drivers off a namespace ([`claim`]), finding namespaces on the bus
//! ([`devices`]), the namespace device ([`namespace`]) and its region
//! ([`region`]).

pub mod bus;
pub mod bus_attrs;
pub mod claim;
pub mod devices;
pub mod namespace;
pub mod region;

pub use bus::{Driver, DriverHandle, Event, Registration};
pub use claim::Holder;
pub use namespace::{Level, Metadata, Namespace, NamespaceGuard, NamespaceRef, NamespaceResource};
pub use region::{Flushed, Region};
