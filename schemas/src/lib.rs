//! The contract between community registers and DMS: JSON Schemas, the typed model they describe,
//! identifier checks and Kyiv civil time. Pure: no I/O, no SQL.

pub mod action;
pub mod calendar;
pub mod codes;
pub mod contract;
pub mod identifiers;
pub mod strict;
pub mod time;

pub use action::{ActionType, CancelTarget, PersonKeys, RegistrationAction, Subject};
pub use codes::FieldCode;
pub use contract::{Contract, FieldError, REGISTRATION_ACTION_V1_NAME};
pub use identifiers::{DocumentNumber, DocumentType, Edrpou, IdError, Katottg, Rnokpp, Unzr};
