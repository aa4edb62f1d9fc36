//! The service layer: every operation the system performs is one function here, taking typed
//! input and the actor, running its write and its audit row in one transaction. The HTTP
//! handlers, the command line, the scheduled jobs and the web pages call these functions;
//! nothing else writes.

pub mod jobs;
