//! vault's integration tests: one binary (linking the crate and its image, zip and PDF code once),
//! one module per area. Each test drives the real `vault` binary in a temp dir (see `common`).

// Tests print notices (a skipped corpus, a missing tool) to the test log.
#![allow(clippy::print_stdout, clippy::print_stderr)]
// Tests unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used)]

mod common;

mod add;
mod bundle;
mod bundle_interop;
mod buyers;
mod capture_oracle;
mod chat;
mod chat_locales;
mod completions;
mod config;
mod corpus;
mod crash;
mod cron;
mod disputes;
mod exit_codes;
mod forms;
mod fuzz_replay;
mod hostile;
mod interop;
mod json_contract;
mod json_typed;
mod layers;
mod media;
mod phone_photos;
mod roundtrip;
mod scripts;
mod shipments;
mod snapshots;
mod tracking;
mod trust;
mod tsa_server;
mod upload;
mod verify;
