// SPDX-License-Identifier: GPL-2.0

//! Parsing of what an admin writes to `/sys/bus/nd/drivers/dpmem/format`
//! (pure logic, no kernel dependencies: also built and tested on the host).
//!
//! Syntax: `namespaceR.N [head|sectioned|grouped|ram|none] [force]`, words
//! separated by blanks, options in any order, each at most once.

use super::layout::Placement;
use super::naming::parse_namespace_name;

/// A parsed format request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatCommand<'a> {
    /// Namespace device name, e.g. `namespace0.0`.
    pub namespace: &'a str,
    /// Descriptor placement, if the request names one (else the
    /// `default_placement` module parameter applies).
    pub placement: Option<Placement>,
    /// Overwrite whatever the namespace holds.
    pub force: bool,
}

/// What is wrong with a format request (the text goes to the kernel log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// Nothing was written.
    Empty,
    /// Not valid UTF-8.
    NotText,
    /// The first word is not a namespace name.
    BadNamespace,
    /// A word that is not an option.
    UnknownWord,
    /// An option given twice, or two placements.
    Repeated,
}

impl CommandError {
    /// Human-readable reason.
    pub fn reason(self) -> &'static str {
        match self {
            CommandError::Empty => "empty request",
            CommandError::NotText => "request is not text",
            CommandError::BadNamespace => "first word must be a namespace name like namespace0.0",
            CommandError::UnknownWord => {
                "unknown word (options: head, sectioned, grouped, ram, none, force)"
            }
            CommandError::Repeated => "option repeated or two placements given",
        }
    }
}

/// Parses a format request.
pub fn parse_format(input: &[u8]) -> Result<FormatCommand<'_>, CommandError> {
    let text = core::str::from_utf8(input).map_err(|_| CommandError::NotText)?;
    let mut words = text.split_ascii_whitespace();
    let namespace = words.next().ok_or(CommandError::Empty)?;
    parse_namespace_name(namespace).ok_or(CommandError::BadNamespace)?;
    let mut placement = None;
    let mut force = false;
    for w in words {
        match w {
            "force" if force => return Err(CommandError::Repeated),
            "force" => force = true,
            _ => match Placement::from_name(w) {
                Some(_) if placement.is_some() => return Err(CommandError::Repeated),
                Some(p) => placement = Some(p),
                None => return Err(CommandError::UnknownWord),
            },
        }
    }
    Ok(FormatCommand {
        namespace,
        placement,
        force,
    })
}
