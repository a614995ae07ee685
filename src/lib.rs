//! Parse, validate and render Nomad job specifications with Consul Connect sidecars.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! 1. [`source`]: the text and its name;
//! 2. [`parse`](mod@parse) and `lower`: HCL to the typed [`model`], keeping spans;
//! 3. [`validate`](mod@validate): Nomad's rules and ours, as [`diagnostic`]s with codes,
//!    spans and help;
//! 4. [`render`](mod@render): Nomad's Connect injection, then the Consul registrations,
//!    task environments and sidecar proxy configuration of an allocation;
//! 5. `consul` (feature `consul`): register, sync and deregister a render in a Consul agent;
//!
//! and [`write`](mod@write): HCL out, canonical formatting (`jobspec fmt`) and the model as a
//! jobspec (`jobspec convert --to hcl`).
//!
//! ```
//! let job = jobspec::parse(r#"job "web" { datacenters = ["dc1"] }"#)?;
//! assert_eq!(job.datacenters.as_deref().unwrap()[0].as_str(), "dc1");
//! let json = jobspec::model::to_api_json(&job);
//! assert_eq!(json, r#"{"Job":{"ID":"web","Name":"web","Datacenters":["dc1"]}}"#);
//! # Ok::<(), jobspec::Report>(())
//! ```

#![warn(clippy::print_stdout, clippy::print_stderr)]

#[cfg(feature = "consul")]
pub mod consul;
pub mod diagnostic;
// `model` first: it defines the `schema!` macro that `lower` uses too.
#[macro_use]
pub mod model;
mod lower;
pub mod output;
pub mod parse;
pub mod render;
pub mod source;
pub mod span;
pub mod validate;
pub mod write;

#[doc(inline)]
pub use diagnostic::{Code, Diagnostic, Report, Severity};
#[doc(inline)]
pub use model::Job;
#[doc(inline)]
pub use parse::{Limits, ParseOptions, Parsed, parse, parse_recoverable, parse_with};
#[doc(inline)]
pub use render::{AllocContext, Rendered, inject, render};
#[doc(inline)]
pub use source::SourceFile;
#[doc(inline)]
pub use span::{Span, Spanned};
#[doc(inline)]
pub use validate::validate;

/// The README's examples, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
