//! End-to-end tests of the DMS service: real PostgreSQL (a fresh database per test), real HTTP on
//! 127.0.0.1:0. Run them with `ops/test`, which prepares the template database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod abandoned;
mod abuse;
mod atomicity;
mod audit_chain;
mod audit_coverage;
mod bulk;
mod bulk_purge;
mod cancellation;
mod channels;
mod console;
mod credentials;
mod enums;
mod feed_ranges;
mod feeder;
mod feeder_large;
mod idempotency;
mod intake;
mod logs;
mod moves;
mod operations;
mod privileges;
mod reconciliation;
mod resilience;
mod staff;
mod staff_api;
mod support;
mod tls;
mod validation;
mod web;
