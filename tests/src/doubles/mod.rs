//! Stand-ins for the systems the service talks to.

pub mod eddr;
