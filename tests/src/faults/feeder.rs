//! Scenarios 3 and 4: the feeder killed mid-delivery while ЄДДР is slow or failing, and an
//! outbox that becomes unwritable.

use super::{Env, Verdict};

pub async fn killed_mid_delivery(_env: &Env) -> Verdict {
    let mut v = Verdict::new("3. feeder killed mid-delivery, ЄДДР slow and failing");
    v.problems.push("not written yet".into());
    v
}

pub async fn outbox_unwritable(_env: &Env) -> Verdict {
    let mut v = Verdict::new("4. outbox unwritable");
    v.problems.push("not written yet".into());
    v
}
