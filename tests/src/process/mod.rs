//! The real `dms-api` and `dms-feeder` binaries as child processes: started, watched, killed and
//! restarted the one way every test and fault scenario uses.

pub mod api;
pub mod feeder;
pub mod run;
