//! The file of `ops/bench bulk`: a register's history as NDJSON, one realistic registration
//! action per line (Ukrainian names, УНЗР/РНОКПП agreeing with the birth date, real КАТОТТГ
//! codes), dated between the person's eighteenth birthday and the end of last year, in no
//! particular order. Deterministic for a seed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDate};
use dms_tests::fixtures::actions;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Write;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

const KINDS: [(&str, u32); 6] = [
    ("declaration_of_residence", 40),
    ("registration_of_residence", 25),
    ("declaration_of_stay", 10),
    ("registration_of_stay", 5),
    ("deregistration_of_residence", 15),
    ("deregistration_of_stay", 5),
];

fn main() {
    let lines: u64 = arg("--lines").map_or(1_000_000, |v| v.parse().unwrap());
    let seed: u64 = arg("--seed").map_or(2026, |v| v.parse().unwrap());
    let prefix = arg("--prefix").unwrap_or_else(|| "HIST".into());
    let katottg: Vec<String> =
        std::fs::read_to_string(arg("--katottg-file").expect("--katottg-file"))
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
    let out = std::fs::File::create(arg("--out").expect("--out")).unwrap();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut rng = StdRng::seed_from_u64(seed);
    let end = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let total: u32 = KINDS.iter().map(|k| k.1).sum();
    for n in 0..lines {
        let mut pick = rng.gen_range(0..total);
        let kind = KINDS
            .iter()
            .find(|k| {
                if pick < k.1 {
                    true
                } else {
                    pick -= k.1;
                    false
                }
            })
            .unwrap()
            .0;
        let doc = actions::random_of(
            kind,
            &format!("{prefix}-{n}"),
            "2000-01-01",
            &katottg,
            &mut rng,
        );
        let mut doc: serde_json::Value = serde_json::from_slice(&doc).unwrap();
        let birth: NaiveDate = doc["person"]["birth_date"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let from =
            (birth + Duration::days(18 * 365)).max(NaiveDate::from_ymd_opt(2004, 1, 1).unwrap());
        let span = (end - from).num_days().max(1);
        let date = (from + Duration::days(rng.gen_range(0..span))).min(end);
        doc["action"]["date"] = date.to_string().into();
        serde_json::to_writer(&mut out, &doc).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
}
