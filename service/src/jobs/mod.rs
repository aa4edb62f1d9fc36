//! Scheduled jobs: each one a unit (name, schedule, run), run by the feeder's scheduler and by
//! its command-line command alike.
