//! Test harness of the DMS service: the real service in-process ([`app`]) or as processes
//! ([`process`]) against real PostgreSQL ([`db`]), request helpers for each side ([`client`]),
//! one generator of test data ([`fixtures`]), an ЄДДР double ([`doubles`]), concurrent load
//! clients ([`load`]) and the fault-injection scenarios of `ops/faults` ([`faults`]).

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod app;
pub mod client;
pub mod db;
pub mod doubles;
pub mod faults;
pub mod fixtures;
pub mod load;
pub mod process;
pub mod web_client;

pub use app::{spawn_app, spawn_app_with, AppOptions, TestApp};
pub use db::{fresh_database, DbProxy};
pub use fixtures::actions::{action_with_unzr, example, kyiv_day, person_action};
pub use fixtures::bodies::{
    provision, KHMELNYTSKYI_CITY, KHMELNYTSKYI_CLIENT, KHMELNYTSKYI_EDRPOU, KHMELNYTSKYI_HROMADA,
    KYIV_CITY, KYIV_EDRPOU, KYIV_PECHERSKYI, LVIV_EDRPOU, LVIV_HROMADA,
};
